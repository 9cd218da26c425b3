// The one check of session Limits against a model's config. Everything that
// sizes or opens a session asks it: Session::init, the C API's
// xattn_session_buffer_bytes, `xattn inspect` and `xattn convert embed`, so
// limits a session would refuse are refused everywhere, with the same message
// and the numbers involved, before any byte count is trusted.
//
// It checks the ranges (lengths 1..kMaxSequence, beam 1..kMaxBeam, threads
// 1..kMaxThreads), the KV
// precisions, the model's position range, that a beam search of max_beam
// beams is possible (2 x beam candidates must fit in the target vocabulary,
// as generate() requires), and that the planner's byte count fits this
// target's address space.
#pragma once

#include "xattn/arena.h"
#include "xattn/config.h"
#include "xattn/status.h"

namespace xattn {

// Ok, or kInvalidArgument (a limit out of range or beyond the model) or
// kLimitExceeded (the arena would not fit the address space).
Status check_limits(const ModelConfig& config, const Limits& limits);

}  // namespace xattn
