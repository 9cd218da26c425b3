// Reading CTranslate2's model.bin (binary versions 1 to 6) into memory.
//
// Layout (little-endian): u32 binary_version; from version 2 a string spec
// and u32 spec_revision; u32 num_variables, each: string name, u8 rank,
// rank x u32 dims, then (versions 1-3) u8 item_size + u32 count or
// (versions 4+) u8 dtype + u32 num_bytes, then the raw data; from version 3,
// u32 num_aliases and (alias, target) string pairs. A string is u16 length
// (counting a trailing NUL) + bytes. Every read is bounds-checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xattn {
namespace convert {

// CTranslate2's DataType enum (include/ctranslate2/types.h), as stored from
// binary version 4 on. Versions 1-3 stored an item size: 4 float32, 2 int16, 1 int8.
enum class Ct2DType : uint8_t {
  kFloat32 = 0,
  kInt8 = 1,
  kInt16 = 2,
  kInt32 = 3,
  kFloat16 = 4,
  kBFloat16 = 5,
};

constexpr uint32_t kCt2MaxBinaryVersion = 6;
// CTranslate2 stores int16 weights of old files without a scale; it then uses this one.
constexpr float kCt2GlobalInt16Scale = 1000.0f;

const char* ct2_dtype_name(Ct2DType dtype);
size_t ct2_dtype_size(Ct2DType dtype);

struct Ct2Variable {
  std::string name;             // spec revision 1 names are mapped to the current names
  std::vector<uint32_t> shape;  // empty for a scalar
  Ct2DType dtype = Ct2DType::kFloat32;
  std::vector<uint8_t> data;    // raw little-endian bytes, elements() x dtype size

  uint64_t elements() const;
  bool is_scalar() const { return shape.empty(); }
  std::string shape_text() const;  // "[43, 32]", "[]" for a scalar
};

struct Ct2Model {
  uint32_t binary_version = 0;
  std::string spec;            // "" for version 1 (CTranslate2 then assumes TransformerBase)
  uint32_t spec_revision = 1;  // 1 for version 1
  std::vector<Ct2Variable> variables;
  std::vector<std::pair<std::string, std::string>> aliases;  // (alias, variable name)

  const Ct2Variable* find_variable(const std::string& name) const;  // no alias lookup
};

// Parses model.bin bytes. Returns "" on success, else a one-line error.
std::string parse_ct2_model(const uint8_t* bytes, size_t size, Ct2Model* out);
std::string read_ct2_model(const std::string& path, Ct2Model* out);

// Spec revision 1 (binary version 1) used OpenNMT-tf's names, e.g.
// transformer/encoder/layer_0/multi_head/conv1d/kernel:0; this gives the
// current name (encoder/layer_0/self_attention/linear_0/weight), as CTranslate2 does.
std::string map_v1_variable_name(std::string name);

// Every element as float: float32, float16 and bfloat16 converted exactly;
// integer dtypes converted by value (not dequantized).
std::vector<float> ct2_values_as_float(const Ct2Variable& variable);
// A scalar's value as a double (any dtype); false if not a scalar.
bool ct2_scalar_value(const Ct2Variable& variable, double* out);

}  // namespace convert
}  // namespace xattn
