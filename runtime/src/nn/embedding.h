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

// out[d] = embedding[id] * config.embedding_scale + position encoding.
// `position_scratch` holds d floats.
void embed_token(const kernels::KernelTable& k, const ModelConfig& config, const MatrixView& table,
                 uint32_t id, size_t position, float* position_scratch, float* out);

}  // namespace xattn
