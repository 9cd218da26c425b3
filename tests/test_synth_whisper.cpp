// Synthetic Whispers carry Whisper's token layout (synth_whisper.h), so the
// Whisper decoder runs on them as on a converted model: the special tokens
// are named where tokenizer.py puts them, decoding starts from
// <|startoftranscript|>, the whisper_ids blob lists the language tokens, a
// language code finds its token, and detection then generation run on
// features. The small test Whisper (the fuzzers' seed) and, natively,
// whisper-tiny's real 51865-token layout.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "aligned_bytes.h"
#include "model_test_support.h"
#include "synth.h"
#include "xattn/arena.h"
#include "xattn/session.h"
#include "xattn/whisper.h"
#include "xattn_writer.h"

using namespace xattn;

namespace {

uint32_t find(const VocabView& v, const char* text) { return v.find(text, std::strlen(text), kNoToken); }

void check_layout(const convert::XattnModelContents& contents, uint32_t n_languages) {
  std::vector<uint8_t> file;
  const std::string error = convert::write_xattn_model(contents, &file);
  REQUIRE_MESSAGE(error.empty(), error);
  xattn_test::AlignedBytes bytes(file);
  std::unique_ptr<ModelView> view = model_test::new_view();
  const Status opened = open_model(bytes.data(), bytes.size(), view.get());
  REQUIRE_MESSAGE(opened.is_ok(), opened.message());
  const ModelView& m = *view;
  WhisperTokens t;
  REQUIRE(whisper_tokens_for_model(m, &t).is_ok());
  CHECK(t.multilingual);
  CHECK(t.n_languages == n_languages);
  CHECK(m.whisper.languages.count == n_languages);
  CHECK(m.whisper.suppress_begin.count == 1);
  CHECK(m.whisper.suppress_begin.ids[0] == t.eot);
  CHECK(m.config.target_tokens.bos == t.sot);
  CHECK(m.config.target_tokens.eos == t.eot);
  CHECK(find(m.target_vocab, "<|endoftext|>") == t.eot);
  CHECK(find(m.target_vocab, "<|startoftranscript|>") == t.sot);
  CHECK(find(m.target_vocab, "<|translate|>") == t.translate);
  CHECK(find(m.target_vocab, "<|notimestamps|>") == t.no_timestamps);
  CHECK(!whisper_has_own_tokens(m));
  CHECK(find(m.target_vocab, "<|0.00|>") == t.timestamp_begin);
  CHECK(find(m.target_vocab, "<|0.02|>") == t.timestamp_begin + 1);
  uint32_t en = 0, de = 0;
  REQUIRE(whisper_model_language(m, t, "en", &en).is_ok());
  CHECK(en == t.first_language);
  REQUIRE(whisper_model_language(m, t, "de", &de).is_ok());
  CHECK(de == t.first_language + 2);  // tokenizer.py's order: en zh de es ...

  // Detection, then decoding, on a short window of features.
  Limits l;
  l.max_source_length = 4;
  l.max_target_length = 12;
  const uint32_t frames = 2 * l.max_source_length;
  std::vector<uint8_t> arena(arena_bytes(m.config, l) + kArenaAlignment);
  uint8_t* at = arena.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(arena.data()) % kArenaAlignment) %
                                   kArenaAlignment;
  Session session;
  REQUIRE(session.init(m, l, at, arena.size() - kArenaAlignment).is_ok());
  std::vector<float> mel(size_t{m.config.n_mels} * frames);
  for (size_t i = 0; i < mel.size(); ++i) mel[i] = static_cast<float>(i % 7) * 0.1f - 0.3f;
  REQUIRE(session.encode_features(mel.data(), m.config.n_mels, frames).is_ok());
  WhisperDecoder decoder;
  REQUIRE(decoder.init(m).is_ok());
  WhisperDecodeOptions o;
  o.max_new_tokens = 4;
  Result r;
  WhisperDecodeInfo info;
  const Status s = decoder.generate(session, o, &r, &info);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  CHECK(info.detected);
  CHECK(t.is_language_token(info.language.token));
  REQUIRE(r.count == 1);
  CHECK(r.hypotheses[0].length > info.prompt_length);
  CHECK(r.hypotheses[0].tokens[0] == info.language.token);  // the prompt after <|startoftranscript|>
}

}  // namespace

TEST_CASE("synthetic whisper: the test Whisper has Whisper's token layout, cut short, and decodes") {
  for (convert::WeightType w : {convert::WeightType::kFloat32, convert::WeightType::kInt8}) {
    convert::XattnModelContents contents;
    REQUIRE(convert::synth_test_whisper(w, 1, &contents).empty());
    CHECK(contents.config.d_model == 16);
    check_layout(contents, 4);
  }
}

#if !defined(XATTN_TESTS_EMULATED)
TEST_CASE("synthetic whisper: whisper-tiny has the multilingual layout of 51865 tokens") {
  convert::XattnModelContents contents;
  REQUIRE(convert::synth_model("whisper-tiny", convert::WeightType::kInt8, 1, &contents).empty());
  check_layout(contents, 99);
}
#endif
