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
#include "kernels/simd/qs4_x86.hpp"

namespace xattn {
namespace kernels {
namespace {

struct Qs4Avx512Vnni : Qs4TileAndGemv<Qs4Avx512Vnni> {
  // 8 rows: 8 totals and 8 group sums beside the unpacked chunk, and each
  // chunk's unpacking shared by 16 vpdpbusd.
  static constexpr size_t kMr = 8;
  static constexpr bool kUnsigned = true;
  static void prepare(int8_t* q, size_t count) { qs4::shift_to_unsigned(q, count); }

  // In gemv (qs4_x86.hpp's Qs4TileAndGemv) each lane's int32 group sum of
  // offset-binary nibbles times x, less 8 * the group's sum of x, is sum q4
  // * x exactly.

  // vpdpbusd wants its unsigned operand first: the shifted activations, or
  // gemv's offset-binary nibbles.
  template <bool kOffsetBinary>
  static __m512i products(__m512i sum, __m512i x, __m512i nibbles) {
    return kOffsetBinary ? _mm512_dpbusd_epi32(sum, nibbles, x) : _mm512_dpbusd_epi32(sum, x, nibbles);
  }

  // The one loop nest of tile and gemv: kOffsetBinary picks gemv's
  // unpacking, operand order and correction.
  template <size_t R, bool kOffsetBinary>
  static void walk(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs,
                   const int16_t* four_sums, int32_t* acc) {
    static_assert(!kOffsetBinary || R == 1, "four_sums is one row's");
    // The unpacking is qs4_x86.hpp's at 512 bits; only the products differ.
    using Z = Qs4Zmm;
    const __m512i mask = Z::nibbles(), key = kOffsetBinary ? Z::offset_bits() : Z::lut();
    __m512i total[R];
    for (size_t r = 0; r < R; ++r) total[r] = _mm512_setzero_si512();
    for (size_t g = 0; g < k / format::kInt4Group; ++g, x += format::kInt4Group, subs += qs4::kBlock) {
      // Every group starts its sums from zero: the groups' chains of
      // vpdpbusd are independent, so a single row still overlaps them.
      __m512i sum[R];
      for (size_t r = 0; r < R; ++r) sum[r] = _mm512_setzero_si512();
#pragma GCC unroll 4
      for (size_t t = 0; t < 4; ++t, w += 64) {
        qs8::prefetch_weights<R>(w, k / format::kInt4Group * format::kInt4GroupBytes);
        const __m512i v = Z::load(w);
        __m512i lo, hi;
        if constexpr (kOffsetBinary) {
          const __m512i n = Z::flip(v, key);
          lo = Z::low(n, mask);
          hi = Z::high(n, mask);
        } else {
          lo = Z::lookup(key, Z::low(v, mask));
          hi = Z::lookup(key, Z::high(v, mask));
        }
#pragma GCC unroll 8
        for (size_t r = 0; r < R; ++r) {
          sum[r] = products<kOffsetBinary>(sum[r], Z::bcast4(x + r * ldx + 8 * t), lo);
          sum[r] = products<kOffsetBinary>(sum[r], Z::bcast4(x + r * ldx + 8 * t + 4), hi);
        }
      }
      if constexpr (kOffsetBinary) sum[0] = _mm512_sub_epi32(sum[0], _mm512_set1_epi32(2 * int32_t{four_sums[g]}));
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
