// Reference RMSNorm (T5): the mean of squares in the documented lane order,
// then x * rsqrt(mean + eps) * gamma, float throughout (CTranslate2's rms_norm).
#include <cmath>

#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

void rms_norm(const float* x, size_t m, size_t d, const float* gamma, const float*, float eps, float* y) {
  if (d == 0) return;
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * d;
    float* yi = y + i * d;
    float acc[kLanes] = {};
    for (size_t c = 0; c < d; ++c) acc[c % kLanes] += xi[c] * xi[c];
    const float inv_rms = 1.0f / std::sqrt(combine_lanes(acc) / float(d) + eps);
    // y may alias x: each element is read before it is written.
    for (size_t e = 0; e < d; ++e) yi[e] = xi[e] * inv_rms * gamma[e];
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
