// KernelTable::attention for the Cortex-M tables: the reference's algorithm
// (kernels.h, Attention; reference/attention.cpp) for float32 K/V, over a
// table's two primitives, which agree with the reference to rounding (their
// sums run in another order):
//   Ops::dot(a, b, n)        sum of a[c] * b[c]
//   Ops::axpy(y, p, x, n)    y[c] += p * x[c]
// The reference spends most of a small head (dh 16) on its 8-lane dot's
// set-up (a memset per dot on GCC); these run in registers. The tables keep
// the reference's variants for float16 and int8 caches (float32_variant). Probabilities use the reference's exp, max and
// division, so only the dot and accumulation order differ.
#pragma once

#include <cmath>
#include <cstddef>

#include "kernels/check.h"
#include "kernels/kernels.h"
#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace cortex_m {

template <class Ops>
void attention(const Attention& a) {
  XATTN_KERNEL_EXPECT(attention_bounds_hold(a) && a.k.precision == KvPrecision::kFloat32);
  const size_t len = a.len, dh = a.dh, nq = a.nq;
  const float* keys = static_cast<const float*>(a.k.data);
  const float* values = static_cast<const float*>(a.v.data);
  const float head_weight = 1.0f / static_cast<float>(a.heads);
  if (a.align) {
    for (size_t i = 0; i < nq * len; ++i) a.align[i] = 0.0f;
  }
  for (size_t h = 0; h < a.heads; ++h) {
    const size_t col = h * dh;
    for (size_t j = 0; j < len; ++j) {
      const float* kj = keys + j * a.k.stride + col;
      for (size_t b = 0; b < nq; ++b) a.probs[b * len + j] = a.scale * Ops::dot(a.q + b * a.q_stride + col, kj, dh);
    }
    for (size_t b = 0; b < nq; ++b) {
      float* p = a.probs + b * len;
      const float mx = ref::max_f32(p, len);
      float sum = 0.0f;
      for (size_t j = 0; j < len; ++j) sum += p[j] = std::exp(p[j] - mx);
      const float inv = 1.0f / sum;  // >= 1: the max term is exp(0)
      for (size_t j = 0; j < len; ++j) p[j] *= inv;
      if (a.align) {
        for (size_t j = 0; j < len; ++j) a.align[b * len + j] += p[j] * head_weight;
      }
      float* o = a.out + b * a.out_stride + col;
      for (size_t c = 0; c < dh; ++c) o[c] = 0.0f;
    }
    for (size_t j = 0; j < len; ++j) {
      const float* vj = values + j * a.v.stride + col;
      for (size_t b = 0; b < nq; ++b) Ops::axpy(a.out + b * a.out_stride + col, a.probs[b * len + j], vj, dh);
    }
  }
}

// The float32 variant over Ops (any head size; T5's score bias stays on the reference).
template <class Ops>
constexpr AttentionVariant float32_variant() {
  return AttentionVariant{&attention<Ops>, &ref::attention_biased<float>, KvPrecision::kFloat32, 0};
}

// The scalar primitives: four independent sums (M4F/M7 have no float SIMD).
struct ScalarOps {
  static float dot(const float* a, const float* b, size_t n) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    size_t c = 0;
    for (; c + 4 <= n; c += 4) s0 += a[c] * b[c], s1 += a[c + 1] * b[c + 1], s2 += a[c + 2] * b[c + 2], s3 += a[c + 3] * b[c + 3];
    for (; c < n; ++c) s0 += a[c] * b[c];
    return (s0 + s1) + (s2 + s3);
  }
  static void axpy(float* y, float p, const float* x, size_t n) {
    for (size_t c = 0; c < n; ++c) y[c] += p * x[c];
  }
};

}  // namespace cortex_m
}  // namespace kernels
}  // namespace xattn
