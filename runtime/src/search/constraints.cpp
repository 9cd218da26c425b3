#include "search/constraints.h"

#include <limits>

namespace xattn {

void disable_tokens(float* logits, const GenerateOptions& options, uint32_t end_token, size_t step,
                    const uint32_t* history, size_t history_length) {
  const float lowest = std::numeric_limits<float>::lowest();
  if (step < options.min_length) logits[end_token] = lowest;
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
    if (match) logits[seq.ids[context]] = lowest;
  }
}

}  // namespace xattn
