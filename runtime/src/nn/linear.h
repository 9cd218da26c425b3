// A linear layer, float32 or int8 (with CTranslate2's dynamic per-row
// activation quantization), through the session's kernel table.
#pragma once

#include <cstddef>

#include "kernels/kernels.h"
#include "xattn/model.h"

namespace xattn {

// y[m x rows] = x[m x cols] . W^T + bias. `quantized`/`scales` are scratch
// for int8 weights (m x cols bytes, m floats). y must not alias x.
void apply_linear(const kernels::KernelTable& k, const LinearView& layer, const float* x, size_t m,
                  float* y, int8_t* quantized, float* scales, Rounding rounding);

}  // namespace xattn
