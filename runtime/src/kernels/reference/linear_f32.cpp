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

// Layout 2 read element by element through format::packed_f32_offset (the
// layout's definition), summed in the same lane order as dot_f32.
void linear_f32_packed(const float* x, size_t m, size_t k, const float* w, const float* bias, size_t n, float* y) {
  const uint32_t rows = static_cast<uint32_t>(n), cols = static_cast<uint32_t>(k);
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * k;
    for (uint32_t j = 0; j < rows; ++j) {
      float acc[kLanes] = {};
      for (uint32_t c = 0; c < cols; ++c) acc[c % kLanes] += xi[c] * w[format::packed_f32_offset(rows, cols, j, c)];
      const float sum = combine_lanes(acc);
      y[i * n + j] = bias ? sum + bias[j] : sum;
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
