// The AVX2 int8 microkernels for the driver in qs8_driver.h. Include only
// from table_avx2.cpp (built with -mavx2 -mfma); everything is internal.
//
// Exact products, 32 per instruction: _mm256_maddubs_epi16(|w|, sign(w) * q)
// multiplies unsigned by signed bytes and adds each pair in int16 with
// saturation. The activations q come from quantize_rows, so they lie in
// [-127, 127] and sign(w) * q cannot wrap; |w| <= 128 even for a -128
// weight (its absolute value read unsigned), so each pair is at most
// 2 * 128 * 127 = 32512 < 32767: no saturation, ever. _mm256_madd_epi16
// against ones then widens the pairs to exact int32 sums.
#pragma once

#include <immintrin.h>

#include "kernels/simd/qs8_driver.h"

namespace xattn {
namespace kernels {
namespace {

inline __m256i qs8_load32(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

inline __m256i qs8_bcast4(const int8_t* p) { return _mm256_set1_epi32(qs8::load_word(p)); }

// acc += exact int32 sums of 4 adjacent products of |w|-form weights and
// activations x (32 bytes each; wabs = |w| and w itself for the sign).
inline __m256i qs8_mac(__m256i acc, __m256i wabs, __m256i w, __m256i x, __m256i ones) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(wabs, _mm256_sign_epi8(x, w)), ones));
}

inline int32_t qs8_hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

// Layout 1: one 32-byte load is 8 rows x 4 columns, so each int32 lane of
// the result is one output row (no horizontal sums). R rows x 16 outputs
// keep 2R accumulators; R = 4 is the widest that stays in 16 registers.
template <size_t R>
inline void qs8_gemm_rx16c4__avx2(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i lo[R], hi[R];
  for (size_t r = 0; r < R; ++r) lo[r] = hi[r] = _mm256_setzero_si256();
  for (size_t g = 0; g < k / 4; ++g, w += 64) {
    qs8::prefetch_weights<R>(w, qs8::kBlock * k);
    const __m256i w0 = qs8_load32(w), w1 = qs8_load32(w + 32);
    const __m256i a0 = _mm256_abs_epi8(w0), a1 = _mm256_abs_epi8(w1);
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r) {
      const __m256i xv = qs8_bcast4(x + r * ldx + 4 * g);
      lo[r] = qs8_mac(lo[r], a0, w0, xv, ones);
      hi[r] = qs8_mac(hi[r], a1, w1, xv, ones);
    }
  }
  for (size_t r = 0; r < R; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 16 * r), lo[r]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 16 * r + 8), hi[r]);
  }
}

// The decoder's GEMV: one row streams each block once, two groups per
// iteration in separate accumulators so the adds do not form one chain.
inline void qs8_gemv_1x16c4__avx2(const int8_t* x, size_t k, const int8_t* w, int32_t* acc) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i lo0 = _mm256_setzero_si256(), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  const size_t groups = k / 4;
  size_t g = 0;
  for (; g + 2 <= groups; g += 2, w += 128) {
    qs8::prefetch_weights<1>(w, 0);
    qs8::prefetch_weights<1>(w + 64, 0);
    const __m256i w0 = qs8_load32(w), w1 = qs8_load32(w + 32), w2 = qs8_load32(w + 64), w3 = qs8_load32(w + 96);
    const __m256i x0 = qs8_bcast4(x + 4 * g), x1 = qs8_bcast4(x + 4 * g + 4);
    lo0 = qs8_mac(lo0, _mm256_abs_epi8(w0), w0, x0, ones);
    hi0 = qs8_mac(hi0, _mm256_abs_epi8(w1), w1, x0, ones);
    lo1 = qs8_mac(lo1, _mm256_abs_epi8(w2), w2, x1, ones);
    hi1 = qs8_mac(hi1, _mm256_abs_epi8(w3), w3, x1, ones);
  }
  if (g < groups) {
    const __m256i w0 = qs8_load32(w), w1 = qs8_load32(w + 32), x0 = qs8_bcast4(x + 4 * g);
    lo0 = qs8_mac(lo0, _mm256_abs_epi8(w0), w0, x0, ones);
    hi0 = qs8_mac(hi0, _mm256_abs_epi8(w1), w1, x0, ones);
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc), _mm256_add_epi32(lo0, lo1));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8), _mm256_add_epi32(hi0, hi1));
}

struct Qs8PackedAvx2 {
  static constexpr size_t kMr = 4, kBlocks = 1;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
    if constexpr (R == 1) qs8_gemv_1x16c4__avx2(x, k, w, acc);
    else qs8_gemm_rx16c4__avx2<R>(x, ldx, k, w, acc);
  }
  static void wide(const int8_t*, size_t, size_t, const int8_t*, size_t, int32_t*) {}
};

// Row-major weights: 32 columns of 4 weight rows against one activation row.
// The four rows are four interleaved streams, which the hardware prefetcher
// follows poorly: each 64-byte step prefetches the same columns of the rows
// 2 * qs8::kTilePrefetchBytes further on (the driver walks the rows in order).
inline void qs8_dot_1x4__avx2(const int8_t* x, size_t k, const int8_t* w, size_t ldw, int32_t* acc) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i a[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
  for (size_t e = 0; e < k; e += 32) {
    const __m256i xv = qs8_load32(x + e);
    if (e % 64 == 0) {
#pragma GCC unroll 4
      for (size_t c = 0; c < 4; ++c) {
        _mm_prefetch(reinterpret_cast<const char*>(w + c * ldw + e) + 2 * qs8::kTilePrefetchBytes, _MM_HINT_T0);
      }
    }
#pragma GCC unroll 4
    for (size_t c = 0; c < 4; ++c) {
      const __m256i wv = qs8_load32(w + c * ldw + e);
      a[c] = qs8_mac(a[c], _mm256_abs_epi8(wv), wv, xv, ones);
    }
  }
  for (size_t c = 0; c < 4; ++c) acc[c] = qs8_hsum(a[c]);
}

struct Qs8RowMajorAvx2 {
  static constexpr size_t kK = 32, kMr = 1;
  template <size_t R>
  static void dot(const int8_t* x, size_t, size_t k, const int8_t* w, size_t ldw, int32_t* acc) {
    qs8_dot_1x4__avx2(x, k, w, ldw, acc);
  }
  static int32_t dot1(const int8_t* x, const int8_t* w, size_t k) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i a = _mm256_setzero_si256();
    for (size_t e = 0; e < k; e += 32) {
      const __m256i wv = qs8_load32(w + e);
      a = qs8_mac(a, _mm256_abs_epi8(wv), wv, qs8_load32(x + e), ones);
    }
    return qs8_hsum(a);
  }
};

}  // namespace
}  // namespace kernels
}  // namespace xattn
