#include "bench_core.h"

#include <algorithm>

namespace xattn {
namespace bench {
namespace {

uint64_t splitmix(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double ms(uint64_t ticks, const Clock& c) { return static_cast<double>(ticks) * 1000.0 / c.ticks_per_second; }

// Calls visit(bytes, size) for every block of memory one decoder step reads
// from the model, in the order the step reads them: each linear layer's
// weights, scales, row sums and bias (the output projection last). Not the
// cross-attention K/V projection, which runs once per input.
template <class Visit>
void for_each_step_region(const ModelView& m, Visit visit) {
  auto linear = [&](const LinearView& l) {
    const MatrixView& w = l.weight;
    const uint64_t n = static_cast<uint64_t>(w.rows) * w.cols;
    const bool int8 = w.dtype == format::DType::kInt8, int4 = w.dtype == format::DType::kInt4;
    // int4: the nibbles and the group scales after them, one region.
    visit(static_cast<const uint8_t*>(w.data), int4 ? format::int4_data_bytes(w.rows, w.cols) : int8 ? n : 4 * n);
    if (w.scales) visit(reinterpret_cast<const uint8_t*>(w.scales), 4ull * w.rows);
    if (w.row_sums) visit(reinterpret_cast<const uint8_t*>(w.row_sums), 4ull * w.rows);
    if (l.bias) visit(reinterpret_cast<const uint8_t*>(l.bias), 4ull * w.rows);
  };
  for (uint32_t l = 0; l < m.config.decoder_layers; ++l) {
    const DecoderLayerView& d = m.decoder[l];
    for (const LinearView* v : {&d.self_qkv, &d.self_out, &d.cross_q, &d.cross_out, &d.ffn_in, &d.ffn_out}) linear(*v);
  }
  linear(m.output);
}

// GB/s of the fastest of `repeats` timed calls of pass() (which reads
// `bytes` and returns a fold of them), after one warm-up call.
template <class Pass>
double best_gbps(const Clock& clock, uint32_t repeats, uint64_t bytes, Pass pass) {
  double best = 0;
  volatile uint64_t sink = 0;  // the folds are used, so no pass can be dropped
  for (uint32_t r = 0; r <= repeats; ++r) {  // pass 0 warms caches and TLB
    const uint64_t t0 = clock.now();
    const uint64_t fold = pass();
    const uint64_t t1 = clock.now();
    sink = sink ^ fold;
    const double seconds = static_cast<double>(t1 - t0) / clock.ticks_per_second;
    const double gbps = seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0;
    if (r > 0 && gbps > best) best = gbps;
  }
  return best;
}

}  // namespace

void generate_inputs(const ModelConfig& config, const Plan& plan, uint32_t* ids, uint32_t* offsets) {
  uint64_t state = plan.seed;
  const uint32_t first = 4, vocab = config.source_vocab_size;
  for (uint32_t s = 0; s < plan.sentences; ++s) {
    offsets[s] = s * plan.source_length;
    for (uint32_t i = 0; i < plan.source_length; ++i) {
      const uint32_t span = vocab > first ? vocab - first : 1;
      ids[s * plan.source_length + i] = (vocab > first ? first : 0) + static_cast<uint32_t>(splitmix(&state) % span);
    }
  }
  offsets[plan.sentences] = plan.sentences * plan.source_length;
}

void generate_features(const Plan& plan, uint32_t n_mels, uint32_t frames, float* out) {
  uint64_t state = plan.seed;
  const size_t n = size_t{plan.sentences} * n_mels * frames;
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(splitmix(&state) >> 40) * (2.5f / 16777216.0f) - 1.0f;
}

Stats summarize(double* values, size_t count) {
  Stats s;
  if (count == 0) return s;
  std::sort(values, values + count);
  auto rank = [&](double p) {  // nearest rank: ceil(p * n) - 1
    size_t r = static_cast<size_t>(p * static_cast<double>(count) + 0.999999);
    return values[(r ? r - 1 : 0) < count ? (r ? r - 1 : 0) : count - 1];
  };
  s.p50 = rank(0.50);
  s.p90 = rank(0.90);
  s.p99 = rank(0.99);
  double sum = 0;
  for (size_t i = 0; i < count; ++i) sum += values[i];
  s.mean = sum / static_cast<double>(count);
  return s;
}

Status run(Session& session, const Plan& plan, const Inputs& inputs, const Clock& clock, Samples samples,
           Measurement* out) {
  const size_t needed = static_cast<size_t>(plan.iterations) * inputs.sentences;
  if (needed > samples.capacity) return Status::error(StatusCode::kLimitExceeded).add("bench: too few sample slots");
  GenerateOptions options;
  options.beam_size = plan.beam;
  options.max_length = plan.max_length;
  if (plan.forced_length) options.min_length = plan.max_length;  // the end token never wins before the last step
  Result result;
  size_t n = 0;
  uint64_t tokens = 0, steps = 0, total_ticks = 0;
  for (uint32_t it = 0; it < plan.warmup + plan.iterations; ++it) {
    const bool measured = it >= plan.warmup;
    for (uint32_t s = 0; s < inputs.sentences; ++s) {
      const uint32_t* src = inputs.ids + inputs.offsets[s];
      const size_t len = inputs.offsets[s + 1] - inputs.offsets[s];
      const uint64_t t0 = clock.now();
      Status st = inputs.features != nullptr
                      ? session.encode_features(inputs.features + size_t{s} * inputs.n_mels * inputs.frames,
                                                inputs.n_mels, inputs.frames)
                      : session.encode(src, len);
      const uint64_t t1 = clock.now();
      if (st.is_ok()) st = session.generate(options, &result);
      const uint64_t t2 = clock.now();
      if (!st.is_ok()) return st;
      if (!measured) continue;
      const uint32_t length = result.count ? result.hypotheses[0].length : 0;
      // Steps run: the tokens plus the end token, unless the limit cut it off.
      uint32_t taken = plan.forced_length ? plan.max_length : length + 1;
      if (taken > plan.max_length) taken = plan.max_length;
      if (taken == 0) taken = 1;
      samples.encode_ms[n] = ms(t1 - t0, clock);
      samples.step_ms[n] = ms(t2 - t1, clock) / taken;
      samples.sentence_ms[n] = ms(t2 - t0, clock);
      ++n;
      tokens += length;
      steps += taken;
      total_ticks += t2 - t0;
    }
  }
  out->encode_ms = summarize(samples.encode_ms, n);
  out->step_ms = summarize(samples.step_ms, n);
  out->sentence_ms = summarize(samples.sentence_ms, n);
  out->tokens = tokens;
  out->steps = steps;
  out->samples = static_cast<uint32_t>(n);
  out->tokens_per_second = total_ticks ? static_cast<double>(tokens) * clock.ticks_per_second / total_ticks : 0;
  return Status();
}

const char* weight_kind(const ModelView& m) {
  // int4 goes to linear layers only: the embeddings (and an output projection stored with them) stay int8.
  if (m.decoder[0].ffn_in.weight.dtype == format::DType::kInt4) return "int4";
  bool i8 = false, f32 = false;
  const MatrixView* all[] = {&m.output.weight, &m.decoder[0].ffn_in.weight, &m.encoder[0].ffn_in.weight};
  for (const MatrixView* v : all) (v->dtype == format::DType::kInt8 ? i8 : f32) = true;
  return i8 && f32 ? "mixed" : i8 ? "int8" : "f32";
}

uint64_t decoder_step_weight_bytes(const ModelView& m) {
  uint64_t total = 0;
  for_each_step_region(m, [&](const uint8_t*, uint64_t size) { total += size; });
  return total;
}

double measure_step_read_bandwidth(const ModelView& m, const Clock& clock, uint32_t repeats, Reader read) {
  return best_gbps(clock, repeats, decoder_step_weight_bytes(m), [&] {
    uint64_t fold = 0;
    for_each_step_region(m, [&](const uint8_t* p, uint64_t size) { fold ^= read(p, static_cast<size_t>(size)); });
    return fold;
  });
}

double measure_read_bandwidth(const uint8_t* bytes, size_t size, const Clock& clock, uint32_t repeats,
                              Reader read) {
  return best_gbps(clock, repeats, size, [&] { return read(bytes, size); });
}

}  // namespace bench
}  // namespace xattn
