// The float linear layer over weights in format layout 2 (blocks of 16 rows,
// one column of the block per 64 bytes, see xattn/format.h).
//
// For each input value x[c], the block's column c is one contiguous line of
// 16 weights: a broadcast multiply-add into 16 output lanes, so the matrix
// is read once, front to back, with no horizontal sums (the decoder's GEMV
// streams at memory speed), and a tile of R activation rows reuses every
// loaded weight vector R times (the encoder's GEMM). The narrow last block
// is scalar. Sums run in a different order than the reference's dot
// product, so results agree to rounding, as for linear_f32.
#pragma once

#include "kernels/simd/common.hpp"
#include "xattn/format.h"

namespace xattn {
namespace kernels {
namespace simd {

// R activation rows x one full block. V vectors span the block's 16 lanes;
// C chains over interleaved columns keep enough FMAs in flight when R * V
// alone would not hide the FMA latency.
template <class Arch, int R>
inline void f32_block_tile(const float* x, size_t k, const float* w, const float* bias, size_t n, float* y) {
  using B = FBatch<Arch>;
  constexpr int W = static_cast<int>(B::size);
  constexpr int V = static_cast<int>(format::kPackRows) / W;
  constexpr int C = R * V >= 8 ? 1 : (R * V >= 4 ? 2 : 4);
  B acc[C][R][V];
#pragma GCC unroll 32
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) acc[c][r][v] = B(0.0f);
  size_t e = 0;
  for (; e + C <= k; e += C) {
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      const float* line = w + (e + c) * format::kPackRows;
      B wv[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) wv[v] = B::load_unaligned(line + v * W);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const B xv(x[r * k + e + c]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) acc[c][r][v] = xsimd::fma(xv, wv[v], acc[c][r][v]);
      }
    }
  }
  for (; e < k; ++e) {
    const float* line = w + e * format::kPackRows;
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const B xv(x[r * k + e]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[0][r][v] = xsimd::fma(xv, B::load_unaligned(line + v * W), acc[0][r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      B sum = acc[0][r][v];
      for (int c = 1; c < C; ++c) sum += acc[c][r][v];
      if (bias) sum += B::load_unaligned(bias + v * W);
      sum.store_unaligned(y + r * n + v * W);
    }
  }
}

template <class Arch>
void linear_f32_packed(const float* x, size_t m, size_t k, const float* w, const float* bias, size_t n, float* y) {
  constexpr size_t kRows = format::kPackRows;
  // Rows per tile: 8 accumulator vectors in all (16 registers on SSE/AVX2).
  constexpr int R = static_cast<int>(8 / (kRows / FBatch<Arch>::size)) > 0
                        ? static_cast<int>(8 / (kRows / FBatch<Arch>::size))
                        : 1;
  size_t j = 0;
  for (; j + kRows <= n; j += kRows) {
    const float* wb = w + j * k;
    const float* bj = bias ? bias + j : nullptr;
    size_t i = 0;
    for (; i + R <= m; i += R) f32_block_tile<Arch, R>(x + i * k, k, wb, bj, n, y + i * n + j);
    // Leftover rows (and beams) in the largest tiles that fit.
    if (R > 4 && i + 4 <= m) f32_block_tile<Arch, (R > 4 ? 4 : 1)>(x + i * k, k, wb, bj, n, y + i * n + j), i += 4;
    if (R > 2 && i + 2 <= m) f32_block_tile<Arch, (R > 2 ? 2 : 1)>(x + i * k, k, wb, bj, n, y + i * n + j), i += 2;
    for (; i < m; ++i) f32_block_tile<Arch, 1>(x + i * k, k, wb, bj, n, y + i * n + j);
  }
  if (j == n) return;
  const size_t width = n - j;
  const float* wb = w + j * k;
  for (size_t i = 0; i < m; ++i) {
    for (size_t o = 0; o < width; ++o) {
      float acc = 0.0f;
      for (size_t c = 0; c < k; ++c) acc += x[i * k + c] * wb[c * width + o];
      y[i * n + j + o] = bias ? acc + bias[j + o] : acc;
    }
  }
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
