#include "nn/linear.h"

#include <cassert>

namespace xattn {
namespace {

using Kernel = void (*)(const LinearContext&, const LinearView&, const float*, size_t, float*);

void float32(const LinearContext& c, const LinearView& l, const float* x, size_t m, float* y) {
  const MatrixView& w = l.weight;
  c.kernels->linear_f32(x, m, w.cols, static_cast<const float*>(w.data), l.bias, w.rows, y);
}

void float32_packed(const LinearContext& c, const LinearView& l, const float* x, size_t m, float* y) {
  const MatrixView& w = l.weight;
  c.kernels->linear_f32_packed(x, m, w.cols, static_cast<const float*>(w.data), l.bias, w.rows, y);
}

void int8(const LinearContext& c, const LinearView& l, const float* x, size_t m, float* y) {
  const MatrixView& w = l.weight;
  c.kernels->quantize_rows(x, m, w.cols, c.rounding, c.quantized, c.quantized_scales);
  c.kernels->linear_i8(c.quantized, c.quantized_scales, m, w.cols, static_cast<const int8_t*>(w.data), w.scales,
                       l.bias, w.rows, y);
}

void int8_packed(const LinearContext& c, const LinearView& l, const float* x, size_t m, float* y) {
  const MatrixView& w = l.weight;
  c.kernels->quantize_rows(x, m, w.cols, c.rounding, c.quantized, c.quantized_scales);
  c.kernels->linear_i8_packed(c.quantized, c.quantized_scales, m, w.cols, static_cast<const int8_t*>(w.data),
                              w.row_sums, w.scales, l.bias, w.rows, y);
}

// Indexed by LinearKernel.
constexpr Kernel kKernels[kLinearKernelCount] = {float32, float32_packed, int8, int8_packed};

}  // namespace

void linear(const LinearContext& context, const LinearView& layer, const float* x, size_t rows, float* y) {
  const MatrixView& w = layer.weight;
  assert(w.data != nullptr && static_cast<uint8_t>(w.kernel) < kLinearKernelCount);
  assert(x != y && rows > 0);
  assert(w.kernel < LinearKernel::kInt8 || (w.scales != nullptr && context.quantized != nullptr));
  assert(w.kernel != LinearKernel::kInt8Packed || (w.row_sums != nullptr && w.cols % format::kPackCols == 0));
  kKernels[static_cast<uint8_t>(w.kernel)](context, layer, x, rows, y);
}

}  // namespace xattn
