// Session behaviour at its edges: limits, truncation, unknown tokens, arena
// sizing, call order, and option validation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "test_support.h"
#include "xattn/session.h"
#include "xattn/text.h"

namespace xattn {
namespace {

struct Fixture {
  std::unique_ptr<posix::Translator> t;
  Fixture() { t = test::load_variant("v2-aren-transliteration", convert::WeightType::kFloat32, test::small_limits(4)); }
};

TEST_CASE("session: a source longer than the limit is a clear error, or truncated when asked") {
  if (!test::have_shared_models()) return;
  Fixture f;
  std::string long_input;
  for (int i = 0; i < 40; ++i) long_input += i ? " ب" : "ب";
  posix::TranslateRequest r;
  posix::TranslateOutput out;
  const std::string error = f.t->translate(long_input, r, &out);
  CHECK(error.find("source has 40 tokens, the session limit is 32") != std::string::npos);
  r.truncate = true;
  CHECK(f.t->translate(long_input, r, &out).empty());
  CHECK(out.source_length == 32);
  CHECK(!out.ids.empty());
}

TEST_CASE("session: unknown source tokens map to <unk> and still translate") {
  if (!test::have_shared_models()) return;
  Fixture f;
  const ModelView& m = f.t->model();
  uint32_t ids[8];
  size_t n = 0;
  const char text[] = "آ Q ز";
  REQUIRE(tokenize(m, Side::kSource, text, std::strlen(text), ids, 8, &n));
  REQUIRE(n == 3);
  CHECK(ids[1] == m.config.source_tokens.unk);
  CHECK(ids[0] != m.config.source_tokens.unk);
  posix::TranslateOutput out;
  CHECK(f.t->translate(text, posix::TranslateRequest(), &out).empty());
  CHECK(out.source_length == 3);
}

TEST_CASE("session: an arena one byte too small is an error naming the bytes needed") {
  if (!test::have_shared_models()) return;
  Fixture f;
  const ModelView& m = f.t->model();
  const Limits limits = test::small_limits(4);
  const size_t need = arena_bytes(m.config, limits);
  std::vector<uint8_t> storage(need + 64);
  uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  Session s;
  const Status too_small = s.init(m, limits, arena, need - 1);
  CHECK(too_small.code() == StatusCode::kArenaTooSmall);
  CHECK(std::string(too_small.message()).find("needs " + std::to_string(need)) != std::string::npos);
  CHECK(s.init(m, limits, arena, need));
  const Status misaligned = s.init(m, limits, arena + 1, need);
  CHECK(misaligned.code() == StatusCode::kMisaligned);
}

TEST_CASE("session: arena_bytes is a compile-time constant for a known config") {
  constexpr ModelConfig config = [] {
    ModelConfig c;
    c.encoder_layers = 6;
    c.decoder_layers = 6;
    c.d_model = 32;
    c.num_heads = 8;
    c.ffn_dim = 128;
    c.source_vocab_size = 52;
    c.target_vocab_size = 43;
    c.max_positions = 1024;
    return c;
  }();
  constexpr Limits limits = [] {
    Limits l;
    l.max_source_length = 16;
    l.max_target_length = 16;
    l.max_beam = 1;
    l.alignment = false;
    return l;
  }();
  alignas(64) static uint8_t arena[arena_bytes(config, limits)];
  static_assert(arena_bytes(config, limits) % kArenaAlignment == 0, "regions are 64-byte multiples");
  // The regions lie in order, 64-aligned, inside the total, the last ending
  // at it (up to its alignment padding).
  const ArenaPlan plan = plan_arena(config, limits);
  const ArenaRegion regions[] = {plan.x, plan.normed, plan.wide, plan.context, plan.query, plan.probs,
                                 plan.quantized, plan.quantized_scales, plan.cross_cache, plan.cross_scales,
                                 plan.self_cache, plan.self_scales, plan.reorder, plan.logits, plan.step_alignment,
                                 plan.alive_tokens, plan.alive_scores, plan.alive_alignment, plan.candidate_scores,
                                 plan.candidate_ids, plan.finished_tokens, plan.finished_info, plan.finished_alignment};
  size_t end = 0;
  for (const ArenaRegion& r : regions) {
    CHECK(r.offset % kArenaAlignment == 0);
    CHECK(r.offset >= end);
    end = r.offset + r.bytes;
  }
  CHECK(end <= plan.total);
  CHECK(plan.total - end < kArenaAlignment);
  // Bigger limits always need more.
  Limits more = limits;
  more.max_beam = 4;
  CHECK(arena_bytes(config, more) > sizeof arena);
}

TEST_CASE("session: call order and option limits are checked before any work") {
  if (!test::have_shared_models()) return;
  Fixture f;
  const ModelView& m = f.t->model();
  const Limits limits = test::small_limits(4);
  std::vector<uint8_t> storage(arena_bytes(m.config, limits) + 64);
  uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  Session s;
  Result result;
  CHECK(s.encode(nullptr, 0).code() == StatusCode::kNotReady);
  REQUIRE(s.init(m, limits, arena, storage.size() - 64));
  CHECK(s.generate(GenerateOptions(), &result).code() == StatusCode::kNotReady);
  const uint32_t bad_id = m.config.source_vocab_size;
  CHECK(s.encode(&bad_id, 1).code() == StatusCode::kInvalidArgument);
  const uint32_t ids[] = {5, 6, 7};
  REQUIRE(s.encode(ids, 3));
  GenerateOptions o;
  o.beam_size = 5;
  CHECK(s.generate(o, &result).code() == StatusCode::kLimitExceeded);
  o = GenerateOptions();
  o.max_length = 33;
  CHECK(s.generate(o, &result).code() == StatusCode::kLimitExceeded);
  o = GenerateOptions();
  const uint32_t prefix[4] = {3, 4, 5, 6};
  o.prefix = TokenSpan{prefix, 4};
  o.max_length = 3;
  CHECK(s.generate(o, &result).code() == StatusCode::kLimitExceeded);
  o = GenerateOptions();
  o.end_token = m.config.target_vocab_size;
  CHECK(s.generate(o, &result).code() == StatusCode::kInvalidArgument);
  o = GenerateOptions();
  const uint32_t bad_suppress = m.config.target_vocab_size + 3;
  TokenSpan span{&bad_suppress, 1};
  o.suppress = &span;
  o.suppress_count = 1;
  CHECK(s.generate(o, &result).code() == StatusCode::kInvalidArgument);
  o = GenerateOptions();
  o.beam_size = 2;
  o.num_hypotheses = 2;
  REQUIRE(s.generate(o, &result));
  CHECK(result.count == 2);
  CHECK(result.hypotheses[0].score >= result.hypotheses[1].score);
}

TEST_CASE("session: the same input gives the same tokens and bit-identical scores, whatever came before") {
  if (!test::have_shared_models()) return;
  Fixture f;
  const char* words[] = {"آ ت ز م و ن", "آ ز ا", "م ح م د", "ب ي ر و ت"};
  std::vector<posix::TranslateOutput> first(4), second(4);
  posix::TranslateRequest r;
  r.beam_size = 4;
  for (int i = 0; i < 4; ++i) REQUIRE(f.t->translate(words[i], r, &first[i]).empty());
  for (int i = 3; i >= 0; --i) REQUIRE(f.t->translate(words[i], r, &second[i]).empty());
  for (int i = 0; i < 4; ++i) {
    CHECK(first[i].text == second[i].text);
    CHECK(std::memcmp(&first[i].score, &second[i].score, sizeof(float)) == 0);
  }
}

}  // namespace
}  // namespace xattn

