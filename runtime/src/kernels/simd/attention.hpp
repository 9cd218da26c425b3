// Multi-head attention over a KV cache (kernels.h, Attention): one call per
// sublayer covers every head and every query. Per head, each K row is made
// float once (read in place for float32; float16/int8 converted into a stack
// chunk) and dotted with every query while it is at hand; then each V row is
// added into every query's output the same way. No intermediate beyond one
// probability row per query.
//
// Head sizes 4 and 8 get compile-time loops (a vector loop would be all
// scalar tail): each precision x head-size class is its own variant, which a
// session selects once (kernels.h, select_attention). Over short rows (decoding), attend_small walks K and V
// position by position across all heads and runs the softmax vectorized
// across heads: per-head calls and padded per-head vector exps were most of
// the cost of attention in small models, and per-head strided reads of a
// cold cache were 12% of transformer-base's decoder step (4% this way).
#pragma once

#include <type_traits>

#if defined(__F16C__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "kernels/check.h"
#include "kernels/reference/half.h"
#include "kernels/simd/common.hpp"
#include "kernels/simd/softmax.hpp"

namespace xattn {
namespace kernels {
namespace simd {
namespace attention_detail {

constexpr size_t kChunk = 128;  // floats of a converted K/V row held on the stack

// The float view of n stored values: float32 in place, others into buf.
static inline const float* as_floats(const float* src, size_t, float*) { return src; }
static inline const float* as_floats(const uint16_t* src, size_t n, float* buf) {
  size_t i = 0;
#if defined(__AVX512F__)
  // 16 at a time on AVX-512: the caller's 64-byte loads then each read one
  // store (two 32-byte stores under one load cannot be forwarded).
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(buf + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i))));
#endif
#if defined(__F16C__)
  // vcvtph2ps: exact, as ref::half_to_float (which is exact too); the two
  // differ only on signaling NaNs, which float_to_half never stores. The
  // portable loop costs about ten vector operations per 8 values here.
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(buf + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
#endif
  for (; i < n; ++i) buf[i] = ref::half_to_float(src[i]);
  return buf;
}
static inline const float* as_floats(const int8_t* src, size_t n, float* buf) {
  for (size_t i = 0; i < n; ++i) buf[i] = float(src[i]);
  return buf;
}

// dot(a, b) over n = DH (compile time, when DH > 0) or n values.
template <class Arch, size_t DH>
static inline float dot(const float* a, const float* b, size_t n) {
  if (DH != 0) {
    float s = 0.0f;
    for (size_t i = 0; i < DH; ++i) s += a[i] * b[i];
    return s;
  }
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  B acc(0.0f);
  size_t i = 0;
  for (; i + W <= n; i += W) acc = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), acc);
  float s = xsimd::hadd(acc);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// y += p * x over n = DH or n values.
template <class Arch, size_t DH>
static inline void axpy(float p, const float* __restrict x, size_t n, float* __restrict y) {
  if (DH != 0) {
    for (size_t i = 0; i < DH; ++i) y[i] += p * x[i];
    return;
  }
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  const B pb(p);
  size_t i = 0;
  for (; i + W <= n; i += W) xsimd::fma(pb, B::load_unaligned(x + i), B::load_unaligned(y + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] += p * x[i];
}

// int8 rows: value = q / scale, applied once per (row, head) outside the dot.
template <class T>
static inline float row_factor(const KvRows& r, size_t i, size_t heads, size_t h) {
  return precision_of<T>() == KvPrecision::kInt8 ? 1.0f / r.scales[i * (r.scale_stride ? r.scale_stride : heads) + h]
                                                 : 1.0f;
}

template <class Arch>
static inline void softmax_row(float* p, size_t n) {
  const float mx = max_f32<Arch>(p, n);
  const float inv = 1.0f / exp_shifted_sum<Arch>(p, n, mx, true);
  for (size_t j = 0; j < n; ++j) p[j] *= inv;
}

// One head's scores (a.probs, nq rows of len) made probabilities, added to
// the alignment (averaged over heads), and the head's output slice zeroed
// for the weighted sum that follows.
template <class Arch>
static inline void head_probabilities(const Attention& a, size_t col, size_t dh, float head_weight) {
  for (size_t b = 0; b < a.nq; ++b) {
    float* p = a.probs + b * a.len;
    softmax_row<Arch>(p, a.len);
    if (a.align) {
      float* al = a.align + b * a.len;
      for (size_t j = 0; j < a.len; ++j) al[j] += p[j] * head_weight;
    }
    float* o = a.out + b * a.out_stride + col;
    for (size_t c = 0; c < dh; ++c) o[c] = 0.0f;
  }
}

template <class Arch, class T, size_t DH>
void attend(const Attention& a) {
  const size_t len = a.len, nq = a.nq, heads = a.heads;
  const size_t dh = DH ? DH : a.dh;
  // float32 rows need no conversion buffer, so no chunking.
  const size_t chunk = sizeof(T) == sizeof(float) || dh < kChunk ? dh : kChunk;
  alignas(64) float buf[kChunk];
  const T* keys = static_cast<const T*>(a.k.data);
  const T* values = static_cast<const T*>(a.v.data);
  const float head_weight = 1.0f / static_cast<float>(heads);
  if (a.align) {
    for (size_t i = 0; i < nq * len; ++i) a.align[i] = 0.0f;
  }
  for (size_t h = 0; h < heads; ++h) {
    const size_t col = h * dh;
    for (size_t j = 0; j < len; ++j) {
      const T* kj = keys + j * a.k.stride + col;
      float* pj = a.probs + j;
      for (size_t c0 = 0; c0 < dh; c0 += chunk) {
        const size_t n = dh - c0 < chunk ? dh - c0 : chunk;
        const float* kr = as_floats(kj + c0, n, buf);
        for (size_t b = 0; b < nq; ++b) {
          const float s = dot<Arch, DH>(a.q + b * a.q_stride + col + c0, kr, n);
          pj[b * len] = c0 == 0 ? s : pj[b * len] + s;
        }
      }
      const float factor = a.scale * row_factor<T>(a.k, j, heads, h);
      for (size_t b = 0; b < nq; ++b) pj[b * len] *= factor;
    }
    head_probabilities<Arch>(a, col, dh, head_weight);
    for (size_t j = 0; j < len; ++j) {
      const T* vj = values + j * a.v.stride + col;
      const float factor = row_factor<T>(a.v, j, heads, h);
      for (size_t c0 = 0; c0 < dh; c0 += chunk) {
        const size_t n = dh - c0 < chunk ? dh - c0 : chunk;
        const float* vr = as_floats(vj + c0, n, buf);
        for (size_t b = 0; b < nq; ++b) {
          axpy<Arch, DH>(a.probs[b * len + j] * factor, vr, n, a.out + b * a.out_stride + col + c0);
        }
      }
    }
  }
}

// Short rows: the scores of every head sit side by side, [query][row][head]
// padded to whole vectors, so the softmax runs across heads (one vector exp
// per row for up to W heads) instead of one mostly-padding vector exp per
// head, and K and V are walked position by position, each row read front to
// back across all heads (the per-head path reads a head's slice of every
// row, short strided runs that wait on memory once a decoding step's weight
// sweep has evicted the caches). Head sizes 4 and 8 (any cache precision)
// and float32 caches of any head size. Needs nq x len x padded heads <= kSmall.
constexpr size_t kSmall = 1024;

template <class Arch>
static inline size_t padded_heads(size_t heads) {
  constexpr size_t W = FBatch<Arch>::size;
  return (heads + W - 1) / W * W;
}

// A softmax down the len rows of s[len][width] for each of its width
// columns (a multiple of W), each lane on its own: the max NaN-skipping, as
// ref::max_f32, then the exps and their sum.
template <class Arch>
static inline void softmax_columns(float* s, size_t len, size_t width) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  for (size_t c = 0; c < width; c += W) {
    B m = B::load_unaligned(s + c);
    for (size_t j = 1; j < len; ++j) {
      const B v = B::load_unaligned(s + j * width + c);
      m = xsimd::select(v > m, v, m);
    }
    B sum(0.0f);
    for (size_t j = 0; j < len; ++j) {
      const B e = xsimd::exp(B::load_unaligned(s + j * width + c) - m);
      e.store_unaligned(s + j * width + c);
      sum += e;
    }
    const B inv = B(1.0f) / sum;
    for (size_t j = 0; j < len; ++j) (B::load_unaligned(s + j * width + c) * inv).store_unaligned(s + j * width + c);
  }
}

template <class Arch, class T, size_t DH>
void attend_small(const Attention& a) {
  const size_t len = a.len, nq = a.nq, heads = a.heads, hp = padded_heads<Arch>(heads);
  const size_t dh = DH ? DH : a.dh;  // DH 0: float32 rows, read in place (buf unused)
  XATTN_KERNEL_EXPECT(nq * len * hp <= kSmall && (DH == 0 || a.dh == DH));
  alignas(64) float s[kSmall];
  alignas(64) float buf[DH ? DH : 1];
  const T* keys = static_cast<const T*>(a.k.data);
  const T* values = static_cast<const T*>(a.v.data);
  for (size_t i = 0; i < nq * len * hp; ++i) s[i] = 0.0f;  // padding lanes: exp(0 - 0), never read
  for (size_t j = 0; j < len; ++j) {
    for (size_t h = 0; h < heads; ++h) {
      const float* kr = as_floats(keys + j * a.k.stride + h * dh, dh, buf);
      const float factor = a.scale * row_factor<T>(a.k, j, heads, h);
      for (size_t b = 0; b < nq; ++b) s[(b * len + j) * hp + h] = factor * dot<Arch, DH>(a.q + b * a.q_stride + h * dh, kr, dh);
    }
  }
  for (size_t b = 0; b < nq; ++b) {
    float* sb = s + b * len * hp;
    softmax_columns<Arch>(sb, len, hp);
    if (a.align) {
      const float head_weight = 1.0f / static_cast<float>(heads);
      for (size_t j = 0; j < len; ++j) {
        float acc = 0.0f;
        for (size_t h = 0; h < heads; ++h) acc += sb[j * hp + h] * head_weight;
        a.align[b * len + j] = acc;
      }
    }
    float* o = a.out + b * a.out_stride;
    for (size_t c = 0; c < heads * dh; ++c) o[c] = 0.0f;
  }
  for (size_t j = 0; j < len; ++j) {
    for (size_t h = 0; h < heads; ++h) {
      const float* vr = as_floats(values + j * a.v.stride + h * dh, dh, buf);
      const float factor = row_factor<T>(a.v, j, heads, h);
      for (size_t b = 0; b < nq; ++b) {
        axpy<Arch, DH>(s[(b * len + j) * hp + h] * factor, vr, dh, a.out + b * a.out_stride + h * dh);
      }
    }
  }
}

}  // namespace attention_detail
}  // namespace simd
}  // namespace kernels
}  // namespace xattn

