#include "ct2_model.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include "file_safety.h"

namespace xattn {
namespace convert {
namespace {

class Reader {
 public:
  Reader(const uint8_t* bytes, size_t size) : bytes_(bytes), size_(size) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  const uint8_t* take(size_t n, const std::string& what) {
    if (n > remaining())
      throw std::runtime_error("truncated: " + what + " needs " + std::to_string(n) +
                               " bytes at offset " + std::to_string(pos_) + ", only " +
                               std::to_string(remaining()) + " left");
    const uint8_t* p = bytes_ + pos_;
    pos_ += n;
    return p;
  }
  uint8_t u8(const std::string& what) { return *take(1, what); }
  uint16_t u16(const std::string& what) {
    const uint8_t* p = take(2, what);
    return static_cast<uint16_t>(p[0] | (p[1] << 8));
  }
  uint32_t u32(const std::string& what) {
    const uint8_t* p = take(4, what);
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
           (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  }
  std::string str(const std::string& what) {
    const size_t length = u16(what + " length");
    if (length == 0) throw std::runtime_error("" + what + " at offset " +
                                              std::to_string(pos_ - 2) + " has length 0");
    const uint8_t* p = take(length, what);
    if (p[length - 1] != 0)
      throw std::runtime_error("" + what + " at offset " + std::to_string(pos_ - length) +
                               " is not NUL-terminated");
    // CTranslate2 reads the string as a C string: it ends at the first NUL.
    return std::string(reinterpret_cast<const char*>(p), strnlen(reinterpret_cast<const char*>(p), length));
  }

 private:
  const uint8_t* bytes_;
  size_t size_;
  size_t pos_ = 0;
};

bool replace_first(std::string& text, const char* from, const char* to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) return false;
  text.replace(at, std::strlen(from), to);
  return true;
}

Ct2DType dtype_from_item_size(uint8_t item_size, const std::string& name) {
  switch (item_size) {
    case 4: return Ct2DType::kFloat32;
    case 2: return Ct2DType::kInt16;
    case 1: return Ct2DType::kInt8;
    default:
      throw std::runtime_error("variable " + name + " has unsupported item size " +
                               std::to_string(item_size));
  }
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf / nan
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal half: normalise
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

void parse(const uint8_t* bytes, size_t size, Ct2Model* model) {
  Reader in(bytes, size);
  model->binary_version = in.u32("binary version");
  if (model->binary_version < 1 || model->binary_version > kCt2MaxBinaryVersion)
    throw std::runtime_error("unsupported binary version " +
                             std::to_string(model->binary_version) + " (supported: 1 to " +
                             std::to_string(kCt2MaxBinaryVersion) + ")");
  if (model->binary_version >= 2) {
    model->spec = in.str("spec name");
    model->spec_revision = in.u32("spec revision");
  }
  const bool map_names = model->spec_revision == 1;
  const uint32_t count = in.u32("variable count");
  // Each variable takes at least 9 bytes: a cheap bound before reserving.
  if (count > in.remaining() / 9)
    throw std::runtime_error("truncated: " + std::to_string(count) +
                             " variables cannot fit in " + std::to_string(in.remaining()) + " bytes");
  std::set<std::string> seen;
  model->variables.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Ct2Variable v;
    v.name = in.str("name of variable " + std::to_string(i));
    if (map_names) v.name = map_v1_variable_name(v.name);
    const uint8_t rank = in.u8("rank of " + v.name);
    if (rank > 8) throw std::runtime_error("variable " + v.name + " has rank " + std::to_string(rank));
    for (uint8_t d = 0; d < rank; ++d) v.shape.push_back(in.u32("dimensions of " + v.name));
    uint64_t num_bytes;
    if (model->binary_version >= 4) {
      const uint8_t id = in.u8("dtype of " + v.name);
      if (id > static_cast<uint8_t>(Ct2DType::kBFloat16))
        throw std::runtime_error("variable " + v.name + " has unknown dtype " + std::to_string(id));
      v.dtype = static_cast<Ct2DType>(id);
      num_bytes = in.u32("byte count of " + v.name);
    } else {
      const uint8_t item_size = in.u8("item size of " + v.name);
      v.dtype = dtype_from_item_size(item_size, v.name);
      const uint32_t items = in.u32("item count of " + v.name);
      if (items != v.elements())
        throw std::runtime_error("variable " + v.name + " " + v.shape_text() + " stores " +
                                 std::to_string(items) + " items, expected " + std::to_string(v.elements()));
      num_bytes = static_cast<uint64_t>(items) * item_size;
    }
    const uint64_t elements = v.elements();
    if (elements > size || num_bytes != elements * ct2_dtype_size(v.dtype))
      throw std::runtime_error("variable " + v.name + " " + v.shape_text() + " " +
                               ct2_dtype_name(v.dtype) + " has " + std::to_string(num_bytes) +
                               " data bytes, expected " + std::to_string(elements * ct2_dtype_size(v.dtype)));
    const uint8_t* data = in.take(static_cast<size_t>(num_bytes), "data of " + v.name);
    v.data.assign(data, data + num_bytes);
    if (!seen.insert(v.name).second) throw std::runtime_error("duplicate variable " + v.name);
    model->variables.push_back(std::move(v));
  }
  if (model->binary_version >= 3) {
    const uint32_t aliases = in.u32("alias count");
    if (aliases > in.remaining() / 6)
      throw std::runtime_error("truncated: " + std::to_string(aliases) +
                               " aliases cannot fit in " + std::to_string(in.remaining()) + " bytes");
    for (uint32_t i = 0; i < aliases; ++i) {
      std::string alias = in.str("alias " + std::to_string(i));
      std::string target = in.str("target of alias " + alias);
      if (map_names) {
        alias = map_v1_variable_name(alias);
        target = map_v1_variable_name(target);
      }
      if (!seen.insert(alias).second) throw std::runtime_error("alias " + alias + " redefines a name");
      model->aliases.emplace_back(std::move(alias), std::move(target));
    }
  }
  if (in.remaining() != 0)
    throw std::runtime_error("" + std::to_string(in.remaining()) +
                             " unexpected bytes after the last record at offset " + std::to_string(in.position()));
}

}  // namespace

const char* ct2_dtype_name(Ct2DType dtype) {
  switch (dtype) {
    case Ct2DType::kFloat32: return "float32";
    case Ct2DType::kInt8: return "int8";
    case Ct2DType::kInt16: return "int16";
    case Ct2DType::kInt32: return "int32";
    case Ct2DType::kFloat16: return "float16";
    case Ct2DType::kBFloat16: return "bfloat16";
  }
  return "unknown";
}

size_t ct2_dtype_size(Ct2DType dtype) {
  switch (dtype) {
    case Ct2DType::kFloat32: case Ct2DType::kInt32: return 4;
    case Ct2DType::kInt16: case Ct2DType::kFloat16: case Ct2DType::kBFloat16: return 2;
    case Ct2DType::kInt8: return 1;
  }
  return 1;
}

uint64_t Ct2Variable::elements() const {
  uint64_t n = 1;
  for (uint32_t d : shape) {
    n *= d;
    if (n > (uint64_t{1} << 40)) return uint64_t{1} << 40;  // saturate: no real file gets near
  }
  return n;
}

std::string Ct2Variable::shape_text() const {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

const Ct2Variable* Ct2Model::find_variable(const std::string& name) const {
  for (const Ct2Variable& v : variables)
    if (v.name == name) return &v;
  return nullptr;
}

std::string map_v1_variable_name(std::string name) {
  replace_first(name, "transformer/", "");
  replace_first(name, ":0", "");
  replace_first(name, "w_embs", "embeddings/weight");
  replace_first(name, "kernel", "weight");
  replace_first(name, "LayerNorm", "layer_norm");
  replace_first(name, "dense", "projection");
  replace_first(name, "conv1d_", "linear_");
  replace_first(name, "conv1d", "linear_0");
  if (name.find("encoder") != std::string::npos) {
    replace_first(name, "multi_head", "self_attention");
  } else {
    replace_first(name, "masked_multi_head", "self_attention");
    replace_first(name, "multi_head", "attention");
  }
  return name;
}

std::vector<float> ct2_values_as_float(const Ct2Variable& v) {
  const size_t n = static_cast<size_t>(v.elements());
  std::vector<float> out(n);
  const uint8_t* p = v.data.data();
  for (size_t i = 0; i < n; ++i) {
    switch (v.dtype) {
      case Ct2DType::kFloat32: std::memcpy(&out[i], p + 4 * i, 4); break;
      case Ct2DType::kInt32: {
        int32_t x;
        std::memcpy(&x, p + 4 * i, 4);
        out[i] = static_cast<float>(x);
        break;
      }
      case Ct2DType::kInt16: {
        int16_t x;
        std::memcpy(&x, p + 2 * i, 2);
        out[i] = static_cast<float>(x);
        break;
      }
      case Ct2DType::kInt8: out[i] = static_cast<float>(static_cast<int8_t>(p[i])); break;
      case Ct2DType::kFloat16: out[i] = half_to_float(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8))); break;
      case Ct2DType::kBFloat16: {
        const uint32_t bits = static_cast<uint32_t>(p[2 * i] | (p[2 * i + 1] << 8)) << 16;
        std::memcpy(&out[i], &bits, 4);
        break;
      }
    }
  }
  return out;
}

bool ct2_scalar_value(const Ct2Variable& v, double* out) {
  if (!v.is_scalar() || v.data.size() != ct2_dtype_size(v.dtype)) return false;
  *out = static_cast<double>(ct2_values_as_float(v)[0]);
  if (v.dtype == Ct2DType::kInt32) {  // int32 may exceed float precision
    int32_t x;
    std::memcpy(&x, v.data.data(), 4);
    *out = x;
  }
  return true;
}

std::string parse_ct2_model(const uint8_t* bytes, size_t size, Ct2Model* out) {
  try {
    Ct2Model model;
    parse(bytes, size, &model);
    *out = std::move(model);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::string read_ct2_model(const std::string& path, Ct2Model* out) {
  const std::string refused = refuse_unreadable(path);
  if (!refused.empty()) return refused;
  std::ifstream file(path, std::ios::binary);
  if (!file) return "cannot open " + path;
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) return "cannot read " + path;
  const std::string error = parse_ct2_model(bytes.data(), bytes.size(), out);
  return error.empty() ? error : path + ": " + error;
}

}  // namespace convert
}  // namespace xattn
