// Reference log-softmax: x - max - log(sum exp(x - max)), evaluated left to
// right, so the largest entry is exactly -log(sum).
#include <cmath>

#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

void log_softmax(float* x, size_t n) {
  if (n == 0) return;
  const float mx = max_f32(x, n);
  float acc[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) acc[l] += std::exp(x[i + l] - mx);
  }
  for (size_t l = 0; i + l < n; ++l) acc[l] += std::exp(x[i + l] - mx);
  const float lse = std::log(combine_lanes(acc));
  for (size_t e = 0; e < n; ++e) x[e] = x[e] - mx - lse;
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
