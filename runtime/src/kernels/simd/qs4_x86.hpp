// The x86 int4 microkernel for qs4_driver.h, one scheme at three register
// widths: SSSE3 (the sse4.2 table), AVX2 and AVX-512BW (both avx512 tables
// without VNNI: the avx512-vnni table has linear_i4_vnni.cpp, which reuses
// Qs4Zmm's unpacking). Include only from files built with the width's
// flags; everything is internal.
//
// Exact, with no widening until a group ends: activations shifted to
// unsigned bytes (u = q + 128 <= 255) times nibbles turned into signed bytes
// (-8..7, a pshufb lookup) through maddubs give pairs of at most
// 2 * 255 * 8 = 4080, and a group's 8 such results per lane sum to at most
// 32640 < 32767, so they add in int16. One madd against the group scale (in
// both halves of each 32-bit lane) then widens and scales a group in one
// instruction, and the driver subtracts 128 * row_sums at the end.
//
// A 64-byte chunk of a block is 16 rows x 8 columns (format layout 3); one
// register holds Vec::kRows rows of it (a slice). Vec::slices_at_once(R)
// slices go through every group together: the whole block on AVX-512 and
// on AVX2 (each activation word is broadcast once per block, not once per
// half: with 3 or 4 rows the group totals then live on the stack, read and
// written once a group, and the tile still ran 1.05-1.08x faster than half
// a block at a time); a quarter (one activation row: a half) at a time on
// SSSE3, where half blocks were no faster. Tiles of 4 rows share each
// chunk's unpacking 4 ways: against 2 rows, the encoder's GEMM ran 1.3x
// faster on AVX2, 1.15x on SSE4.2.
//
// One activation row, the decoder's GEMV, has nobody to share the unpacking
// with: it takes gemv instead, which skips the lookups (Qs4TileAndGemv); the
// decoder step ran 1.08x faster on AVX2 and 1.15x on SSE4.2 for it.
#pragma once

#include <immintrin.h>

#include "kernels/simd/qs4_driver.h"

