// Helpers shared by the reference kernels and (for bit-identical parts) the
// SIMD tables. Everything here is `static inline`: SIMD translation units are
// built with wider ISA flags, and a shared (COMDAT) copy compiled there could
// otherwise be picked by the linker for the portable path and fault on older
// CPUs. Plain C++ only: this must build for arm-none-eabi without a heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/config.h"

#if defined(__ARM_FEATURE_MVE) && !defined(XATTN_NO_MVE)
#include <arm_mve.h>
#endif

namespace xattn {
namespace kernels {
namespace ref {

// Float reductions in the reference use a fixed, documented order so results
// are reproducible and GCC can still vectorize them without -ffast-math:
// element i is added into lane i % kLanes (in increasing i), and the lanes are
// combined pairwise: ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)).
constexpr size_t kLanes = 8;

static inline float combine_lanes(const float* l) {
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

static inline float dot_f32(const float* a, const float* b, size_t n) {
  float acc[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
  }
  for (size_t l = 0; i + l < n; ++l) acc[l] += a[i + l] * b[i + l];
  return combine_lanes(acc);
}

static inline float sum_f32(const float* a, size_t n) {
  float acc[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) acc[l] += a[i + l];
  }
  for (size_t l = 0; i + l < n; ++l) acc[l] += a[i + l];
  return combine_lanes(acc);
}

// Max is exact in any order; NaNs are skipped (they never win a comparison).
static inline float max_f32(const float* a, size_t n) {
  float m = a[0];
  for (size_t i = 1; i < n; ++i) m = a[i] > m ? a[i] : m;
  return m;
}

// int8 dot product with exact int32 accumulation. |q*w| <= 128*128 = 2^14, so
// int32 is exact for k < 2^17; the model format bounds k far below that.
static inline int32_t dot_i8(const int8_t* a, const int8_t* b, size_t n) {
  int32_t acc = 0;
#if defined(__ARM_FEATURE_MVE) && !defined(XATTN_NO_MVE)
  // Cortex-M55 (Helium): GCC 12 cannot vectorize the widening loop below for
  // MVE (no int8 -> int16 widening pattern), so say it directly: 16 lanes of
  // multiply-accumulate into one int32, the tail predicated. Still exact.
  for (; n > 0; a += 16, b += 16, n = n > 16 ? n - 16 : 0) {
    const mve_pred16_t p = vctp8q(static_cast<uint32_t>(n));
    acc = vmladavaq_p_s8(acc, vldrbq_z_s8(a, p), vldrbq_z_s8(b, p), p);
  }
#else
  for (size_t i = 0; i < n; ++i) acc += int32_t(a[i]) * int32_t(b[i]);
#endif
  return acc;
}

// The int8 linear epilogue. Every table computes the output with this exact
// expression (division, not a reciprocal), so int8 paths are bit-identical.
static inline float dequant_i8(int32_t acc, float x_scale, float w_scale,
                               const float* bias, size_t j) {
  float y = float(acc) / (x_scale * w_scale);
  return bias ? y + bias[j] : y;
}

// Quantizes one value already multiplied by the row scale: round to nearest
// even (default rounding mode), then clamp. NaN maps to -127 (a NaN never
// passes `>=`), so the SIMD tables can reproduce it with the same selects.
static inline int8_t quantize_value(float scaled, Rounding rounding) {
  // floor(scaled + 128) - 128 is exact in float for |scaled| <= 2^15.
  float r = rounding == Rounding::kFloor ? __builtin_floorf(scaled + 128.0f) - 128.0f : __builtin_nearbyintf(scaled);
  r = r >= -127.0f ? r : -127.0f;
  r = r <= 127.0f ? r : 127.0f;
  return int8_t(int32_t(r));
}

// The row scale: 127 / max|x|, or 1 for an all-zero (or NaN) row.
static inline float row_scale(float amax) {
  return amax > 0.0f ? 127.0f / amax : 1.0f;
}

// top_k ordering: NaN ranks as -inf; equal keys keep the lower index first.
static inline float rank_key(float v) { return v != v ? -__builtin_inff() : v; }

// Offers x[i] to the running top-k kept sorted in values/indices (count
// entries so far). Inserting only on strictly greater keys keeps ties in
// index order, since candidates arrive in increasing i.
static inline void top_k_offer(float v, uint32_t i, size_t k, float* values,
                               uint32_t* indices, size_t* count) {
  float key = rank_key(v);
  size_t n = *count;
  if (n == k) {
    if (!(key > rank_key(values[k - 1]))) return;
    n = k - 1;  // the last entry falls off
  } else {
    ++*count;
  }
  size_t p = n;
  while (p > 0 && rank_key(values[p - 1]) < key) {
    values[p] = values[p - 1];
    indices[p] = indices[p - 1];
    --p;
  }
  values[p] = v;
  indices[p] = i;
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
