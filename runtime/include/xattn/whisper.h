// Whisper decoding rules, independent of the model file: the special-token
// layout of Whisper's vocabulary, the language codes, the start-of-transcript
// prompt, the per-step logit filters (suppress blank, suppress tokens, the
// timestamp rules) and language detection from the first step's logits —
// each as openai-whisper's decoding.py / tokenizer.py define it, which is
// also what CTranslate2 4.8.1 computes.
//
// No allocation: every function works in place on the caller's buffers.
//
// How a search uses this (one decoder step, for each live hypothesis):
//   1. the prompt is whisper_start_prompt(); sampling begins after it.
//   2. with no language given (multilingual models), the first step's logits
//      after <|startoftranscript|> go to whisper_detect_language() and the
//      detected token replaces the prompt's language token.
//   3. at each step, before the log-softmax that scores the candidates, the
//      search calls the hook WhisperLogitFilter::apply(sampled, n_sampled,
//      logits): `sampled` are the tokens this hypothesis generated after the
//      prompt (n_sampled == 0 at the first sampled step), `logits` that
//      step's vocabulary-sized float32 row, changed in place. Masked tokens
//      become -infinity (openai-whisper; CTranslate2 writes the lowest float,
//      which selects the same tokens). Beam search calls it once per beam.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/model.h"
#include "xattn/session.h"
#include "xattn/status.h"

namespace xattn {

// Language codes in token order (tokenizer.py's LANGUAGES): the language
// token of code i is first_language + i. Multilingual models before
// large-v3 have the first 99; large-v3 adds "yue".
constexpr uint32_t kWhisperLanguageCount = 100;
inline constexpr const char* kWhisperLanguageCodes[kWhisperLanguageCount] = {
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id",
    "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg",
    "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br",
    "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so",
    "af", "oc", "ka", "be", "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt",
    "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue"};

// Index of a language code in kWhisperLanguageCodes (exact, lower case), or -1.
int32_t whisper_language_index(const char* code);
struct WhisperTokens;
// Index of a code among a model's language tokens (tokens.language_codes), or -1.
int32_t whisper_language_index(const WhisperTokens& tokens, const char* code);

// Timestamp tokens of a full vocabulary: <|0.00|> .. <|30.00|> in 0.02 s steps.
constexpr uint32_t kWhisperTimestampCount = 1501;

// The special tokens, in vocabulary order after the text tokens:
// <|endoftext|>, <|startoftranscript|>, one token per language,
// <|translate|>, <|transcribe|>, <|startoflm|>, <|startofprev|>,
// <|nospeech|> (<|nocaptions|> in older vocabularies), <|notimestamps|>,
// then the timestamps up to the end of the vocabulary.
struct WhisperTokens {
  uint32_t n_vocab = 0;
  bool multilingual = false;  // prompts carry language and task tokens
  uint32_t eot = 0;           // also the number of text tokens
  uint32_t sot = 0;
  uint32_t first_language = 0;
  uint32_t n_languages = 0;
  uint32_t translate = 0;
  uint32_t transcribe = 0;
  uint32_t sot_lm = 0;
  uint32_t sot_prev = 0;
  uint32_t no_speech = 0;
  uint32_t no_timestamps = 0;
  uint32_t timestamp_begin = 0;  // <|0.00|>; timestamps run to n_vocab - 1
  // The code of each language token, in token order: the first n_languages
  // of kWhisperLanguageCodes for Whisper's own vocabularies; a model whose
  // vocabulary names other languages (e.g. a small test model with
  // en de es fr) points this at its own table.
  const char* const* language_codes = kWhisperLanguageCodes;

