// The one int8 linear-layer driver. Every SIMD table's int8 layers are this
// driver over a policy of microkernels with fixed tiles; the driver owns
// everything around them: the loops over tiles, leftover rows and columns,
// the k tail, the narrow last block of format layout 1, and the
// dequantization epilogue (ref::dequant_i8's expression, so every table is
// bit-identical to the reference). It includes no xsimd, so the translation
// units built with extra ISA flags (VNNI, dotprod) use it too. Nothing it
// instantiates can be shared between tables built with different flags: the
// policies live in anonymous namespaces (or, for the portable xsimd one, are
// templates on the one table's Arch), and the non-template helpers are static.
//
// Layout 1 (16 rows x 4 columns per 64 bytes, xattn/format.h) policy:
//   static constexpr size_t kMr;        // rows of the widest tile
//   static constexpr size_t kBlocks;    // 16-row blocks of the widest tile (1 or 2)
//   static constexpr bool kUnsigned;    // tiles read u = q + 128 after prepare; the
//                                       // driver subtracts 128 * row_sums
//   static void prepare(int8_t* q, size_t count);
//   template <size_t R> static void tile(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc);
//     1 <= R <= kMr activation rows (row stride ldx) x one full block at w,
//     k % 4 == 0: acc[r * 16 + o] = sum_c x[r][c] * W[o][c]
//   static void wide(const int8_t* x, size_t ldx, size_t k, const int8_t* w, size_t ldw, int32_t* acc);
//     kBlocks > 1 only: kMr rows x kBlocks blocks (block b at w + b * ldw),
//     acc[r * 16 * kBlocks + o]
//
// Row-major policy (layout 0):
//   static constexpr size_t kK;         // tiles take k a multiple of kK; the driver adds the rest
//   static constexpr size_t kMr;
//   template <size_t R>
//   static void dot(const int8_t* x, size_t ldx, size_t k, const int8_t* w, size_t ldw, int32_t* acc);
//     R in {1, kMr} activation rows x 4 weight rows: acc[r * 4 + c]
//   static int32_t dot1(const int8_t* x, const int8_t* w, size_t k);
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/check.h"
#include "kernels/reference/ref_common.h"
#include "xattn/format.h"

