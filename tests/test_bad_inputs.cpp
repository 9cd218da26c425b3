// Hostile inputs at the session and text layers, each a named error — and the
// session goes on working afterwards, giving bit-for-bit the result it gave
// before the error. (The model reader's own bad inputs — truncation at every
// boundary, bit flips, shapes, dtypes, versions, empty vocabulary entries —
// are in test_model_reader.cpp and test_model_corruption.cpp; the command
// line's are in cli_bad_inputs.sh.) Runs on a synthetic model: no shared data needed.
#include <doctest/doctest.h>

#ifdef XATTN_HAVE_CONVERT

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <utility>

#include "model_test_support.h"
#include "xattn/session.h"
#include "xattn/text.h"

using namespace model_test;
using namespace xattn;

namespace {

// A synthetic model (2+2 layers, 10-token vocabularies) and a beam-4 session
// with alignment room: max source 8, max target 10.
struct Bench {
  Bytes file;
  AlignedBytes bytes{file};
  std::unique_ptr<ModelView> view = new_view();
  Limits limits;
  std::unique_ptr<AlignedBytes> arena;
  Session session;
  const uint32_t source[3] = {5, 4, 8};  // "a b ab"

  Bench() : Bench(synthetic_model()) {}
  explicit Bench(Bytes model) : file(std::move(model)) {
    REQUIRE(open_model(bytes.data(), bytes.size(), view.get()));
    limits.max_source_length = 8;
    limits.max_target_length = 10;
    limits.max_beam = 4;
    limits.alignment = true;
    const size_t need = arena_bytes(view->config, limits);
    arena.reset(new AlignedBytes(Bytes(need, 0)));
    REQUIRE(session.init(*view, limits, arena->data(), need));
  }

