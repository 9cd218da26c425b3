// Token constraints applied to a step's logits before log-softmax: the end
// token before min_length, and suppressed sequences. Disabled entries become
// the lowest float, as CTranslate2 writes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "xattn/session.h"

namespace xattn {

// `history` holds the hypothesis' tokens so far (start token excluded).
// Returns whether any token was disabled.
bool disable_tokens(float* logits, const GenerateOptions& options, uint32_t end_token, size_t step,
                    const uint32_t* history, size_t history_length);

// Whether a row of logits still has a token above the disabled value.
bool any_allowed(const float* logits, size_t vocab);

// A hypothesis that went through a disabled token scores at or below this:
// the lowest float stays there (or reaches minus infinity) whatever is added.
// Real log-probabilities stay above it, however extreme the logits: the best
// token of a row scores at least -log(vocabulary size).
constexpr float kDisabledScore = std::numeric_limits<float>::lowest();

}  // namespace xattn
