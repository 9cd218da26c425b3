// The int8 linear layer on AVX-512 VNNI (vpdpbusd), built with
// -mavx512f/bw/vl -mavx512vnni; table_avx512.cpp puts it in the
// "avx512-vnni" table, which dispatch picks only when the CPU has VNNI. Only
// static or internal code lives here, so no COMDAT compiled with VNNI can
// leak into another table.
//
// vpdpbusd multiplies unsigned by signed bytes and adds groups of 4 products
// into int32 lanes, without intermediate saturation (the non-"s" form). The
// activations are signed, so they are shifted to u8 = q + 128 (an xor with
// 0x80) and the shift removed per weight row: sum (q+128) w = sum q w + 128
// sum w. The compensation 128 sum w is computed from the weight rows already
// being streamed (one extra pass from L1 per block of 4 rows, so no arena or
// file field is needed). Every step is exact in int32 (|sum| < 2^31 for
// k < 2^17), and the float epilogue evaluates ref::dequant_i8's expression
// with IEEE vector operations (convert, multiply, divide, add: each correctly
// rounded, as in scalar), so the results are bit-identical to the reference.
#include <immintrin.h>

#include "kernels/reference/ref_common.h"
#include "kernels/simd/linear_i8_vnni.h"

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

// 128 * sum of each of the 4 rows: vpdpbusd against a vector of 128s.
inline __m128i compensation4(const int8_t* w, size_t k) {
  const __m512i c128 = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t e = 0; e < k; e += 64) {
    const __mmask64 m = tail_mask(k - e);
    a0 = _mm512_dpbusd_epi32(a0, c128, load_w(w + e, m));
    a1 = _mm512_dpbusd_epi32(a1, c128, load_w(w + k + e, m));
    a2 = _mm512_dpbusd_epi32(a2, c128, load_w(w + 2 * k + e, m));
    a3 = _mm512_dpbusd_epi32(a3, c128, load_w(w + 3 * k + e, m));
  }
  return reduce4(a0, a1, a2, a3);
}

// y[i][j..j+4) from exact int32 sums: float(acc) / (x_scale * w_scale) + bias.
inline void epilogue4(__m128i acc, float x_scale, const float* w_scales, const float* bias, float* y) {
  const __m128 scale = _mm_mul_ps(_mm_set1_ps(x_scale), _mm_loadu_ps(w_scales));
  __m128 v = _mm_div_ps(_mm_cvtepi32_ps(acc), scale);
  if (bias) v = _mm_add_ps(v, _mm_loadu_ps(bias));
  _mm_storeu_ps(y, v);
}

// The loops below name every accumulator: with arrays of vectors GCC 12
// stores them to the stack on every iteration.
#define XATTN_DP(acc, x, w) acc = _mm512_dpbusd_epi32(acc, x, w)

// 4 activation rows x 4 weight rows; out[r] holds the 4 shifted sums of row r.
// Full 64-byte chunks, then one masked chunk for k % 64.
inline void tile4(const int8_t* x, size_t k, const int8_t* w, __m128i* out) {
  __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00,
          a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
  for (size_t e = 0; e < k; e += 64) {
    const __mmask64 m = tail_mask(k - e);
    const __m512i w0 = load_w(w + e, m), w1 = load_w(w + k + e, m);
    const __m512i w2 = load_w(w + 2 * k + e, m), w3 = load_w(w + 3 * k + e, m);
    __m512i xv = load_x(x + e, m);
    XATTN_DP(a00, xv, w0), XATTN_DP(a01, xv, w1), XATTN_DP(a02, xv, w2), XATTN_DP(a03, xv, w3);
    xv = load_x(x + k + e, m);
    XATTN_DP(a10, xv, w0), XATTN_DP(a11, xv, w1), XATTN_DP(a12, xv, w2), XATTN_DP(a13, xv, w3);
    xv = load_x(x + 2 * k + e, m);
    XATTN_DP(a20, xv, w0), XATTN_DP(a21, xv, w1), XATTN_DP(a22, xv, w2), XATTN_DP(a23, xv, w3);
    xv = load_x(x + 3 * k + e, m);
    XATTN_DP(a30, xv, w0), XATTN_DP(a31, xv, w1), XATTN_DP(a32, xv, w2), XATTN_DP(a33, xv, w3);
  }
  out[0] = reduce4(a00, a01, a02, a03);
  out[1] = reduce4(a10, a11, a12, a13);
  out[2] = reduce4(a20, a21, a22, a23);
  out[3] = reduce4(a30, a31, a32, a33);
}

inline void tile1(const int8_t* x, size_t k, const int8_t* w, __m128i* out) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t e = 0; e < k; e += 64) {
    const __mmask64 m = tail_mask(k - e);
    const __m512i xv = load_x(x + e, m);
    XATTN_DP(a0, xv, load_w(w + e, m)), XATTN_DP(a1, xv, load_w(w + k + e, m));
    XATTN_DP(a2, xv, load_w(w + 2 * k + e, m)), XATTN_DP(a3, xv, load_w(w + 3 * k + e, m));
  }
  out[0] = reduce4(a0, a1, a2, a3);
}

