// Whisper's token lists in the model file and language detection inside
// decoding, on the shared random Whisper (../shared/data/ct2-families/whisper):
// `convert ct2` carries config.json's suppress_ids, suppress_ids_begin and
// lang_ids into the "whisper_ids" blob and the reader refuses a blob whose
// counts or ids do not fit; WhisperDecoder given no language detects it as
// decoding.py's detect_language does — here checked against the argmax and
// softmax over the language tokens (found by name in vocabulary.json) of the
// first step's logits taken through Session::forced_logits — and then
// decodes exactly what the detected language gives when passed explicitly;
// and, since every shared input detects <|en|>, on a copy whose <|de|> row
// is made to win, that <|de|> is detected and decoded with.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "model_test_support.h"
#include "whisper_model_support.h"
#include "xattn/arena.h"
#include "xattn/session.h"
#include "xattn/whisper.h"

using namespace xattn;
using namespace model_test;

namespace {

std::vector<uint32_t> list(const IdList& l) { return std::vector<uint32_t>(l.ids, l.ids + l.count); }

}  // namespace

TEST_CASE("whisper ids: convert ct2 carries config.json's lists, the reader checks them") {
  if (!test::have_whisper()) return;
  convert::ImportResult imported;
  std::string error =
      convert::import_ct2_directory(test::whisper_dir() + "/model-f32", convert::WeightType::kFloat32, &imported);
  REQUIRE_MESSAGE(error.empty(), error);
  Bytes file;
  error = convert::write_xattn_model(imported.model, &file);
  REQUIRE_MESSAGE(error.empty(), error);
  AlignedBytes aligned(file.data(), file.size());
  std::unique_ptr<ModelView> view = new_view();
  Status s = open_model(aligned.data(), aligned.size(), view.get());
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  CHECK(list(view->whisper.suppress) == test::whisper_config_ids("suppress_ids"));
  CHECK(list(view->whisper.suppress_begin) == test::whisper_config_ids("suppress_ids_begin"));
  CHECK(list(view->whisper.languages) == test::whisper_config_ids("lang_ids"));
  CHECK(view->config.whisper_ids_bytes == 12 + 4 * (view->whisper.suppress.count + view->whisper.suppress_begin.count +
                                                    view->whisper.languages.count));

  const size_t blob = static_cast<size_t>(view->whisper_ids_bytes - view->bytes);
  const uint32_t vocab = view->config.target_vocab_size;
  {  // the last language id one past the vocabulary
    Bytes bad = file;
    put_u32(bad, blob + view->config.whisper_ids_bytes - 4, vocab);
    fix_checksum(bad);
    const Status e = open_copy(bad);
    CHECK(e.code() == StatusCode::kBadModel);
    CHECK(std::string(e.message()).find("outside the target vocabulary") != std::string::npos);
  }
  {  // counts that claim more ids than the blob holds, and counts that overflow 32 bits
    for (uint32_t count : {view->whisper.suppress.count + 1, 0x40000000u}) {
      Bytes bad = file;
      put_u32(bad, blob, count);
      fix_checksum(bad);
      const Status e = open_copy(bad);
      CHECK(e.code() == StatusCode::kBadModel);
      CHECK(std::string(e.message()).find("counts do not match") != std::string::npos);
    }
  }
  {  // a blob size that is not a multiple of 4
    Bytes bad = file;
    put_u32(bad, fmt::header::kSize + fmt::config::kWhisperIdsBytes, view->config.whisper_ids_bytes + 1);
    fix_checksum(bad);
    CHECK(open_copy(bad).code() == StatusCode::kBadModel);
  }
}

