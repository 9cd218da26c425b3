// The encoder stack and the static encoder KV cache it fills.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/workspace.h"

namespace xattn {

// Encodes ids[0..count) (already validated against the vocabulary and the
// limits), then computes, for every decoder layer, the cross-attention K and V
// of the encoder output into the static cache. Sets w.source_length.
void run_encoder(Workspace& w, const uint32_t* ids, size_t count);

}  // namespace xattn
