#include "ggml_types.h"

#include <cmath>
#include <cstring>

namespace xattn {
namespace convert {

std::string ggml_type_name(uint32_t type) {
  // ggml's enum ggml_type; 4, 5, 31-33 and 36-38 are retired numbers.
  static const char* const kNames[] = {
      "f32",     "f16",    "q4_0",    "q4_1",  "type 4", "type 5", "q5_0",   "q5_1",    "q8_0",    "q8_1",
      "q2_k",    "q3_k",   "q4_k",    "q5_k",  "q6_k",   "q8_k",   "iq2_xxs", "iq2_xs", "iq3_xxs", "iq1_s",
      "iq4_nl",  "iq3_s",  "iq2_s",   "iq4_xs", "i8",    "i16",    "i32",    "i64",     "f64",     "iq1_m",
      "bf16",    "type 31", "type 32", "type 33", "tq1_0", "tq2_0", "type 36", "type 37", "type 38", "mxfp4"};
  if (type < sizeof kNames / sizeof kNames[0]) return kNames[type];
  return "type " + std::to_string(type);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) ? 1u : 0u;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  const uint32_t mantissa = h & 0x3FFu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero or subnormal
  } else if (exponent == 31) {
    magnitude = mantissa ? NAN : INFINITY;
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  }
  return sign ? -magnitude : magnitude;
}

uint64_t ggml_data_bytes(GgmlType type, uint64_t count) {
  switch (type) {
    case GgmlType::kF32: return count * 4;
    case GgmlType::kF16: return count * 2;
    case GgmlType::kQ8_0: return count / kQ8_0Block * kQ8_0BlockBytes;
  }
  return 0;
}

void ggml_decode(GgmlType type, const uint8_t* bytes, uint64_t count, float* out) {
  switch (type) {
    case GgmlType::kF32:
      for (uint64_t i = 0; i < count; ++i) {
        const uint32_t w = static_cast<uint32_t>(bytes[4 * i]) | static_cast<uint32_t>(bytes[4 * i + 1]) << 8 |
                           static_cast<uint32_t>(bytes[4 * i + 2]) << 16 | static_cast<uint32_t>(bytes[4 * i + 3]) << 24;
        std::memcpy(&out[i], &w, 4);
      }
      return;
    case GgmlType::kF16:
      for (uint64_t i = 0; i < count; ++i)
        out[i] = half_to_float(static_cast<uint16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8));
      return;
    case GgmlType::kQ8_0:
      for (uint64_t b = 0; b < count / kQ8_0Block; ++b) {
        const uint8_t* block = bytes + b * kQ8_0BlockBytes;
        const float scale = half_to_float(static_cast<uint16_t>(block[0] | block[1] << 8));
        for (size_t j = 0; j < kQ8_0Block; ++j)
          out[b * kQ8_0Block + j] = scale * static_cast<float>(static_cast<int8_t>(block[2 + j]));
      }
      return;
  }
}

}  // namespace convert
}  // namespace xattn
