// The SSSE3 int4 microkernel for qs4_driver.h, for the sse4.2 table:
// qs4_avx2.hpp's arithmetic (unsigned activations x signed nibbles through
// maddubs, a group's 8 results per lane summed in int16 (<= 32640), one madd
// against the group scales) on 128-bit registers, a quarter of each chunk
// (4 rows) at a time so the accumulators of two activation rows fit 16
// registers. Include only from table_sse4_2.cpp; everything is internal.
#pragma once

#include <immintrin.h>

#include "kernels/simd/qs4_driver.h"

namespace xattn {
namespace kernels {
namespace {

struct Qs4Ssse3 {
  static constexpr size_t kMr = 2;
  static constexpr bool kUnsigned = true;
  static void prepare(int8_t* q, size_t count) { qs4::shift_to_unsigned(q, count); }

  static __m128i bcast4(const int8_t* p) {
    int32_t v;
    __builtin_memcpy(&v, p, 4);
    return _mm_set1_epi32(v);
  }

  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs, int32_t* acc) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i lut = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1);
    const size_t groups = k / format::kInt4Group;
    for (size_t q = 0; q < 4; ++q) {  // rows 4q..4q+3 through every group
      __m128i total[R];
      for (size_t r = 0; r < R; ++r) total[r] = _mm_setzero_si128();
      for (size_t g = 0; g < groups; ++g) {
        const uint8_t* wg = w + g * format::kInt4GroupBytes + 16 * q;
        const int8_t* xg = x + g * format::kInt4Group;
        __m128i sum[R];
        for (size_t r = 0; r < R; ++r) sum[r] = _mm_setzero_si128();
#pragma GCC unroll 4
        for (size_t t = 0; t < 4; ++t) {
          const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wg + 64 * t));
          const __m128i lo = _mm_shuffle_epi8(lut, _mm_and_si128(v, mask));
          const __m128i hi = _mm_shuffle_epi8(lut, _mm_and_si128(_mm_srli_epi16(v, 4), mask));
          for (size_t r = 0; r < R; ++r) {
            const __m128i xl = bcast4(xg + r * ldx + 8 * t), xh = bcast4(xg + r * ldx + 8 * t + 4);
            sum[r] = _mm_add_epi16(sum[r], _mm_add_epi16(_mm_maddubs_epi16(xl, lo), _mm_maddubs_epi16(xh, hi)));
          }
        }
        int32_t s;
        __builtin_memcpy(&s, subs + g * qs4::kBlock + 4 * q, 4);
        const __m128i s32 = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(s));
        const __m128i scale = _mm_or_si128(s32, _mm_slli_epi32(s32, 16));
        for (size_t r = 0; r < R; ++r) total[r] = _mm_add_epi32(total[r], _mm_madd_epi16(sum[r], scale));
      }
      for (size_t r = 0; r < R; ++r)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(acc + r * qs4::kBlock + 4 * q), total[r]);
    }
  }
};

}  // namespace
}  // namespace kernels
}  // namespace xattn
