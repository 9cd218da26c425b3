// Reference top-k: one pass keeping a sorted list of k entries. O(n*k) in the
// worst case, O(n) typically; search uses small k (beam sizes).
#include "kernels/check.h"
#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

void top_k(const float* x, size_t n, size_t k, float* values, uint32_t* indices) {
  XATTN_KERNEL_EXPECT(k <= n);
  if (k == 0) return;
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) top_k_offer(x[i], uint32_t(i), k, values, indices, &count);
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
