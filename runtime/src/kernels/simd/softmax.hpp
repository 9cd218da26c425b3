// log_softmax: x - max - log(sum exp(x - max)), as the reference evaluates it.
#pragma once

#include "kernels/simd/common.hpp"

namespace xattn {
namespace kernels {
namespace simd {

// Replaces x[0..n) by exp(x - mx) and returns their sum. The tail runs
// through a padded buffer so every element uses the same vector exp.
template <class Arch>
static inline float exp_shifted_sum(float* x, size_t n, float mx, bool store) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  const B mb(mx);
  B s(0.0f);
  size_t i = 0;
  for (; i + W <= n; i += W) {
    B e = xsimd::exp(B::load_unaligned(x + i) - mb);
    if (store) e.store_unaligned(x + i);
    s += e;
  }
  float sum = xsimd::hadd(s);
  if (i < n) {
    alignas(64) float buf[W] = {};
    for (size_t l = 0; i + l < n; ++l) buf[l] = x[i + l];
    xsimd::exp(B::load_aligned(buf) - mb).store_aligned(buf);
    for (size_t l = 0; i + l < n; ++l) {
      sum += buf[l];
      if (store) x[i + l] = buf[l];
    }
  }
  return sum;
}

template <class Arch>
void log_softmax(float* x, size_t n) {
  using B = FBatch<Arch>;
  if (n == 0) return;
  const float mx = max_f32<Arch>(x, n);
  const float lse = __builtin_logf(exp_shifted_sum<Arch>(x, n, mx, false));
  const B mb(mx), lb(lse);
  map_inplace<Arch>(x, n, [mb, lb](B v) { return (v - mb) - lb; });
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
