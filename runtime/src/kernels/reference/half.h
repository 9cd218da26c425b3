// IEEE binary16 <-> float32 in portable integer/float code, for the float16
// KV cache. Every table uses these same functions, so float16 rows are
// bit-identical whatever the ISA (no F16C or NEON fp16 needed). `static
// inline` for the reason given in ref_common.h.
#pragma once

#include <cstdint>

namespace xattn {
namespace kernels {
namespace ref {

static inline uint32_t float_bits(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, sizeof u);
  return u;
}

static inline float bits_float(uint32_t u) {
  float f;
  __builtin_memcpy(&f, &u, sizeof f);
  return f;
}

// Rounds to nearest even; overflow gives infinity, NaN stays a (quiet) NaN.
static inline uint16_t float_to_half(float f) {
  const uint32_t x = float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) return uint16_t(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u));
  if (a >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // >= 65520 rounds past the largest half
  if (a < 0x38800000u) {
    // Below 2^-14 (half subnormals): adding 0.5 leaves an ulp of 2^-24, the
    // half subnormal step, so the float adder does the rounding to even.
    return uint16_t(sign | (float_bits(bits_float(a) + 0.5f) - 0x3f000000u));
  }
  // Normal: rebias the exponent (127 -> 15) and round 23 mantissa bits to 10,
  // ties to even; a carry out of the mantissa correctly bumps the exponent.
  a += 0xc8000fffu + ((a >> 13) & 1u);
  return uint16_t(sign | (a >> 13));
}

// Exact. The scaling by 2^112 rebiases normals and normalizes subnormals.
static inline float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t magnitude = h & 0x7fffu;
  const uint32_t finite = float_bits(bits_float(magnitude << 13) * 0x1p112f);
  const uint32_t special = 0x7f800000u | ((magnitude & 0x3ffu) << 13);  // inf, NaN
  // A mask, not a branch or a ?: (which GCC 12 keeps as control flow): loops
  // of conversions then vectorize; float16 attention on AVX2 ran 3x slower
  // than float32 before.
  const uint32_t is_special = 0u - uint32_t(magnitude >= 0x7c00u);  // all ones or zero
  return bits_float((special & is_special) | (finite & ~is_special) | sign);
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
