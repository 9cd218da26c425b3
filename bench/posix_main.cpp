// xattn-bench on a posix host: parses options, loads a model file (or
// synthesizes one in memory), prepares inputs, and hands the measuring to
// bench_core; adds what only an OS offers (peak RSS, heap counting, pinning).
#include <sched.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "allocation_counter.h"
#include "bench_core.h"
#include "bench_options.h"
#include "compute_split.h"
#include "kernel_figures.h"
#include "tokenizer_bench.h"
#include "kernels/kernels.h"
#include "mapped_file.h"
#include "thread_pool.h"
#include "synth.h"
#include "xattn/text.h"
#include "xattn_writer.h"

namespace xb = xattn::bench;

namespace {

uint64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}
constexpr xb::Clock kClock{now_ns, 1e9};
double now_seconds() { return static_cast<double>(now_ns()) * 1e-9; }

void print_stdout(const char* text) { std::fputs(text, stdout); }

int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  }
  return -1;
}

struct AlignedFree {
  void operator()(uint8_t* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<uint8_t, AlignedFree>;
Buffer aligned_buffer(size_t bytes) {
  return Buffer(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
}

// The roofline's read on the session's threads: each region the step reads
// is cut into one 64-byte-aligned piece per thread, read concurrently with
// the kernel table's stream_read through the pool.
struct ParallelRead {
  const xattn::ParallelFor* parallel;
  const xattn::kernels::KernelTable* table;
};

// One region's read: its pieces and each piece's fold.
struct ReadJob {
  const ParallelRead* how;
  const uint8_t* bytes;
  size_t size, piece;
  uint64_t folds[xattn::kMaxThreads];
};

void read_piece(void* context, uint32_t task, uint32_t) {
  ReadJob& job = *static_cast<ReadJob*>(context);
  const size_t begin = task * job.piece;
  const size_t end = begin + job.piece < job.size ? begin + job.piece : job.size;
  if (begin < end) job.folds[task] = job.how->table->stream_read(job.bytes + begin, end - begin);
}

uint64_t parallel_read(const void* context, const uint8_t* bytes, size_t size) {
  const ParallelRead& how = *static_cast<const ParallelRead*>(context);
  const uint32_t threads = how.parallel->workers;
  ReadJob job{&how, bytes, size, (size / threads + 63) / 64 * 64, {}};
  how.parallel->run(how.parallel->pool, threads, threads, read_piece, &job);
  uint64_t fold = 0;
  for (uint32_t t = 0; t < threads; ++t) fold ^= job.folds[t];
  return fold;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "xattn-bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  xb::Options o;
  const std::string usage_error = xb::parse_options(argc, argv, &o);
  if (o.help) {
    std::fputs(xb::kUsage, stdout);
    return 0;
  }
  if (!usage_error.empty()) return fail(usage_error + " (see xattn-bench --help)");
  if (o.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (uint32_t t = 0; t < o.threads; ++t) CPU_SET(o.cpu + static_cast<int>(t), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) return fail("cannot pin to CPUs from " + std::to_string(o.cpu));
  }

  const xattn::kernels::KernelTable* table = &xattn::kernels::best_kernels();
  if (!o.kernels.empty() && !(table = xattn::kernels::kernels_by_name(o.kernels.c_str())))
    return fail("kernel path '" + o.kernels + "' is not compiled in or not supported by this CPU");
  if (o.kernel_figures) return xb::print_kernel_figures(*table, print_stdout);
  if (!o.tokenizer.empty()) return xb::run_tokenizer_bench(o.tokenizer, o.input, o.plan, print_stdout);

  // The model: a mapped file, or a synthetic one built here.
  xattn::posix::MappedFile file;
  Buffer synthesized;
  const uint8_t* bytes = nullptr;
  size_t size = 0;
  std::string name = o.model;
  if (!o.model.empty()) {
    const std::string error = file.open(o.model);
    if (!error.empty()) return fail(error);
    bytes = file.data();
    size = file.size();
  } else {
    xattn::convert::XattnModelContents contents;
    std::vector<uint8_t> out;
    const auto type = o.weights == "int8"   ? xattn::convert::WeightType::kInt8
                      : o.weights == "int4" ? xattn::convert::WeightType::kInt4
                                            : xattn::convert::WeightType::kFloat32;
    std::string error = xattn::convert::synth_model(o.preset, type, o.model_seed, &contents);
    if (error.empty()) error = xattn::convert::write_xattn_model(contents, &out);
    if (!error.empty()) return fail(error);
    synthesized = aligned_buffer(out.size());
    std::memcpy(synthesized.get(), out.data(), out.size());
    bytes = synthesized.get();
    size = out.size();
    name = "synth:" + o.preset;
  }
  static xattn::ModelView model;  // large (fixed-size layer arrays): not on the stack
  xattn::Status st = xattn::open_model(bytes, size, &model);
  if (!st.is_ok()) return fail(st.message());

  // Inputs: lines of source tokens, or generated ones.
  std::vector<uint32_t> ids, offsets{0};
  if (!o.input.empty()) {
    std::ifstream in(o.input);
    if (!in) return fail("cannot read " + o.input);
    std::string line;
    std::vector<uint32_t> buf(xattn::kMaxSequence);
    while (std::getline(in, line)) {
      size_t count = 0;
      st = xattn::tokenize(model, xattn::Side::kSource, line.data(), line.size(), buf.data(), buf.size(), &count);
      if (!st.is_ok()) return fail(st.message());
      if (count == 0) continue;
      ids.insert(ids.end(), buf.begin(), buf.begin() + count);
      offsets.push_back(static_cast<uint32_t>(ids.size()));
    }
    o.plan.sentences = static_cast<uint32_t>(offsets.size() - 1);
    if (o.plan.sentences == 0) return fail(o.input + " holds no input");
  } else {
    ids.resize(static_cast<size_t>(o.plan.sentences) * o.plan.source_length);
    offsets.resize(o.plan.sentences + 1);
    xb::generate_inputs(model.config, o.plan, ids.data(), offsets.data());
  }
  uint32_t longest = 1;
  for (size_t s = 0; s + 1 < offsets.size(); ++s) longest = std::max(longest, offsets[s + 1] - offsets[s]);
  xb::Inputs inputs{ids.data(), offsets.data(), o.plan.sentences};
  // Audio models: --source-length encoder positions = 2 x as many log-mel
  // frames (1500 = a 30 s window), values in Whisper's normalized range.
  std::vector<float> features;
  if (model.config.encoder_input == xattn::EncoderInput::kAudio) {
    if (!o.input.empty()) return fail("an audio model takes generated features, not --input text");
    inputs.n_mels = model.config.n_mels;
    inputs.frames = 2 * o.plan.source_length;
    features.resize(size_t{o.plan.sentences} * inputs.n_mels * inputs.frames);
    xb::generate_features(o.plan, inputs.n_mels, inputs.frames, features.data());
    inputs.features = features.data();
    longest = o.plan.source_length;
  }

  xattn::Limits limits;
  limits.max_source_length = longest;
  limits.max_target_length = o.plan.max_length;
  limits.max_beam = o.plan.beam;
  limits.alignment = false;
  limits.kv_cache = o.kv_cache;
  limits.self_kv_cache = o.self_kv_cache;
  limits.threads = o.threads;
  const size_t arena_size = xattn::arena_bytes(model.config, limits);
  Buffer arena = aligned_buffer(arena_size);
  static xattn::Session session;
  // Made before the session (after pinning: its threads inherit the CPUs) and
  // kept to the end; the allocation proof below runs with it.
  xattn::ThreadPool pool(o.threads);
  session.set_parallel(pool.parallel());
  st = session.init_with_kernels(model, limits, arena.get(), arena_size, *table);
  if (!st.is_ok()) return fail(st.message());

  xb::Report report;
  report.model = name.c_str();
  report.weights = xb::weight_kind(model);
  report.kernels = session.kernel_name();
  report.kv_cache = xattn::kv_precision_name(o.kv_cache);
  report.self_kv_cache = xattn::kv_precision_name(o.self_kv_cache);
  report.threads = o.threads;
  report.model_bytes = size;
  report.arena_bytes = arena_size;
  report.plan = o.plan;
  // What the host gives N threads, before the run and after it (it changes
  // when other tenants come and go).
  report.compute_split_before = xb::compute_split_ratio(*table, pool.parallel(), o.threads, now_seconds);
  const size_t slots = static_cast<size_t>(o.plan.iterations) * o.plan.sentences;
  std::vector<double> samples(3 * (slots > 0 ? slots : 1));
  xb::Samples sample_view{samples.data(), samples.data() + slots, samples.data() + 2 * slots, slots};
  st = xb::run(session, o.plan, inputs, kClock, sample_view, &report.measured);
  if (!st.is_ok()) return fail(st.message());
  report.compute_split_after = xb::compute_split_ratio(*table, pool.parallel(), o.threads, now_seconds);

  // The heap proof: one sentence, 1 iteration, then N; same count expected.
  if (o.alloc_iterations > 0) {
    // A large model's proof can take minutes: say so rather than look hung.
    const double proof_s = report.measured.sentence_ms.p50 * (1.0 + o.alloc_iterations) / 1e3;
    if (proof_s > 5.0)
      std::fprintf(stderr, "xattn-bench: heap-allocation proof, 1 + %u iterations of one sentence: about %.0f s"
                   " (--alloc-iterations 0 skips it)\n", o.alloc_iterations, proof_s);
    xb::Plan proof = o.plan;
    proof.warmup = 0;
    xb::Inputs one = inputs;
    one.sentences = 1;
    std::vector<double> proof_samples(3 * static_cast<size_t>(o.alloc_iterations));
    const size_t n = o.alloc_iterations;
    xb::Samples view{proof_samples.data(), proof_samples.data() + n, proof_samples.data() + 2 * n, n};
    xb::Measurement ignored;
    proof.iterations = 1;
    xattn::posix::allocation_window_open();
    st = xb::run(session, proof, one, kClock, view, &ignored);
    report.allocations_one = xattn::posix::allocation_window_close();
    proof.iterations = o.alloc_iterations;
    xattn::posix::allocation_window_open();
    if (st.is_ok()) st = xb::run(session, proof, one, kClock, view, &ignored);
    report.allocations_many = xattn::posix::allocation_window_close();
    report.allocation_iterations = o.alloc_iterations;
    if (!st.is_ok()) return fail(st.message());
  }

  if (o.roofline) {
    report.roofline = true;
    report.step_weight_bytes = xb::decoder_step_weight_bytes(model);
    // With --threads T the bound is T threads' bandwidth, as the step's is.
    const ParallelRead on_threads{&pool.parallel(), table};
    report.bandwidth_gbps = xb::measure_step_read_bandwidth(
        model, kClock, 10, o.threads > 1 ? xb::Reader{parallel_read, &on_threads} : xb::stream_reader(*table));
  }
  report.peak_rss_bytes = peak_rss_bytes();
  (o.json ? xb::print_json : xb::print_table)(report, print_stdout);
  return 0;
}
