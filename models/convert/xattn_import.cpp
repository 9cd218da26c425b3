#include "xattn_import.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>

#include "file_safety.h"
#include "int4_weights.h"
#include "quantize.h"
#include "tensor_layout.h"
#include "xattn/model.h"

namespace xattn {
namespace convert {
namespace {

namespace tns = format::tensor;

// Little-endian fields, whatever the host's byte order.
uint64_t le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(le(p, 2)); }
uint32_t u32(const uint8_t* p) { return static_cast<uint32_t>(le(p, 4)); }
uint64_t u64(const uint8_t* p) { return le(p, 8); }
float f32(const uint8_t* p) {
  const uint32_t bits = u32(p);
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

std::vector<std::string> tokens(const VocabView& vocab) {
  std::vector<std::string> out;
  for (uint32_t id = 0; id < vocab.size(); ++id) {
    const TokenText t = vocab.token(id);
    out.emplace_back(t.data, t.size);
  }
  return out;
}

// One table entry's tensor, row-major, from a file open_model accepted.
HostTensor read_entry(const uint8_t* b, const uint8_t* e) {
  HostTensor t;
  t.id = u32(e + tns::kId);
  t.dtype = static_cast<format::DType>(e[tns::kDType]);
  t.rows = u32(e + tns::kRows);
  t.cols = u32(e + tns::kCols);
  const uint8_t layout = e[tns::kLayout];
  const uint8_t* data = b + u64(e + tns::kDataOffset);
  const uint8_t* scales = b + u64(e + tns::kScaleOffset);
  const size_t n = static_cast<size_t>(t.rows) * t.cols;
  switch (t.dtype) {
    case format::DType::kUInt8:
      t.blob.assign(data, data + n);
      break;
    case format::DType::kFloat32:
      t.values.resize(n);
      for (uint32_t r = 0; r < t.rows; ++r)
        for (uint32_t c = 0; c < t.cols; ++c) {
          const uint64_t at = layout == format::kLayoutPacked16x1 ? format::packed_f32_offset(t.rows, t.cols, r, c)
                                                                 : static_cast<uint64_t>(r) * t.cols + c;
          t.values[static_cast<size_t>(r) * t.cols + c] = f32(data + 4 * at);
        }
      break;
    case format::DType::kInt8:
      t.q.resize(n);
      for (uint32_t r = 0; r < t.rows; ++r)
        for (uint32_t c = 0; c < t.cols; ++c) {
          const uint64_t at = layout == format::kLayoutPacked16x4 ? format::packed_offset(t.rows, t.cols, r, c)
                                                                 : static_cast<uint64_t>(r) * t.cols + c;
          t.q[static_cast<size_t>(r) * t.cols + c] = static_cast<int8_t>(data[at]);
        }
      for (uint32_t r = 0; r < t.rows; ++r) t.scales.push_back(f32(scales + 4ull * r));
      break;
    case format::DType::kInt4: {
      const uint8_t* subs = data + format::int4_nibble_bytes(t.rows, t.cols);
      t.q.resize(n);
      t.group_scales.resize(n / format::kInt4Group);
      for (uint32_t r = 0; r < t.rows; ++r) {
        for (uint32_t c = 0; c < t.cols; ++c) {
          const uint8_t byte = data[format::int4_nibble_offset(t.cols, r, c)];
          t.q[static_cast<size_t>(r) * t.cols + c] =
              static_cast<int8_t>(c % 8 < 4 ? format::int4_low(byte) : format::int4_high(byte));
        }
        for (uint32_t g = 0; g < t.cols / format::kInt4Group; ++g)
          t.group_scales[static_cast<size_t>(r) * (t.cols / format::kInt4Group) + g] =
              subs[format::int4_group_scale_offset(t.cols, r, g * format::kInt4Group)];
        t.scales.push_back(f32(scales + 4ull * r));
      }
      break;
    }
  }
  return t;
}

}  // namespace

std::string import_xattn_bytes(const std::string& bytes, WeightType weights, ImportResult* out) {
  // open_model reads tensors in place: a 64-aligned copy.
  std::unique_ptr<uint8_t[]> storage(new uint8_t[bytes.size() + format::kAlignment]);
  uint8_t* b = storage.get() + (format::kAlignment - reinterpret_cast<uintptr_t>(storage.get()) % format::kAlignment);
  std::memcpy(b, bytes.data(), bytes.size());
  std::unique_ptr<ModelView> view(new ModelView());
  const Status status = open_model(b, bytes.size(), view.get());
  if (!status) return std::string("not a valid xattn model: ") + status.message();
  XattnModelContents& m = out->model;
  m.config = view->config;
  m.source_vocab = tokens(view->source_vocab);
  m.target_vocab = tokens(view->target_vocab);
  const uint8_t* table = b + u32(b + format::header::kTensorTableOffset);
  std::map<uint64_t, size_t> first_at_offset;  // data offset -> index in m.tensors
  bool quantized_input = false;
  for (uint32_t i = 0; i < view->tensor_count; ++i) {
    const uint8_t* e = table + static_cast<size_t>(i) * tns::kSize;
    const uint64_t offset = u64(e + tns::kDataOffset);
    const auto first = first_at_offset.find(offset);
    HostTensor t;
    if ((u16(e + tns::kFlags) & format::kTensorShared) != 0 && first != first_at_offset.end()) {
      t = m.tensors[first->second];
      t.shares = t.id;
      t.id = u32(e + tns::kId);
    } else {
      t = read_entry(b, e);
      first_at_offset[offset] = m.tensors.size();
    }
    quantized_input |= t.dtype == format::DType::kInt8 || t.dtype == format::DType::kInt4;
    m.tensors.push_back(std::move(t));
  }
  std::map<uint32_t, bool> may_be_int8;
  for (const ExpectedTensor& e : expected_tensors(m.config)) may_be_int8[e.id] = e.may_be_int8;
  for (HostTensor& t : m.tensors) {
    if (t.dtype == format::DType::kUInt8) continue;
    if (weights == WeightType::kInt8 && may_be_int8[t.id]) {
      to_int8(&t);  // int8 stays exactly as it was
    } else {
      to_float32(&t);
    }
  }
  if (weights == WeightType::kInt4) {
    quantize_int4_weights(&m);
    if (quantized_input) out->warnings.push_back("the input's weights were already quantized: int4 from them adds to that error (convert from float32 weights when you have them)");
  }
  return "";
}

std::string import_xattn_file(const std::string& path, WeightType weights, ImportResult* out) {
  std::string error = refuse_unreadable(path);
  if (!error.empty()) return error;
  std::ifstream file(path, std::ios::binary);
  if (!file) return "cannot open " + path;
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) return "cannot read " + path;
  return import_xattn_bytes(bytes, weights, out);
}

}  // namespace convert
}  // namespace xattn
