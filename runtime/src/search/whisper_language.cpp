// Language detection from the first decoder step (decoding.py's
// detect_language: every non-language token masked, then a softmax).
#include <cmath>

#include "xattn/whisper.h"

namespace xattn {

Status whisper_detect_language(const float* logits, const WhisperTokens& tokens, float* probs,
                               WhisperLanguage* best) {
  if (!tokens.multilingual || tokens.n_languages == 0)
    return Status::error(StatusCode::kUnsupported).add("whisper: an English-only model cannot detect the language");
  if (logits == nullptr || best == nullptr)
    return Status::error(StatusCode::kInvalidArgument).add("whisper: language detection needs logits and an output");
  const float* language_logits = logits + tokens.first_language;
  uint32_t argmax = 0;
  for (uint32_t i = 1; i < tokens.n_languages; ++i)
    if (language_logits[i] > language_logits[argmax]) argmax = i;  // strict: the first wins ties
  const double top = language_logits[argmax];
  if (!std::isfinite(top))
    return Status::error(StatusCode::kInvalidArgument).add("whisper: language logits are not finite");
  double sum = 0.0;
  for (uint32_t i = 0; i < tokens.n_languages; ++i) sum += std::exp(static_cast<double>(language_logits[i]) - top);
  if (probs != nullptr)
    for (uint32_t i = 0; i < tokens.n_languages; ++i)
      probs[i] = static_cast<float>(std::exp(static_cast<double>(language_logits[i]) - top) / sum);
  best->index = argmax;
  best->token = tokens.language_token(argmax);
  best->probability = static_cast<float>(1.0 / sum);
  return Status::ok();
}

}  // namespace xattn
