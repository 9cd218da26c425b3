// Search: greedy and beam search over the decoder, with CTranslate2's
// semantics (prefix forcing, min/max length, end token, suppressed
// sequences, length penalty), writing its hypotheses into the arena.
#pragma once

#include "model/workspace.h"
#include "xattn/session.h"

namespace xattn {

Status validate_generate_options(const ModelView& model, const Limits& limits, const GenerateOptions& options);

// Runs on the session's workspace, search regions included; `options` are validated.
Status run_search(Workspace& w, const GenerateOptions& options, Result* result);

}  // namespace xattn