namespace xattn {
namespace kernels {
namespace {

#if defined(__SSSE3__) && defined(__SSE4_1__)
struct Qs4Xmm {
  using Reg = __m128i;
  // 4 rows: 2R + 6 of 16 registers; one row (the GEMV) takes two quarters
  // at once, so a group's activations are broadcast twice, not four times.
  static constexpr size_t kMr = 4, kRows = 4;
  static constexpr bool kOpaqueSums = false;
  static constexpr size_t slices_at_once(size_t rows) { return rows == 1 ? 2 : 1; }
  static Reg load(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
  static Reg bcast4(const int8_t* p) { return _mm_set1_epi32(qs8::load_word(p)); }
  // Words 0 and 1 of p, each to every lane: one 8-byte load for both (3
  // instructions where two bcast4 take 4).
  static void bcast8(const int8_t* p, Reg& lo, Reg& hi) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    lo = _mm_shuffle_epi32(v, 0x00);
    hi = _mm_shuffle_epi32(v, 0x55);
  }
  static Reg nibbles() { return _mm_set1_epi8(0x0F); }
  static Reg lut() { return _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1); }
  static Reg low(Reg v, Reg mask) { return _mm_and_si128(v, mask); }
  static Reg high(Reg v, Reg mask) { return _mm_and_si128(_mm_srli_epi16(v, 4), mask); }
  static Reg lookup(Reg table, Reg index) { return _mm_shuffle_epi8(table, index); }
  static Reg dot_pairs(Reg u, Reg s) { return _mm_maddubs_epi16(u, s); }
  static Reg add16(Reg a, Reg b) { return _mm_add_epi16(a, b); }
  static Reg sub16(Reg a, Reg b) { return _mm_sub_epi16(a, b); }
  static Reg bcast2(const int16_t* p) { return _mm_set1_epi16(*p); }
  static Reg offset_bits() { return _mm_set1_epi8(static_cast<char>(0x88)); }
  static Reg flip(Reg v, Reg bits) { return _mm_xor_si128(v, bits); }
  static Reg add32(Reg a, Reg b) { return _mm_add_epi32(a, b); }
  static Reg madd(Reg a, Reg b) { return _mm_madd_epi16(a, b); }
  static Reg zero() { return _mm_setzero_si128(); }
  // The slice's kRows group scales as int16 pairs (sub, sub) per 32-bit lane:
  // widened to int16, each paired with itself by one unpack. (One pshufb on
  // pair_bytes would do it in one shuffle, as the wider registers do, but
  // the 4-row tile then executed 5.8% more instructions, for no time saved.)
  static Reg scale_pairs(const uint8_t* subs) {
    const __m128i s = _mm_cvtepu8_epi16(_mm_cvtsi32_si128(qs8::load_word(subs)));
    return _mm_unpacklo_epi16(s, s);
  }
  // A pshufb control that pairs scales (Qs4Ymm, Qs4Zmm): 32-bit lane i of a
  // 128-bit lane takes byte first + i twice, as int16 (0x80 gives the zero
  // high bytes). One shuffle where widening, shifting and or-ing took three.
  static Reg pair_bytes(int first) {
    const char z = static_cast<char>(0x80);
    const char a = static_cast<char>(first), b = static_cast<char>(first + 1), c = static_cast<char>(first + 2),
               d = static_cast<char>(first + 3);
    return _mm_setr_epi8(a, z, a, z, b, z, b, z, c, z, c, z, d, z, d, z);
  }
  static void store(int32_t* p, Reg v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
};
#endif

#if defined(__AVX2__)
struct Qs4Ymm {
  using Reg = __m256i;
  static constexpr size_t kMr = 4, kRows = 8;  // 2R sums, 2R totals (on the stack past R = 2), 6 more
  static constexpr bool kOpaqueSums = true;
  static constexpr size_t slices_at_once(size_t) { return 2; }
  static Reg load(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static Reg bcast4(const int8_t* p) { return _mm256_set1_epi32(qs8::load_word(p)); }
  static void bcast8(const int8_t* p, Reg& lo, Reg& hi) { lo = bcast4(p), hi = bcast4(p + 4); }
  static Reg nibbles() { return _mm256_set1_epi8(0x0F); }
  static Reg lut() { return _mm256_broadcastsi128_si256(Qs4Xmm::lut()); }
  static Reg low(Reg v, Reg mask) { return _mm256_and_si256(v, mask); }
  static Reg high(Reg v, Reg mask) { return _mm256_and_si256(_mm256_srli_epi16(v, 4), mask); }
  static Reg lookup(Reg table, Reg index) { return _mm256_shuffle_epi8(table, index); }
  static Reg dot_pairs(Reg u, Reg s) { return _mm256_maddubs_epi16(u, s); }
  static Reg add16(Reg a, Reg b) { return _mm256_add_epi16(a, b); }
  static Reg sub16(Reg a, Reg b) { return _mm256_sub_epi16(a, b); }
  static Reg bcast2(const int16_t* p) { return _mm256_set1_epi16(*p); }
  static Reg offset_bits() { return _mm256_set1_epi8(static_cast<char>(0x88)); }
  static Reg flip(Reg v, Reg bits) { return _mm256_xor_si256(v, bits); }
  static Reg add32(Reg a, Reg b) { return _mm256_add_epi32(a, b); }
  static Reg madd(Reg a, Reg b) { return _mm256_madd_epi16(a, b); }
  static Reg zero() { return _mm256_setzero_si256(); }
  // The 8 scales in both 128-bit lanes (a broadcast load), then each lane's
  // 4 paired by one pshufb.
  static Reg scale_pairs(const uint8_t* subs) {
    const __m256i s = _mm256_broadcastq_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(subs)));
    return _mm256_shuffle_epi8(s, _mm256_setr_m128i(Qs4Xmm::pair_bytes(0), Qs4Xmm::pair_bytes(4)));
  }
  static void store(int32_t* p, Reg v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
};
#endif

#if defined(__AVX512BW__)
struct Qs4Zmm {
  using Reg = __m512i;
  static constexpr size_t kMr = 4, kRows = 16;  // 4 rows: 2R + 4 of 32 registers
  static constexpr bool kOpaqueSums = true;
  static constexpr size_t slices_at_once(size_t) { return 1; }
  static Reg load(const uint8_t* p) { return _mm512_loadu_si512(p); }
  static Reg bcast4(const int8_t* p) { return _mm512_set1_epi32(qs8::load_word(p)); }
  static void bcast8(const int8_t* p, Reg& lo, Reg& hi) { lo = bcast4(p), hi = bcast4(p + 4); }
  static Reg nibbles() { return _mm512_set1_epi8(0x0F); }
  static Reg lut() { return _mm512_broadcast_i32x4(Qs4Xmm::lut()); }
  static Reg low(Reg v, Reg mask) { return _mm512_and_si512(v, mask); }
  static Reg high(Reg v, Reg mask) { return _mm512_and_si512(_mm512_srli_epi16(v, 4), mask); }
  static Reg lookup(Reg table, Reg index) { return _mm512_shuffle_epi8(table, index); }
  static Reg dot_pairs(Reg u, Reg s) { return _mm512_maddubs_epi16(u, s); }
  static Reg add16(Reg a, Reg b) { return _mm512_add_epi16(a, b); }
  static Reg sub16(Reg a, Reg b) { return _mm512_sub_epi16(a, b); }
  static Reg bcast2(const int16_t* p) { return _mm512_set1_epi16(*p); }
  static Reg offset_bits() { return _mm512_set1_epi8(static_cast<char>(0x88)); }
  static Reg flip(Reg v, Reg bits) { return _mm512_xor_si512(v, bits); }
  static Reg add32(Reg a, Reg b) { return _mm512_add_epi32(a, b); }
  static Reg madd(Reg a, Reg b) { return _mm512_madd_epi16(a, b); }
  static Reg zero() { return _mm512_setzero_si512(); }
  // The 16 scales in every 128-bit lane, then each lane's 4 paired by one pshufb.
  static Reg scale_pairs(const uint8_t* subs) {
    const __m512i s = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(subs)));
    const __m256i low = _mm256_setr_m128i(Qs4Xmm::pair_bytes(0), Qs4Xmm::pair_bytes(4));
    const __m256i high = _mm256_setr_m128i(Qs4Xmm::pair_bytes(8), Qs4Xmm::pair_bytes(12));
    const __m512i pairs = _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
    return _mm512_shuffle_epi8(s, pairs);
  }
  static void store(int32_t* p, Reg v) { _mm512_storeu_si512(p, v); }
};
#endif

// The driver's tile and gemv for a policy P whose one loop nest is
// P::walk<R, kOffsetBinary>(x, ldx, k, w, subs, four_sums, acc): the tiles
// read activations shifted to unsigned and nibbles by lookup; gemv (the
// decoder's GEMV, one activation row left signed) turns the nibbles into
// offset binary, n = q4 + 8 in 0..15, by one xor 0x88 for both halves where
// the tiles spend two pshufb, multiplies them unsigned against the signed
// activations, and subtracts the group's sum of x times 8 (four_sums[g] =
// 4 * that sum, qs4_driver.h) to leave sum q4 * x.
template <class P>
struct Qs4TileAndGemv {
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs, int32_t* acc) {
    P::template walk<R, false>(x, ldx, k, w, subs, nullptr, acc);
  }
  static void gemv(const int8_t* x, size_t k, const uint8_t* w, const uint8_t* subs, const int16_t* four_sums,
                   int32_t* acc) {
    P::template walk<1, true>(x, 0, k, w, subs, four_sums, acc);
  }
};

