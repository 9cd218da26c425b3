// The int8 linear layer on AVX-512 VNNI (vpdpbusd) over row-major weights:
// microkernels for the driver in qs8_driver.h, built with -mavx512f/bw/vl
// -mavx512vnni; table_avx512.cpp puts it in the "avx512-vnni" table, which
// dispatch picks only when the CPU has VNNI. Only internal code lives here
// (the one exported symbol is the entry point), so no COMDAT compiled with
// VNNI can leak into another table.
//
// vpdpbusd multiplies unsigned by signed bytes and adds groups of 4 products
// into int32 lanes, without intermediate saturation (the non-"s" form). The
// activations are signed, so they are shifted to u8 = q + 128 (an xor with
// 0x80) and the shift removed per weight row: sum (q+128) w = sum q w + 128
// sum w. The compensation 128 sum w is accumulated from the weight vectors
// already loaded, in the same pass (no arena or file field is needed). Every
// step is exact in int32 (|sum| < 2^31 for k < 2^17) and the driver's
// epilogue is the reference's, so the results are bit-identical to it. The
// k % 64 tail is a masked load, so the driver's scalar tail is empty (kK = 1).
#include <immintrin.h>

#include "kernels/simd/linear_i8_vnni.h"
#include "kernels/simd/qs8_driver.h"

namespace xattn {
namespace kernels {
namespace {

inline __mmask64 tail_mask(size_t left) { return left >= 64 ? ~__mmask64(0) : (__mmask64(1) << left) - 1; }

// Loads 64 activation bytes as u8 = q + 128; masked-off lanes read as 128,
// which is harmless because the weight lanes there are zero.
inline __m512i load_x(const int8_t* p, __mmask64 m) {
  return _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, p), _mm512_set1_epi8(static_cast<char>(0x80)));
}
inline __m512i load_w(const int8_t* p, __mmask64 m) { return _mm512_maskz_loadu_epi8(m, p); }

// Four int32 sums, one per accumulator, as a 128-bit vector.
inline __m128i reduce4(__m512i a0, __m512i a1, __m512i a2, __m512i a3) {
  auto fold = [](__m512i a) {
    return _mm256_add_epi32(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1));
  };
  const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(fold(a0), fold(a1)), _mm256_hadd_epi32(fold(a2), fold(a3)));
  return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

// The loops below name every accumulator: with arrays of vectors GCC 12
// stores them to the stack on every iteration.
#define XATTN_DP(acc, x, w) acc = _mm512_dpbusd_epi32(acc, x, w)

// 4 activation rows x 4 weight rows, full 64-byte chunks then one masked
// chunk for k % 64; c0..c3 accumulate 128 * sum w of the 4 weight rows.
void qs8_dot_4x4__avx512vnni(const int8_t* x, size_t ldx, size_t k, const int8_t* w, size_t ldw, int32_t* out) {
  const __m512i c128 = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00,
          a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
  __m512i c0 = a00, c1 = a00, c2 = a00, c3 = a00;
  for (size_t e = 0; e < k; e += 64) {
    const __mmask64 m = tail_mask(k - e);
    const __m512i w0 = load_w(w + e, m), w1 = load_w(w + ldw + e, m);
    const __m512i w2 = load_w(w + 2 * ldw + e, m), w3 = load_w(w + 3 * ldw + e, m);
    XATTN_DP(c0, c128, w0), XATTN_DP(c1, c128, w1), XATTN_DP(c2, c128, w2), XATTN_DP(c3, c128, w3);
    __m512i xv = load_x(x + e, m);
    XATTN_DP(a00, xv, w0), XATTN_DP(a01, xv, w1), XATTN_DP(a02, xv, w2), XATTN_DP(a03, xv, w3);
    xv = load_x(x + ldx + e, m);
    XATTN_DP(a10, xv, w0), XATTN_DP(a11, xv, w1), XATTN_DP(a12, xv, w2), XATTN_DP(a13, xv, w3);
    xv = load_x(x + 2 * ldx + e, m);
    XATTN_DP(a20, xv, w0), XATTN_DP(a21, xv, w1), XATTN_DP(a22, xv, w2), XATTN_DP(a23, xv, w3);
    xv = load_x(x + 3 * ldx + e, m);
    XATTN_DP(a30, xv, w0), XATTN_DP(a31, xv, w1), XATTN_DP(a32, xv, w2), XATTN_DP(a33, xv, w3);
  }
  const __m128i comp = reduce4(c0, c1, c2, c3);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_sub_epi32(reduce4(a00, a01, a02, a03), comp));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 4), _mm_sub_epi32(reduce4(a10, a11, a12, a13), comp));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8), _mm_sub_epi32(reduce4(a20, a21, a22, a23), comp));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 12), _mm_sub_epi32(reduce4(a30, a31, a32, a33), comp));
}

// One activation row x 4 weight rows (the decoder's GEMV, leftover rows).
void qs8_dot_1x4__avx512vnni(const int8_t* x, size_t k, const int8_t* w, size_t ldw, int32_t* out) {
  const __m512i c128 = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
  for (size_t e = 0; e < k; e += 64) {
    const __mmask64 m = tail_mask(k - e);
    const __m512i xv = load_x(x + e, m);
    __m512i wv;
    wv = load_w(w + e, m), XATTN_DP(a0, xv, wv), XATTN_DP(c0, c128, wv);
    wv = load_w(w + ldw + e, m), XATTN_DP(a1, xv, wv), XATTN_DP(c1, c128, wv);
    wv = load_w(w + 2 * ldw + e, m), XATTN_DP(a2, xv, wv), XATTN_DP(c2, c128, wv);
    wv = load_w(w + 3 * ldw + e, m), XATTN_DP(a3, xv, wv), XATTN_DP(c3, c128, wv);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_sub_epi32(reduce4(a0, a1, a2, a3), reduce4(c0, c1, c2, c3)));
}

// One weight row (n % 4 leftovers): shifted dot and compensation together.
int32_t qs8_dot_1x1__avx512vnni(const int8_t* x, const int8_t* w, size_t k) {
  const __m512i c128 = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i a = _mm512_setzero_si512(), c = a;
  for (size_t e = 0; e < k; e += 64) {
    const __mmask64 m = tail_mask(k - e);
    const __m512i wv = load_w(w + e, m);
    a = _mm512_dpbusd_epi32(a, load_x(x + e, m), wv);
    c = _mm512_dpbusd_epi32(c, c128, wv);
  }
  return _mm512_reduce_add_epi32(_mm512_sub_epi32(a, c));
}
#undef XATTN_DP

struct Qs8RowMajorAvx512Vnni {
  static constexpr size_t kK = 1, kMr = 4;
  template <size_t R>
  static void dot(const int8_t* x, size_t ldx, size_t k, const int8_t* w, size_t ldw, int32_t* acc) {
    if constexpr (R == 4) qs8_dot_4x4__avx512vnni(x, ldx, k, w, ldw, acc);
    else qs8_dot_1x4__avx512vnni(x, k, w, ldw, acc);
  }
  static int32_t dot1(const int8_t* x, const int8_t* w, size_t k) { return qs8_dot_1x1__avx512vnni(x, w, k); }
};

}  // namespace

void linear_i8_avx512_vnni(const int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                           const float* w_scales, const float* bias, size_t n, float* y) {
  qs8::linear_i8<Qs8RowMajorAvx512Vnni>(q, x_scales, m, k, w, w_scales, bias, n, y);
}

}  // namespace kernels
}  // namespace xattn
