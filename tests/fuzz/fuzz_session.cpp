// Fuzz target: the session entry points, on small models, with hostile options.
//
// One process holds three synthetic models (float32 and int8 with token text,
// 2+2 layers; int8 with character text, 1+1) and two sessions per model (beam
// 4 with alignment room; greedy without), each in an arena sized exactly by
// the planner, with the padding after every planned region poisoned for ASan:
// a write or read outside its region is a report, not silent corruption. Each
// input is decoded into a source (ids, some out of range, lengths beyond the
// limit, or text through tokenize) and every GenerateOptions field, within
// and beyond limits (NaN penalties, null spans, beams past the session's,
// prefixes past max length, end and suppressed tokens out of range...). Any
// error Status is fine. Checked: no crash, UB or leak; a successful result is
// well formed; and generating twice gives bit-identical tokens, scores and
// alignments.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "fuzz_support.h"
#include "xattn/text.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define XATTN_POISON(p, n) __asan_poison_memory_region((p), (n))
#define XATTN_IS_POISONED(p) __asan_address_is_poisoned(p)
#endif
#endif
#ifndef XATTN_POISON
#define XATTN_POISON(p, n) ((void)(p), (void)(n))
#define XATTN_IS_POISONED(p) 1
#endif

using namespace xattn;

