// Float linear layer: y = x . w^T + bias with x [m x k], w [n x k].
// Both operands are contiguous along k, so each output is a dot product. The
// kernel computes a 2x4 block of outputs at once (6 loads feed 8 FMAs), with 4
// weight rows outermost so they stay in L1 while all x rows stream past. The
// k % width tail is finished in scalar. A later issue tunes this (packing,
// larger blocks, masked tails).
#pragma once

#include "kernels/simd/common.hpp"

namespace xattn {
namespace kernels {
namespace simd {

// out[r][c] = dot(xr[r], wr[c]) over k, for an R x C block.
template <class Arch, size_t R, size_t C>
static inline void dot_block_f32(const float* const* xr, const float* const* wr,
                                 size_t k, float (&out)[R][C]) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  B acc[R][C];
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) acc[r][c] = B(0.0f);
  size_t e = 0;
  for (; e + W <= k; e += W) {
    B xv[R];
    for (size_t r = 0; r < R; ++r) xv[r] = B::load_unaligned(xr[r] + e);
    for (size_t c = 0; c < C; ++c) {
      B wv = B::load_unaligned(wr[c] + e);
      for (size_t r = 0; r < R; ++r) acc[r][c] = xsimd::fma(xv[r], wv, acc[r][c]);
    }
  }
  for (size_t r = 0; r < R; ++r) {
    for (size_t c = 0; c < C; ++c) {
      float s = xsimd::hadd(acc[r][c]);
      for (size_t t = e; t < k; ++t) s += xr[r][t] * wr[c][t];
      out[r][c] = s;
    }
  }
}

template <class Arch, size_t R, size_t C>
static inline void linear_block_f32(const float* x, size_t i, size_t k,
                                    const float* w, size_t j, const float* bias,
                                    size_t n, float* y) {
  const float* xr[R];
  const float* wr[C];
  for (size_t r = 0; r < R; ++r) xr[r] = x + (i + r) * k;
  for (size_t c = 0; c < C; ++c) wr[c] = w + (j + c) * k;
  float out[R][C];
  dot_block_f32<Arch, R, C>(xr, wr, k, out);
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c)
      y[(i + r) * n + j + c] = bias ? out[r][c] + bias[j + c] : out[r][c];
}

template <class Arch>
void linear_f32(const float* x, size_t m, size_t k, const float* w,
                const float* bias, size_t n, float* y) {
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    size_t i = 0;
    for (; i + 2 <= m; i += 2) linear_block_f32<Arch, 2, 4>(x, i, k, w, j, bias, n, y);
    for (; i < m; ++i) linear_block_f32<Arch, 1, 4>(x, i, k, w, j, bias, n, y);
  }
  for (; j < n; ++j) {
    for (size_t i = 0; i < m; ++i) linear_block_f32<Arch, 1, 1>(x, i, k, w, j, bias, n, y);
  }
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
