// The NEON int4 microkernel for qs4_driver.h (armv7 and AArch64, no sdot):
// one 16-byte load is a quarter of a chunk, 4 rows x 4 columns of nibbles,
// sign-extended to bytes with shifts; vmlal_s8 accumulates a group's
// products in int16 (8 per lane, each |q * q4| <= 127 * 8: at most 8128, no
// overflow), then pairwise widening adds give each row's group sum in int32
// and one multiply-add by the rows' group scales ends the group. Include only
// from table_neon.cpp; everything is internal.
#pragma once

#include <arm_neon.h>

#include "kernels/simd/qs4_driver.h"

namespace xattn {
namespace kernels {
namespace {

// The 4 bytes at p, twice: one activation group for two rows of 4 columns.
inline int8x8_t qs4_dup4(const int8_t* p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return vreinterpret_s8_u32(vdup_n_u32(v));
}

// The 4 group scales of rows 4q..4q+3 at p, widened to int32.
inline int32x4_t qs4_scales4(const uint8_t* p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(v))))));
}

// (a0 + a1, a2 + a3, b0 + b1, b2 + b3): adjacent int32 halves of a row summed.
inline int32x4_t pairwise_add(int32x4_t a, int32x4_t b) {
#if defined(__aarch64__)
  return vpaddq_s32(a, b);
#else
  return vcombine_s32(vpadd_s32(vget_low_s32(a), vget_high_s32(a)), vpadd_s32(vget_low_s32(b), vget_high_s32(b)));
#endif
}

struct Qs4Neon {
  // A quarter of the block at a time (its 4 rows through every group): 3
  // accumulators per activation row, so R = 2 fits armv7's 16 q registers.
  static constexpr size_t kMr = 2;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}

  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs, int32_t* acc) {
    const size_t groups = k / format::kInt4Group;
    for (size_t q = 0; q < 4; ++q) {
      int32x4_t total[R];
      for (size_t r = 0; r < R; ++r) total[r] = vdupq_n_s32(0);
      for (size_t g = 0; g < groups; ++g) {
        const uint8_t* wg = w + g * format::kInt4GroupBytes + 16 * q;
        const int8_t* xg = x + g * format::kInt4Group;
        int16x8_t rows01[R], rows23[R];  // lanes: (row, column % 4)
        for (size_t r = 0; r < R; ++r) rows01[r] = rows23[r] = vdupq_n_s16(0);
#pragma GCC unroll 4
        for (size_t t = 0; t < 4; ++t) {
          const int8x16_t v = vld1q_s8(reinterpret_cast<const int8_t*>(wg + 64 * t));
          const int8x16_t lo = vshrq_n_s8(vshlq_n_s8(v, 4), 4), hi = vshrq_n_s8(v, 4);
#pragma GCC unroll 2
          for (size_t r = 0; r < R; ++r) {
            const int8x8_t xl = qs4_dup4(xg + r * ldx + 8 * t), xh = qs4_dup4(xg + r * ldx + 8 * t + 4);
            rows01[r] = vmlal_s8(rows01[r], vget_low_s8(lo), xl);
            rows23[r] = vmlal_s8(rows23[r], vget_high_s8(lo), xl);
            rows01[r] = vmlal_s8(rows01[r], vget_low_s8(hi), xh);
            rows23[r] = vmlal_s8(rows23[r], vget_high_s8(hi), xh);
          }
        }
        const int32x4_t scale = qs4_scales4(subs + g * qs4::kBlock + 4 * q);
        for (size_t r = 0; r < R; ++r) {
          const int32x4_t sums = pairwise_add(vpaddlq_s16(rows01[r]), vpaddlq_s16(rows23[r]));
          total[r] = vmlaq_s32(total[r], sums, scale);
        }
      }
      for (size_t r = 0; r < R; ++r) vst1q_s32(acc + r * qs4::kBlock + 4 * q, total[r]);
    }
  }
};

}  // namespace
}  // namespace kernels
}  // namespace xattn
