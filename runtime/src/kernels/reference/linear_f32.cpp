// Reference float linear layer: each output is one dot product in the
// documented lane order of ref_common.h, plus the bias.
#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"
#include "xattn/format.h"

namespace xattn {
namespace kernels {
namespace ref {

void linear_f32(const float* x, size_t m, size_t k, const float* w,
                const float* bias, size_t n, float* y) {
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * k;
    float* yi = y + i * n;
    for (size_t j = 0; j < n; ++j) {
      float acc = dot_f32(xi, w + j * k, k);
      yi[j] = bias ? acc + bias[j] : acc;
    }
  }
}

// Layout 2, streamed in file order: for each block of up to 16 rows and each
// activation row, 16 running sums, one column of the block at a time (the
// production path on cores without SIMD, so no per-element index math; the
// tests check it against linear_f32 on the row-major matrix).
void linear_f32_packed(const float* x, size_t m, size_t k, const float* w, const float* bias, size_t n, float* y) {
  for (size_t j = 0; j < n; j += format::kPackRows) {
    const size_t width = n - j < format::kPackRows ? n - j : format::kPackRows;
    const float* block = w + j * k;
    for (size_t i = 0; i < m; ++i) {
      const float* xi = x + i * k;
      float acc[format::kPackRows] = {};
      const float* p = block;
      for (size_t c = 0; c < k; ++c, p += width)
        for (size_t o = 0; o < width; ++o) acc[o] += xi[c] * p[o];
      for (size_t o = 0; o < width; ++o) y[i * n + j + o] = bias ? acc[o] + bias[j + o] : acc[o];
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
