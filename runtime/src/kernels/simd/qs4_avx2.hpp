// The AVX2 int4 microkernel for qs4_driver.h. Include only from a table
// built with AVX2 (table_avx2.cpp, table_avx512.cpp); everything is internal.
//
// Exact, with no widening until a group ends: activations shifted to
// unsigned bytes (u = q + 128 <= 255) times nibbles (-8..7) through
// _mm256_maddubs_epi16 give pairs of at most 2 * 255 * 8 = 4080, and a
// group's 8 such results per lane sum to at most 32640 < 32767, so they add
// in int16. One _mm256_madd_epi16 against the group scale (in both halves
// of each 32-bit lane) then widens and scales a group in one instruction.
#pragma once

#include <immintrin.h>

#include "kernels/simd/qs4_driver.h"
#include "kernels/simd/qs8_avx2.hpp"  // qs8_bcast4

namespace xattn {
namespace kernels {
namespace {

// A group's scales for 8 rows as int16 pairs (sub, sub) per 32-bit lane.
inline __m256i qs4_scale_pairs(__m128i subs8) {
  const __m256i s = _mm256_cvtepu8_epi32(subs8);
  return _mm256_or_si256(s, _mm256_slli_epi32(s, 16));
}

// Layout 3 prefetch distance: as far ahead as qs8's, in bytes of nibbles.
constexpr size_t kQs4PrefetchBytes = 2048;

struct Qs4Avx2 {
  // R rows keep 4R accumulators (two 8-row halves, int16 group sums and
  // int32 totals) beside 4 unpacked weight vectors: R = 2 fills 16 registers.
  static constexpr size_t kMr = 2;
  static constexpr bool kUnsigned = true;
  static void prepare(int8_t* q, size_t count) { qs4::shift_to_unsigned(q, count); }

  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs, int32_t* acc) {
    const __m256i mask = _mm256_set1_epi8(0x0F);
    // Nibble -> signed value, for _mm256_shuffle_epi8 (per 128-bit lane).
    const __m256i lut = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5,
                                         6, 7, -8, -7, -6, -5, -4, -3, -2, -1);
    __m256i total0[R], total1[R];
    for (size_t r = 0; r < R; ++r) total0[r] = total1[r] = _mm256_setzero_si256();
    for (size_t g = 0; g < k / format::kInt4Group; ++g, x += format::kInt4Group, subs += qs4::kBlock) {
      __m256i sum0[R], sum1[R];
      for (size_t r = 0; r < R; ++r) sum0[r] = sum1[r] = _mm256_setzero_si256();
#pragma GCC unroll 4
      for (size_t t = 0; t < 4; ++t, w += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(w) + kQs4PrefetchBytes, _MM_HINT_T0);
        const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
        const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32));
        const __m256i lo0 = _mm256_shuffle_epi8(lut, _mm256_and_si256(v0, mask));
        const __m256i hi0 = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v0, 4), mask));
        const __m256i lo1 = _mm256_shuffle_epi8(lut, _mm256_and_si256(v1, mask));
        const __m256i hi1 = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v1, 4), mask));
#pragma GCC unroll 4
        for (size_t r = 0; r < R; ++r) {
          const __m256i xl = qs8_bcast4(x + r * ldx + 8 * t), xh = qs8_bcast4(x + r * ldx + 8 * t + 4);
          sum0[r] = _mm256_add_epi16(sum0[r], _mm256_add_epi16(_mm256_maddubs_epi16(xl, lo0), _mm256_maddubs_epi16(xh, hi0)));
          sum1[r] = _mm256_add_epi16(sum1[r], _mm256_add_epi16(_mm256_maddubs_epi16(xl, lo1), _mm256_maddubs_epi16(xh, hi1)));
        }
      }
      const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(subs));
      const __m256i scale0 = qs4_scale_pairs(s), scale1 = qs4_scale_pairs(_mm_srli_si128(s, 8));
      for (size_t r = 0; r < R; ++r) {
        total0[r] = _mm256_add_epi32(total0[r], _mm256_madd_epi16(sum0[r], scale0));
        total1[r] = _mm256_add_epi32(total1[r], _mm256_madd_epi16(sum1[r], scale1));
      }
    }
    for (size_t r = 0; r < R; ++r) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * qs4::kBlock), total0[r]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * qs4::kBlock + 8), total1[r]);
    }
  }
};

}  // namespace
}  // namespace kernels
}  // namespace xattn
