// The int8 linear layer on AVX-512 VNNI over weights in format layout 1
// (16 rows x 4 columns per 64 bytes), built with -mavx512vnni like
// linear_i8_vnni.cpp and joined to the "avx512-vnni" table.
//
// One 64-byte weight load is 16 output rows x 4 columns, exactly one
// vpdpbusd against 4 activation bytes broadcast to every lane: the sums land
// in the 16 output lanes directly, so there are no horizontal reductions, and
// the matrix is read once, front to back (the decoder's GEMV streams at
// memory speed; the encoder's GEMM reuses each block from L1 for every row).
//
// vpdpbusd wants unsigned activations: q is shifted to u = q + 128 in place
// (q is scratch by contract) and 128 * row_sums[j], stored in the file at
// conversion time, is subtracted at the end. All of it is exact in int32, and
// the epilogue evaluates ref::dequant_i8 with correctly rounded vector ops, so
// the results are bit-identical to the reference.
#include <immintrin.h>

#include "kernels/simd/linear_i8_vnni.h"
#include "xattn/format.h"

#ifndef XATTN_PF
#define XATTN_PF 1024
#endif

namespace xattn {
namespace kernels {
namespace {

constexpr size_t kBlock = format::kPackRows;  // output rows per block (one zmm of int32)

inline __m512i bcast(const uint8_t* p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// 128 * row sum, the correction for the +128 shift, for `width` rows.
inline __m512i correction(const int32_t* sums, __mmask16 lanes) {
  return _mm512_slli_epi32(_mm512_maskz_loadu_epi32(lanes, sums), 7);
}

// y[j..j+width) = float(acc - 128 sum w) / (x_scale * w_scale) + bias.
inline void epilogue(__m512i acc, __m512i corr, float x_scale, const float* w_scales, const float* bias,
                     __mmask16 lanes, float* y) {
  const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(x_scale), _mm512_maskz_loadu_ps(lanes, w_scales));
  __m512 v = _mm512_div_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc, corr)), scale);
  if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(lanes, bias));
  _mm512_mask_storeu_ps(y, lanes, v);
}

// R activation rows against one full block of 16 weight rows. C chains per
// row over interleaved column groups keep 4 to 8 vpdpbusd in flight to
// hide its latency; R and C are compile-time constants, so GCC keeps the
// fully unrolled accumulator arrays in registers.
template <int R>
inline void block_rows(const uint8_t* u, size_t k, const int8_t* w, __m512i* acc) {
  constexpr int C = R >= 5 ? 1 : (R >= 3 ? 2 : 4);
  __m512i a[C][R];
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r) a[c][r] = _mm512_setzero_si512();
  const size_t groups = k / 4;
  size_t g = 0;
  for (; g + C <= groups; g += C) {
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      const __m512i wv = _mm512_loadu_si512(w + (g + c) * 64);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) a[c][r] = _mm512_dpbusd_epi32(a[c][r], bcast(u + r * k + 4 * (g + c)), wv);
    }
  }
  for (; g < groups; ++g) {
    const __m512i wv = _mm512_loadu_si512(w + g * 64);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) a[0][r] = _mm512_dpbusd_epi32(a[0][r], bcast(u + r * k + 4 * g), wv);
  }
  for (int r = 0; r < R; ++r) {
    acc[r] = a[0][r];
    for (int c = 1; c < C; ++c) acc[r] = _mm512_add_epi32(acc[r], a[c][r]);
  }
}

// 8 activation rows against two adjacent full blocks (32 weight rows): each
// broadcast activation word feeds two vpdpbusd, halving the broadcasts per
// multiply in the encoder's GEMM. The 16 accumulators are named variables:
// from an array, GCC 12 copies every one through another register on each
// iteration, which costs as much as the multiplies.
#define XATTN_ROW(r)                          \
  x = bcast(u + (r) * k + 4 * g);             \
  a##r = _mm512_dpbusd_epi32(a##r, x, w0);    \
  b##r = _mm512_dpbusd_epi32(b##r, x, w1)
inline void block_pair_rows8(const uint8_t* u, size_t k, const int8_t* w, __m512i* acc) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  __m512i b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
  const int8_t* w2 = w + kBlock * k;
  for (size_t g = 0; g < k / 4; ++g) {
    const __m512i w0 = _mm512_loadu_si512(w + g * 64), w1 = _mm512_loadu_si512(w2 + g * 64);
    __m512i x;
    XATTN_ROW(0); XATTN_ROW(1); XATTN_ROW(2); XATTN_ROW(3);
    XATTN_ROW(4); XATTN_ROW(5); XATTN_ROW(6); XATTN_ROW(7);
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5, acc[6] = a6, acc[7] = a7;
  acc[8] = b0, acc[9] = b1, acc[10] = b2, acc[11] = b3, acc[12] = b4, acc[13] = b5, acc[14] = b6, acc[15] = b7;
}
#undef XATTN_ROW

// The last block when rows % 16 != 0: `width` rows, 4 * width bytes per
// column group; masked loads read only those.
inline __m512i narrow_block_row(const uint8_t* u, size_t k, const int8_t* w, size_t width) {
  const __mmask64 m = (__mmask64(1) << (4 * width)) - 1;  // width < 16
  __m512i acc = _mm512_setzero_si512();
  for (size_t g = 0; g < k / 4; ++g)
    acc = _mm512_dpbusd_epi32(acc, bcast(u + 4 * g), _mm512_maskz_loadu_epi8(m, w + g * 4 * width));
  return acc;
}

