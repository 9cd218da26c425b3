// Token constraints applied to a step's logits before log-softmax: the end
// token before min_length, and suppressed sequences. Disabled entries become
// the lowest float, as CTranslate2 writes them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/session.h"

namespace xattn {

// `history` holds the hypothesis' tokens so far (start token excluded).
// Returns whether any token was disabled.
bool disable_tokens(float* logits, const GenerateOptions& options, uint32_t end_token, size_t step,
                    const uint32_t* history, size_t history_length);

// Whether a row of logits still has a token above the disabled value.
bool any_allowed(const float* logits, size_t vocab);

// A hypothesis whose raw score is below this went through a disabled token:
// real log-probabilities never sum this low (16384 steps of -1e6 each).
constexpr float kDisabledScore = -1e30f;

}  // namespace xattn
