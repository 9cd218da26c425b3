// Shared pieces of the xsimd kernels. Every function here is a template on
// the xsimd Arch (or `static`), so each per-arch translation unit gets its
// own copy: a COMDAT shared between TUs built with different ISA flags could
// be resolved to the widest one and fault on older CPUs. For the same reason
// the SIMD headers call __builtin_* math rather than the std:: inline wrappers.
#pragma once

#include <cstddef>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "kernels/kernels.h"
#include "kernels/reference/ref_common.h"

namespace xattn {
namespace kernels {
namespace simd {

template <class Arch>
using FBatch = xsimd::batch<float, Arch>;

// Applies f (batch -> batch) to x[0..n) in place. The tail goes through a
// padded buffer, so every element sees the same SIMD code whatever its
// position (results do not depend on n % width).
template <class Arch, class F>
static inline void map_inplace(float* x, size_t n, F f) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  size_t i = 0;
  for (; i + W <= n; i += W) f(B::load_unaligned(x + i)).store_unaligned(x + i);
  if (i < n) {
    alignas(64) float buf[W] = {};
    for (size_t l = 0; i + l < n; ++l) buf[l] = x[i + l];
    f(B::load_aligned(buf)).store_aligned(buf);
    for (size_t l = 0; i + l < n; ++l) x[i + l] = buf[l];
  }
}

// Largest lane (NaN lanes lose, as in ref::max_f32).
template <class Arch>
static inline float reduce_max(FBatch<Arch> v) {
  constexpr size_t W = FBatch<Arch>::size;
  alignas(64) float buf[W];
  v.store_aligned(buf);
  return ref::max_f32(buf, W);
}

// Max of x[0..n), n >= 1.
template <class Arch>
static inline float max_f32(const float* x, size_t n) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  if (n < W) return ref::max_f32(x, n);
  B m = B::load_unaligned(x);
  size_t i = W;
  for (; i + W <= n; i += W) {
    B v = B::load_unaligned(x + i);
    m = xsimd::select(v > m, v, m);  // not xsimd::max: keep NaN-skipping semantics
  }
  float r = reduce_max<Arch>(m);
  for (; i < n; ++i) r = x[i] > r ? x[i] : r;
  return r;
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
