// The reference attention (kernels.h, Attention), with an optional additive
// score bias (ScoreBias, T5), written once over its inner loops so the
// reference (attention.cpp, every KV precision) and the Cortex-M tables'
// float32 variant (simd/cortex_m_attention.h, register dots) share it:
//   Ops::dot(q, row, n)      sum of q[c] * value(row[c])
//   Ops::axpy(y, p, row, n)  y[c] += p * value(row[c])
//   Ops::sum(p, n)           sum of p[0..n)
// Per head: every query's score against K row j is computed while that row
// is at hand (one read of K for all beams), then a max-subtracted softmax per
// query, then one pass over V adding each row into every query's output.
// The bias is a template flag, not a run-time test, so the plain path is the
// same code (and the same float contractions) as without it.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/check.h"
#include "kernels/kernels.h"
#include "kernels/reference/half.h"
#include "kernels/reference/ref_common.h"

namespace xattn {
namespace kernels {
namespace ref {

static inline float kv_value(float x) { return x; }
static inline float kv_value(uint16_t x) { return half_to_float(x); }
static inline float kv_value(int8_t x) { return float(x); }

// int8 rows carry a scale per head (value = q / scale); the others none.
template <class T>
static inline float kv_row_factor(const KvRows& r, size_t i, size_t heads, size_t h) {
  return precision_of<T>() == KvPrecision::kInt8 ? 1.0f / r.scales[i * (r.scale_stride ? r.scale_stride : heads) + h]
                                                 : 1.0f;
}

// The reference's primitives: ref_common.h's lane order for dots and sums.
struct RefAttentionOps {
  template <class T>
  static float dot(const float* q, const T* row, size_t n) {
    float acc[kLanes] = {};
    for (size_t c = 0; c < n; ++c) acc[c % kLanes] += q[c] * kv_value(row[c]);
    return combine_lanes(acc);
  }
  template <class T>
  static void axpy(float* y, float p, const T* row, size_t n) {
    for (size_t c = 0; c < n; ++c) y[c] += p * kv_value(row[c]);
  }
  static float sum(const float* p, size_t n) { return sum_f32(p, n); }
};

template <class T, class Ops, bool kBiased>
static inline void attend(const Attention& a, const ScoreBias& bias) {
  XATTN_KERNEL_EXPECT(attention_bounds_hold(a) && a.k.precision == precision_of<T>());
  const size_t len = a.len, dh = a.dh, nq = a.nq;
  const T* keys = static_cast<const T*>(a.k.data);
  const T* values = static_cast<const T*>(a.v.data);
  const float head_weight = 1.0f / static_cast<float>(a.heads);
  if (a.align) {
    for (size_t i = 0; i < nq * len; ++i) a.align[i] = 0.0f;
  }
  for (size_t h = 0; h < a.heads; ++h) {
    const size_t col = h * dh;
    for (size_t j = 0; j < len; ++j) {
      const T* kj = keys + j * a.k.stride + col;
      const float factor = a.scale * kv_row_factor<T>(a.k, j, a.heads, h);
      for (size_t b = 0; b < nq; ++b) {
        const float* q = a.q + b * a.q_stride + col;
        if constexpr (kBiased) {
          const ptrdiff_t at = static_cast<ptrdiff_t>(h) * bias.head_stride +
                               static_cast<ptrdiff_t>(b) * bias.query_stride + static_cast<ptrdiff_t>(j);
          a.probs[b * len + j] = factor * Ops::dot(q, kj, dh) + bias.data[at];
        } else {
          a.probs[b * len + j] = factor * Ops::dot(q, kj, dh);
        }
      }
    }
    for (size_t b = 0; b < nq; ++b) {
      float* p = a.probs + b * len;
      const float mx = max_f32(p, len);
      for (size_t j = 0; j < len; ++j) p[j] = std::exp(p[j] - mx);
      // The max term contributes exp(0) = 1, so sum >= 1 for finite scores.
      const float inv = 1.0f / Ops::sum(p, len);
      for (size_t j = 0; j < len; ++j) p[j] *= inv;
      if (a.align) {
        for (size_t j = 0; j < len; ++j) a.align[b * len + j] += p[j] * head_weight;
      }
      float* o = a.out + b * a.out_stride + col;
      for (size_t c = 0; c < dh; ++c) o[c] = 0.0f;
    }
    for (size_t j = 0; j < len; ++j) {
      const T* vj = values + j * a.v.stride + col;
      const float factor = kv_row_factor<T>(a.v, j, a.heads, h);
      for (size_t b = 0; b < nq; ++b) Ops::axpy(a.out + b * a.out_stride + col, a.probs[b * len + j] * factor, vj, dh);
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
