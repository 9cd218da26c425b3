// The Cortex-M tables' float32 attention variant: the reference's loops
// (reference/attention_core.h) over a table's two primitives, which agree
// with the reference to rounding (their sums run in another order):
//   Ops::dot(a, b, n)        sum of a[c] * b[c]
//   Ops::axpy(y, p, x, n)    y[c] += p * x[c]
// and the softmax's sum taken in order. The reference spends most of a small
// head (dh 16) on its 8-lane dot's set-up (a memset per dot on GCC); these
// run in registers. The tables keep the reference's variants for float16 and
// int8 caches and for the score bias (float32_variant).
#pragma once

#include <cstddef>

#include "kernels/kernels.h"
#include "kernels/reference/attention_core.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace cortex_m {

// A table's primitives with the softmax's sum in index order.
template <class Ops>
struct AttentionOps : Ops {
  static float sum(const float* p, size_t n) {
    float s = 0.0f;
    for (size_t j = 0; j < n; ++j) s += p[j];
    return s;
  }
};

template <class Ops>
void attention(const Attention& a) {
  ref::attend<float, AttentionOps<Ops>, false>(a, ScoreBias());
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
