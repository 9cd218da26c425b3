// Whisper's logit filters (decoding.py's SuppressBlank, SuppressTokens,
// ApplyTimestampRules), in place on one step's logits.
#include <cmath>
#include <limits>

#include "xattn/whisper.h"

namespace xattn {

namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();

void mask_range(float* logits, uint32_t begin, uint32_t end) {
  for (uint32_t v = begin; v < end; ++v) logits[v] = kMasked;
}

void mask_list(float* logits, WhisperTokenList list) {
  for (size_t i = 0; i < list.count; ++i) logits[list.ids[i]] = kMasked;
}

bool list_fits(WhisperTokenList list, uint32_t n_vocab) {
  if (list.count > 0 && list.ids == nullptr) return false;
  for (size_t i = 0; i < list.count; ++i)
    if (list.ids[i] >= n_vocab) return false;
  return true;
}

}  // namespace

void whisper_suppress_blank(float* logits, const WhisperTokens& tokens, WhisperTokenList blank, size_t n_sampled) {
  if (n_sampled != 0) return;
  mask_list(logits, blank);
  logits[tokens.eot] = kMasked;
}

void whisper_suppress_tokens(float* logits, const WhisperTokens& tokens, WhisperTokenList non_speech) {
  mask_list(logits, non_speech);
  const uint32_t specials[] = {tokens.transcribe, tokens.translate, tokens.sot,
                               tokens.sot_prev,   tokens.sot_lm,    tokens.no_speech};
  for (uint32_t special : specials) logits[special] = kMasked;
}

bool whisper_timestamps_dominate(const float* logits, const WhisperTokens& tokens) {
  // decoding.py compares logsumexp(log_softmax(x)[timestamps]) with
  // max(log_softmax(x)[text]); the normalizer is common to both sides, so
  // compare the logits themselves, in double (a near-tie within float32
  // rounding of the normalizer may go either way in PyTorch too).
  const uint32_t tb = tokens.timestamp_begin;
  float timestamp_max = kMasked;
  for (uint32_t v = tb; v < tokens.n_vocab; ++v)
    if (logits[v] > timestamp_max) timestamp_max = logits[v];
  if (timestamp_max == kMasked) return false;  // every timestamp masked: log-sum-exp is -inf
  double sum = 0.0;
  for (uint32_t v = tb; v < tokens.n_vocab; ++v)
    sum += std::exp(static_cast<double>(logits[v]) - static_cast<double>(timestamp_max));
  const double timestamp_logsumexp = static_cast<double>(timestamp_max) + std::log(sum);
  float text_max = kMasked;
  for (uint32_t v = 0; v < tb; ++v)
    if (logits[v] > text_max) text_max = logits[v];
  return timestamp_logsumexp > static_cast<double>(text_max);
}

void whisper_apply_timestamp_rules(float* logits, const WhisperTokens& tokens, const uint32_t* sampled,
                                   size_t n_sampled, int32_t max_initial_timestamp_index) {
  const uint32_t tb = tokens.timestamp_begin;
  logits[tokens.no_timestamps] = kMasked;  // <|notimestamps|> is the other mode

  // Timestamps come in pairs, except directly before the end.
  const bool last_was_timestamp = n_sampled >= 1 && sampled[n_sampled - 1] >= tb;
  const bool penultimate_was_timestamp = n_sampled < 2 || sampled[n_sampled - 2] >= tb;
  if (last_was_timestamp) {
    if (penultimate_was_timestamp)
      mask_range(logits, tb, tokens.n_vocab);  // after a pair: text or the end
    else
      mask_range(logits, 0, tokens.eot);  // a lone timestamp: its pair or the end
  }

  // Timestamps never decrease; after text the next one must also be later
  // than the last (no empty segment), while a pair may close on the same one.
  for (size_t i = n_sampled; i-- > 0;) {
    if (sampled[i] < tb) continue;
    const bool closing_pair = last_was_timestamp && !penultimate_was_timestamp;
    const uint64_t end = uint64_t{sampled[i]} + (closing_pair ? 0 : 1);
    mask_range(logits, tb, static_cast<uint32_t>(end < tokens.n_vocab ? end : tokens.n_vocab));
    break;
  }

  if (n_sampled == 0) {
    mask_range(logits, 0, tb);  // the first token is a timestamp
    if (max_initial_timestamp_index >= 0) {
      const uint64_t last_allowed = uint64_t{tb} + static_cast<uint32_t>(max_initial_timestamp_index);
      if (last_allowed + 1 < tokens.n_vocab) mask_range(logits, static_cast<uint32_t>(last_allowed + 1), tokens.n_vocab);
    }
  }

  // If the timestamps together are likelier than any single text token,
  // a timestamp it is.
  if (whisper_timestamps_dominate(logits, tokens)) mask_range(logits, 0, tb);
}

Status WhisperLogitFilter::init(const WhisperTokens& tokens, const WhisperFilterOptions& options,
                                WhisperTokenList blank, WhisperTokenList non_speech) {
  if (tokens.n_vocab == 0 || tokens.timestamp_begin >= tokens.n_vocab)
    return Status::error(StatusCode::kInvalidArgument).add("whisper filter: token layout not set");
  if (!list_fits(blank, tokens.n_vocab))
    return Status::error(StatusCode::kInvalidArgument).add("whisper filter: a blank token id is outside the vocabulary");
  if (!list_fits(non_speech, tokens.n_vocab))
    return Status::error(StatusCode::kInvalidArgument)
        .add("whisper filter: a suppressed token id is outside the vocabulary");
  tokens_ = tokens;
  options_ = options;
  blank_ = blank;
  non_speech_ = non_speech;
  return Status::ok();
}

void WhisperLogitFilter::apply(const uint32_t* sampled, size_t n_sampled, float* logits) const {
  if (options_.suppress_blank) whisper_suppress_blank(logits, tokens_, blank_, n_sampled);
  if (options_.suppress_tokens) whisper_suppress_tokens(logits, tokens_, non_speech_);
  if (options_.timestamps)
    whisper_apply_timestamp_rules(logits, tokens_, sampled, n_sampled, options_.max_initial_timestamp_index);
}

LogitHook WhisperLogitFilter::hook() const {
  LogitHook h;
  h.apply = [](const void* context, const uint32_t* sampled, size_t n_sampled, float* logits) {
    static_cast<const WhisperLogitFilter*>(context)->apply(sampled, n_sampled, logits);
  };
  h.context = this;
  return h;
}

}  // namespace xattn
