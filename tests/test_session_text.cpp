// Session::encode_text: plain text in through the model's source tokenizer,
// with its scratch and ids in the session arena, sized by the planner from
// Limits::max_text_bytes. Checked against the same text tokenized by the
// Tokenizer on its own (plus the end token) and encoded as ids: the results
// must be the same bits; nothing is written past the planned arena.
#include <doctest/doctest.h>

#ifdef XATTN_HAVE_CONVERT

#include <cstring>
#include <string>
#include <vector>

#include "model_with_tokenizers.h"
#include "xattn/session.h"
#include "xattn/text.h"

namespace xattn {
namespace {

using model_test::Bytes;
using xattn_test::AlignedBytes;

constexpr size_t kGuard = 256;
constexpr uint8_t kGuardByte = 0xa5;

size_t round64(size_t n) { return (n + 63) / 64 * 64; }

Limits text_limits(uint32_t max_text_bytes) {
  Limits l;
  l.max_source_length = 8;
  l.max_target_length = 10;
  l.max_beam = 2;
  l.alignment = false;
  l.max_text_bytes = max_text_bytes;
  return l;
}

// A session in an arena of exactly arena_bytes(), followed by guard bytes.
struct TextBench {
  AlignedBytes bytes;
  std::unique_ptr<ModelView> view = model_test::new_view();
  Limits limits;
  size_t need = 0;
  std::unique_ptr<AlignedBytes> arena;
  Session session;

