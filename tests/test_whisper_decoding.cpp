// Whisper decoding rules (xattn/whisper.h) against openai-whisper's own
// decoding.py and tokenizer.py: tests/whisper/whisper_decoding_reference.py
// runs SuppressBlank, SuppressTokens (with _get_suppress_tokens' default
// set), ApplyTimestampRules and detect_language on random logits and token
// histories for four vocabulary layouts; here the C++ filters must mask
// exactly the same tokens and leave every other logit bit-identical, the
// token layout and prompts must equal tokenizer.py's, and language
// detection must pick the same language with the same probabilities.
// Skipped, saying why, when python3 with torch or the reference is absent.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "audio/reference_script.h"
#include "xattn/whisper.h"

using namespace xattn;

namespace {

std::vector<uint32_t> ids_after(const std::string& line, const std::string& label) {
  std::istringstream in(line);
  std::string word;
  in >> word;
  REQUIRE(word == label);
  std::vector<uint32_t> ids;
  uint32_t id = 0;
  while (in >> id) ids.push_back(id);
  return ids;
}

struct Layout {
  WhisperTokens tokens;
  std::vector<uint32_t> blank, non_speech;
  std::vector<std::string> codes;
  std::vector<const char*> code_ptrs;
};

void check_layout(const std::string& dir, const std::string& name, Layout* layout) {
  std::ifstream in(dir + "/" + name + ".layout.txt");
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  uint32_t v[13];
  std::istringstream head(line);
  for (uint32_t& x : v) head >> x;
  REQUIRE(head);
  WhisperTokens& t = layout->tokens;
  REQUIRE(whisper_tokens_at(v[0], v[1], v[2], v[3] != 0, &t).is_ok());
  const uint32_t expected[13] = {t.n_vocab,    t.eot,      t.n_languages, t.multilingual ? 1u : 0u, t.sot,
                                 t.first_language, t.translate, t.transcribe, t.sot_lm, t.sot_prev,
                                 t.no_speech, t.no_timestamps, t.timestamp_begin};
  for (int i = 0; i < 13; ++i) CHECK_MESSAGE(expected[i] == v[i], name << " field " << i);
  if (v[0] > 50000) {  // a full vocabulary: the size alone determines the layout
    WhisperTokens from_size;
    REQUIRE(whisper_tokens_for_vocab(v[0], &from_size).is_ok());
    const uint32_t inferred[13] = {from_size.n_vocab, from_size.eot, from_size.n_languages,
                                   from_size.multilingual ? 1u : 0u, from_size.sot, from_size.first_language,
                                   from_size.translate, from_size.transcribe, from_size.sot_lm,
                                   from_size.sot_prev, from_size.no_speech, from_size.no_timestamps,
                                   from_size.timestamp_begin};
    for (int i = 0; i < 13; ++i) CHECK_MESSAGE(inferred[i] == v[i], name << " field " << i << " from the size");
    CHECK(from_size.timestamp_count() == kWhisperTimestampCount);
  }
  std::getline(in, line);
  layout->blank = ids_after(line, "blank");
  std::getline(in, line);
  layout->non_speech = ids_after(line, "non_speech");
  std::getline(in, line);
  std::istringstream langs(line);
  std::string word;
  langs >> word;
  REQUIRE(word == "languages");
  while (langs >> word) {
    const size_t colon = word.find(':');
    layout->codes.push_back(word.substr(0, colon));
    CHECK(std::stoul(word.substr(colon + 1)) == t.language_token(static_cast<uint32_t>(layout->codes.size() - 1)));
  }
  REQUIRE(layout->codes.size() == t.n_languages);
  bool own_order = true;
  for (size_t i = 0; i < layout->codes.size(); ++i) {
    layout->code_ptrs.push_back(layout->codes[i].c_str());
    own_order = own_order && layout->codes[i] == kWhisperLanguageCodes[i];
  }
  if (!own_order) t.language_codes = layout->code_ptrs.data();  // the small layout's en de es fr
  CHECK((own_order || name == "small"));
  int prompts = 0;
  while (std::getline(in, line)) {
    std::istringstream p(line);
    std::string label, code, task;
    int timestamps = 0;
    p >> label >> code >> task >> timestamps;
    REQUIRE(label == "prompt");
    std::vector<uint32_t> want;
    uint32_t id = 0;
    while (p >> id) want.push_back(id);
    uint32_t language = t.first_language;
    if (t.multilingual) REQUIRE(whisper_language_token(t, code.c_str(), &language).is_ok());
    uint32_t got[kWhisperMaxStartPrompt];
    size_t length = 0;
    REQUIRE(whisper_start_prompt(t, language, task == "translate" ? WhisperTask::kTranslate : WhisperTask::kTranscribe,
                                 timestamps != 0, got, &length)
                .is_ok());
    CHECK(std::vector<uint32_t>(got, got + length) == want);
    ++prompts;
  }
  CHECK(prompts >= 4);
}

}  // namespace

