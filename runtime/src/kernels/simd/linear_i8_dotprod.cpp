// The int8 linear layers with the ARMv8.2 dot-product extension (sdot),
// joined to the "neon" table as "neon-dotprod" (table_neon.cpp). This is the
// only file built with -march=armv8.2-a+dotprod, and everything in it is
// internal (anonymous namespace, static inline helpers, no xsimd), so no
// COMDAT compiled with sdot can be picked by the linker for the plain NEON
// table, which must run on CPUs without the extension.
//
// sdot (vdotq_s32) adds 4 int8 x int8 products into each int32 lane: every
// product and sum is exact (no int16 step, no saturation, -128 * -128
// included), so the int32 sums equal the reference's and the shared scalar
// epilogue ref::dequant_i8 makes the outputs bit-identical.
#include <arm_neon.h>

#include "kernels/reference/ref_common.h"
#include "kernels/simd/linear_i8_dotprod.h"
#include "xattn/format.h"

namespace xattn {
namespace kernels {
namespace {

// ---- row-major weights: 16 bytes of a row against 16 activations per sdot.

inline int32x4_t mac16(int32x4_t acc, int8x16_t x, const int8_t* w) { return vdotq_s32(acc, x, vld1q_s8(w)); }

void dot4(const int8_t* x, const int8_t* w, size_t k, int32_t* out) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
  size_t e = 0;
  for (; e + 16 <= k; e += 16) {
    const int8x16_t xv = vld1q_s8(x + e);
    a0 = mac16(a0, xv, w + e);
    a1 = mac16(a1, xv, w + k + e);
    a2 = mac16(a2, xv, w + 2 * k + e);
    a3 = mac16(a3, xv, w + 3 * k + e);
  }
  const int32x4_t acc[4] = {a0, a1, a2, a3};
  for (size_t c = 0; c < 4; ++c) out[c] = vaddvq_s32(acc[c]) + ref::dot_i8(x + e, w + c * k + e, k - e);
}

int32_t dot1(const int8_t* x, const int8_t* w, size_t k) {
  int32x4_t a = vdupq_n_s32(0);
  size_t e = 0;
  for (; e + 16 <= k; e += 16) a = mac16(a, vld1q_s8(x + e), w + e);
  return vaddvq_s32(a) + ref::dot_i8(x + e, w + e, k - e);
}

// ---- layout 1 (16 rows x 4 columns per 64 bytes, xattn/format.h).
//
// One 16-byte weight load is 4 rows x 4 columns: the indexed sdot
// vdotq_laneq_s32(acc, w, x, L) adds, for each of the 4 rows, its 4 columns
// times activation bytes 4L..4L+3, so the lanes of acc are output rows and
// no horizontal sum is needed. One 16-byte activation load covers 4 column
// groups (lanes 0..3).

constexpr size_t kBlock = format::kPackRows;

// acc[s][r][t]: chain s, activation row r, block rows 4t..4t+3.
template <int S, int R>
using Acc = int32x4_t[S][R][4];

// Column group at w (64 bytes) against lane L of each row's activations, into
// chain L % S. Each weight vector is loaded once and used for all R rows.
template <int L, int S, int R>
inline void group(Acc<S, R>& acc, const int8x16_t (&x)[R], const int8_t* w) {
#pragma GCC unroll 4
  for (int t = 0; t < 4; ++t) {
    const int8x16_t wv = vld1q_s8(w + 16 * t);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) acc[L % S][r][t] = vdotq_laneq_s32(acc[L % S][r][t], wv, x[r], L);
  }
}

inline int8x16_t splat4(const int8_t* p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return vreinterpretq_s8_s32(vdupq_n_s32(v));
}

// R activation rows (row stride k) against one full 16-row block: out[r][o].
// sdot has a latency of several cycles, so each step keeps 4 * R * S
// independent chains: S = 2 for a single row (GEMV, 8 chains), else 1. R <= 4
// keeps 4R accumulators + 4 weights + R activations within 32 registers.
template <int R>
inline void block_rows(const int8_t* x, size_t k, const int8_t* w, int32_t (*out)[kBlock]) {
  constexpr int S = R == 1 ? 2 : 1;
  Acc<S, R> acc;
  for (int s = 0; s < S; ++s)
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < 4; ++t) acc[s][r][t] = vdupq_n_s32(0);
  const size_t groups = k / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4, w += 4 * 64) {
    int8x16_t xv[R];
    for (int r = 0; r < R; ++r) xv[r] = vld1q_s8(x + r * k + 4 * g);
    group<0, S, R>(acc, xv, w);
    group<1, S, R>(acc, xv, w + 64);
    group<2, S, R>(acc, xv, w + 128);
    group<3, S, R>(acc, xv, w + 192);
  }
  for (; g < groups; ++g, w += 64) {  // k % 16 != 0: one group at a time
    int8x16_t xv[R];
    for (int r = 0; r < R; ++r) xv[r] = splat4(x + r * k + 4 * g);
    group<0, S, R>(acc, xv, w);
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < 4; ++t) {
      int32x4_t a = acc[0][r][t];
      for (int s = 1; s < S; ++s) a = vaddq_s32(a, acc[s][r][t]);
      vst1q_s32(out[r] + 4 * t, a);
    }
}