TEST_CASE("whisper language detection in decoding: argmax of the first step, then the explicit transcript") {
  if (!test::have_whisper()) return;
  test::OpenWhisper model;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &model);
  const test::WhisperData data = test::whisper_data();
  const std::vector<std::string> codes = {"en", "de", "es", "fr"};  // the README's language tokens
  std::vector<uint32_t> language_ids;
  for (const std::string& c : codes) language_ids.push_back(data.token("<|" + c + "|>"));

  Limits limits;
  limits.max_source_length = (data.frames - 1) / 2 + 1;
  limits.max_target_length = 48;
  limits.max_beam = 1;
  limits.alignment = false;
  std::vector<uint8_t> storage(arena_bytes(model.view->config, limits) + kArenaAlignment);
  void* arena = storage.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(storage.data()) % kArenaAlignment);
  Session session;
  Status s = session.init(*model.view, limits, arena, storage.size() - kArenaAlignment);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  WhisperDecoder decoder;
  s = decoder.init(*model.view);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  CHECK(decoder.tokens().multilingual);
  CHECK(decoder.tokens().first_language == language_ids[0]);
  CHECK(decoder.tokens().n_languages == language_ids.size());

  std::vector<float> logits(data.vocabulary.size());
  const uint32_t sot = data.token("<|startoftranscript|>");
  size_t detected_per_language[4] = {};
  for (size_t i = 0; i < data.inputs; ++i) {
    CAPTURE(i);
    const std::vector<float> mel = test::whisper_mel(i);
    REQUIRE(session.encode_features(mel.data(), data.n_mels, data.frames).is_ok());
    // The reference: the first step's logits, softmax over the language tokens only, in double.
    REQUIRE(session.forced_logits(&sot, 1, logits.data()).is_ok());
    size_t best = 0;
    for (size_t l = 1; l < language_ids.size(); ++l)
      if (logits[language_ids[l]] > logits[language_ids[best]]) best = l;
    double sum = 0.0;
    for (uint32_t id : language_ids) sum += std::exp(double(logits[id]) - logits[language_ids[best]]);

    // Every language's probability (all inputs may favour one language: the
    // whole distribution is checked, not only its argmax).
    float probs[4] = {};
    WhisperLanguage direct;
    REQUIRE(whisper_detect_language(session, decoder.tokens(), probs, &direct).is_ok());
    for (size_t l = 0; l < language_ids.size(); ++l)
      CHECK(std::fabs(probs[l] - std::exp(double(logits[language_ids[l]]) - logits[language_ids[best]]) / sum) <= 1e-6);
    CHECK(direct.token == language_ids[best]);

    WhisperDecodeOptions options;
    options.max_new_tokens = 40;
    Result detected;
    WhisperDecodeInfo info;
    s = decoder.generate(session, options, &detected, &info);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    CHECK(info.detected);
    CHECK(info.language.token == language_ids[best]);
    CHECK(std::fabs(info.language.probability - 1.0 / sum) <= 1e-6);
    const TokenText code = whisper_language_code(*model.view, decoder.tokens(), info.language.token);
    CHECK(std::string(code.data, code.size) == codes[best]);
    ++detected_per_language[best];
    const Hypothesis& h = detected.hypotheses[0];
    REQUIRE(info.prompt_length == 3);  // language, task, <|notimestamps|>
    CHECK(h.tokens[0] == language_ids[best]);
    const std::vector<uint32_t> with_detection(h.tokens, h.tokens + h.length);
    const float detected_score = h.score;

    // The same language given: the same transcript and score, nothing detected.
    uint32_t token = 0;
    REQUIRE(whisper_model_language(*model.view, decoder.tokens(), codes[best].c_str(), &token).is_ok());
    options.language_token = token;
    Result given;
    s = decoder.generate(session, options, &given, &info);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    CHECK_FALSE(info.detected);
    CHECK(std::vector<uint32_t>(given.hypotheses[0].tokens, given.hypotheses[0].tokens + given.hypotheses[0].length) ==
          with_detection);
    CHECK(given.hypotheses[0].score == detected_score);
  }
  MESSAGE("detected en " << detected_per_language[0] << ", de " << detected_per_language[1] << ", es "
                         << detected_per_language[2] << ", fr " << detected_per_language[3]);

  uint32_t token = 0;
  CHECK(whisper_model_language(*model.view, decoder.tokens(), "ja", &token).code() == StatusCode::kInvalidArgument);
  CHECK(whisper_model_language(*model.view, decoder.tokens(), "transcribe", &token).code() ==
        StatusCode::kInvalidArgument);
  WhisperDecodeOptions wrong;
  wrong.language_token = data.token("<|transcribe|>");
  Result r;
  WhisperDecodeInfo info;
  CHECK(decoder.generate(session, wrong, &r, &info).code() == StatusCode::kInvalidArgument);
}

