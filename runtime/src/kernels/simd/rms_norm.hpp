// RMSNorm (T5), vectorized along d: one pass for the mean of squares, one
// to scale; agrees with the reference to rounding.
#pragma once

#include "kernels/simd/common.hpp"

namespace xattn {
namespace kernels {
namespace simd {

template <class Arch>
void rms_norm(const float* x, size_t m, size_t d, const float* gamma, const float*, float eps, float* y) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  if (d == 0) return;
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * d;
    float* yi = y + i * d;
    B s(0.0f);
    size_t c = 0;
    for (; c + W <= d; c += W) {
      const B v = B::load_unaligned(xi + c);
      s = xsimd::fma(v, v, s);
    }
    float sq = xsimd::hadd(s);
    for (size_t t = c; t < d; ++t) sq += xi[t] * xi[t];
    const float inv_rms = 1.0f / __builtin_sqrtf(sq / float(d) + eps);
    const B rb(inv_rms);
    // y may alias x: each chunk is loaded before it is stored.
    for (c = 0; c + W <= d; c += W) {
      (B::load_unaligned(xi + c) * rb * B::load_unaligned(gamma + c)).store_unaligned(yi + c);
    }
    for (size_t t = c; t < d; ++t) yi[t] = xi[t] * inv_rms * gamma[t];
  }
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
