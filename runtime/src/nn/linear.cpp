#include "nn/linear.h"

namespace xattn {

void apply_linear(const kernels::KernelTable& k, const LinearView& layer, const float* x, size_t m,
                  float* y, int8_t* quantized, float* scales, Rounding rounding) {
  const MatrixView& w = layer.weight;
  if (w.dtype == format::DType::kInt8) {
    k.quantize_rows(x, m, w.cols, rounding, quantized, scales);
    const int8_t* weights = static_cast<const int8_t*>(w.data);
    if (w.layout == format::kLayoutPacked16x4)
      k.linear_i8_packed(quantized, scales, m, w.cols, weights, w.row_sums, w.scales, layer.bias, w.rows, y);
    else
      k.linear_i8(quantized, scales, m, w.cols, weights, w.scales, layer.bias, w.rows, y);
  } else if (w.layout == format::kLayoutPacked16x1) {
    k.linear_f32_packed(x, m, w.cols, static_cast<const float*>(w.data), layer.bias, w.rows, y);
  } else {
    k.linear_f32(x, m, w.cols, static_cast<const float*>(w.data), layer.bias, w.rows, y);
  }
}

}  // namespace xattn
