// Per-row symmetric int8 quantization, CTranslate2's convention: for each
// output row, scale = 127 / max|row| (1 for an all-zero row), q =
// round-half-to-even(w * scale) clamped to [-127, 127], and w = q / scale.
// Computed in float32 like CTranslate2's converter, so a float32 CTranslate2
// model quantized here gives the same bytes its own int8 conversion does.
#pragma once

#include <cstdint>

#include "host_tensor.h"

namespace xattn {
namespace convert {

void quantize_rows(const float* w, uint32_t rows, uint32_t cols, int8_t* q, float* scales);
void dequantize_rows(const int8_t* q, const float* scales, uint32_t rows, uint32_t cols, float* w);

// Converts a tensor in place to the requested dtype (a no-op when it already has it).
void to_int8(HostTensor* tensor);
void to_float32(HostTensor* tensor);

}  // namespace convert
}  // namespace xattn