TEST_CASE("whisper decoding: filters and language detection match openai-whisper's decoding.py") {
  const std::string dir = test::run_reference_script(XATTN_WHISPER_DECODING_SCRIPT, "whisper-decoding-reference");
  if (dir.empty()) return;
  std::ifstream manifest(dir + "/manifest.txt");
  std::string name;
  size_t n_cases = 0, total = 0, masked_total = 0, language_cases = 0;
  while (manifest >> name >> n_cases) {
    CAPTURE(name);
    Layout layout;
    check_layout(dir, name, &layout);
    const WhisperTokens& t = layout.tokens;
    const std::vector<int16_t> values = test::read_raw<int16_t>(dir + "/" + name + ".logits.i16");
    const std::vector<uint8_t> masks = test::read_raw<uint8_t>(dir + "/" + name + ".mask.bits");
    const size_t mask_bytes = (t.n_vocab + 7) / 8;
    REQUIRE(values.size() == n_cases * t.n_vocab);
    REQUIRE(masks.size() == n_cases * mask_bytes);
    std::ifstream cases(dir + "/" + name + ".cases.txt"), langs(dir + "/" + name + ".lang.txt");
    std::vector<float> logits(t.n_vocab), raw(t.n_vocab), probs(t.n_languages);
    for (size_t c = 0; c < n_cases; ++c) {
      CAPTURE(c);
      int blank = 0, suppress = 0, timestamps = 0, max_initial = 0;
      unsigned shift_bits = 0;
      size_t n_sampled = 0;
      std::string line;
      REQUIRE(std::getline(cases, line));
      std::istringstream in(line);
      in >> blank >> suppress >> timestamps >> max_initial >> std::hex >> shift_bits >> std::dec >> n_sampled;
      std::vector<uint32_t> sampled(n_sampled);
      for (uint32_t& s : sampled) in >> s;
      REQUIRE(in);
      float shift = 0.0f;
      std::memcpy(&shift, &shift_bits, sizeof shift);
      for (uint32_t v = 0; v < t.n_vocab; ++v) {
        raw[v] = static_cast<float>(values[c * t.n_vocab + v]) / 1024.0f;
        logits[v] = v >= t.timestamp_begin ? raw[v] + shift : raw[v];
      }
      const std::vector<float> before = logits;

      WhisperFilterOptions options;
      options.suppress_blank = blank != 0;
      options.suppress_tokens = suppress != 0;
      options.timestamps = timestamps != 0;
      options.max_initial_timestamp_index = max_initial;
      WhisperLogitFilter filter;
      REQUIRE(filter.init(t, options, {layout.blank.data(), layout.blank.size()},
                          {layout.non_speech.data(), layout.non_speech.size()})
                  .is_ok());
      filter.apply(sampled.data(), sampled.size(), logits.data());

      size_t wrong = 0, first_wrong = 0;
      for (uint32_t v = 0; v < t.n_vocab; ++v) {
        const bool want_masked = (masks[c * mask_bytes + v / 8] >> (7 - v % 8)) & 1;
        masked_total += want_masked;
        const bool ok = want_masked ? (std::isinf(logits[v]) && logits[v] < 0)
                                    : std::memcmp(&logits[v], &before[v], sizeof(float)) == 0;
        if (!ok && wrong++ == 0) first_wrong = v;
      }
      CHECK_MESSAGE(wrong == 0, wrong << " logits differ, first at token " << first_wrong);
      ++total;

      if (t.multilingual) {
        REQUIRE(std::getline(langs, line));
        std::istringstream l(line);
        uint32_t best_index = 0;
        double best_prob = 0.0;
        l >> best_index >> best_prob;
        WhisperLanguage best;
        REQUIRE(whisper_detect_language(raw.data(), t, probs.data(), &best).is_ok());
        CHECK(best.index == best_index);
        CHECK(best.token == t.language_token(best_index));
        // Probabilities are arithmetic (PyTorch's float32 softmax): within float32 rounding.
        CHECK(std::fabs(best.probability - best_prob) <= 1e-6 + 1e-6 * best_prob);
        for (uint32_t i = 0; i < t.n_languages; ++i) {
          double p = 0.0;
          l >> p;
          CHECK(std::fabs(probs[i] - p) <= 1e-6 + 1e-6 * p);
        }
        REQUIRE(l);
        ++language_cases;
      } else {
        WhisperLanguage best;
        CHECK(whisper_detect_language(raw.data(), t, nullptr, &best).code() == StatusCode::kUnsupported);
      }
    }
  }
  CHECK(total >= 800);
  MESSAGE(total << " filter cases (" << masked_total << " masked logits) and " << language_cases
                << " language detections matched decoding.py");
}