  // Encodes the fixed source and generates with beam 2 and alignments.
  std::vector<float> reference_run() {
    REQUIRE(session.encode(source, 3));
    GenerateOptions o;
    o.beam_size = 2;
    o.num_hypotheses = 2;
    o.return_alignment = true;
    Result r;
    REQUIRE(session.generate(o, &r));
    std::vector<float> flat;  // tokens (as floats), score, alignment of every hypothesis
    for (uint32_t i = 0; i < r.count; ++i) {
      const Hypothesis& h = r.hypotheses[i];
      for (uint32_t t = 0; t < h.length; ++t) flat.push_back(static_cast<float>(h.tokens[t]));
      flat.push_back(h.score);
      flat.insert(flat.end(), h.alignment, h.alignment + h.length * r.source_length);
    }
    return flat;
  }
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

void expect(const Status& s, StatusCode code, const std::string& want) {
  INFO("want [" << status_code_name(code) << "] '" << want << "', got [" << status_code_name(s.code()) << "] '"
                << s.message() << "'");
  CHECK(s.code() == code);
  CHECK(std::string(s.message()).find(want) != std::string::npos);
}

struct OptionCase {
  const char* name;
  std::function<void(GenerateOptions&)> edit;
  StatusCode code;
  const char* message;
};

}  // namespace

TEST_CASE("bad inputs: every hostile generate option is a named error, and the session goes on") {
  Bench b;
  const std::vector<float> before = b.reference_run();
  static const uint32_t prefix11[11] = {3, 4, 5, 6, 7, 8, 3, 4, 5, 6, 7};
  static const uint32_t out_of_range[1] = {10};
  static const uint32_t huge[1] = {0xfffffffeu};
  static const TokenSpan empty_span{nullptr, 0};
  static const TokenSpan bad_span{out_of_range, 1};
  static const TokenSpan huge_span{huge, 1};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<OptionCase> cases = {
      {"beam 0", [](GenerateOptions& o) { o.beam_size = 0; }, StatusCode::kLimitExceeded, "beam 0 is outside 1..4"},
      {"beam larger than the session limit", [](GenerateOptions& o) { o.beam_size = 5; }, StatusCode::kLimitExceeded,
       "beam 5 is outside 1..4 (the session's max beam)"},
      {"beam past kMaxBeam", [](GenerateOptions& o) { o.beam_size = 1000; }, StatusCode::kLimitExceeded, "beam 1000"},
      {"max length past the session's", [](GenerateOptions& o) { o.max_length = 11; }, StatusCode::kLimitExceeded,
       "max length 11 exceeds the session's 10"},
      {"min length past max length", [](GenerateOptions& o) { o.max_length = 3; o.min_length = 4; },
       StatusCode::kInvalidArgument, "min length 4 exceeds max length 3"},
      {"prefix longer than max length", [](GenerateOptions& o) { o.prefix = TokenSpan{prefix11, 11}; },
       StatusCode::kLimitExceeded, "prefix of 11 tokens is longer than the max length 10"},
      {"prefix longer than an explicit max length", [](GenerateOptions& o) { o.prefix = TokenSpan{prefix11, 4}; o.max_length = 3; },
       StatusCode::kLimitExceeded, "prefix of 4 tokens is longer than the max length 3"},
      {"null prefix", [](GenerateOptions& o) { o.prefix = TokenSpan{nullptr, 2}; }, StatusCode::kInvalidArgument,
       "null prefix"},
      {"prefix token out of range", [](GenerateOptions& o) { o.prefix = TokenSpan{out_of_range, 1}; },
       StatusCode::kInvalidArgument, "prefix token id outside the target vocabulary"},
      {"end token out of range", [](GenerateOptions& o) { o.end_token = 10; }, StatusCode::kInvalidArgument,
       "end token outside the target vocabulary"},
      {"suppressed token out of range", [](GenerateOptions& o) { o.suppress = &bad_span; o.suppress_count = 1; },
       StatusCode::kInvalidArgument, "suppressed token id outside the target vocabulary"},
      {"suppressed token near 2^32", [](GenerateOptions& o) { o.suppress = &huge_span; o.suppress_count = 1; },
       StatusCode::kInvalidArgument, "suppressed token id outside the target vocabulary"},
      {"empty suppressed sequence", [](GenerateOptions& o) { o.suppress = &empty_span; o.suppress_count = 1; },
       StatusCode::kInvalidArgument, "empty suppressed sequence"},
      {"null suppressed sequences", [](GenerateOptions& o) { o.suppress = nullptr; o.suppress_count = 3; },
       StatusCode::kInvalidArgument, "null suppressed sequences"},
      {"num_hypotheses 0", [](GenerateOptions& o) { o.num_hypotheses = 0; }, StatusCode::kInvalidArgument,
       "num_hypotheses 0 is outside 1..1 (the beam)"},
      {"num_hypotheses past the beam", [](GenerateOptions& o) { o.beam_size = 2; o.num_hypotheses = 3; },
       StatusCode::kInvalidArgument, "num_hypotheses 3 is outside 1..2 (the beam)"},
      {"alignment layer past the decoder", [](GenerateOptions& o) { o.alignment_layer = 2; },
       StatusCode::kInvalidArgument, "alignment layer 2 is beyond the decoder's 2 layers"},
      {"NaN length penalty", [nan](GenerateOptions& o) { o.length_penalty = nan; }, StatusCode::kInvalidArgument,
       "length penalty out of range"},
      {"infinite length penalty", [](GenerateOptions& o) { o.length_penalty = INFINITY; },
       StatusCode::kInvalidArgument, "length penalty out of range"},
  };
  for (const OptionCase& c : cases) {
    CAPTURE(c.name);
    GenerateOptions o;
    c.edit(o);
    Result r;
    const Status s = b.session.generate(o, &r);
    expect(s, c.code, c.message);
    CHECK(same_bits(b.reference_run(), before));
  }
}

TEST_CASE("bad inputs: sources, call order and null buffers are named errors, and the session goes on") {
  Bench b;
  const std::vector<float> before = b.reference_run();
  Result r;
  SUBCASE("token id out of range") {
    const uint32_t ids[] = {5, 10, 4};
    expect(b.session.encode(ids, 3), StatusCode::kInvalidArgument,
           "token id 10 at position 1 is outside the source vocabulary of 10");
    expect(b.session.generate(GenerateOptions(), &r), StatusCode::kNotReady, "encode() a source first");
  }
  SUBCASE("token id 2^32 - 1") {
    const uint32_t ids[] = {0xffffffffu};
    expect(b.session.encode(ids, 1), StatusCode::kInvalidArgument, "token id 4294967295 at position 0");
  }
  SUBCASE("source longer than the limit") {
    const uint32_t ids[9] = {4, 5, 6, 7, 8, 4, 5, 6, 7};
    expect(b.session.encode(ids, 9), StatusCode::kLimitExceeded, "source has 9 tokens, the session limit is 8");
    expect(b.session.generate(GenerateOptions(), &r), StatusCode::kNotReady, "encode() a source first");
    EncodeOptions truncate;
    truncate.truncate = true;
    REQUIRE(b.session.encode(ids, 9, truncate));
    REQUIRE(b.session.generate(GenerateOptions(), &r));
    CHECK(r.source_length == 8);
  }
  SUBCASE("a huge count with null ids") {
    expect(b.session.encode(nullptr, ~size_t(0) / 2), StatusCode::kInvalidArgument, "encode: null ids");
  }
  SUBCASE("null result") {
    REQUIRE(b.session.encode(b.source, 3));
    expect(b.session.generate(GenerateOptions(), nullptr), StatusCode::kInvalidArgument, "generate: null result");
  }
  SUBCASE("forced_logits beyond its limits") {
    REQUIRE(b.session.encode(b.source, 3));
    std::vector<float> logits(11 * 10);
    const uint32_t target[11] = {3, 4, 5, 6, 7, 8, 3, 4, 5, 6, 2};
    expect(b.session.forced_logits(target, 11, logits.data()), StatusCode::kLimitExceeded, "length must be 1..10");
    const uint32_t bad[2] = {10, 2};
    expect(b.session.forced_logits(bad, 2, logits.data()), StatusCode::kInvalidArgument, "outside the target vocabulary");
    expect(b.session.forced_logits(target, 2, nullptr), StatusCode::kInvalidArgument, "null buffer");
  }
  CHECK(same_bits(b.reference_run(), before));
}

TEST_CASE("bad inputs: session limits, arenas and models that cannot start are named errors") {
  Bench b;
  Session s;
  const size_t need = arena_bytes(b.view->config, b.limits);
  Result r;
  expect(s.encode(b.source, 3), StatusCode::kNotReady, "init() first");
  expect(s.generate(GenerateOptions(), &r), StatusCode::kNotReady, "encode() a source first");
  REQUIRE(s.init(*b.view, b.limits, b.arena->data(), need));
  REQUIRE(s.encode(b.source, 3));
  Limits l = b.limits;
  l.max_source_length = 0;
  expect(s.init(*b.view, l, b.arena->data(), need), StatusCode::kInvalidArgument,
         "limits: max source length 0 is outside 1..16384");
  l = b.limits;
  l.max_target_length = kMaxSequence + 1;
  expect(s.init(*b.view, l, b.arena->data(), need), StatusCode::kInvalidArgument,
         "limits: max target length 16385 is outside 1..16384");
  l = b.limits;
  l.max_beam = 0;
  expect(s.init(*b.view, l, b.arena->data(), need), StatusCode::kInvalidArgument, "limits: max beam 0 is outside 1..64");
  l.max_beam = kMaxBeam + 1;
  expect(s.init(*b.view, l, b.arena->data(), need), StatusCode::kInvalidArgument, "limits: max beam 65 is outside 1..64");
  l = b.limits;
  l.max_source_length = 65;  // the model's sinusoidal table covers 64 positions
  expect(s.init(*b.view, l, b.arena->data(), need), StatusCode::kInvalidArgument, "limits: max source length 65 exceeds the model's 64 positions");
  expect(s.init(*b.view, b.limits, b.arena->data(), need - 64), StatusCode::kArenaTooSmall,
         "arena holds " + std::to_string(need - 64) + " bytes, needs " + std::to_string(need));
  expect(s.init(*b.view, b.limits, b.arena->data() + 8, need), StatusCode::kMisaligned, "arena must be 64-byte aligned");
  expect(s.init(*b.view, b.limits, nullptr, need), StatusCode::kMisaligned, "arena must be 64-byte aligned");
  auto closed = new_view();
  expect(s.init(*closed, b.limits, b.arena->data(), need), StatusCode::kInvalidArgument, "model is not open");
  // A failed init leaves the session unusable (not running on its old arena).
  expect(s.encode(b.source, 3), StatusCode::kNotReady, "init() first");
  expect(s.generate(GenerateOptions(), &r), StatusCode::kNotReady, "encode() a source first");
  // A beam over half the target vocabulary (10 tokens) cannot fill 2 x beam
  // candidates: generate() would refuse it, so the session refuses the limit.
  l = b.limits;
  l.max_beam = 6;
  std::vector<uint8_t> wide(arena_bytes(b.view->config, l) + 64);
  uint8_t* wide_arena = wide.data() + (64 - reinterpret_cast<uintptr_t>(wide.data()) % 64) % 64;
  expect(s.init(*b.view, l, wide_arena, wide.size() - 64), StatusCode::kInvalidArgument,
         "limits: max beam 6 exceeds 5, half the target vocabulary");
  l.max_beam = 5;
  REQUIRE(s.init(*b.view, l, wide_arena, wide.size() - 64));
  // Alignment asked of a session that reserved no room for it.
  l = b.limits;
  l.alignment = false;
  REQUIRE(s.init(*b.view, l, b.arena->data(), need));
  REQUIRE(s.encode(b.source, 3));
  GenerateOptions o;
  o.return_alignment = true;
  expect(s.generate(o, &r), StatusCode::kInvalidArgument, "alignment asked, but the session reserved no room for it");
}

TEST_CASE("bad inputs: constraints that leave no token allowed are a named error, never junk hypotheses") {
  Bench b;
  const std::vector<float> before = b.reference_run();
  const uint32_t vocab = b.view->config.target_vocab_size;
  std::vector<uint32_t> ids(vocab);
  std::vector<TokenSpan> every(vocab);
  for (uint32_t t = 0; t < vocab; ++t) ids[t] = t, every[t] = TokenSpan{&ids[t], 1};
  Result r;
  for (uint32_t beam : {1u, 2u, 4u}) {
    CAPTURE(beam);
    REQUIRE(b.session.encode(b.source, 3));
    GenerateOptions o;
    o.beam_size = beam;
    o.suppress = every.data();
    o.suppress_count = vocab;
    expect(b.session.generate(o, &r), StatusCode::kInvalidArgument, "generate: no token allowed");
    CHECK(r.count == 0);
    // All but the end token, which min length forbids at step 0.
    const uint32_t eos = b.view->config.target_tokens.eos;
    std::vector<TokenSpan> but_end;
    for (uint32_t t = 0; t < vocab; ++t)
      if (t != eos) but_end.push_back(every[t]);
    o.suppress = but_end.data();
    o.suppress_count = static_cast<uint32_t>(but_end.size());
    o.min_length = 1;
    expect(b.session.generate(o, &r), StatusCode::kInvalidArgument, "generate: no token allowed");
    // With min length 0 the end token is the one answer: an empty hypothesis of log-probability 0.
    o.min_length = 0;
    REQUIRE(b.session.generate(o, &r));
    REQUIRE(r.count >= 1);
    CHECK(r.hypotheses[0].length == 0);
    CHECK(r.hypotheses[0].score == 0.0f);
    // One token besides the end token allowed: every hypothesis returned uses only those two, with a real score.
    std::vector<TokenSpan> one_left;
    for (uint32_t t = 0; t < vocab; ++t)
      if (t != eos && t != 5) one_left.push_back(every[t]);
    o.suppress = one_left.data();
    o.suppress_count = static_cast<uint32_t>(one_left.size());
    o.min_length = 1;
    o.num_hypotheses = 1;
    REQUIRE(b.session.generate(o, &r));
    for (uint32_t i = 0; i < r.count; ++i) {
      CHECK(r.hypotheses[i].score > -1e6f);
      for (uint32_t k = 0; k < r.hypotheses[i].length; ++k) CHECK(r.hypotheses[i].tokens[k] == 5);
    }
  }
  CHECK(same_bits(b.reference_run(), before));
}

TEST_CASE("bad inputs: text — unknown end or suppressed tokens, too many tokens, tiny buffers") {
  const Bytes file = synthetic_model();
  AlignedBytes bytes(file);
  auto view = new_view();
  REQUIRE(open_model(bytes.data(), bytes.size(), view.get()));
  uint32_t ids[4] = {};
  size_t n = 0;
  // CTranslate2 raises on an end token or a suppressed token it does not know: so does tokenize_known.
  expect(tokenize_known(*view, Side::kTarget, "qq", 2, ids, 4, &n), StatusCode::kInvalidArgument,
         "token 'qq' is not in the target vocabulary");
  expect(tokenize_known(*view, Side::kTarget, "x qq y", 6, ids, 4, &n), StatusCode::kInvalidArgument,
         "token 'qq' is not in the target vocabulary");
  expect(tokenize_known(*view, Side::kSource, "a zz", 4, ids, 4, &n), StatusCode::kInvalidArgument,
         "token 'zz' is not in the source vocabulary");
  const std::string long_token(300, 'q');  // the message cuts the name, it never overflows
  expect(tokenize_known(*view, Side::kTarget, long_token.data(), long_token.size(), ids, 4, &n),
         StatusCode::kInvalidArgument, "is not in the target vocabulary");
  REQUIRE(tokenize_known(*view, Side::kTarget, "x  y\t", 5, ids, 4, &n));
  CHECK(n == 2);
  // Unknown source tokens are <unk>, not errors; more tokens than room is kLimitExceeded with the count.
  REQUIRE(tokenize(*view, Side::kSource, "a qq", 4, ids, 4, &n));
  CHECK(ids[1] == view->config.source_tokens.unk);
  expect(tokenize(*view, Side::kSource, "a b c d a", 9, ids, 4, &n), StatusCode::kLimitExceeded,
         "text has 5 tokens, room for 4");
  CHECK(n == 5);
  // Invalid UTF-8 and NUL bytes are tokens like any other: unknown, never a crash.
  const char weird[] = {'a', ' ', '\xff', '\xc3', ' ', '\0', 'b'};
  REQUIRE(tokenize(*view, Side::kSource, weird, sizeof weird, ids, 4, &n));
  CHECK(n == 3);
  // detokenize: ids out of range print nothing; a short buffer is cut and terminated.
  const uint32_t out[] = {4, 99, 5, 0xffffffffu, 6};
  char text[4];
  CHECK(detokenize(*view, Side::kTarget, out, 5, text, sizeof text) == std::strlen("x  y  z"));
  CHECK(std::string(text) == "x  ");
  CHECK(detokenize(*view, Side::kTarget, out, 5, nullptr, 0) == std::strlen("x  y  z"));
  char one[1] = {'#'};
  detokenize(*view, Side::kTarget, out, 5, one, 1);
  CHECK(one[0] == '\0');
  // Null buffers with non-zero sizes (the C API passes them straight through): errors, never crashes.
  expect(tokenize(*view, Side::kSource, nullptr, 5, ids, 4, &n), StatusCode::kInvalidArgument, "tokenize: null");
  CHECK(n == 0);
  expect(tokenize(*view, Side::kSource, "a b", 3, nullptr, 4, &n), StatusCode::kInvalidArgument, "tokenize: null");
  expect(tokenize_known(*view, Side::kTarget, "x", 1, ids, 4, nullptr), StatusCode::kInvalidArgument, "tokenize: null");
  REQUIRE(tokenize(*view, Side::kSource, nullptr, 0, nullptr, 0, &n));
  CHECK(n == 0);
  CHECK(detokenize(*view, Side::kTarget, nullptr, 5, text, sizeof text) == 0);
  CHECK(text[0] == '\0');
  CHECK(detokenize(*view, Side::kTarget, out, 5, nullptr, 100) == std::strlen("x  y  z"));
}

TEST_CASE("bad inputs: weights that overflow give a named error at the step, never junk hypotheses") {
  // Weights large enough (1e30) that the sums overflow to infinity, and a NaN
  // in the output bias: the reader accepts both (they are well-formed; the
  // converter refuses a NaN, but a file can be written by anyone), and
  // generate names them instead of returning hypotheses of NaN score.
  for (const bool nan_bias : {false, true}) {
    CAPTURE(nan_bias);
    xattn::convert::XattnModelContents m = synthetic_contents();
    if (!nan_bias) {
      for (xattn::convert::HostTensor& t : m.tensors) {
        if (t.dtype == format::DType::kFloat32) {
          for (float& v : t.values) v *= 1e30f;
        }
      }
    }
    Bytes file = write_model(m);
    if (nan_bias) {
      const size_t bias = entry_of(file, global_id(GlobalRole::kOutputBias));
      put_f32(file, get_u64(file, bias + fmt::tensor::kDataOffset) + 4 * 3, std::numeric_limits<float>::quiet_NaN());
      fix_checksum(file);
    }
    Bench b(file);
    for (uint32_t beam : {1u, 2u}) {
      CAPTURE(beam);
      REQUIRE(b.session.encode(b.source, 3));
      GenerateOptions o;
      o.beam_size = beam;
      Result r;
      expect(b.session.generate(o, &r), StatusCode::kBadModel,
             "generate: the model's scores are not finite (NaN or infinity) at step 0");
      CHECK(r.count == 0);
    }
  }
}

TEST_CASE("bad inputs: logits of an extreme but finite range give results, not 'no token allowed'") {
  // Output weights times 1e35: logits some 1e35 apart, so every token but the
  // best has a log-probability near -1e35. Those are real scores, however
  // low; only a path through a disabled token is left out of the results.
  xattn::convert::XattnModelContents m = synthetic_contents();
  for (xattn::convert::HostTensor& t : m.tensors) {
    if (t.id == global_id(GlobalRole::kOutputWeight)) {
      for (float& v : t.values) v *= 1e35f;
    }
  }
  Bench b(write_model(m));
  for (uint32_t beam : {1u, 2u, 4u}) {
    CAPTURE(beam);
    REQUIRE(b.session.encode(b.source, 3));
    GenerateOptions o;
    o.beam_size = beam;
    o.num_hypotheses = beam;
    Result r;
    const Status s = b.session.generate(o, &r);
    INFO(s.message());
    REQUIRE(s.is_ok());
    CHECK(r.count == beam);
    CHECK(r.hypotheses[0].score > -1.0f);  // the best path takes the best token at every step: log-probability ~0
    for (uint32_t i = 1; i < r.count; ++i) CHECK(r.hypotheses[i].score < -1e32f);
  }
}

#endif  // XATTN_HAVE_CONVERT