template <class Vec>
struct Qs4X86 : Qs4TileAndGemv<Qs4X86<Vec>> {
  using Reg = typename Vec::Reg;
  static constexpr size_t kSlices = qs4::kBlock / Vec::kRows;
  static constexpr size_t kSliceBytes = 64 / kSlices;
  static constexpr size_t kMr = Vec::kMr;
  static constexpr bool kUnsigned = true;
  static void prepare(int8_t* q, size_t count) { qs4::shift_to_unsigned(q, count); }

  // In gemv an int16 lane gathers 16 of the group's columns: maddubs pairs
  // are at most 2 * 15 * 127, the lane's sum n * x at most 16 * 15 * 127 =
  // 30480; less four_sums[g] in each of a row's two lanes it is sum q4 * x
  // + 4 * (its columns' x - the other lane's), at most 16 * 8 * 127 + 8 *
  // 16 * 127 = 32512 in magnitude: exact, and the lanes' madd with the
  // scales adds sub * (sum n * x - 8 * sum x) = sub * sum q4 * x.

  // maddubs wants its unsigned operand first: the shifted activations, or
  // gemv's offset-binary nibbles.
  template <bool kOffsetBinary>
  static Reg products(Reg x, Reg nibbles) {
    return kOffsetBinary ? Vec::dot_pairs(nibbles, x) : Vec::dot_pairs(x, nibbles);
  }

