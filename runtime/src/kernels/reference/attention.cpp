// Reference multi-head attention over a KV cache (kernels.h, Attention).
// Per head: every query's score against K row j is computed while that row is
// at hand (one read of K for all beams), then a max-subtracted softmax per
// query, then one pass over V adding each row into every query's output.
// Dots use ref_common.h's lane order, so float32 caches give exactly the
// single-query results the earlier per-head kernel gave.
#include <cmath>

#include "kernels/check.h"
#include "kernels/reference/half.h"
#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {
namespace {

static inline float value(float x) { return x; }
static inline float value(uint16_t x) { return half_to_float(x); }
static inline float value(int8_t x) { return float(x); }

template <class T>
float dot_row(const float* q, const T* row, size_t n) {
  float acc[kLanes] = {};
  for (size_t c = 0; c < n; ++c) acc[c % kLanes] += q[c] * value(row[c]);
  return combine_lanes(acc);
}

// int8 rows carry a scale per head (value = q / scale); the others none.
template <class T>
inline float row_factor(const KvRows& r, size_t i, size_t heads, size_t h) {
  return precision_of<T>() == KvPrecision::kInt8 ? 1.0f / r.scales[i * heads + h] : 1.0f;
}

void softmax_row(float* p, size_t n) {
  const float mx = max_f32(p, n);
  for (size_t j = 0; j < n; ++j) p[j] = std::exp(p[j] - mx);
  // The max term contributes exp(0) = 1, so sum >= 1 for finite scores.
  const float inv = 1.0f / sum_f32(p, n);
  for (size_t j = 0; j < n; ++j) p[j] *= inv;
}

template <class T>
void attend(const Attention& a) {
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
      const float factor = a.scale * row_factor<T>(a.k, j, a.heads, h);
      for (size_t b = 0; b < nq; ++b) a.probs[b * len + j] = factor * dot_row(a.q + b * a.q_stride + col, kj, dh);
    }
    for (size_t b = 0; b < nq; ++b) {
      float* p = a.probs + b * len;
      softmax_row(p, len);
      if (a.align) {
        for (size_t j = 0; j < len; ++j) a.align[b * len + j] += p[j] * head_weight;
      }
      for (size_t c = 0; c < dh; ++c) a.out[b * a.out_stride + col + c] = 0.0f;
    }
    for (size_t j = 0; j < len; ++j) {
      const T* vj = values + j * a.v.stride + col;
      const float factor = row_factor<T>(a.v, j, a.heads, h);
      for (size_t b = 0; b < nq; ++b) {
        const float p = a.probs[b * len + j] * factor;
        float* o = a.out + b * a.out_stride + col;
        for (size_t c = 0; c < dh; ++c) o[c] += p * value(vj[c]);
      }
    }
  }
}

}  // namespace

template <class T>
void attention(const Attention& a) {
  attend<T>(a);
}

template void attention<float>(const Attention& a);
template void attention<uint16_t>(const Attention& a);
template void attention<int8_t>(const Attention& a);

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