template <int R>
inline void tile(const uint8_t* u, const float* x_scales, size_t k, const int8_t* w, const __m512i corr,
                 const float* w_scales, const float* bias, size_t n, float* y) {
  __m512i acc[R];
  block_rows<R>(u, k, w, acc);
  for (int r = 0; r < R; ++r) epilogue(acc[r], corr, x_scales[r], w_scales, bias, 0xffff, y + r * n);
}

// Rows of one full block, up to 8 at a time.
void full_block(const uint8_t* u, const float* x_scales, size_t m, size_t k, const int8_t* w,
                const __m512i corr, const float* w_scales, const float* bias, size_t n, float* y) {
  size_t i = 0;
  for (; i + 8 <= m; i += 8) tile<8>(u + i * k, x_scales + i, k, w, corr, w_scales, bias, n, y + i * n);
  switch (m - i) {
    case 7: tile<7>(u + i * k, x_scales + i, k, w, corr, w_scales, bias, n, y + i * n); break;
    case 6: tile<6>(u + i * k, x_scales + i, k, w, corr, w_scales, bias, n, y + i * n); break;
    case 5: tile<5>(u + i * k, x_scales + i, k, w, corr, w_scales, bias, n, y + i * n); break;
    case 4: tile<4>(u + i * k, x_scales + i, k, w, corr, w_scales, bias, n, y + i * n); break;
    case 3: tile<3>(u + i * k, x_scales + i, k, w, corr, w_scales, bias, n, y + i * n); break;
    case 2: tile<2>(u + i * k, x_scales + i, k, w, corr, w_scales, bias, n, y + i * n); break;
    case 1: tile<1>(u + i * k, x_scales + i, k, w, corr, w_scales, bias, n, y + i * n); break;
    default: break;
  }
}

// q -> q + 128 as unsigned bytes (an xor of the sign bit), in place.
void shift_to_unsigned(int8_t* q, size_t count) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  size_t e = 0;
  for (; e + 64 <= count; e += 64) {
    __m512i v = _mm512_loadu_si512(q + e);
    _mm512_storeu_si512(q + e, _mm512_xor_si512(v, flip));
  }
  if (e < count) {
    const __mmask64 m = (__mmask64(1) << (count - e)) - 1;
    _mm512_mask_storeu_epi8(q + e, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, q + e), flip));
  }
}

}  // namespace

// Two full blocks (32 x k) against all m rows: pairs of blocks for the
// 8-row tiles, then each block alone for the m % 8 leftover rows.
void full_block_pair(const uint8_t* u, const float* x_scales, size_t m, size_t k, const int8_t* w,
                     const __m512i corr0, const __m512i corr1, const float* w_scales, const float* bias, size_t n,
                     float* y) {
  size_t i = 0;
  for (; i + 8 <= m; i += 8) {
    __m512i acc[16];
    block_pair_rows8(u + i * k, k, w, acc);
    for (int r = 0; r < 8; ++r) {
      epilogue(acc[r], corr0, x_scales[i + r], w_scales, bias, 0xffff, y + (i + r) * n);
      epilogue(acc[8 + r], corr1, x_scales[i + r], w_scales + kBlock, bias ? bias + kBlock : nullptr, 0xffff,
               y + (i + r) * n + kBlock);
    }
  }
  if (i == m) return;
  full_block(u + i * k, x_scales + i, m - i, k, w, corr0, w_scales, bias, n, y + i * n);
  full_block(u + i * k, x_scales + i, m - i, k, w + kBlock * k, corr1, w_scales + kBlock,
             bias ? bias + kBlock : nullptr, n, y + i * n + kBlock);
}

// Blocks outermost: each 16 x k block (or pair of blocks, when there are 8
// or more rows) is read from memory once per call and every activation row
// passes over it while it sits in L1.
void linear_i8_packed_avx512_vnni(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                                  const int32_t* row_sums, const float* w_scales, const float* bias, size_t n,
                                  float* y) {
  shift_to_unsigned(q, m * k);
  const uint8_t* u = reinterpret_cast<const uint8_t*>(q);
  size_t j = 0;
  if (m >= 8) {
    for (; j + 2 * kBlock <= n; j += 2 * kBlock) {
      full_block_pair(u, x_scales, m, k, w + j * k, correction(row_sums + j, 0xffff),
                      correction(row_sums + j + kBlock, 0xffff), w_scales + j, bias ? bias + j : nullptr, n, y + j);
    }
  }
  for (; j + kBlock <= n; j += kBlock) {
    const __m512i corr = correction(row_sums + j, 0xffff);
    full_block(u, x_scales, m, k, w + j * k, corr, w_scales + j, bias ? bias + j : nullptr, n, y + j);
  }
  if (j < n) {
    const size_t width = n - j;
    const __mmask16 lanes = static_cast<__mmask16>((1u << width) - 1);
    const __m512i corr = correction(row_sums + j, lanes);
    for (size_t i = 0; i < m; ++i)
      epilogue(narrow_block_row(u + i * k, k, w + j * k, width), corr, x_scales[i], w_scales + j,
               bias ? bias + j : nullptr, lanes, y + i * n + j);
  }
}

}  // namespace kernels
}  // namespace xattn
