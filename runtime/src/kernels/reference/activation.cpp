// Reference element-wise kernels: activations and the residual add.
#include <cmath>

#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

namespace {
constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kInvSqrt2 = 0.7071067811865476f;
}  // namespace

void activation(Activation kind, float* x, size_t n) {
  switch (kind) {
    case Activation::kRelu:
      for (size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case Activation::kGeluTanh:
      for (size_t i = 0; i < n; ++i) {
        float v = x[i];
        float inner = kSqrt2OverPi * (v + 0.044715f * v * v * v);
        x[i] = 0.5f * v * (1.0f + std::tanh(inner));
      }
      break;
    case Activation::kGeluErf:
      for (size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
      break;
    case Activation::kSwish:
      for (size_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
      break;
  }
}

void add(float* y, const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
