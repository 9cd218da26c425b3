// Reference LayerNorm: two passes (mean, then biased variance of the centered
// values), float throughout, sums in the documented lane order.
#include <cmath>

#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

void layer_norm(const float* x, size_t m, size_t d, const float* gamma,
                const float* beta, float eps, float* y) {
  if (d == 0) return;
  const float inv_d = 1.0f / float(d);
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * d;
    float* yi = y + i * d;
    const float mean = sum_f32(xi, d) * inv_d;
    // The centered square sum, lane-striped like sum_f32.
    float acc[kLanes] = {};
    size_t c = 0;
    for (; c + kLanes <= d; c += kLanes) {
      for (size_t l = 0; l < kLanes; ++l) {
        float t = xi[c + l] - mean;
        acc[l] += t * t;
      }
    }
    for (size_t l = 0; c + l < d; ++l) {
      float t = xi[c + l] - mean;
      acc[l] += t * t;
    }
    const float var = combine_lanes(acc) * inv_d;
    const float rstd = 1.0f / std::sqrt(var + eps);
    // y may alias x: each element is read before it is written.
    for (size_t e = 0; e < d; ++e) yi[e] = (xi[e] - mean) * rstd * gamma[e] + beta[e];
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
