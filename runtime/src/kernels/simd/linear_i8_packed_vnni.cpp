// The int8 linear layer on AVX-512 VNNI over weights in format layout 1
// (16 rows x 4 columns per 64 bytes): microkernels for the driver in
// qs8_driver.h, built with -mavx512vnni like linear_i8_vnni.cpp and joined to
// the "avx512-vnni" table. Everything but the entry point is internal.
//
// One 64-byte weight load is 16 output rows x 4 columns, exactly one
// vpdpbusd against 4 activation bytes broadcast to every lane: the sums land
// in the 16 output lanes directly, so there are no horizontal reductions, and
// the matrix is read once, front to back (the decoder's GEMV streams at
// memory speed; the encoder's GEMM reuses each block from L1 for every row).
//
// vpdpbusd wants unsigned activations: q is shifted to u = q + 128 in place
// (q is scratch by contract) and 128 * row_sums[j], stored in the file at
// conversion time, is subtracted by the driver (kUnsigned). All of it is
// exact in int32 and the driver's epilogue is the reference's, so the results
// are bit-identical to the reference.
#include <immintrin.h>

#include "kernels/simd/linear_i8_vnni.h"
#include "kernels/simd/qs8_driver.h"

namespace xattn {
namespace kernels {
namespace {

inline __m512i bcast(const uint8_t* p) { return _mm512_set1_epi32(qs8::load_word(p)); }

// R activation rows (row stride ldx) against one full block of 16 weight
// rows. C chains per row over interleaved column groups keep 4 to 8
// vpdpbusd in flight to hide its latency; R and C are compile-time
// constants, so GCC keeps the fully unrolled accumulator arrays in registers.
template <size_t R>
void qs8_gemm_rx16c4__avx512vnni(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* out) {
  const uint8_t* u = reinterpret_cast<const uint8_t*>(x);
  constexpr size_t C = R >= 5 ? 1 : (R >= 3 ? 2 : 4);
  __m512i a[C][R];
  for (size_t c = 0; c < C; ++c)
    for (size_t r = 0; r < R; ++r) a[c][r] = _mm512_setzero_si512();
  const size_t groups = k / 4;
  size_t g = 0;
  for (; g + C <= groups; g += C) {
#pragma GCC unroll 4
    for (size_t c = 0; c < C; ++c) {
      qs8::prefetch_weights<R>(w + (g + c) * 64, qs8::kBlock * k);
      const __m512i wv = _mm512_loadu_si512(w + (g + c) * 64);
#pragma GCC unroll 8
      for (size_t r = 0; r < R; ++r) a[c][r] = _mm512_dpbusd_epi32(a[c][r], bcast(u + r * ldx + 4 * (g + c)), wv);
    }
  }
  for (; g < groups; ++g) {
    const __m512i wv = _mm512_loadu_si512(w + g * 64);
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r) a[0][r] = _mm512_dpbusd_epi32(a[0][r], bcast(u + r * ldx + 4 * g), wv);
  }
  for (size_t r = 0; r < R; ++r) {
    __m512i sum = a[0][r];
    for (size_t c = 1; c < C; ++c) sum = _mm512_add_epi32(sum, a[c][r]);
    _mm512_storeu_si512(out + 16 * r, sum);
  }
}

// 8 activation rows against two blocks (32 weight rows, the second ldw
// bytes after the first): each broadcast activation word feeds two
// vpdpbusd, halving the broadcasts per multiply in the encoder's GEMM. The
// 16 accumulators are named variables: from an array, GCC 12 copies every
// one through another register on each iteration, which costs as much as
// the multiplies.
#define XATTN_ROW(r)                          \
  xv = bcast(u + (r) * ldx + 4 * g);          \
  a##r = _mm512_dpbusd_epi32(a##r, xv, w0);   \
  b##r = _mm512_dpbusd_epi32(b##r, xv, w1)
void qs8_gemm_8x32c4__avx512vnni(const int8_t* x, size_t ldx, size_t k, const int8_t* w, size_t ldw, int32_t* out) {
  const uint8_t* u = reinterpret_cast<const uint8_t*>(x);
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  __m512i b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
  const int8_t* w2 = w + ldw;
  for (size_t g = 0; g < k / 4; ++g) {
    qs8::prefetch_weights<8>(w + g * 64, 2 * ldw);  // the next two blocks
    qs8::prefetch_weights<8>(w2 + g * 64, 2 * ldw);
    const __m512i w0 = _mm512_loadu_si512(w + g * 64), w1 = _mm512_loadu_si512(w2 + g * 64);
    __m512i xv;
    XATTN_ROW(0); XATTN_ROW(1); XATTN_ROW(2); XATTN_ROW(3);
    XATTN_ROW(4); XATTN_ROW(5); XATTN_ROW(6); XATTN_ROW(7);
  }
  const __m512i lo[8] = {a0, a1, a2, a3, a4, a5, a6, a7}, hi[8] = {b0, b1, b2, b3, b4, b5, b6, b7};
  for (int r = 0; r < 8; ++r) {
    _mm512_storeu_si512(out + 32 * r, lo[r]);
    _mm512_storeu_si512(out + 32 * r + 16, hi[r]);
  }
}
#undef XATTN_ROW

struct Qs8PackedAvx512Vnni {
  static constexpr size_t kMr = 8, kBlocks = 2;
  static constexpr bool kUnsigned = true;

  // q -> q + 128 as unsigned bytes (an xor of the sign bit), in place.
  static void prepare(int8_t* q, size_t count) {
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    size_t e = 0;
    for (; e + 64 <= count; e += 64) _mm512_storeu_si512(q + e, _mm512_xor_si512(_mm512_loadu_si512(q + e), flip));
    if (e < count) {
      const __mmask64 m = (__mmask64(1) << (count - e)) - 1;
      _mm512_mask_storeu_epi8(q + e, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, q + e), flip));
    }
  }
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
    qs8_gemm_rx16c4__avx512vnni<R>(x, ldx, k, w, acc);
  }
  static void wide(const int8_t* x, size_t ldx, size_t k, const int8_t* w, size_t ldw, int32_t* acc) {
    qs8_gemm_8x32c4__avx512vnni(x, ldx, k, w, ldw, acc);
  }
};

}  // namespace

void linear_i8_packed_avx512_vnni(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                                  const int32_t* row_sums, const float* w_scales, const float* bias, size_t n,
                                  float* y) {
  qs8::linear_i8_packed<Qs8PackedAvx512Vnni>(q, x_scales, m, k, w, row_sums, w_scales, bias, n, y);
}

}  // namespace kernels
}  // namespace xattn
