// top_k: the reference's sorted insertion, plus a vector pre-check that skips
// whole chunks once k entries are held and no lane beats the current k-th
// key. A chunk is skipped only when the scalar path would insert nothing
// from it, so the result is identical to the reference.
#pragma once

#include "kernels/check.h"
#include "kernels/simd/common.hpp"

namespace xattn {
namespace kernels {
namespace simd {

template <class Arch>
void top_k(const float* x, size_t n, size_t k, float* values, uint32_t* indices) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  XATTN_KERNEL_EXPECT(k <= n);
  if (k == 0) return;
  size_t count = 0;
  size_t i = 0;
  for (; i < n && count < k; ++i) ref::top_k_offer(x[i], uint32_t(i), k, values, indices, &count);
  for (; i + W <= n; i += W) {
    // NaN lanes compare false, matching rank_key(NaN) = -inf never beating it.
    const B thr(ref::rank_key(values[k - 1]));
    if (xsimd::none(B::load_unaligned(x + i) > thr)) continue;
    for (size_t l = 0; l < W; ++l)
      ref::top_k_offer(x[i + l], uint32_t(i + l), k, values, indices, &count);
  }
  for (; i < n; ++i) ref::top_k_offer(x[i], uint32_t(i), k, values, indices, &count);
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
