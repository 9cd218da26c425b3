// ggml tensor types as whisper.cpp's .bin files store them, decoded to
// float32 for the converter: f32, f16 and q8_0 (blocks of 32 int8 values
// sharing one f16 scale). Every other ggml type is known by name only, so a
// file using one is refused with that name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xattn {
namespace convert {

enum class GgmlType : uint32_t { kF32 = 0, kF16 = 1, kQ8_0 = 8 };

constexpr size_t kQ8_0Block = 32;        // values per q8_0 block
constexpr size_t kQ8_0BlockBytes = 34;   // f16 scale + 32 int8

// "f32", "q4_0", ... or "type 123" for numbers ggml does not define.
std::string ggml_type_name(uint32_t type);

// IEEE half -> float, exact (subnormals, infinities and NaN included).
float half_to_float(uint16_t h);

// Bytes of `count` values of a decodable type (count a multiple of 32 for
// q8_0); 0 for other types.
uint64_t ggml_data_bytes(GgmlType type, uint64_t count);

// Decodes `count` values from little-endian bytes (ggml_data_bytes of them).
void ggml_decode(GgmlType type, const uint8_t* bytes, uint64_t count, float* out);

}  // namespace convert
}  // namespace xattn
