// Token embeddings scaled and summed with generated sinusoidal positions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"
#include "xattn/model.h"

namespace xattn {

// Writes the sinusoidal encoding of `position` (1-based, as CTranslate2
// counts) into out[d]: channels [0, d/2) sin, [d/2, d) cos.
void sinusoidal_position(size_t position, size_t d, float* out);

// The position encoding of index `index` (0-based) of the encoder or the
// decoder: a generated sinusoid (written into `scratch`, d floats), a row of
// the stored table, or null (no positions, or T5's relative bias).
const float* position_row(const ModelView& m, bool decoder, size_t index, float* scratch);

// out[d] = embedding[id] * config.embedding_scale + position (may be null).
void embed_token(const kernels::KernelTable& k, const ModelConfig& config, const MatrixView& table,
                 uint32_t id, const float* position, float* out);

}  // namespace xattn