// y[i][j + o] for R activation rows from i, over `width` rows from j.
template <int R>
inline void store(const int32_t (*acc)[kBlock], size_t width, const float* x_scales, const float* w_scales,
                  const float* bias, size_t i, size_t j, size_t n, float* y) {
  for (int r = 0; r < R; ++r)
    for (size_t o = 0; o < width; ++o)
      y[(i + r) * n + j + o] = ref::dequant_i8(acc[r][o], x_scales[i + r], w_scales[j + o], bias, j + o);
}

template <int R>
inline void tile(const int8_t* q, const float* x_scales, size_t i, size_t k, const int8_t* w,
                 const float* w_scales, const float* bias, size_t j, size_t n, float* y) {
  int32_t acc[R][kBlock];
  block_rows<R>(q + i * k, k, w, acc);
  store<R>(acc, kBlock, x_scales, w_scales, bias, i, j, n, y);
}

// The last block when n % 16 != 0 (width < 16 rows, 4 * width bytes per
// group): each group is copied into a zero-padded 64-byte block, so the full
// block code runs without reading past the matrix.
inline void narrow_group(const int8_t* x, const int8_t* w, size_t width, int8_t (&pad)[64], int32x4_t (&acc)[4]) {
  __builtin_memcpy(pad, w, 4 * width);
  const int8x16_t xv = splat4(x);
  for (int t = 0; t < 4; ++t) acc[t] = vdotq_laneq_s32(acc[t], vld1q_s8(pad + 16 * t), xv, 0);
}

}  // namespace

// Weight rows in blocks of 4 outermost (4 * k bytes stay in L1 while every
// activation row passes), as the neon table's linear_i8.
void linear_i8_neon_dotprod(const int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                            const float* w_scales, const float* bias, size_t n, float* y) {
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    for (size_t i = 0; i < m; ++i) {
      int32_t acc[4];
      dot4(q + i * k, w + j * k, k, acc);
      for (size_t c = 0; c < 4; ++c)
        y[i * n + j + c] = ref::dequant_i8(acc[c], x_scales[i], w_scales[j + c], bias, j + c);
    }
  }
  for (; j < n; ++j)
    for (size_t i = 0; i < m; ++i)
      y[i * n + j] = ref::dequant_i8(dot1(q + i * k, w + j * k, k), x_scales[i], w_scales[j], bias, j);
}

// Blocks outermost: each 16 x k block is read from memory once per call, and
// the activation rows pass over it 4 at a time (each weight load feeds 4
// rows' sdots), then the leftover 3, 2 or 1.
void linear_i8_packed_neon_dotprod(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                                   const int32_t* /*row_sums*/, const float* w_scales, const float* bias, size_t n,
                                   float* y) {
  size_t j = 0;
  for (; j + kBlock <= n; j += kBlock) {
    const int8_t* wb = w + j * k;
    size_t i = 0;
    for (; i + 4 <= m; i += 4) tile<4>(q, x_scales, i, k, wb, w_scales, bias, j, n, y);
    switch (m - i) {
      case 3: tile<3>(q, x_scales, i, k, wb, w_scales, bias, j, n, y); break;
      case 2: tile<2>(q, x_scales, i, k, wb, w_scales, bias, j, n, y); break;
      case 1: tile<1>(q, x_scales, i, k, wb, w_scales, bias, j, n, y); break;
      default: break;
    }
  }
  if (j == n) return;
  const size_t width = n - j;
  const int8_t* wb = w + j * k;
  int8_t pad[64] = {};  // bytes past 4 * width stay zero
  for (size_t i = 0; i < m; ++i) {
    int32x4_t acc[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
    for (size_t g = 0; g < k / 4; ++g) narrow_group(q + i * k + 4 * g, wb + g * 4 * width, width, pad, acc);
    int32_t sums[1][kBlock];
    for (int t = 0; t < 4; ++t) vst1q_s32(sums[0] + 4 * t, acc[t]);
    store<1>(sums, width, x_scales, w_scales, bias, i, j, n, y);
  }
}

}  // namespace kernels
}  // namespace xattn
