// KernelTable::quantize_rows for Cortex-M tables, bit-identical to
// ref::quantize_rows without its libm calls: a Cortex-M4's FPv4 has no
// VRINT, so the reference's nearbyintf/floorf are function calls per value.
// Both roundings are done with plain float arithmetic instead:
// - to nearest even: (c + 1.5 * 2^23) - 1.5 * 2^23 for |c| <= 2^22 (the sum
//   lies in [2^23, 2^24), where floats are the integers, so the addition
//   itself rounds c to nearest even in the default rounding mode);
// - down: the reference's t = scaled + 128 is truncated toward zero, which is
//   floor for t >= 0.
// The value is first clamped to a range just wider than [-127, 127] (NaN to
// the low end, as the reference's clamp sends NaN to -127), so every case
// (inf, NaN, huge) ends at the reference's int8.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/reference/ref_common.h"

namespace xattn {
namespace kernels {
namespace cortex_m {

static inline int8_t quantize_value(float scaled, Rounding rounding) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  float r;
  if (rounding == Rounding::kFloor) {
    float t = scaled + 128.0f;
    t = t >= 0.0f ? t : 0.0f;  // NaN too: floor(NaN) - 128 clamps to -127, as 0 - 128 does
    t = t <= 256.0f ? t : 256.0f;
    r = float(int32_t(t)) - 128.0f;
  } else {
    float c = scaled >= -128.0f ? scaled : -128.0f;  // NaN too
    c = c <= 128.0f ? c : 128.0f;
    r = (c + kMagic) - kMagic;
  }
  r = r >= -127.0f ? r : -127.0f;
  r = r <= 127.0f ? r : 127.0f;
  return int8_t(int32_t(r));
}

static inline void quantize_rows(const float* x, size_t m, size_t k, Rounding rounding, int8_t* q, float* scales) {
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * k;
    float amax = 0.0f;
    for (size_t c = 0; c < k; ++c) {
      const float a = __builtin_fabsf(xi[c]);
      amax = a > amax ? a : amax;
    }
    const float scale = ref::row_scale(amax);
    scales[i] = scale;
    int8_t* qi = q + i * k;
    for (size_t c = 0; c < k; ++c) qi[c] = quantize_value(xi[c] * scale, rounding);
  }
}

}  // namespace cortex_m
}  // namespace kernels
}  // namespace xattn