  uint32_t timestamp_count() const { return n_vocab - timestamp_begin; }
  uint32_t language_token(uint32_t index) const { return first_language + index; }
  bool is_language_token(uint32_t token) const { return token - first_language < n_languages; }
};

// The layout of a vocabulary with `eot` text tokens, `n_languages` language
// tokens and the rest timestamps (at least one). Vocabularies cut short, as
// small test models have, keep the order and lose timestamps at the end.
Status whisper_tokens_at(uint32_t n_vocab, uint32_t eot, uint32_t n_languages, bool multilingual,
                         WhisperTokens* out);

// A full vocabulary (all 1501 timestamps), as tokenizer.py builds it: e.g.
// 51864 = English-only (99 language tokens), 51865 = multilingual with 99
// languages, 51866 = large-v3 with 100.
Status whisper_tokens(uint32_t n_vocab, bool multilingual, uint32_t n_languages, WhisperTokens* out);

// As model.py infers it from the vocabulary size alone: multilingual when
// n_vocab >= 51865, n_languages = n_vocab - 51765 - multilingual.
Status whisper_tokens_for_vocab(uint32_t n_vocab, WhisperTokens* out);

// The language token of a code, checked against the model's languages.
Status whisper_language_token(const WhisperTokens& tokens, const char* code, uint32_t* token);

enum class WhisperTask : uint8_t { kTranscribe, kTranslate };

// The start-of-transcript prompt: [sot, language, task] for multilingual
// models, [sot] for English-only ones, then <|notimestamps|> unless
// `timestamps`. `language_token` is ignored by English-only models.
constexpr size_t kWhisperMaxStartPrompt = 4;
Status whisper_start_prompt(const WhisperTokens& tokens, uint32_t language_token, WhisperTask task,
                            bool timestamps, uint32_t out[kWhisperMaxStartPrompt], size_t* length);

// A list of token ids (borrowed).
struct WhisperTokenList {
  const uint32_t* ids = nullptr;
  size_t count = 0;
};

// --- The filters, each on one step's logits (tokens.n_vocab floats). Token
// lists must be checked (< n_vocab) beforehand: WhisperLogitFilter::init does.

// SuppressBlank: at the first sampled step (n_sampled == 0), masks the
// encodings of " " (`blank`, [220] with Whisper's tokenizers) and <|endoftext|>.
void whisper_suppress_blank(float* logits, const WhisperTokens& tokens, WhisperTokenList blank, size_t n_sampled);

// SuppressTokens with decoding.py's default set: `non_speech` (the ids of
// tokenizer.py's non_speech_tokens, which depend on the BPE vocabulary and so
// travel with the model) plus <|transcribe|>, <|translate|>,
// <|startoftranscript|>, <|startofprev|>, <|startoflm|> and <|nospeech|>.
void whisper_suppress_tokens(float* logits, const WhisperTokens& tokens, WhisperTokenList non_speech);

// ApplyTimestampRules: <|notimestamps|> masked; timestamps come in pairs
// (after a pair only text or the end, after a lone timestamp only a
// timestamp or the end); timestamps never decrease and a segment is never
// empty; the first sampled token is a timestamp of index at most
// `max_initial_timestamp_index` (< 0: no limit; openai's default 1.0 s is
// index 50); and when the timestamps' total probability exceeds every single
// text token's, text is masked. `sampled` are the tokens generated after
// the prompt.
constexpr int32_t kWhisperMaxInitialTimestampIndex = 50;
void whisper_apply_timestamp_rules(float* logits, const WhisperTokens& tokens, const uint32_t* sampled,
                                   size_t n_sampled, int32_t max_initial_timestamp_index);

// The decision in the last rule: log-sum-exp of the timestamp logits against
// the largest text logit (both after log-softmax in decoding.py; the shared
// normalizer cancels). Exposed for tests.
bool whisper_timestamps_dominate(const float* logits, const WhisperTokens& tokens);

// Which filters run, as decoding.py's DecodingOptions (defaults: suppress
// blank, the "-1" set, timestamps off, max_initial_timestamp 1.0 s).
struct WhisperFilterOptions {
  bool suppress_blank = true;
  bool suppress_tokens = true;
  bool timestamps = false;
  int32_t max_initial_timestamp_index = kWhisperMaxInitialTimestampIndex;
};

// The filters of one decoding, in decoding.py's order (suppress blank,
// suppress tokens, timestamp rules: the last sees the others' masks).
class WhisperLogitFilter {
 public:
  // Checks every id against the layout; the lists are borrowed.
  Status init(const WhisperTokens& tokens, const WhisperFilterOptions& options, WhisperTokenList blank,
              WhisperTokenList non_speech);
  // The per-step hook (see the top of this file).
  void apply(const uint32_t* sampled, size_t n_sampled, float* logits) const;
  // The same as a GenerateOptions::logit_hook (this filter must outlive the generate call).
  LogitHook hook() const;