// The shared inputs all detect <|en|> (the first language token), so a
// detection stuck on the first language would pass the case above: here the
// tied embedding row of <|de|> becomes 2 x the row of the token with the
// largest first-step logit of mel input 0, so <|de|> must win detection, and
// the transcript must be the one --language de gives.
TEST_CASE("whisper language detection: a model that favours <|de|> detects it and decodes with it") {
  if (!test::have_whisper()) return;
  const test::WhisperData data = test::whisper_data();
  convert::ImportResult imported;
  std::string error =
      convert::import_ct2_directory(test::whisper_dir() + "/model-f32", convert::WeightType::kFloat32, &imported);
  REQUIRE_MESSAGE(error.empty(), error);
  const std::vector<float> mel = test::whisper_mel(0);
  const uint32_t sot = data.token("<|startoftranscript|>"), de = data.token("<|de|>");
  const uint32_t vocab = static_cast<uint32_t>(data.vocabulary.size());

  Limits limits;
  limits.max_source_length = (data.frames - 1) / 2 + 1;
  limits.max_target_length = 48;
  limits.max_beam = 1;
  limits.alignment = false;
  struct Opened {
    std::unique_ptr<AlignedBytes> bytes;
    std::unique_ptr<ModelView> view = new_view();
    std::vector<uint8_t> storage;
    Session session;
  };
  const auto open = [&](const convert::XattnModelContents& contents, Opened* o) {
    Bytes file;
    const std::string e = convert::write_xattn_model(contents, &file);
    REQUIRE_MESSAGE(e.empty(), e);
    o->bytes.reset(new AlignedBytes(file.data(), file.size()));
    REQUIRE(open_model(o->bytes->data(), o->bytes->size(), o->view.get()).is_ok());
    o->storage.assign(arena_bytes(o->view->config, limits) + kArenaAlignment, 0);
    void* arena = o->storage.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(o->storage.data()) % kArenaAlignment);
    REQUIRE(o->session.init(*o->view, limits, arena, o->storage.size() - kArenaAlignment).is_ok());
    REQUIRE(o->session.encode_features(mel.data(), data.n_mels, data.frames).is_ok());
  };

  std::vector<float> logits(vocab);
  uint32_t top = 0;
  {
    Opened original;
    open(imported.model, &original);
    REQUIRE(original.session.forced_logits(&sot, 1, logits.data()).is_ok());
    for (uint32_t v = 1; v < vocab; ++v)
      if (logits[v] > logits[top]) top = v;
    REQUIRE(logits[top] > 0.0f);
  }
  size_t changed = 0;
  const uint32_t tied[] = {global_id(GlobalRole::kTargetEmbedding), global_id(GlobalRole::kOutputWeight)};
  for (convert::HostTensor& t : imported.model.tensors) {
    if (t.id != tied[0] && t.id != tied[1]) continue;
    REQUIRE(t.values.size() == size_t{vocab} * t.cols);
    for (uint32_t c = 0; c < t.cols; ++c) t.values[size_t{de} * t.cols + c] = 2.0f * t.values[size_t{top} * t.cols + c];
    ++changed;
  }
  REQUIRE(changed == 2);

  Opened favoured;
  open(imported.model, &favoured);
  REQUIRE(favoured.session.forced_logits(&sot, 1, logits.data()).is_ok());
  const std::vector<uint32_t> languages = test::whisper_config_ids("lang_ids");
  double sum = 0.0;
  for (uint32_t id : languages) sum += std::exp(double(logits[id]) - logits[de]);
  for (uint32_t id : languages) REQUIRE(logits[id] <= logits[de]);

  WhisperDecoder decoder;
  REQUIRE(decoder.init(*favoured.view).is_ok());
  WhisperDecodeOptions options;
  options.max_new_tokens = 40;
  Result detected;
  WhisperDecodeInfo info;
  REQUIRE(decoder.generate(favoured.session, options, &detected, &info).is_ok());
  CHECK(info.detected);
  CHECK(info.language.token == de);
  CHECK(info.language.index == 1);
  CHECK(std::fabs(info.language.probability - 1.0 / sum) <= 1e-6);
  const TokenText code = whisper_language_code(*favoured.view, decoder.tokens(), info.language.token);
  CHECK(std::string(code.data, code.size) == "de");
  const Hypothesis& h = detected.hypotheses[0];
  REQUIRE(h.length > info.prompt_length);
  CHECK(h.tokens[0] == de);
  const std::vector<uint32_t> with_detection(h.tokens, h.tokens + h.length);

  options.language_token = de;
  Result given;
  REQUIRE(decoder.generate(favoured.session, options, &given, &info).is_ok());
  CHECK_FALSE(info.detected);
  CHECK(std::vector<uint32_t>(given.hypotheses[0].tokens, given.hypotheses[0].tokens + given.hypotheses[0].length) ==
        with_detection);
  CHECK(given.hypotheses[0].score == detected.hypotheses[0].score);
}
