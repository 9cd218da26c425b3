// One decoder step for every alive beam: embed the last token, self-attend
// over the self-attention cache, cross-attend over the static encoder cache,
// and produce vocabulary logits.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/workspace.h"

namespace xattn {

// tokens[b] is beam b's input at decoding position `step` (0 = <s>). Writes
// w.logits [beams x target_vocab]. With `alignment`, also writes
// w.step_alignment [beams x source_length]: the cross-attention of decoder
// layer `alignment_layer`, averaged over heads.
void decoder_step(Workspace& w, const uint32_t* tokens, size_t beams, size_t step, bool alignment,
                  size_t alignment_layer);

// Beam b of the self-attention cache becomes a copy of beam parents[b]
// (parents[b] < sources), for positions 0..step, values and int8 scales.
// Uses w.reorder as scratch.
void reorder_self_cache(Workspace& w, const uint32_t* parents, size_t beams, size_t sources, size_t step);

}  // namespace xattn
