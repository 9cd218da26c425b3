// The AVX-512BW int4 microkernel for qs4_driver.h: qs4_avx2.hpp's scheme
// (unsigned activations x signed nibbles through maddubs, a group's sums in
// int16, one madd against the group scales) with all 16 rows of a block in
// one register. Include only from table_avx512.cpp; everything is internal.
#pragma once

#include <immintrin.h>

#include "kernels/simd/qs4_driver.h"

namespace xattn {
namespace kernels {
namespace {

struct Qs4Avx512 {
  // R rows keep 2R accumulators beside 2 unpacked weight vectors.
  static constexpr size_t kMr = 4;
  static constexpr bool kUnsigned = true;
  static void prepare(int8_t* q, size_t count) { qs4::shift_to_unsigned(q, count); }

  static __m512i bcast4(const int8_t* p) {
    int32_t v;
    __builtin_memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
  }

  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs, int32_t* acc) {
    const __m512i mask = _mm512_set1_epi8(0x0F);
    // Nibble -> signed value, for _mm512_shuffle_epi8 (per 128-bit lane).
    const __m512i lut = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1));
    __m512i total[R];
    for (size_t r = 0; r < R; ++r) total[r] = _mm512_setzero_si512();
    for (size_t g = 0; g < k / format::kInt4Group; ++g, x += format::kInt4Group, subs += qs4::kBlock) {
      __m512i sum[R];
      for (size_t r = 0; r < R; ++r) sum[r] = _mm512_setzero_si512();
#pragma GCC unroll 4
      for (size_t t = 0; t < 4; ++t, w += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(w) + 2048, _MM_HINT_T0);
        const __m512i v = _mm512_loadu_si512(w);
        const __m512i lo = _mm512_shuffle_epi8(lut, _mm512_and_si512(v, mask));
        const __m512i hi = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(v, 4), mask));
#pragma GCC unroll 4
        for (size_t r = 0; r < R; ++r) {
          const __m512i xl = bcast4(x + r * ldx + 8 * t), xh = bcast4(x + r * ldx + 8 * t + 4);
          sum[r] = _mm512_add_epi16(sum[r], _mm512_add_epi16(_mm512_maddubs_epi16(xl, lo), _mm512_maddubs_epi16(xh, hi)));
        }
      }
      const __m512i s = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(subs)));
      const __m512i scale = _mm512_or_si512(s, _mm512_slli_epi32(s, 16));
      for (size_t r = 0; r < R; ++r) total[r] = _mm512_add_epi32(total[r], _mm512_madd_epi16(sum[r], scale));
    }
    for (size_t r = 0; r < R; ++r) _mm512_storeu_si512(acc + r * qs4::kBlock, total[r]);
  }
};

}  // namespace
}  // namespace kernels
}  // namespace xattn
