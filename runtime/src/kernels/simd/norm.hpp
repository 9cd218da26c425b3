// LayerNorm: the same two passes as the reference (mean, then the biased
// variance of centered values), vectorized along d; agrees to rounding.
#pragma once

#include "kernels/simd/common.hpp"

namespace xattn {
namespace kernels {
namespace simd {

template <class Arch>
void layer_norm(const float* x, size_t m, size_t d, const float* gamma,
                const float* beta, float eps, float* y) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  if (d == 0) return;
  const float inv_d = 1.0f / float(d);
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * d;
    float* yi = y + i * d;
    B s(0.0f);
    size_t c = 0;
    for (; c + W <= d; c += W) s += B::load_unaligned(xi + c);
    float sum = xsimd::hadd(s);
    for (size_t t = c; t < d; ++t) sum += xi[t];
    const float mean = sum * inv_d;

    const B mb(mean);
    B v(0.0f);
    for (c = 0; c + W <= d; c += W) {
      B t = B::load_unaligned(xi + c) - mb;
      v = xsimd::fma(t, t, v);
    }
    float sq = xsimd::hadd(v);
    for (size_t t = c; t < d; ++t) sq += (xi[t] - mean) * (xi[t] - mean);
    const float rstd = 1.0f / __builtin_sqrtf(sq * inv_d + eps);

    // y may alias x: each chunk is loaded before it is stored.
    const B rb(rstd);
    for (c = 0; c + W <= d; c += W) {
      B t = (B::load_unaligned(xi + c) - mb) * rb;
      xsimd::fma(t, B::load_unaligned(gamma + c), B::load_unaligned(beta + c))
          .store_unaligned(yi + c);
    }
    for (; c < d; ++c) yi[c] = (xi[c] - mean) * rstd * gamma[c] + beta[c];
  }
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
