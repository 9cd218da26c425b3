// Reference float linear layer: each output is one dot product in the
// documented lane order of ref_common.h, plus the bias.
#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"

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

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
