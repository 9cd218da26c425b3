#include "search/constraints.h"

#include <limits>

namespace xattn {

bool disable_tokens(float* logits, const GenerateOptions& options, uint32_t end_token, size_t step,
                    const uint32_t* history, size_t history_length) {
  const float lowest = std::numeric_limits<float>::lowest();
  bool disabled = false;
  if (step < options.min_length) logits[end_token] = lowest, disabled = true;
  if (step == options.prefix.length) {
    for (uint32_t i = 0; i < options.suppress_at_start.length; ++i) logits[options.suppress_at_start.ids[i]] = lowest;
    disabled = disabled || options.suppress_at_start.length > 0;
  }
  for (uint32_t i = 0; i < options.suppress_count; ++i) {
    const TokenSpan& seq = options.suppress[i];
    // A sequence of n tokens forbids only its last token, and only right
    // after its first n - 1 tokens were generated.
    const size_t context = seq.length - 1;
    if (context > history_length) continue;
    bool match = true;
    for (size_t j = 0; j < context && match; ++j) {
      match = history[history_length - context + j] == seq.ids[j];
    }
    if (match) logits[seq.ids[context]] = lowest, disabled = true;
  }
  return disabled;
}

bool any_allowed(const float* logits, size_t vocab) {
  const float lowest = std::numeric_limits<float>::lowest();
  for (size_t v = 0; v < vocab; ++v)
    if (logits[v] > lowest) return true;
  return false;
}

}  // namespace xattn