#include "kernels/simd/attention_long.hpp"
#include "kernels/simd/attention_tiled.hpp"

namespace xattn {
namespace kernels {
namespace simd {

// The variant for K/V rows of type T and heads of DH values (0: any), one
// entry of a table's KernelTable::attention. Head sizes 4 and 8 and float32
// rows of any head size take attend_small when the call's scores fit it;
// other head sizes over long rows attend_long (attention_long.hpp), or with
// many queries and float32 rows attend_tiled (attention_tiled.hpp).
template <class Arch, class T, size_t DH>
void attention(const Attention& a) {
  using namespace attention_detail;
  XATTN_KERNEL_EXPECT(attention_bounds_hold(a) && a.k.precision == precision_of<T>() && (DH == 0 || a.dh == DH));
  if constexpr (DH != 0 || std::is_same<T, float>::value) {
    if (a.nq * a.len * padded_heads<Arch>(a.heads) <= kSmall) return attend_small<Arch, T, DH>(a);
  }
  if constexpr (DH == 0 && std::is_same<T, float>::value) {
    if (tiles_fit<Arch>(a)) return attend_tiled<Arch>(a);
  }
  if constexpr (DH == 0) {
    if (long_rows_fit<Arch>(a)) return attend_long<Arch, T>(a);
  }
  attend<Arch, T, DH>(a);
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
