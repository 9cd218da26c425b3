// Attention over long rows for few queries: a decoding step reading the
// static encoder KV cache (Whisper: 1500 positions per head). The per-head
// path of attention.hpp spends, per row, a horizontal sum after the dot and
// a load and store of the whole output slice after the weighted add; over
// 1500 rows that bookkeeping, not the bytes of the cache, set the time.
// Here rows go W at a time (W = the float batch width): the W rows of a
// head are made float once into a [W][dh] block (read in place when the
// cache is float32); each query's W dots are W vector accumulators reduced
// together at once (row_sums), scaled and stored as W scores at once; and the
// weighted sum adds the W rows into each output vector while it is held
// in a register. Needs dh a multiple of W, at most kChunk. The reference
// twin is ref::attention, as for every variant (tests/test_attention_variants.cpp).
#pragma once

#include "kernels/simd/common.hpp"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#endif

namespace xattn {
namespace kernels {
namespace simd {
namespace attention_detail {

// Rows at least this long take attend_long (shorter ones gain nothing from blocks).
constexpr size_t kLongRows = 32;

template <class Arch>
static inline bool long_rows_fit(const Attention& a) {
  constexpr size_t W = FBatch<Arch>::size;
  return a.len >= kLongRows && a.dh % W == 0 && a.dh <= kChunk;
}

// The W sums of W accumulators, as one batch: xsimd's haddp, except for
// 16 lanes, where xsimd 8.1's AVX-512 haddp puts the sums out of order
// (tests/test_attention_variants.cpp caught it): each 512-bit row is
// folded to 256 bits and two 8-row haddp are joined.
template <class Arch>
static inline FBatch<Arch> row_sums(const FBatch<Arch>* acc) {
#if defined(__AVX512F__) && defined(__AVX512DQ__)
  if constexpr (FBatch<Arch>::size == 16) {
    xsimd::batch<float, xsimd::avx2> half[16];
    for (size_t r = 0; r < 16; ++r)
      half[r] = _mm256_add_ps(_mm512_castps512_ps256(acc[r]), _mm512_extractf32x8_ps(acc[r], 1));
    const __m256 low = xsimd::haddp(half), high = xsimd::haddp(half + 8);
    return _mm512_insertf32x8(_mm512_castps256_ps512(low), high, 1);
  }
#endif
  return xsimd::haddp(acc);
}

// Asks for the next block's slices of `count` rows (`stride` values apart)
// while this block computes: a head's slice is a short run in each long row,
// a pattern the hardware prefetchers follow late.
template <class T>
static inline void prefetch_rows(const T* first, size_t stride, size_t count, size_t bytes) {
  for (size_t r = 0; r < count; ++r)
    for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(reinterpret_cast<const char*>(first + r * stride) + b);
}

template <class Arch, class T>
void attend_long(const Attention& a) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  const size_t len = a.len, nq = a.nq, heads = a.heads, dh = a.dh, nv = dh / W;
  alignas(64) float block[W * kChunk];  // W rows of one head, as float
  alignas(64) float factors[W];
  alignas(64) float scores[W];
  const float* rows[W];
  const T* keys = static_cast<const T*>(a.k.data);
  const T* values = static_cast<const T*>(a.v.data);
  const float head_weight = 1.0f / static_cast<float>(heads);
  if (a.align) {
    for (size_t i = 0; i < nq * len; ++i) a.align[i] = 0.0f;
  }
  for (size_t h = 0; h < heads; ++h) {
    const size_t col = h * dh;
    // Scores: W rows' dots per query, summed together by row_sums.
    for (size_t j0 = 0; j0 < len; j0 += W) {
      const size_t m = len - j0 < W ? len - j0 : W;
      prefetch_rows(keys + (j0 + W) * a.k.stride + col, a.k.stride, len - j0 > 2 * W ? W : 0, dh * sizeof(T));
      for (size_t r = 0; r < W; ++r) {
        rows[r] = r < m ? as_floats(keys + (j0 + r) * a.k.stride + col, dh, block + r * dh) : nullptr;
        factors[r] = r < m ? a.scale * row_factor<T>(a.k, j0 + r, heads, h) : 0.0f;
      }
      const B factor = B::load_aligned(factors);
      for (size_t b = 0; b < nq; ++b) {
        const float* q = a.q + b * a.q_stride + col;
        B acc[W];
        for (size_t r = 0; r < W; ++r) acc[r] = B(0.0f);
        for (size_t c = 0; c < nv; ++c) {
          const B qc = B::load_unaligned(q + c * W);
          for (size_t r = 0; r < m; ++r) acc[r] = xsimd::fma(qc, B::load_unaligned(rows[r] + c * W), acc[r]);
        }
        const B s = row_sums<Arch>(acc) * factor;
        float* p = a.probs + b * len + j0;
        if (m == W) {
          s.store_unaligned(p);
        } else {
          s.store_aligned(scores);
          for (size_t r = 0; r < m; ++r) p[r] = scores[r];
        }
      }
    }
    head_probabilities<Arch>(a, col, dh, head_weight);
    // Weighted sum: each output vector gathers W rows while in a register.
    for (size_t j0 = 0; j0 < len; j0 += W) {
      const size_t m = len - j0 < W ? len - j0 : W;
      prefetch_rows(values + (j0 + W) * a.v.stride + col, a.v.stride, len - j0 > 2 * W ? W : 0, dh * sizeof(T));
      for (size_t r = 0; r < m; ++r) {
        rows[r] = as_floats(values + (j0 + r) * a.v.stride + col, dh, block + r * dh);
        factors[r] = row_factor<T>(a.v, j0 + r, heads, h);
      }
      for (size_t b = 0; b < nq; ++b) {
        const float* p = a.probs + b * len + j0;
        float* o = a.out + b * a.out_stride + col;
        for (size_t c = 0; c < nv; ++c) {
          B acc = B::load_unaligned(o + c * W);
          for (size_t r = 0; r < m; ++r) acc = xsimd::fma(B(p[r] * factors[r]), B::load_unaligned(rows[r] + c * W), acc);
          acc.store_unaligned(o + c * W);
        }
      }
    }
  }
}

}  // namespace attention_detail
}  // namespace simd
}  // namespace kernels
}  // namespace xattn
