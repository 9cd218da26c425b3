// Token constraints applied to a step's logits before log-softmax: the end
// token before min_length, and suppressed sequences. Disabled entries become
// the lowest float, as CTranslate2 writes them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/session.h"

namespace xattn {

// `history` holds the hypothesis' tokens so far (start token excluded).
void disable_tokens(float* logits, const GenerateOptions& options, uint32_t end_token, size_t step,
                    const uint32_t* history, size_t history_length);

}  // namespace xattn
