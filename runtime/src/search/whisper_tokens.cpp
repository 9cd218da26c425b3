// Whisper's special-token layout, language codes and start prompt
// (tokenizer.py's get_encoding order; model.py's size inference).
#include <cstring>

#include "xattn/whisper.h"

namespace xattn {

namespace {

// Tokens between the languages and the timestamps: translate, transcribe,
// startoflm, startofprev, nospeech, notimestamps.
constexpr uint32_t kTaskAndControlTokens = 6;
// <|endoftext|> and <|startoftranscript|>.
constexpr uint32_t kLeadingSpecials = 2;
// model.py: n_vocab - 51765 - multilingual = number of languages.
constexpr uint32_t kLanguageCountBase = 51765;
constexpr uint32_t kFirstMultilingualVocab = 51865;

Status bad_layout(const char* what) {
  return Status::error(StatusCode::kInvalidArgument).add("whisper tokens: ").add(what);
}

}  // namespace

int32_t whisper_language_index(const char* code) {
  if (code == nullptr) return -1;
  for (uint32_t i = 0; i < kWhisperLanguageCount; ++i)
    if (std::strcmp(code, kWhisperLanguageCodes[i]) == 0) return static_cast<int32_t>(i);
  return -1;
}

int32_t whisper_language_index(const WhisperTokens& tokens, const char* code) {
  if (code == nullptr || tokens.language_codes == nullptr) return -1;
  for (uint32_t i = 0; i < tokens.n_languages; ++i)
    if (tokens.language_codes[i] != nullptr && std::strcmp(code, tokens.language_codes[i]) == 0)
      return static_cast<int32_t>(i);
  return -1;
}

Status whisper_tokens_at(uint32_t n_vocab, uint32_t eot, uint32_t n_languages, bool multilingual,
                         WhisperTokens* out) {
  if (out == nullptr) return bad_layout("no output");
  if (n_languages > kWhisperLanguageCount) return bad_layout("more than 100 language tokens");
  if (multilingual && n_languages == 0) return bad_layout("a multilingual vocabulary needs language tokens");
  const uint64_t timestamp_begin =
      uint64_t{eot} + kLeadingSpecials + n_languages + kTaskAndControlTokens;
  if (timestamp_begin >= n_vocab) return bad_layout("the vocabulary ends before the first timestamp token");
  if (n_vocab - timestamp_begin > kWhisperTimestampCount)
    return bad_layout("more than 1501 timestamp tokens after the special tokens");
  WhisperTokens t;
  t.n_vocab = n_vocab;
  t.multilingual = multilingual;
  t.eot = eot;
  t.sot = eot + 1;
  t.first_language = eot + 2;
  t.n_languages = n_languages;
  t.translate = t.first_language + n_languages;
  t.transcribe = t.translate + 1;
  t.sot_lm = t.translate + 2;
  t.sot_prev = t.translate + 3;
  t.no_speech = t.translate + 4;
  t.no_timestamps = t.translate + 5;
  t.timestamp_begin = static_cast<uint32_t>(timestamp_begin);
  *out = t;
  return Status::ok();
}

Status whisper_tokens(uint32_t n_vocab, bool multilingual, uint32_t n_languages, WhisperTokens* out) {
  const uint64_t specials = uint64_t{kLeadingSpecials} + n_languages + kTaskAndControlTokens + kWhisperTimestampCount;
  if (n_vocab <= specials) return bad_layout("vocabulary smaller than its special tokens");
  return whisper_tokens_at(n_vocab, static_cast<uint32_t>(n_vocab - specials), n_languages, multilingual, out);
}

Status whisper_tokens_for_vocab(uint32_t n_vocab, WhisperTokens* out) {
  const bool multilingual = n_vocab >= kFirstMultilingualVocab;
  const uint32_t base = kLanguageCountBase + (multilingual ? 1 : 0);
  if (n_vocab < base + 99 || n_vocab - base > kWhisperLanguageCount)
    return bad_layout("vocabulary size is not 51864, 51865 or 51866: give the layout explicitly");
  return whisper_tokens(n_vocab, multilingual, n_vocab - base, out);
}

Status whisper_language_token(const WhisperTokens& tokens, const char* code, uint32_t* token) {
  const int32_t index = whisper_language_index(tokens, code);
  if (index < 0) return bad_layout("the model has no token for this language code");
  *token = tokens.language_token(static_cast<uint32_t>(index));
  return Status::ok();
}

Status whisper_start_prompt(const WhisperTokens& tokens, uint32_t language_token, WhisperTask task,
                            bool timestamps, uint32_t out[kWhisperMaxStartPrompt], size_t* length) {
  size_t n = 0;
  out[n++] = tokens.sot;
  if (tokens.multilingual) {
    if (!tokens.is_language_token(language_token)) return bad_layout("prompt language is not a language token");
    out[n++] = language_token;
    out[n++] = task == WhisperTask::kTranslate ? tokens.translate : tokens.transcribe;
  }
  if (!timestamps) out[n++] = tokens.no_timestamps;
  *length = n;
  return Status::ok();
}

}  // namespace xattn