 private:
  WhisperTokens tokens_;
  WhisperFilterOptions options_;
  WhisperTokenList blank_;
  WhisperTokenList non_speech_;
};

// Language detection from the logits of the step after <|startoftranscript|>
// (unfiltered): the softmax over the language tokens only. Writes the
// probability of each of the model's n_languages (in token order) when
// `probs` is not null, and returns the most probable language (the first on
// ties, as argmax) and its probability.
struct WhisperLanguage {
  uint32_t index = 0;  // language token - first_language (tokens.language_codes[index])
  uint32_t token = 0;
  float probability = 0.0f;
};
Status whisper_detect_language(const float* logits, const WhisperTokens& tokens, float* probs,
                               WhisperLanguage* best);

// --- Whisper decoding on a session: the layout and token lists the model
// file carries, language detection on the encoded audio, and a generate
// that builds the prompt and filters itself.

// A model's layout: from its "whisper_ids" language ids when stored (they
// must be contiguous, right after <|startoftranscript|>; a full vocabulary
// follows model.py's multilingual rule, a smaller test vocabulary counts as
// multilingual), else from its vocabulary size (whisper_tokens_for_vocab).
Status whisper_tokens_for_model(const ModelView& model, WhisperTokens* out);

// An audio model trained with output tokens of its own (models/datespeech:
// digits and '-', <|endoftext|>, <|startoftranscript|>), recognized by the
// absence of <|notimestamps|> from its vocabulary: no Whisper prompt,
// language or timestamp rule applies, and it is decoded plainly
// (Session::generate from its start token to its end token).
bool whisper_has_own_tokens(const ModelView& model);

// The language token of `code` in the model's own vocabulary ("<|code|>"),
// checked to be one of its language tokens. An English-only model has none:
// "en" gives kNoToken, any other code an error naming the model English-only.
Status whisper_model_language(const ModelView& model, const WhisperTokens& tokens, const char* code, uint32_t* token);

// The code of a language token ("en" for <|en|>), inside the model bytes;
// empty when the token is not a "<|...|>" language token.
TokenText whisper_language_code(const ModelView& model, const WhisperTokens& tokens, uint32_t token);

// decoding.py's detect_language on an encoded session: one decoder step from
// <|startoftranscript|> (the model's start token), then
// whisper_detect_language on its logits. `probs` as there (may be null).
Status whisper_detect_language(Session& session, const WhisperTokens& tokens, float* probs, WhisperLanguage* best);

struct WhisperDecodeOptions;

// What an English-only model cannot do (its prompt is <|startoftranscript|>
// alone, tokenizer.py): translate, or take a language token. Refused here,
// never dropped silently; WhisperDecoder::generate calls it.
Status whisper_check_options(const WhisperTokens& tokens, const WhisperDecodeOptions& options);

struct WhisperDecodeOptions {
  uint32_t language_token = kNoToken;  // kNoToken: detect it (multilingual models); English-only ones take kNoToken only
  WhisperTask task = WhisperTask::kTranscribe;
  bool timestamps = false;             // no <|notimestamps|>; the timestamp rules
  uint32_t beam_size = 1;
  uint32_t num_hypotheses = 1;
  float length_penalty = 1.0f;
  // Tokens generated after the prompt at most (end token included, as
  // CTranslate2 counts); 0 = openai-whisper's sample_len, half the decoder's
  // positions. Cut to what the session's max_target_length leaves.
  uint32_t max_new_tokens = 0;
};

// What a decoding did besides its hypotheses (whose tokens begin with the
// prompt after <|startoftranscript|>: skip prompt_length of them).
struct WhisperDecodeInfo {
  bool detected = false;      // the language came from whisper_detect_language
  WhisperLanguage language;   // the prompt's language (detected or given); token 0 for English-only models
  uint32_t prompt_length = 0; // tokens of each hypothesis that are the forced prompt
};

// Decodes the encoded audio of `session` as Whisper.generate / decoding.py
// do: prompt [<|startoftranscript|>] language task [<|notimestamps|>],
// the model's suppress_ids at every step, suppress_ids_begin (and the end
// token) at the first, the timestamp rules when asked, score = log-prob sum
// over the generated tokens (end excluded) / their number^length_penalty.
// With no language on a multilingual model the language is detected first.
// No allocation: the decoder holds its layout, prompt and filter.
class WhisperDecoder {
 public:
  Status init(const ModelView& model);
  const WhisperTokens& tokens() const { return tokens_; }
  Status generate(Session& session, const WhisperDecodeOptions& options, Result* result, WhisperDecodeInfo* info);

 private:
  const ModelView* model_ = nullptr;
  WhisperTokens tokens_;
  WhisperLogitFilter filter_;
  uint32_t prompt_[kWhisperMaxStartPrompt] = {};
};

}  // namespace xattn
