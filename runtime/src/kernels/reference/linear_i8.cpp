// Reference int8 path: dynamic per-row quantization of activations and the
// int8 x int8 -> int32 linear layer. Integer accumulation is exact, and the
// float epilogue is the shared dequant_i8 expression, so SIMD tables match
// these bit for bit.
#include "kernels/check.h"
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

// Layout 1, streamed in file order: for each block of up to 16 rows and each
// activation row, 16 running sums over the block's column groups. This is
// the production path on cores without SIMD (Cortex-M), so it reads each
// block front to back like the SIMD kernels rather than jumping through
// format::packed_offset; the tests check it against linear_i8 on the
// row-major matrix, which packed_offset defines. (row_sums are for VNNI.)
void linear_i8_packed(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                      const int32_t* /*row_sums*/, const float* w_scales, const float* bias, size_t n, float* y) {
  XATTN_KERNEL_EXPECT(k % format::kPackCols == 0);
  for (size_t j = 0; j < n; j += format::kPackRows) {
    const size_t width = n - j < format::kPackRows ? n - j : format::kPackRows;
    const int8_t* block = w + j * k;
    for (size_t i = 0; i < m; ++i) {
      const int8_t* qi = q + i * k;
      int32_t acc[format::kPackRows] = {};
      const int8_t* p = block;
      for (size_t g = 0; g < k; g += format::kPackCols) {
        const int32_t x0 = qi[g], x1 = qi[g + 1], x2 = qi[g + 2], x3 = qi[g + 3];
        for (size_t o = 0; o < width; ++o, p += format::kPackCols) acc[o] += x0 * p[0] + x1 * p[1] + x2 * p[2] + x3 * p[3];
      }
      for (size_t o = 0; o < width; ++o) y[i * n + j + o] = dequant_i8(acc[o], x_scales[i], w_scales[j + o], bias, j + o);
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
