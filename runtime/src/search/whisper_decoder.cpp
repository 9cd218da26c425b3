// Whisper decoding on a session (xattn/whisper.h): the layout and token
// lists from the model file, language detection, and the generate call that
// puts prompt, filters and Whisper's score convention together.
#include <cstring>

#include "xattn/whisper.h"

namespace xattn {

namespace {

constexpr uint32_t kFullEnglishVocab = 51864;  // tokenizer.py: the smallest full vocabulary

Status bad(const char* message) { return Status::error(StatusCode::kInvalidArgument).add(message); }

}  // namespace

Status whisper_tokens_for_model(const ModelView& model, WhisperTokens* out) {
  if (out == nullptr) return bad("whisper: no output");
  if (model.config.encoder_input != EncoderInput::kAudio)
    return Status::error(StatusCode::kUnsupported).add("whisper: not an audio (Whisper) model");
  const uint32_t n_vocab = model.config.target_vocab_size;
  const IdList& languages = model.whisper.languages;
  if (languages.count == 0) return whisper_tokens_for_vocab(n_vocab, out);
  for (uint32_t i = 1; i < languages.count; ++i)
    if (languages.ids[i] != languages.ids[0] + i) return bad("whisper: the model's language ids are not contiguous");
  // <|endoftext|>, <|startoftranscript|>, then the languages.
  if (languages.ids[0] < 2) return bad("whisper: the model's language ids leave no room for the start tokens");
  const bool multilingual = n_vocab < kFullEnglishVocab || n_vocab > kFullEnglishVocab;
  return whisper_tokens_at(n_vocab, languages.ids[0] - 2, languages.count, multilingual, out);
}

bool whisper_has_own_tokens(const ModelView& model) {
  static const char kNoTimestamps[] = "<|notimestamps|>";
  return model.config.encoder_input == EncoderInput::kAudio &&
         model.target_vocab.find(kNoTimestamps, sizeof kNoTimestamps - 1, kNoToken) == kNoToken;
}

Status whisper_model_language(const ModelView& model, const WhisperTokens& tokens, const char* code, uint32_t* token) {
  if (code == nullptr || token == nullptr) return bad("whisper: no language code");
  if (!tokens.multilingual) {
    if (std::strcmp(code, "en") != 0)
      return bad("whisper: the model is English-only: it has no language but en");
    *token = kNoToken;
    return Status::ok();
  }
  char text[16];
  const size_t length = std::strlen(code);
  if (length == 0 || length + 4 >= sizeof text) return bad("whisper: the model has no token for this language code");
  std::memcpy(text, "<|", 2);
  std::memcpy(text + 2, code, length);
  std::memcpy(text + 2 + length, "|>", 2);
  const uint32_t found = model.target_vocab.find(text, length + 4, kNoToken);
  if (found == kNoToken || !tokens.is_language_token(found))
    return bad("whisper: the model has no token for this language code");
  *token = found;
  return Status::ok();
}

TokenText whisper_language_code(const ModelView& model, const WhisperTokens& tokens, uint32_t token) {
  if (!tokens.is_language_token(token)) return TokenText{};
  const TokenText text = model.target_vocab.token(token);
  if (text.size < 5 || std::memcmp(text.data, "<|", 2) != 0 || std::memcmp(text.data + text.size - 2, "|>", 2) != 0)
    return TokenText{};
  return TokenText{text.data + 2, text.size - 4};
}

Status whisper_check_options(const WhisperTokens& tokens, const WhisperDecodeOptions& options) {
  if (tokens.multilingual) return Status::ok();
  if (options.task == WhisperTask::kTranslate) return bad("whisper: the model is English-only: it cannot translate");
  if (options.language_token != kNoToken)
    return bad("whisper: the model is English-only: it takes no language token");
  return Status::ok();
}

Status whisper_detect_language(Session& session, const WhisperTokens& tokens, float* probs, WhisperLanguage* best) {
  const ModelView* model = session.model();
  if (model == nullptr) return Status::error(StatusCode::kNotReady).add("whisper: the session is not initialized");
  if (model->config.target_vocab_size != tokens.n_vocab || model->config.target_tokens.bos != tokens.sot)
    return bad("whisper: the layout is not the session model's, or it does not start from <|startoftranscript|>");
  const float* logits = nullptr;
  const Status s = session.start_logits(&logits);
  if (!s) return s;
  return whisper_detect_language(logits, tokens, probs, best);
}

Status WhisperDecoder::init(const ModelView& model) {
  const Status s = whisper_tokens_for_model(model, &tokens_);
  if (!s) return s;
  if (model.config.target_tokens.bos != tokens_.sot)
    return bad("whisper: the model does not start decoding from <|startoftranscript|>");
  model_ = &model;
  return Status::ok();
}

Status WhisperDecoder::generate(Session& session, const WhisperDecodeOptions& options, Result* result,
                                WhisperDecodeInfo* info) {
  if (model_ == nullptr || session.model() != model_)
    return Status::error(StatusCode::kNotReady).add("whisper: decoder not initialized for this session's model");
  if (result == nullptr || info == nullptr) return bad("whisper: no result");
  *info = WhisperDecodeInfo{};
  const Status fits = whisper_check_options(tokens_, options);
  if (!fits) return fits;
  uint32_t language = tokens_.multilingual ? options.language_token : tokens_.first_language;
  if (tokens_.multilingual) {
    if (language == kNoToken) {
      const Status s = whisper_detect_language(session, tokens_, nullptr, &info->language);
      if (!s) return s;
      info->detected = true;
      language = info->language.token;
    } else if (!tokens_.is_language_token(language)) {
      return bad("whisper: the language is not one of the model's language tokens");
    } else {
      info->language.index = language - tokens_.first_language;
      info->language.token = language;
    }
  }
  size_t prompt_length = 0;
  Status s = whisper_start_prompt(tokens_, language, options.task, options.timestamps, prompt_, &prompt_length);
  if (!s) return s;

  WhisperFilterOptions rules;
  rules.timestamps = options.timestamps;
  const WhisperIds& ids = model_->whisper;
  s = filter_.init(tokens_, rules, {ids.suppress_begin.ids, ids.suppress_begin.count},
                   {ids.suppress.ids, ids.suppress.count});
  if (!s) return s;

  // Decoding starts from <|startoftranscript|> (the model's bos): the rest is a forced prefix.
  const uint32_t prefix = static_cast<uint32_t>(prompt_length - 1);
  const uint32_t limit = session.limits().max_target_length;
  if (limit <= prefix) return Status::error(StatusCode::kLimitExceeded).add("whisper: max_target_length leaves no room after the prompt");
  const uint32_t new_tokens = options.max_new_tokens ? options.max_new_tokens : model_->config.max_positions / 2;
  GenerateOptions o;
  o.beam_size = options.beam_size;
  o.num_hypotheses = options.num_hypotheses;
  o.length_penalty = options.length_penalty;
  o.prefix = TokenSpan{prompt_ + 1, prefix};
  o.max_length = limit - prefix < new_tokens ? limit : prefix + new_tokens;
  o.min_length = prefix + 1;  // at least one generated token, as CTranslate2's min_length 1
  o.logit_hook = filter_.hook();
  o.length_counts_prefix = false;
  o.length_counts_end = false;
  s = session.generate(o, result);
  if (!s) return s;
  info->prompt_length = prefix;
  return Status::ok();
}

}  // namespace xattn