namespace xattn {
namespace {

TEST_CASE("session: forced_logits reproduces greedy decoding's steps and score") {
  if (!test::have_shared_models()) return;
  Fixture f;
  posix::TranslateRequest r;
  r.length_penalty = 0.0f;  // the raw sum of log-probabilities
  posix::TranslateOutput out;
  REQUIRE(f.t->translate("آ ت ز م و ن", r, &out).empty());
  const ModelView& m = f.t->model();
  std::vector<uint32_t> target = out.ids;
  target.push_back(m.config.target_tokens.eos);
  uint32_t ids[16];
  size_t n = 0;
  const char text[] = "آ ت ز م و ن";
  REQUIRE(tokenize(m, Side::kSource, text, std::strlen(text), ids, 16, &n));
  // A fresh session on the same model: forced decoding needs its own arena.
  const Limits limits = test::small_limits(1);
  std::vector<uint8_t> storage(arena_bytes(m.config, limits) + 64);
  uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  Session s;
  REQUIRE(s.init(m, limits, arena, storage.size() - 64));
  REQUIRE(s.encode(ids, n));
  const size_t vocab = m.config.target_vocab_size;
  std::vector<float> logits(target.size() * vocab);
  REQUIRE(s.forced_logits(target.data(), target.size(), logits.data()));
  double score = 0.0;
  for (size_t step = 0; step < target.size(); ++step) {
    const float* row = logits.data() + step * vocab;
    const size_t best = std::max_element(row, row + vocab) - row;
    CHECK(best == target[step]);  // greedy picked the argmax at every step
    double sum = 0.0;
    const float top = row[best];
    for (size_t v = 0; v < vocab; ++v) sum += std::exp(double(row[v]) - top);
    score += double(row[target[step]]) - top - std::log(sum);
  }
  CHECK(score == doctest::Approx(out.score).epsilon(1e-4));
  CHECK(s.forced_logits(target.data(), 0, logits.data()).code() == StatusCode::kLimitExceeded);
}

}  // namespace
}  // namespace xattn

namespace xattn {
namespace {

TEST_CASE("session: the planner computes in 64 bits and flags arenas beyond the address space") {
  ModelConfig c;
  c.encoder_layers = kMaxLayers;
  c.decoder_layers = kMaxLayers;
  c.d_model = kMaxDModel;
  c.num_heads = 1;
  c.ffn_dim = kMaxFfn;
  c.source_vocab_size = kMaxVocab;
  c.target_vocab_size = kMaxVocab;
  c.max_positions = kMaxSequence;
  Limits l;
  l.max_source_length = kMaxSequence;
  l.max_target_length = kMaxSequence;
  l.max_beam = kMaxBeam;
  const size_t bytes = arena_bytes(c, l);
  if (sizeof(size_t) >= 8) {
    // The self-attention cache alone: layers x K,V x beams x positions x d floats.
    const uint64_t cache = uint64_t(kMaxLayers) * 2 * kMaxBeam * kMaxSequence * kMaxDModel * 4;
    CHECK(bytes > cache);
    CHECK(bytes != kArenaTooLarge);
  } else {
    CHECK(bytes == kArenaTooLarge);
  }
}

}  // namespace
}  // namespace xattn
