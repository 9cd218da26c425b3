// The int4 linear layer on AVX-512 VNNI (format layout 3), a microkernel for
// the driver in qs4_driver.h, built with -mavx512vnni like linear_i8_vnni.cpp
// and joined to the "avx512-vnni" table. Everything but the entry point is
// internal.
//
// A 64-byte chunk holds 16 rows x 8 columns of nibbles; pshufb turns its low
// and high nibbles into two vectors of signed bytes, each 16 rows x 4
// columns, so one vpdpbusd against 4 activation bytes broadcast to every
// lane adds 4 exact products into each row's int32 lane (qs4_x86.hpp
// needs two maddubs and two adds for the same). A group's sum (at most
// 255 * 8 * 32 = 65280 in magnitude) then takes its rows' scales in one
// vpmulld. vpdpbusd wants unsigned activations, so q is shifted to q + 128
// and the driver subtracts 128 * row_sums (kUnsigned); the shifted total may
// wrap int32, the corrected one cannot, and the driver corrects in uint32.
#include <immintrin.h>

#include "kernels/simd/linear_i4_vnni.h"
#include "kernels/simd/qs4_driver.h"

namespace xattn {
namespace kernels {
namespace {

inline __m512i bcast4(const uint8_t* p) { return _mm512_set1_epi32(qs8::load_word(p)); }

struct Qs4Avx512Vnni {
  // 8 rows: 8 totals and 8 group sums beside the unpacked chunk, and each
  // chunk's unpacking shared by 16 vpdpbusd.
  static constexpr size_t kMr = 8;
  static constexpr bool kUnsigned = true;
  static void prepare(int8_t* q, size_t count) { qs4::shift_to_unsigned(q, count); }

  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs, int32_t* acc) {
    const uint8_t* u = reinterpret_cast<const uint8_t*>(x);
    const __m512i mask = _mm512_set1_epi8(0x0F);
    // Nibble -> signed value, for _mm512_shuffle_epi8 (per 128-bit lane).
    const __m512i lut = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1));
    __m512i total[R];
    for (size_t r = 0; r < R; ++r) total[r] = _mm512_setzero_si512();
    for (size_t g = 0; g < k / format::kInt4Group; ++g, u += format::kInt4Group, subs += qs4::kBlock) {
      // Every group starts its sums from zero: the groups' chains of
      // vpdpbusd are independent, so a single row still overlaps them.
      __m512i sum[R];
      for (size_t r = 0; r < R; ++r) sum[r] = _mm512_setzero_si512();
#pragma GCC unroll 4
      for (size_t t = 0; t < 4; ++t, w += 64) {
        qs8::prefetch_weights<R>(w);
        const __m512i v = _mm512_loadu_si512(w);
        const __m512i lo = _mm512_shuffle_epi8(lut, _mm512_and_si512(v, mask));
        const __m512i hi = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(v, 4), mask));
#pragma GCC unroll 8
        for (size_t r = 0; r < R; ++r) {
          sum[r] = _mm512_dpbusd_epi32(sum[r], bcast4(u + r * ldx + 8 * t), lo);
          sum[r] = _mm512_dpbusd_epi32(sum[r], bcast4(u + r * ldx + 8 * t + 4), hi);
        }
      }
      const __m512i scale = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(subs)));
      for (size_t r = 0; r < R; ++r) total[r] = _mm512_add_epi32(total[r], _mm512_mullo_epi32(sum[r], scale));
    }
    for (size_t r = 0; r < R; ++r) _mm512_storeu_si512(acc + r * qs4::kBlock, total[r]);
  }
};

}  // namespace

void linear_i4_avx512_vnni(int8_t* q, const float* x_scales, size_t m, size_t k, const uint8_t* w,
                           const uint8_t* group_scales, const int32_t* row_sums, const float* w_scales,
                           const float* bias, size_t n, float* y) {
  qs4::linear_i4<Qs4Avx512Vnni>(q, x_scales, m, k, w, group_scales, row_sums, w_scales, bias, n, y);
}

}  // namespace kernels
}  // namespace xattn