  TextBench(const Bytes& file, const Limits& l) : bytes(file), limits(l) {
    REQUIRE(open_model(bytes.data(), bytes.size(), view.get()));
    need = arena_bytes(view->config, limits);
    arena.reset(new AlignedBytes(Bytes(need + kGuard, kGuardByte)));
    REQUIRE(session.init(*view, limits, arena->data(), need));
  }
  bool guard_intact() const {
    for (size_t i = 0; i < kGuard; ++i) {
      if (arena->data()[need + i] != kGuardByte) return false;
    }
    return true;
  }
  // Beam-2 tokens and scores of the encoded source, flattened.
  std::vector<float> generate() {
    GenerateOptions o;
    o.beam_size = 2;
    o.num_hypotheses = 2;
    Result r;
    REQUIRE(session.generate(o, &r));
    std::vector<float> flat;
    for (uint32_t i = 0; i < r.count; ++i) {
      for (uint32_t t = 0; t < r.hypotheses[i].length; ++t) flat.push_back(static_cast<float>(r.hypotheses[i].tokens[t]));
      flat.push_back(r.hypotheses[i].score);
    }
    return flat;
  }
  std::vector<float> generate_from_ids(const std::vector<uint32_t>& ids) {
    REQUIRE(session.encode(ids.data(), ids.size()));
    return generate();
  }
};

void expect(const Status& s, StatusCode code, const char* want) {
  INFO("got '" << s.message() << "', want '" << want << "'");
  CHECK(s.code() == code);
  CHECK(std::string(s.message()).find(want) != std::string::npos);
}

}  // namespace

TEST_CASE("session text: the planner reserves the source tokenizer's scratch for max_text_bytes, exactly") {
  AlignedBytes bytes(model_with_tokenizers());
  std::unique_ptr<ModelView> view = model_test::new_view();
  REQUIRE(open_model(bytes.data(), bytes.size(), view.get()));
  const ModelConfig& c = view->config;
  CHECK(c.source_tokenizer_model == static_cast<uint8_t>(TokenizerModel::kUnigram));
  CHECK(c.source_tokenizer_expansion == view->source_text.expansion());
  const size_t base = arena_bytes(c, text_limits(0));
  for (uint32_t text : {1u, 100u, 4096u, kMaxTextBytes}) {
    CAPTURE(text);
    CHECK(arena_bytes(c, text_limits(text)) ==
          base + round64(view->source_text.scratch_bytes(text)) + round64(8 * sizeof(uint32_t)));
  }
  // A model that splits text by spaces needs room for the ids only.
  AlignedBytes plain(model_test::synthetic_model(model_test::tiny_options()));
  std::unique_ptr<ModelView> plain_view = model_test::new_view();
  REQUIRE(open_model(plain.data(), plain.size(), plain_view.get()));
  CHECK(plain_view->config.source_tokenizer_model == 0);
  CHECK(arena_bytes(plain_view->config, text_limits(100)) ==
        arena_bytes(plain_view->config, text_limits(0)) + round64(8 * sizeof(uint32_t)));
  // Beyond kMaxTextBytes: refused by name.
  std::vector<uint8_t> small(64 * 1024);
  Session s;
  expect(s.init(*view, text_limits(kMaxTextBytes + 1), small.data(), small.size()), StatusCode::kInvalidArgument,
         "max text bytes 65537 is outside 0..65536");
}

TEST_CASE("session text: encode_text is the tokenizer, the end token and encode, in the arena") {
  const uint32_t max_text = 48;
  TextBench b(model_with_tokenizers(), text_limits(max_text));
  const ModelView& m = *b.view;
  const uint32_t eos = m.config.source_tokens.eos;
  for (const std::string text : {"abcab", "d\xc3\xa9" "a", "", "ba ab"}) {
    CAPTURE(text);
    REQUIRE(b.session.encode_text(text.data(), text.size()));
    const uint32_t length = b.session.source_length();
    const std::vector<float> from_text = b.generate();
    // The same text through the Tokenizer alone.
    std::vector<uint64_t> scratch((m.source_text.scratch_bytes(text.size()) + 7) / 8 + 1);
    std::vector<uint32_t> ids(m.source_text.max_ids(text.size()) + 1);
    size_t count = 0;
    REQUIRE(m.source_text.encode(text.data(), text.size(), scratch.data(), scratch.size() * 8, ids.data(), ids.size(),
                                 &count));
    ids.resize(count);
    ids.push_back(eos);
    CHECK(length == ids.size());
    CHECK(b.generate_from_ids(ids) == from_text);
  }
  CHECK(b.guard_intact());

  // The longest text the limits allow, of the widest characters: its scratch
  // stays inside the plan (the ids do not fit: named, then truncated).
  std::string widest;
  while (widest.size() + 2 <= max_text) widest += "\xc3\xa9";
  expect(b.session.encode_text(widest.data(), widest.size()), StatusCode::kLimitExceeded,
         "encode_text: the text makes 25 source tokens, the session limit is 8");
  EncodeOptions cut;
  cut.truncate = true;
  REQUIRE(b.session.encode_text(widest.data(), widest.size(), cut));
  CHECK(b.session.source_length() == 8);
  const std::vector<float> truncated = b.generate();
  uint32_t e_acute = 0;
  size_t one = 0;
  std::vector<uint64_t> scratch((m.source_text.scratch_bytes(2) + 7) / 8);
  REQUIRE(m.source_text.encode("\xc3\xa9", 2, scratch.data(), scratch.size() * 8, &e_acute, 1, &one));
  std::vector<uint32_t> first(7, e_acute);
  first.push_back(eos);
  CHECK(b.generate_from_ids(first) == truncated);
  CHECK(b.guard_intact());

  // Named errors, and no stale source afterwards.
  const std::string too_long(max_text + 1, 'a');
  expect(b.session.encode_text(too_long.data(), too_long.size()), StatusCode::kLimitExceeded,
         "encode_text: text of 49 bytes; the session reserved room for 48 (Limits::max_text_bytes)");
  GenerateOptions o;
  Result r;
  CHECK(b.session.generate(o, &r).code() == StatusCode::kNotReady);
  expect(b.session.encode_text("a\xff", 2), StatusCode::kInvalidArgument, "tokenizer: invalid UTF-8 at byte 1");
  expect(b.session.encode_text(nullptr, 3), StatusCode::kInvalidArgument, "encode_text: null text");
  CHECK(b.session.generate(o, &r).code() == StatusCode::kNotReady);
  Session idle;
  CHECK(idle.encode_text("a", 1).code() == StatusCode::kNotReady);
}

TEST_CASE("session text: no text room reserved, and models without a tokenizer") {
  TextBench none(model_with_tokenizers(), text_limits(0));
  expect(none.session.encode_text("a", 1), StatusCode::kLimitExceeded, "the session reserved room for 0");
  // The synthetic model splits text by spaces: encode_text is tokenize + encode, no end token added.
  TextBench plain(model_test::synthetic_model(model_test::tiny_options()), text_limits(32));
  const std::string text = "a b ab zz";
  REQUIRE(plain.session.encode_text(text.data(), text.size()));
  const std::vector<float> from_text = plain.generate();
  std::vector<uint32_t> ids(8);
  size_t count = 0;
  REQUIRE(tokenize(*plain.view, Side::kSource, text.data(), text.size(), ids.data(), ids.size(), &count));
  ids.resize(count);
  CHECK(plain.session.source_length() == count);
  CHECK(plain.generate_from_ids(ids) == from_text);
  CHECK(plain.guard_intact());
}

}  // namespace xattn

#endif  // XATTN_HAVE_CONVERT
