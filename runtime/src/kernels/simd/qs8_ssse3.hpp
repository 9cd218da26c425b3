// The SSSE3 int8 layout-1 microkernel for qs8_driver.h, for the sse4.2
// table: qs8_avx2.hpp's exact arithmetic (_mm_maddubs_epi16 on |w| and
// sign(w) * q, a pair at most 2 * 128 * 127 = 32512, then _mm_madd_epi16
// against ones to int32) on 128-bit registers. One 16-byte load is 4 rows x
// 4 columns, so a 16-row block is 4 registers per group of 4 columns and
// each int32 lane is one output row. Include only from table_sse4_2.cpp;
// everything is internal.
#pragma once

#include <immintrin.h>

#include "kernels/simd/qs8_driver.h"

namespace xattn {
namespace kernels {
namespace {

struct Qs8PackedSsse3 {
  // R rows keep 4R accumulators beside the weights, their absolute values,
  // the broadcast activations and the ones: R = 2 fits 16 registers.
  static constexpr size_t kMr = 2, kBlocks = 1;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}

  static __m128i bcast4(const int8_t* p) { return _mm_set1_epi32(qs8::load_word(p)); }

  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
    const __m128i ones = _mm_set1_epi16(1);
    __m128i a[R][4];
    for (size_t r = 0; r < R; ++r)
      for (size_t q = 0; q < 4; ++q) a[r][q] = _mm_setzero_si128();
    for (size_t g = 0; g < k / 4; ++g, w += 64) {
      qs8::prefetch_weights<R>(w, qs8::kBlock * k);
      __m128i xv[R];
      for (size_t r = 0; r < R; ++r) xv[r] = bcast4(x + r * ldx + 4 * g);
#pragma GCC unroll 4
      for (size_t q = 0; q < 4; ++q) {
        const __m128i wv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 16 * q));
        const __m128i wa = _mm_abs_epi8(wv);
        for (size_t r = 0; r < R; ++r)
          a[r][q] = _mm_add_epi32(a[r][q], _mm_madd_epi16(_mm_maddubs_epi16(wa, _mm_sign_epi8(xv[r], wv)), ones));
      }
    }
    for (size_t r = 0; r < R; ++r)
      for (size_t q = 0; q < 4; ++q) _mm_storeu_si128(reinterpret_cast<__m128i*>(acc + 16 * r + 4 * q), a[r][q]);
  }
  static void wide(const int8_t*, size_t, size_t, const int8_t*, size_t, int32_t*) {}
};

}  // namespace
}  // namespace kernels
}  // namespace xattn
