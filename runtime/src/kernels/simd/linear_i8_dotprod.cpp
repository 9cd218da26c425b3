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
// epilogue of the driver (qs8_driver.h) makes the outputs bit-identical.
#include <arm_neon.h>

#include "kernels/simd/linear_i8_dotprod.h"
#include "kernels/simd/qs8_driver.h"
#include "kernels/simd/qs8_neon_rowmajor.h"

namespace xattn {
namespace kernels {
namespace {

// ---- row-major weights (qs8_dot_1x4__neon<Sdot>): 16 bytes of a row
// against 16 activations per sdot.
struct Sdot {
  static int32x4_t mac(int32x4_t acc, int8x16_t x, const int8_t* w) { return vdotq_s32(acc, x, vld1q_s8(w)); }
};
using Qs8RowMajorSdot = qs8::Qs8RowMajorNeon<Sdot>;

// ---- layout 1 (16 rows x 4 columns per 64 bytes, xattn/format.h).
//
// One 16-byte weight load is 4 rows x 4 columns: the indexed sdot
// vdotq_laneq_s32(acc, w, x, L) adds, for each of the 4 rows, its 4 columns
// times activation bytes 4L..4L+3, so the lanes of acc are output rows and
// no horizontal sum is needed. One 16-byte activation load covers 4 column
// groups (lanes 0..3).

constexpr size_t kBlock = qs8::kBlock;

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

// R activation rows (row stride ldx) against one full 16-row block:
// out[r * 16 + o].
// sdot has a latency of several cycles, so each step keeps 4 * R * S
// independent chains: S = 2 for a single row (GEMV, 8 chains), else 1. R <= 4
// keeps 4R accumulators + 4 weights + R activations within 32 registers.
template <int R>
inline void qs8_gemm_rx16c4__neondot(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* out) {
  constexpr int S = R == 1 ? 2 : 1;
  Acc<S, R> acc;
  for (int s = 0; s < S; ++s)
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < 4; ++t) acc[s][r][t] = vdupq_n_s32(0);
  const size_t groups = k / 4;
  size_t g = 0;
  for (; g + 4 <= groups; g += 4, w += 4 * 64) {
    int8x16_t xv[R];
    for (int r = 0; r < R; ++r) xv[r] = vld1q_s8(x + r * ldx + 4 * g);
    group<0, S, R>(acc, xv, w);
    group<1, S, R>(acc, xv, w + 64);
    group<2, S, R>(acc, xv, w + 128);
    group<3, S, R>(acc, xv, w + 192);
  }
  for (; g < groups; ++g, w += 64) {  // k % 16 != 0: one group at a time
    int8x16_t xv[R];
    for (int r = 0; r < R; ++r) xv[r] = splat4(x + r * ldx + 4 * g);
    group<0, S, R>(acc, xv, w);
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < 4; ++t) {
      int32x4_t a = acc[0][r][t];
      for (int s = 1; s < S; ++s) a = vaddq_s32(a, acc[s][r][t]);
      vst1q_s32(out + r * kBlock + 4 * t, a);
    }
}

struct Qs8PackedNeonDot {
  static constexpr size_t kMr = 4, kBlocks = 1;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
    qs8_gemm_rx16c4__neondot<int(R)>(x, ldx, k, w, acc);
  }
  static void wide(const int8_t*, size_t, size_t, const int8_t*, size_t, int32_t*) {}
};

}  // namespace

void linear_i8_neon_dotprod(const int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                            const float* w_scales, const float* bias, size_t n, float* y) {
  qs8::linear_i8<Qs8RowMajorSdot>(q, x_scales, m, k, w, w_scales, bias, n, y);
}

void linear_i8_packed_neon_dotprod(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                                   const int32_t* row_sums, const float* w_scales, const float* bias, size_t n,
                                   float* y) {
  qs8::linear_i8_packed<Qs8PackedNeonDot>(q, x_scales, m, k, w, row_sums, w_scales, bias, n, y);
}

}  // namespace kernels
}  // namespace xattn