  // The one loop nest of tile and gemv: kOffsetBinary picks gemv's
  // unpacking, operand order and correction.
  template <size_t R, bool kOffsetBinary>
  static void walk(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs,
                   const int16_t* four_sums, int32_t* acc) {
    static_assert(!kOffsetBinary || R == 1, "four_sums is one row's");
    constexpr size_t kAtOnce = Vec::slices_at_once(R);
    const Reg mask = Vec::nibbles(), key = kOffsetBinary ? Vec::offset_bits() : Vec::lut();
    const size_t groups = k / format::kInt4Group;
    for (size_t s0 = 0; s0 < kSlices; s0 += kAtOnce) {
      Reg total[R][kAtOnce];
      for (size_t r = 0; r < R; ++r)
        for (size_t a = 0; a < kAtOnce; ++a) total[r][a] = Vec::zero();
      for (size_t g = 0; g < groups; ++g) {
        const uint8_t* chunks = w + g * format::kInt4GroupBytes + s0 * kSliceBytes;
        const int8_t* xg = x + g * format::kInt4Group;
        Reg sum[R][kAtOnce];
        for (size_t r = 0; r < R; ++r)
          for (size_t a = 0; a < kAtOnce; ++a) sum[r][a] = Vec::zero();
#pragma GCC unroll 4
        for (size_t t = 0; t < 4; ++t) {
          // The first slice fetches the next block; later slices find this one in L1.
          if (s0 == 0) qs8::prefetch_weights<R>(chunks + 64 * t, groups * format::kInt4GroupBytes);
          Reg lo[kAtOnce], hi[kAtOnce];
          for (size_t a = 0; a < kAtOnce; ++a) {
            const Reg v = Vec::load(chunks + 64 * t + a * kSliceBytes);
            if constexpr (kOffsetBinary) {
              const Reg n = Vec::flip(v, key);
              lo[a] = Vec::low(n, mask);
              hi[a] = Vec::high(n, mask);
            } else {
              lo[a] = Vec::lookup(key, Vec::low(v, mask));
              hi[a] = Vec::lookup(key, Vec::high(v, mask));
            }
          }
#pragma GCC unroll 4
          for (size_t r = 0; r < R; ++r) {
            Reg xl, xh;
            Vec::bcast8(xg + r * ldx + 8 * t, xl, xh);
            for (size_t a = 0; a < kAtOnce; ++a) {
              sum[r][a] = Vec::add16(sum[r][a], Vec::add16(products<kOffsetBinary>(xl, lo[a]),
                                                           products<kOffsetBinary>(xh, hi[a])));
              // Opaque to GCC (AVX2, AVX-512), whose reassociation of the
              // wrapping int16 adds otherwise keeps products and sums on the
              // stack to the group's end: AVX2's GEMV 1.07x faster with it,
              // AVX-512's encoder GEMM 1.08x; SSSE3 was 2-4% slower with it.
              if constexpr (Vec::kOpaqueSums) __asm__("" : "+v"(sum[r][a]));
            }
          }
        }
        for (size_t a = 0; a < kAtOnce; ++a) {
          const Reg scale = Vec::scale_pairs(subs + g * qs4::kBlock + (s0 + a) * Vec::kRows);
          for (size_t r = 0; r < R; ++r) {
            if constexpr (kOffsetBinary) sum[r][a] = Vec::sub16(sum[r][a], Vec::bcast2(four_sums + g));
            total[r][a] = Vec::add32(total[r][a], Vec::madd(sum[r][a], scale));
          }
        }
      }
      for (size_t r = 0; r < R; ++r)
        for (size_t a = 0; a < kAtOnce; ++a) Vec::store(acc + r * qs4::kBlock + (s0 + a) * Vec::kRows, total[r][a]);
    }
  }
};

}  // namespace
}  // namespace kernels
}  // namespace xattn