template <int R>
inline void rows(const int8_t* q, const float* x_scales, size_t i, size_t k, const int8_t* w, __m128i comp,
                 const float* w_scales, const float* bias, size_t n, size_t j, float* y) {
  __m128i sums[R];
  if (R == 4) tile4(q + i * k, k, w, sums);
  else tile1(q + i * k, k, w, sums);
  for (int r = 0; r < R; ++r)
    epilogue4(_mm_sub_epi32(sums[r], comp), x_scales[i + r], w_scales + j, bias ? bias + j : nullptr,
              y + (i + r) * n + j);
}

// One weight row (n % 4 leftovers): shifted dot and compensation together.
int32_t dot1(const int8_t* x, const int8_t* w, size_t k) {
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

// Decoding with one row (greedy): 8 weight rows per pass, the compensation
// accumulated in the same pass (each weight byte is loaded once, straight
// from memory), 16 independent accumulator chains to hide dpbusd latency.
inline __m256i reduce8(const __m512i* a) {
  auto fold = [](__m512i v) {
    return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  };
  const __m256i h0 = _mm256_hadd_epi32(_mm256_hadd_epi32(fold(a[0]), fold(a[1])), _mm256_hadd_epi32(fold(a[2]), fold(a[3])));
  const __m256i h1 = _mm256_hadd_epi32(_mm256_hadd_epi32(fold(a[4]), fold(a[5])), _mm256_hadd_epi32(fold(a[6]), fold(a[7])));
  // h0 = [r0..r3 low halves | r0..r3 high halves], likewise h1 for r4..r7.
  return _mm256_add_epi32(_mm256_permute2x128_si256(h0, h1, 0x20), _mm256_permute2x128_si256(h0, h1, 0x31));
}

void gemv8(const int8_t* x, float x_scale, size_t k, const int8_t* w, const float* w_scales, const float* bias,
           float* y) {
  const __m512i c128 = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  __m512i c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
  for (size_t e = 0; e < k; e += 64) {
    const __mmask64 m = tail_mask(k - e);
    const __m512i xv = load_x(x + e, m);
    __m512i wv;
    wv = load_w(w + e, m), XATTN_DP(a0, xv, wv), XATTN_DP(c0, c128, wv);
    wv = load_w(w + k + e, m), XATTN_DP(a1, xv, wv), XATTN_DP(c1, c128, wv);
    wv = load_w(w + 2 * k + e, m), XATTN_DP(a2, xv, wv), XATTN_DP(c2, c128, wv);
    wv = load_w(w + 3 * k + e, m), XATTN_DP(a3, xv, wv), XATTN_DP(c3, c128, wv);
    wv = load_w(w + 4 * k + e, m), XATTN_DP(a4, xv, wv), XATTN_DP(c4, c128, wv);
    wv = load_w(w + 5 * k + e, m), XATTN_DP(a5, xv, wv), XATTN_DP(c5, c128, wv);
    wv = load_w(w + 6 * k + e, m), XATTN_DP(a6, xv, wv), XATTN_DP(c6, c128, wv);
    wv = load_w(w + 7 * k + e, m), XATTN_DP(a7, xv, wv), XATTN_DP(c7, c128, wv);
  }
  const __m512i acc[8] = {_mm512_sub_epi32(a0, c0), _mm512_sub_epi32(a1, c1), _mm512_sub_epi32(a2, c2),
                          _mm512_sub_epi32(a3, c3), _mm512_sub_epi32(a4, c4), _mm512_sub_epi32(a5, c5),
                          _mm512_sub_epi32(a6, c6), _mm512_sub_epi32(a7, c7)};
  const __m256i sums = reduce8(acc);
  const __m256 scale = _mm256_mul_ps(_mm256_set1_ps(x_scale), _mm256_loadu_ps(w_scales));
  __m256 v = _mm256_div_ps(_mm256_cvtepi32_ps(sums), scale);
  if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias));
  _mm256_storeu_ps(y, v);
}

}  // namespace

// Weight blocks of 4 rows outermost: each block (4k bytes) is read from
// memory once per call and stays in L1 while every activation row passes, in
// tiles of 4 rows (the encoder's GEMM; all beams at once when decoding).
void linear_i8_avx512_vnni(const int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                           const float* w_scales, const float* bias, size_t n, float* y) {
  size_t j = 0;
  if (m == 1) {
    for (; j + 8 <= n; j += 8) gemv8(q, x_scales[0], k, w + j * k, w_scales + j, bias ? bias + j : nullptr, y + j);
  }
  for (; j + 4 <= n; j += 4) {
    const int8_t* wj = w + j * k;
    const __m128i comp = compensation4(wj, k);
    size_t i = 0;
    for (; i + 4 <= m; i += 4) rows<4>(q, x_scales, i, k, wj, comp, w_scales, bias, n, j, y);
    for (; i < m; ++i) rows<1>(q, x_scales, i, k, wj, comp, w_scales, bias, n, j, y);
  }
  for (; j < n; ++j) {
    for (size_t i = 0; i < m; ++i)
      y[i * n + j] = ref::dequant_i8(dot1(q + i * k, w + j * k, k), x_scales[i], w_scales[j], bias, j);
  }
}

}  // namespace kernels
}  // namespace xattn
