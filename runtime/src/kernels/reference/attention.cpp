// Reference single-query attention: scaled dot scores, a max-subtracted
// softmax, then the probability-weighted sum of value rows (accumulated over
// j in increasing order, which vectorizes across dh).
#include <cmath>

#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

void attention(const float* q, const float* k, const float* v, size_t len,
               size_t dh, float scale, float* probs, float* out) {
  for (size_t d = 0; d < dh; ++d) out[d] = 0.0f;
  if (len == 0) return;
  for (size_t j = 0; j < len; ++j) probs[j] = scale * dot_f32(q, k + j * dh, dh);
  const float mx = max_f32(probs, len);
  for (size_t j = 0; j < len; ++j) probs[j] = std::exp(probs[j] - mx);
  // The max term contributes exp(0) = 1, so sum >= 1 for finite scores.
  const float inv = 1.0f / sum_f32(probs, len);
  for (size_t j = 0; j < len; ++j) probs[j] *= inv;
  for (size_t j = 0; j < len; ++j) {
    const float p = probs[j];
    const float* vj = v + j * dh;
    for (size_t d = 0; d < dh; ++d) out[d] += p * vj[d];
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
