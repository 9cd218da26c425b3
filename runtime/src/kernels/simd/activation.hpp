// Element-wise kernels: activations (xsimd's vector tanh / erf / exp, which
// agree with libm to a few ulp) and the residual add.
#pragma once

#include "kernels/simd/common.hpp"

namespace xattn {
namespace kernels {
namespace simd {

template <class Arch>
void activation(Activation kind, float* x, size_t n) {
  using B = FBatch<Arch>;
  switch (kind) {
    case Activation::kRelu:
      map_inplace<Arch>(x, n, [](B v) { return xsimd::select(v > B(0.0f), v, B(0.0f)); });
      break;
    case Activation::kGeluTanh:
      map_inplace<Arch>(x, n, [](B v) {
        B inner = B(0.7978845608028654f) * (v + B(0.044715f) * v * v * v);
        return B(0.5f) * v * (B(1.0f) + xsimd::tanh(inner));
      });
      break;
    case Activation::kGeluErf:
      map_inplace<Arch>(x, n, [](B v) {
        return B(0.5f) * v * (B(1.0f) + xsimd::erf(v * B(0.7071067811865476f)));
      });
      break;
    case Activation::kSwish:
      map_inplace<Arch>(x, n, [](B v) { return v / (B(1.0f) + xsimd::exp(-v)); });
      break;
  }
}

template <class Arch>
void add(float* y, const float* x, size_t n) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  size_t i = 0;
  for (; i + W <= n; i += W)
    (B::load_unaligned(y + i) + B::load_unaligned(x + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] += x[i];
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
