// Reference int8 path: dynamic per-row quantization of activations and the
// int8 x int8 -> int32 linear layer. Integer accumulation is exact, and the
// float epilogue is the shared dequant_i8 expression, so SIMD tables match
// these bit for bit.
#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"
#include "xattn/format.h"

namespace xattn {
namespace kernels {
namespace ref {

void quantize_rows(const float* x, size_t m, size_t k, Rounding rounding, int8_t* q, float* scales) {
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * k;
    float amax = 0.0f;
    for (size_t c = 0; c < k; ++c) {
      float a = __builtin_fabsf(xi[c]);
      amax = a > amax ? a : amax;
    }
    float scale = row_scale(amax);
    scales[i] = scale;
    int8_t* qi = q + i * k;
    for (size_t c = 0; c < k; ++c) qi[c] = quantize_value(xi[c] * scale, rounding);
  }
}

void linear_i8(const int8_t* q, const float* x_scales, size_t m, size_t k,
               const int8_t* w, const float* w_scales, const float* bias,
               size_t n, float* y) {
  for (size_t i = 0; i < m; ++i) {
    const int8_t* qi = q + i * k;
    for (size_t j = 0; j < n; ++j) {
      y[i * n + j] = dequant_i8(dot_i8(qi, w + j * k, k), x_scales[i],
                                w_scales[j], bias, j);
    }
  }
}

// Layout 1 read element by element through format::packed_offset: the
// definition of the layout, kept obvious (row_sums are for VNNI only).
void linear_i8_packed(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                      const int32_t* /*row_sums*/, const float* w_scales, const float* bias, size_t n, float* y) {
  const uint32_t rows = static_cast<uint32_t>(n), cols = static_cast<uint32_t>(k);
  for (size_t i = 0; i < m; ++i) {
    const int8_t* qi = q + i * k;
    for (uint32_t j = 0; j < rows; ++j) {
      int32_t acc = 0;
      for (uint32_t c = 0; c < cols; ++c) acc += int32_t(qi[c]) * w[format::packed_offset(rows, cols, j, c)];
      y[i * n + j] = dequant_i8(acc, x_scales[i], w_scales[j], bias, j);
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