TEST_CASE("whisper decoding: layouts, prompts and filters refuse what does not fit") {
  WhisperTokens t;
  CHECK(whisper_tokens_for_vocab(51863, &t).code() == StatusCode::kInvalidArgument);
  CHECK(whisper_tokens_for_vocab(51867, &t).code() == StatusCode::kInvalidArgument);
  CHECK(whisper_tokens(1500, true, 99, &t).code() == StatusCode::kInvalidArgument);
  CHECK(whisper_tokens_at(212, 200, 4, true, &t).code() == StatusCode::kInvalidArgument);  // no timestamp
  CHECK(whisper_tokens_at(300, 200, 101, true, &t).code() == StatusCode::kInvalidArgument);
  CHECK(whisper_tokens_at(300, 200, 0, true, &t).code() == StatusCode::kInvalidArgument);
  CHECK(whisper_tokens_at(0xFFFFFFFFu, 0xFFFFFFF8u, 4, true, &t).code() == StatusCode::kInvalidArgument);
  CHECK(whisper_tokens_at(2000, 200, 4, true, &t).code() == StatusCode::kInvalidArgument);  // > 1501 timestamps

  {  // An English-only model translates nothing and takes no language: refused, never dropped.
    WhisperTokens english;
    REQUIRE(whisper_tokens_for_vocab(51864, &english).is_ok());
    REQUIRE(!english.multilingual);
    WhisperDecodeOptions o;
    CHECK(whisper_check_options(english, o).is_ok());
    o.task = WhisperTask::kTranslate;
    CHECK(whisper_check_options(english, o).message() == std::string("whisper: the model is English-only: it cannot translate"));
    o.task = WhisperTask::kTranscribe;
    o.language_token = english.sot + 1;
    CHECK(whisper_check_options(english, o).code() == StatusCode::kInvalidArgument);
    WhisperTokens multi;
    REQUIRE(whisper_tokens_for_vocab(51865, &multi).is_ok());
    o.task = WhisperTask::kTranslate;
    o.language_token = multi.first_language;
    CHECK(whisper_check_options(multi, o).is_ok());
    // By code: en is the model's one language (no token), any other is refused.
    const std::unique_ptr<ModelView> no_model(new ModelView());  // kMaxLayers layer views: not on the stack
    uint32_t en = 0;
    CHECK(whisper_model_language(*no_model, english, "en", &en).is_ok());
    CHECK(en == kNoToken);
    CHECK(whisper_model_language(*no_model, english, "fr", &en).message() ==
          std::string("whisper: the model is English-only: it has no language but en"));
  }

  REQUIRE(whisper_tokens_at(300, 200, 4, true, &t).is_ok());
  uint32_t token = 0;
  CHECK(whisper_language_token(t, "ja", &token).code() == StatusCode::kInvalidArgument);  // beyond 4 languages
  CHECK(whisper_language_token(t, "xx", &token).code() == StatusCode::kInvalidArgument);
  CHECK(whisper_language_index("yue") == 99);
  CHECK(whisper_language_index("EN") == -1);
  uint32_t prompt[kWhisperMaxStartPrompt];
  size_t length = 0;
  CHECK(whisper_start_prompt(t, t.translate, WhisperTask::kTranscribe, false, prompt, &length).code() ==
        StatusCode::kInvalidArgument);

  WhisperLogitFilter filter;
  const uint32_t outside[] = {5, 300};
  const uint32_t inside[] = {5};
  CHECK(filter.init(t, {}, {outside, 2}, {inside, 1}).code() == StatusCode::kInvalidArgument);
  CHECK(filter.init(t, {}, {inside, 1}, {outside, 2}).code() == StatusCode::kInvalidArgument);
  CHECK(filter.init(t, {}, {nullptr, 1}, {inside, 1}).code() == StatusCode::kInvalidArgument);
  CHECK(filter.init(WhisperTokens{}, {}, {inside, 1}, {inside, 1}).code() == StatusCode::kInvalidArgument);

  // A timestamp history at the very last timestamp: the monotonic rule's
  // range ends at the vocabulary's end, never beyond.
  std::vector<float> logits(t.n_vocab, 0.0f);
  const uint32_t last[] = {7, t.n_vocab - 1};
  whisper_apply_timestamp_rules(logits.data(), t, last, 2, kWhisperMaxInitialTimestampIndex);
  CHECK(logits[t.n_vocab - 1] == 0.0f);  // closing the pair on the same timestamp stays allowed
  CHECK(std::isinf(logits[t.n_vocab - 2]));
}