namespace {

struct Loaded {
  std::vector<uint8_t> file;
  std::unique_ptr<fuzz::AlignedCopy> bytes;
  std::unique_ptr<ModelView> view{new ModelView};
  Session sessions[2];
  std::unique_ptr<fuzz::AlignedCopy> arenas[2];
};

void poison_padding(uint8_t* arena, const ArenaPlan& p) {
  const ArenaRegion regions[] = {p.x, p.normed, p.wide, p.context, p.query, p.probs,
                                 p.quantized, p.quantized_scales, p.cross_cache, p.cross_scales, p.self_cache,
                                 p.self_scales, p.reorder, p.logits, p.step_alignment, p.alive_tokens, p.alive_scores,
                                 p.alive_alignment, p.candidate_scores, p.candidate_ids, p.finished_tokens, p.finished_info,
                                 p.finished_alignment, p.text_scratch, p.text_ids};
  for (const ArenaRegion& r : regions) {
    const size_t padded = arena_detail::round_up(r.bytes);
    if (padded > r.bytes) {
      XATTN_POISON(arena + r.offset + r.bytes, padded - r.bytes);
      XATTN_FUZZ_ASSERT(XATTN_IS_POISONED(arena + r.offset + r.bytes), "the padding is poisoned");
    }
  }
}

std::vector<std::unique_ptr<Loaded>> load_models() {
  // Small synthetic models (d_model 8): each input costs well under a
  // millisecond, so the fuzzer explores options rather than matrix products,
  // which the kernel tests cover. float32 and int8, token and character text.
  std::vector<std::vector<uint8_t>> files;
  files.push_back(fuzz::synthetic_model(false, TextMode::kSpaceSeparated, 2, 7));
  files.push_back(fuzz::synthetic_model(true, TextMode::kSpaceSeparated, 2, 7));
  files.push_back(fuzz::synthetic_model(true, TextMode::kCharacters, 1, 3));
  std::vector<std::unique_ptr<Loaded>> models;
  for (std::vector<uint8_t>& file : files) {
    auto m = std::make_unique<Loaded>();
    m->file = std::move(file);
    m->bytes.reset(new fuzz::AlignedCopy(m->file.data(), m->file.size()));
    XATTN_FUZZ_ASSERT(open_model(m->bytes->data(), m->bytes->size(), m->view.get()).is_ok(), "model opens");
    for (int i = 0; i < 2; ++i) {
      Limits l;
      l.max_source_length = i == 0 ? 12 : 6;
      l.max_target_length = i == 0 ? 12 : 8;
      l.max_beam = i == 0 ? 4 : 1;
      l.alignment = i == 0;
      l.max_text_bytes = i == 0 ? 64 : 0;  // encode_text room in one session only
      const ArenaPlan plan = plan_arena(m->view->config, l);
      m->arenas[i].reset(new fuzz::AlignedCopy(nullptr, plan.total));
      poison_padding(m->arenas[i]->data(), plan);
      XATTN_FUZZ_ASSERT(m->sessions[i].init(*m->view, l, m->arenas[i]->data(), plan.total).is_ok(), "session starts");
    }
    models.push_back(std::move(m));
  }
  return models;
}

float length_penalty(FuzzedDataProvider& in) {
  const float table[] = {1.0f, 0.0f, 0.5f, 2.0f, -1.0f, 100.0f, 100.5f, -101.0f,
                         std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                         -std::numeric_limits<float>::infinity(), 1e-30f};
  const size_t pick = in.ConsumeIntegralInRange<size_t>(0, sizeof table / sizeof table[0]);
  return pick < sizeof table / sizeof table[0] ? table[pick] : in.ConsumeFloatingPoint<float>();
}

uint32_t token(FuzzedDataProvider& in, uint32_t vocab) {
  const uint32_t v = in.ConsumeIntegralInRange<uint32_t>(0, vocab + 2);
  return v == vocab + 2 ? 0xffffffffu : v;
}

struct Snapshot {
  uint32_t count = 0;
  std::vector<uint32_t> tokens[kMaxBeam];
  std::vector<float> alignment[kMaxBeam];
  float scores[kMaxBeam] = {};
};

Snapshot snapshot(const Result& r) {
  Snapshot s;
  s.count = r.count;
  for (uint32_t i = 0; i < r.count; ++i) {
    const Hypothesis& h = r.hypotheses[i];
    s.tokens[i].assign(h.tokens, h.tokens + h.length);
    if (h.alignment) s.alignment[i].assign(h.alignment, h.alignment + size_t(h.length) * r.source_length);
    s.scores[i] = h.score;
  }
  return s;
}

bool identical(const Snapshot& a, const Snapshot& b) {
  if (a.count != b.count) return false;
  for (uint32_t i = 0; i < a.count; ++i) {
    if (a.tokens[i] != b.tokens[i] || std::memcmp(&a.scores[i], &b.scores[i], sizeof(float)) != 0) return false;
    if (a.alignment[i].size() != b.alignment[i].size() ||
        (!a.alignment[i].empty() &&
         std::memcmp(a.alignment[i].data(), b.alignment[i].data(), a.alignment[i].size() * sizeof(float)) != 0)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<std::unique_ptr<Loaded>> models = load_models();
  FuzzedDataProvider in(data, size);
  Loaded& m = *models[in.ConsumeIntegralInRange<size_t>(0, models.size() - 1)];
  Session& session = m.sessions[in.ConsumeBool() ? 1 : 0];
  const ModelConfig& c = m.view->config;
  const uint32_t target_vocab = c.target_vocab_size;

  // The source: ids (some out of range, some past the limit), or text,
  // tokenized here or by encode_text in the arena.
  std::vector<uint32_t> source;
  std::string session_text;
  const bool text_in_session = in.ConsumeIntegralInRange<int>(0, 3) == 0;
  if (text_in_session) {
    session_text = in.ConsumeRandomLengthString(96);
  } else if (in.ConsumeBool()) {
    const std::string text = in.ConsumeRandomLengthString(96);
    source.resize(16);
    size_t count = 0;
    const Status s = tokenize(*m.view, Side::kSource, text.data(), text.size(), source.data(), source.size(), &count);
    source.resize(s ? count : (count < source.size() ? count : source.size()));
    for (uint32_t id : source) XATTN_FUZZ_ASSERT(id < c.source_vocab_size, "tokenize gives in-range ids");
  } else {
    source.resize(in.ConsumeIntegralInRange<size_t>(0, 20));
    for (uint32_t& id : source) id = token(in, c.source_vocab_size);
  }
  EncodeOptions eo;
  eo.truncate = in.ConsumeBool();
  const bool null_ids = in.ConsumeIntegralInRange<int>(0, 15) == 0;

  GenerateOptions o;
  o.beam_size = in.ConsumeIntegralInRange<uint32_t>(0, 6);
  o.length_penalty = length_penalty(in);
  o.max_length = in.ConsumeIntegralInRange<uint32_t>(0, 14);
  o.min_length = in.ConsumeIntegralInRange<uint32_t>(0, 14);
  std::vector<uint32_t> prefix(in.ConsumeIntegralInRange<size_t>(0, 14));
  for (uint32_t& id : prefix) id = token(in, target_vocab);
  o.prefix = TokenSpan{in.ConsumeIntegralInRange<int>(0, 31) == 0 ? nullptr : prefix.data(),
                       static_cast<uint32_t>(prefix.size())};
  if (in.ConsumeBool()) o.end_token = token(in, target_vocab);
  std::vector<std::vector<uint32_t>> sequences(in.ConsumeIntegralInRange<size_t>(0, 4));
  std::vector<TokenSpan> suppress;
  for (std::vector<uint32_t>& seq : sequences) {
    seq.resize(in.ConsumeIntegralInRange<size_t>(0, 4));
    for (uint32_t& id : seq) id = token(in, target_vocab);
    suppress.push_back(TokenSpan{seq.data(), static_cast<uint32_t>(seq.size())});
  }
  o.suppress = in.ConsumeIntegralInRange<int>(0, 31) == 0 ? nullptr : suppress.data();
  o.suppress_count = static_cast<uint32_t>(suppress.size());
  o.num_hypotheses = in.ConsumeIntegralInRange<uint32_t>(0, 5);
  o.return_alignment = in.ConsumeBool();
  if (in.ConsumeBool()) o.alignment_layer = in.ConsumeIntegralInRange<uint32_t>(0, c.decoder_layers + 1);
  const bool forced = in.ConsumeIntegralInRange<int>(0, 7) == 0;

  Status s = text_in_session ? session.encode_text(null_ids ? nullptr : session_text.data(), session_text.size(), eo)
                             : session.encode(null_ids ? nullptr : source.data(), source.size(), eo);
  if (!s) XATTN_FUZZ_ASSERT(std::strlen(s.message()) > 0, "errors carry a message");
  Result result;
  s = session.generate(o, &result);
  if (!s) {
    XATTN_FUZZ_ASSERT(std::strlen(s.message()) > 0, "errors carry a message");
  } else {
    const uint32_t max_length = o.max_length ? o.max_length : session.limits().max_target_length;
    fuzz::check_result(*m.view, o, max_length, result);
    const Snapshot first = snapshot(result);
    Result again;
    XATTN_FUZZ_ASSERT(session.generate(o, &again).is_ok(), "the same call succeeds twice");
    XATTN_FUZZ_ASSERT(identical(first, snapshot(again)), "the same call gives bit-identical results");
    // Text out: detokenize within bounds, for every hypothesis.
    char text[24];
    for (uint32_t i = 0; i < again.count; ++i) {
      detokenize(*m.view, Side::kTarget, again.hypotheses[i].tokens, again.hypotheses[i].length, text, sizeof text);
    }
  }
  if (forced) {
    std::vector<uint32_t> target(prefix);
    std::vector<float> logits(target.size() * target_vocab + 1);
    session.forced_logits(target.empty() ? nullptr : target.data(), target.size(), logits.data());
  }
  XATTN_FUZZ_ASSERT(session.generate(o, nullptr).code() != StatusCode::kOk, "a null result is refused");
  return 0;
}
