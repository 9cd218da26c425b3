// A linear layer, float32 or int8 (with CTranslate2's dynamic per-row
// activation quantization), on the kernel open_model chose for its weight
// (MatrixView::kernel) from the session's kernel table.
#pragma once

#include <cstddef>

#include "kernels/kernels.h"
#include "xattn/model.h"

namespace xattn {

// What every linear layer of a session shares, fixed at init: the kernel
// table, the int8 activation scratch (rows x cols bytes, rows floats, sized
// by the arena plan) and the model's activation rounding.
struct LinearContext {
  const kernels::KernelTable* kernels = nullptr;
  int8_t* quantized = nullptr;
  float* quantized_scales = nullptr;
  Rounding rounding = Rounding::kNearestEven;
};

// y[rows x out] = x[rows x in] . W^T + bias. y must not alias x.
void linear(const LinearContext& context, const LinearView& layer, const float* x, size_t rows, float* y);

}  // namespace xattn
