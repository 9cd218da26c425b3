// The int4 linear-layer driver (format layout 3), the int4 twin of
// qs8_driver.h: every SIMD table's int4 layer is this driver over a policy
// of microkernels that compute one 16-row block for a tile of activation
// rows; the driver owns the loops, the narrow last block's outputs and the
// epilogue (qs8::dequantize, ref::dequant_i8's expression), so every table
// is bit-identical to ref::linear_i4. No xsimd here.
//
// Policy:
//   static constexpr size_t kMr;       // activation rows of the widest tile
//   static constexpr bool kUnsigned;   // tiles read u = q + 128 after prepare;
//                                      // the driver subtracts 128 * row_sums
//   static void prepare(int8_t* q, size_t count);
//   template <size_t R> static void tile(const int8_t* x, size_t ldx, size_t k,
//                                        const uint8_t* w, const uint8_t* subs, int32_t* acc);
//     1 <= R <= kMr rows (stride ldx) x one block (nibbles at w, its group
//     scales at subs): acc[r * 16 + o] = sum_g subs[g * 16 + o] * sum_c x[r][c] * q4[o][c]
//     (mod 2^32: with kUnsigned the shifted sum may pass int32, the corrected one never does)
// and optionally, for one activation row (the decoder's GEMV) left signed
// and unprepared:
//   static void gemv(const int8_t* x, size_t k, const uint8_t* w, const uint8_t* subs,
//                    const int16_t* four_sums, int32_t* acc);
//     four_sums[g] = 4 * sum of x over group g; acc as tile<1>'s, no row-sum correction
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/simd/qs8_driver.h"

namespace xattn {
namespace kernels {
namespace qs4 {

constexpr size_t kBlock = format::kPackRows;

// Flips every activation byte's top bit: q + 128 as an unsigned byte.
static inline void shift_to_unsigned(int8_t* q, size_t count) {
  for (size_t i = 0; i < count; ++i) q[i] = static_cast<int8_t>(static_cast<uint8_t>(q[i]) ^ 0x80u);
}

// Whether policy P has the signed one-row kernel.
template <class P, class = void>
struct HasGemv {
  static constexpr bool value = false;
};
template <class P>
struct HasGemv<P, decltype(void(&P::gemv))> {
  static constexpr bool value = true;
};

// linear_i4 for one activation row on a policy with gemv: x stays signed,
// and the group sums it needs are taken once for all of n.
template <class P>
void gemv_i4(const int8_t* x, float x_scale, size_t k, const uint8_t* w, const uint8_t* group_scales,
             const float* w_scales, const float* bias, size_t n, float* y) {
  const size_t groups = k / format::kInt4Group;
  int16_t four_sums[format::kInt4MaxCols / format::kInt4Group];  // each at most 4 * 32 * 128
  for (size_t g = 0; g < groups; ++g) {
    int32_t sum = 0;
    for (size_t c = 0; c < format::kInt4Group; ++c) sum += x[g * format::kInt4Group + c];
    four_sums[g] = static_cast<int16_t>(4 * sum);
  }
  int32_t acc[kBlock];
  for (size_t j = 0; j < n; j += kBlock) {
    const size_t width = n - j < kBlock ? n - j : kBlock;
    P::gemv(x, k, w + j * k / 2, group_scales + j * groups, four_sums, acc);
    qs8::dequantize(acc, nullptr, false, x_scale, w_scales + j, bias ? bias + j : nullptr, width, y + j);
  }
}

template <class P, size_t R = P::kMr>
static inline void tile_rows(size_t rows, const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs,
                             int32_t* acc) {
  if constexpr (R >= 1) {
    if (rows == R) return P::template tile<R>(x, ldx, k, w, subs, acc);
    tile_rows<P, R - 1>(rows, x, ldx, k, w, subs, acc);
  }
}

// KernelTable::linear_i4 over policy P. Blocks outermost: each (8k bytes of
// nibbles) is read from memory once per call and stays in L1 while every
// activation row passes.
template <class P>
void linear_i4(int8_t* q, const float* x_scales, size_t m, size_t k, const uint8_t* w, const uint8_t* group_scales,
               const int32_t* row_sums, const float* w_scales, const float* bias, size_t n, float* y) {
  XATTN_KERNEL_EXPECT(k % format::kInt4Group == 0 && k <= format::kInt4MaxCols);
  if constexpr (HasGemv<P>::value) {
    if (m == 1) return gemv_i4<P>(q, x_scales[0], k, w, group_scales, w_scales, bias, n, y);
  }
  P::prepare(q, m * k);
  const size_t groups = k / format::kInt4Group;
  int32_t acc[P::kMr * kBlock];
  for (size_t j = 0; j < n; j += kBlock) {
    const size_t width = n - j < kBlock ? n - j : kBlock;
    const uint8_t* block = w + j * k / 2;
    const uint8_t* subs = group_scales + j * groups;
    for (size_t i = 0; i < m; i += P::kMr) {
      const size_t rows = m - i < P::kMr ? m - i : P::kMr;
      tile_rows<P>(rows, q + i * k, k, k, block, subs, acc);
      for (size_t r = 0; r < rows; ++r) {
        int32_t* a = acc + r * kBlock;
        if (P::kUnsigned) {  // in uint32: the shifted sum may have wrapped
          for (size_t o = 0; o < width; ++o)
            a[o] = static_cast<int32_t>(static_cast<uint32_t>(a[o]) - 128u * static_cast<uint32_t>(row_sums[j + o]));
        }
        qs8::dequantize(a, nullptr, false, x_scales[i + r], w_scales + j, bias ? bias + j : nullptr, width,
                        y + (i + r) * n + j);
      }
    }
  }
}

}  // namespace qs4
}  // namespace kernels
}  // namespace xattn
