// The C API on an audio model: xattn_encode_features and the Whisper
// generate options (suppress_at_start, length counting) reproduce
// CTranslate2's first fp32-greedy line on the shared random Whisper, as
// does xattn_whisper_generate (the model's own lists; the language given or
// detected), and a token encode on that model is refused with its reason.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "c_api_session.h"
#include "whisper_model_support.h"
#include "xattn/xattn.h"

TEST_CASE("c api: a Whisper model encodes features and decodes as CTranslate2 does") {
  using namespace xattn;
  if (!test::have_whisper()) return;
  test::OpenWhisper opened;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &opened);
  xattn_limits limits = xattn_default_limits();
  const test::WhisperData data = test::whisper_data();
  limits.max_source_length = (data.frames - 1) / 2 + 1;
  limits.max_target_length = 43;
  limits.max_beam = 1;
  const xattn_test::CApiSession c(opened.bytes->data(), opened.bytes->size(), limits);
  xattn_session* session = c.session;

  const uint32_t ids[] = {1, 2};
  CHECK(xattn_encode(session, ids, 2) == XATTN_INVALID_ARGUMENT);
  CHECK(std::string(xattn_session_message(session)).find("encode_features") != std::string::npos);

  const std::vector<float> mel = test::whisper_mel(0);
  REQUIRE(mel.size() == data.mel_values());
  REQUIRE(xattn_encode_features(session, mel.data(), data.n_mels, data.frames) == XATTN_OK);
  const std::vector<uint32_t> suppress_ids = test::whisper_config_ids("suppress_ids");
  const std::vector<uint32_t> begin = test::whisper_config_ids("suppress_ids_begin");
  std::vector<xattn_token_span> suppress;
  for (const uint32_t& id : suppress_ids) suppress.push_back(xattn_token_span{&id, 1});
  const uint32_t prefix[] = {data.token("<|en|>"), data.token("<|transcribe|>"), data.token("<|notimestamps|>")};
  xattn_generate_options o = xattn_default_options();
  CHECK(o.length_excludes_prefix == 0);
  CHECK(o.length_excludes_end == 0);
  o.prefix = xattn_token_span{prefix, 3};
  o.min_length = 4;
  o.suppress = suppress.data();
  o.suppress_count = static_cast<uint32_t>(suppress.size());
  o.suppress_at_start = xattn_token_span{begin.data(), static_cast<uint32_t>(begin.size())};
  o.length_excludes_prefix = 1;
  o.length_excludes_end = 1;
  REQUIRE_MESSAGE(xattn_generate(session, &o) == XATTN_OK, std::string(xattn_session_message(session)));
  xattn_hypothesis best;
  REQUIRE(xattn_get_hypothesis(session, 0, &best) == XATTN_OK);
  std::string got;
  for (uint32_t i = 3; i < best.length; ++i) got += (i > 3 ? " " : "") + std::to_string(best.tokens[i]);
  std::ifstream golden(test::whisper_dir() + "/fp32-greedy.txt");
  std::string line;
  REQUIRE(std::getline(golden, line));
  CHECK(got == line.substr(0, line.find('\t')));
  CHECK(std::fabs(double(best.score) - std::stod(line.substr(line.rfind('\t') + 1))) <= 1e-4);

  // xattn_whisper_generate: the same line from the model file's own lists,
  // with the language given and detected.
  xattn_whisper_options w = xattn_whisper_default_options();
  w.max_new_tokens = 40;
  for (const char* language : {"en", static_cast<const char*>(nullptr)}) {
    CAPTURE(language ? language : "auto");
    xattn_whisper_info info;
    w.language = language;
    REQUIRE_MESSAGE(xattn_whisper_generate(session, &w, &info) == XATTN_OK, std::string(xattn_session_message(session)));
    CHECK(info.detected == (language == nullptr ? 1 : 0));
    CHECK(std::string(info.language) == "en");  // every shared input detects en (test_whisper_language)
    CHECK(info.language_token == data.token("<|en|>"));
    REQUIRE(info.prompt_length == 3);
    REQUIRE(xattn_get_hypothesis(session, 0, &best) == XATTN_OK);
    std::string whisper_ids;
    for (uint32_t i = 3; i < best.length; ++i) whisper_ids += (i > 3 ? " " : "") + std::to_string(best.tokens[i]);
    CHECK(whisper_ids == got);
  }
  w.language = "xx";
  xattn_whisper_info info;
  CHECK(xattn_whisper_generate(session, &w, &info) == XATTN_INVALID_ARGUMENT);
  CHECK(std::string(xattn_session_message(session)).find("language") != std::string::npos);
  CHECK(xattn_hypothesis_count(session) == 0);
}