namespace xattn {
namespace kernels {
namespace qs8 {

constexpr size_t kBlock = format::kPackRows;  // output rows per layout-1 block
constexpr size_t kGroup = format::kPackCols;  // columns per group

// How far ahead (bytes) the x86 GEMV microkernels prefetch weights into L2.
// The decoder's GEMV reads each matrix once, and a step's weights (tens of
// MB) fit no cache: this distance keeps enough lines in flight to near the
// read bandwidth. transformer-base int8 step on AMD Zen 5 (avx2 path,
// medians of 5 interleaved runs): 1.15 ms at 2 KiB ahead, 0.99 at 4, 0.84
// at 8, 0.78 at 16, 0.80 at 32, 0.84 at 64 (bench/README.md, "GEMV prefetch").
constexpr size_t kGemvPrefetchBytes = 16384;
// The row-major kernels' 4 interleaved weight rows prefetch this far ahead
// into L1.
constexpr size_t kTilePrefetchBytes = 2048;

// The x86 layout-1 microkernels' prefetch ahead of the weights at w, into
// L2. One row is the decoder's GEMV, which streams the matrix from memory:
// kGemvPrefetchBytes ahead. A tile of several rows passes over its block
// once per tile of rows, from L1 after the first pass, so it fetches the
// same bytes of the next block (block_bytes further on, the next call's
// first pass) instead: the weights of a large model come from memory for
// every input, and a few KiB ahead in the block being read did not hide
// that (transformer-base int8 encoder, 32 tokens, one thread, avx512-vnni
// on Zen 5: 3.05 ms with 2 KiB ahead into L1, 2.72 ms with the next block;
// bench/README.md, "Threads"). A prefetch past the matrix is harmless.
template <size_t R>
static inline void prefetch_weights(const void* w, size_t block_bytes) {
  __builtin_prefetch(static_cast<const char*>(w) + (R == 1 ? kGemvPrefetchBytes : block_bytes), 0, 2);
}

// One group's 4 activation bytes as one int32, to broadcast to every lane
// (x need not be 4-byte aligned).
static inline int32_t load_word(const void* p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

// y[o] = float(acc[o] - 128 * row_sums[o]) / (x_scale * w_scales[o]) + bias[o]
// (no row sums unless shifted) for `width` outputs: ref::dequant_i8 exactly
// (IEEE division, no reciprocal, no contraction possible), 8 lanes at a time
// in GCC's generic vectors, which the including file's ISA flags lower to
// its widest registers (GCC left the plain loop scalar: y may alias). On Arm,
// 4 lanes, the registers' width: GCC 12 lowered the 8-lane int-to-float
// conversion for AArch64 NEON to one scalar scvtf and a lane insert per value.
#if defined(__ARM_NEON) || defined(__ARM_FEATURE_MVE)
constexpr size_t kDequantLanes = 4;
#else
constexpr size_t kDequantLanes = 8;
#endif
typedef float Qs8Floats __attribute__((vector_size(4 * kDequantLanes)));
typedef int32_t Qs8Ints __attribute__((vector_size(4 * kDequantLanes)));

static inline void dequantize(const int32_t* acc, const int32_t* row_sums, bool shifted, float x_scale,
                              const float* w_scales, const float* bias, size_t width, float* y) {
  const Qs8Floats xs = Qs8Floats{} + x_scale;
  size_t o = 0;
  for (; o + kDequantLanes <= width; o += kDequantLanes) {
    Qs8Ints a, sums;
    Qs8Floats ws, b;
    __builtin_memcpy(&a, acc + o, sizeof a);
    if (shifted) {
      __builtin_memcpy(&sums, row_sums + o, sizeof sums);
      a -= sums * 128;
    }
    __builtin_memcpy(&ws, w_scales + o, sizeof ws);
    Qs8Floats v = __builtin_convertvector(a, Qs8Floats) / (xs * ws);
    if (bias) {
      __builtin_memcpy(&b, bias + o, sizeof b);
      v += b;
    }
    __builtin_memcpy(y + o, &v, sizeof v);
  }
  // Fewer than a vector left: the bound written so (o < width alone) keeps GCC's
  // loop analysis on 32-bit targets from warning about huge iteration counts.
  for (const size_t end = o + width % kDequantLanes; o < end; ++o)
    y[o] = ref::dequant_i8(shifted ? acc[o] - 128 * row_sums[o] : acc[o], x_scale, w_scales[o], bias, o);
}

// Calls P::tile<R> for a run-time R in [1, P::kMr].
template <class P, size_t R = P::kMr>
static inline void tile_rows(size_t rows, const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
  if constexpr (R >= 1) {
    if (rows == R) return P::template tile<R>(x, ldx, k, w, acc);
    tile_rows<P, R - 1>(rows, x, ldx, k, w, acc);
  }
}

// Rows [i0, m) of one full block at w (output columns j..j+16).
template <class P>
static inline void block_rows(const int8_t* q, const float* x_scales, size_t i0, size_t m, size_t k,
                              const int8_t* w, const int32_t* row_sums, const float* w_scales, const float* bias,
                              size_t n, size_t j, float* y) {
  int32_t acc[P::kMr * kBlock];
  for (size_t i = i0; i < m; i += P::kMr) {
    const size_t rows = m - i < P::kMr ? m - i : P::kMr;
    tile_rows<P>(rows, q + i * k, k, k, w, acc);
    for (size_t r = 0; r < rows; ++r)
      dequantize(acc + r * kBlock, P::kUnsigned ? row_sums + j : nullptr, P::kUnsigned, x_scales[i + r],
                 w_scales + j, bias ? bias + j : nullptr, kBlock, y + (i + r) * n + j);
  }
}

// The narrow last block (width < 16 rows, 4 * width bytes per group): its
// groups are copied, a chunk at a time, into a zero-padded full block, so
// the full-block tiles run on it without reading past the matrix.
template <class P>
static void narrow_block(const int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                         const int32_t* row_sums, const float* w_scales, const float* bias, size_t n, size_t j,
                         float* y) {
  constexpr size_t kChunkGroups = 64;  // 4 KiB of padded block on the stack
  const size_t width = n - j;
  alignas(64) int8_t pad[kChunkGroups * kBlock * kGroup] = {};
  int32_t acc[P::kMr * kBlock], total[P::kMr * kBlock];
  for (size_t i = 0; i < m; i += P::kMr) {
    const size_t rows = m - i < P::kMr ? m - i : P::kMr;
    for (size_t e = 0; e < rows * kBlock; ++e) total[e] = 0;
    for (size_t g0 = 0; g0 < k / kGroup; g0 += kChunkGroups) {
      const size_t groups = k / kGroup - g0 < kChunkGroups ? k / kGroup - g0 : kChunkGroups;
      for (size_t g = 0; g < groups; ++g)  // bytes past 4 * width stay zero
        __builtin_memcpy(pad + g * kBlock * kGroup, w + (g0 + g) * kGroup * width, kGroup * width);
      tile_rows<P>(rows, q + i * k + g0 * kGroup, k, groups * kGroup, pad, acc);
      for (size_t e = 0; e < rows * kBlock; ++e) total[e] += acc[e];
    }
    for (size_t r = 0; r < rows; ++r)
      dequantize(total + r * kBlock, P::kUnsigned ? row_sums + j : nullptr, P::kUnsigned, x_scales[i + r], w_scales + j,
                 bias ? bias + j : nullptr, width, y + (i + r) * n + j);
  }
}

// KernelTable::linear_i8_packed over policy P. Blocks (or P::kBlocks-wide
// runs of blocks when there are P::kMr rows or more) outermost: each is read
// from memory once per call and stays in L1 while every activation row passes.
template <class P>
void linear_i8_packed(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                      const int32_t* row_sums, const float* w_scales, const float* bias, size_t n, float* y) {
  XATTN_KERNEL_EXPECT(k % kGroup == 0);
  P::prepare(q, m * k);
  size_t j = 0;
  if constexpr (P::kBlocks > 1) {
    constexpr size_t kNr = kBlock * P::kBlocks;
    const size_t full_m = m - m % P::kMr;
    if (full_m > 0) {
      for (; j + kNr <= n; j += kNr) {
        int32_t acc[P::kMr * kNr];
        for (size_t i = 0; i < full_m; i += P::kMr) {
          P::wide(q + i * k, k, k, w + j * k, kBlock * k, acc);
          for (size_t r = 0; r < P::kMr; ++r)
            dequantize(acc + r * kNr, P::kUnsigned ? row_sums + j : nullptr, P::kUnsigned, x_scales[i + r],
                       w_scales + j, bias ? bias + j : nullptr, kNr, y + (i + r) * n + j);
        }
        for (size_t b = 0; b < P::kBlocks; ++b)
          block_rows<P>(q, x_scales, full_m, m, k, w + (j + b * kBlock) * k, row_sums, w_scales, bias, n,
                        j + b * kBlock, y);
      }
    }
  }
  for (; j + kBlock <= n; j += kBlock)
    block_rows<P>(q, x_scales, 0, m, k, w + j * k, row_sums, w_scales, bias, n, j, y);
  if (j < n) narrow_block<P>(q, x_scales, m, k, w + j * k, row_sums, w_scales, bias, n, j, y);
}

// KernelTable::linear_i8 (row-major weights) over policy P: weight rows in
// blocks of 4 outermost (4 * k bytes stay in L1 while every activation row
// passes), tiles of P::kMr rows, then single rows; k % P::kK in scalar.
template <class P>
void linear_i8(const int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w, const float* w_scales,
               const float* bias, size_t n, float* y) {
  const size_t kk = k - k % P::kK;
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const int8_t* wj = w + j * k;
    int32_t acc[P::kMr * 4];
    size_t i = 0;
    for (; i < m; i += P::kMr) {
      const size_t rows = m - i < P::kMr ? m - i : P::kMr;
      if (rows == P::kMr) {
        P::template dot<P::kMr>(q + i * k, k, kk, wj, k, acc);
      } else {
        for (size_t r = 0; r < rows; ++r) P::template dot<1>(q + (i + r) * k, k, kk, wj, k, acc + 4 * r);
      }
      for (size_t r = 0; r < rows; ++r) {
        const int8_t* x = q + (i + r) * k;
        for (size_t c = 0; c < 4; ++c) acc[4 * r + c] += ref::dot_i8(x + kk, wj + c * k + kk, k - kk);
        dequantize(acc + 4 * r, nullptr, false, x_scales[i + r], w_scales + j, bias ? bias + j : nullptr, 4,
                   y + (i + r) * n + j);
      }
    }
  }
  for (; j < n; ++j) {
    for (size_t i = 0; i < m; ++i) {
      const int8_t* x = q + i * k;
      const int32_t acc = P::dot1(x, w + j * k, kk) + ref::dot_i8(x + kk, w + j * k + kk, k - kk);
      y[i * n + j] = ref::dequant_i8(acc, x_scales[i], w_scales[j], bias, j);
    }
  }
}

}  // namespace qs8
}  // namespace kernels
}  // namespace xattn
