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
#include "xattn/format.h"
#include "xattn/model.h"

namespace xattn {
namespace convert {
namespace {

namespace tns = format::tensor;

using format::load_f32;
using format::load_u16;
using format::load_u32;
using format::load_u64;

std::vector<std::string> tokens(const VocabView& vocab) {
  std::vector<std::string> out;
  for (uint32_t id = 0; id < vocab.size(); ++id) {
    const TokenText t = vocab.token(id);
    out.emplace_back(t.data, t.size);
  }
  return out;
}

// Calls set(i, r, c) for every element (r, c) of a rows x cols matrix, with
// i = r * cols + c its row-major index: each dtype's unpacking below is this
// loop over its own offset function.
template <class Set>
void each_element(uint32_t rows, uint32_t cols, Set&& set) {
  for (uint32_t r = 0; r < rows; ++r)
    for (uint32_t c = 0; c < cols; ++c) set(static_cast<size_t>(r) * cols + c, r, c);
}

// One table entry's tensor, row-major, from a file open_model accepted.
HostTensor read_entry(const uint8_t* b, const uint8_t* e) {
  HostTensor t;
  t.id = load_u32(e + tns::kId);
  t.dtype = static_cast<format::DType>(e[tns::kDType]);
  t.rows = load_u32(e + tns::kRows);
  t.cols = load_u32(e + tns::kCols);
  const uint8_t layout = e[tns::kLayout];
  const uint8_t* data = b + load_u64(e + tns::kDataOffset);
  const uint8_t* scales = b + load_u64(e + tns::kScaleOffset);
  const size_t n = static_cast<size_t>(t.rows) * t.cols;
  const uint32_t rows = t.rows, cols = t.cols;
  switch (t.dtype) {
    case format::DType::kUInt8:
      t.blob.assign(data, data + n);
      return t;
    case format::DType::kFloat32: {
      const bool packed = layout == format::kLayoutPacked16x1;
      t.values.resize(n);
      each_element(rows, cols, [&](size_t i, uint32_t r, uint32_t c) {
        t.values[i] = load_f32(data + 4 * (packed ? format::packed_f32_offset(rows, cols, r, c) : i));
      });
      return t;
    }
    case format::DType::kInt8: {
      const bool packed = layout == format::kLayoutPacked16x4;
      t.q.resize(n);
      each_element(rows, cols, [&](size_t i, uint32_t r, uint32_t c) {
        t.q[i] = static_cast<int8_t>(data[packed ? format::packed_offset(rows, cols, r, c) : i]);
      });
      break;
    }
    case format::DType::kInt4: {
      const uint8_t* subs = data + format::int4_nibble_bytes(rows, cols);
      const uint32_t groups = cols / format::kInt4Group;
      t.q.resize(n);
      each_element(rows, cols, [&](size_t i, uint32_t r, uint32_t c) {
        const uint8_t byte = data[format::int4_nibble_offset(cols, r, c)];
        t.q[i] = static_cast<int8_t>(c % 8 < 4 ? format::int4_low(byte) : format::int4_high(byte));
      });
      t.group_scales.resize(n / format::kInt4Group);
      each_element(rows, groups, [&](size_t i, uint32_t r, uint32_t g) {
        t.group_scales[i] = subs[format::int4_group_scale_offset(cols, r, g * format::kInt4Group)];
      });
      break;
    }
  }
  for (uint32_t r = 0; r < rows; ++r) t.scales.push_back(load_f32(scales + 4ull * r));  // int8 and int4
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
  const uint8_t* table = b + load_u32(b + format::header::kTensorTableOffset);
  std::map<uint64_t, size_t> first_at_offset;  // data offset -> index in m.tensors
  bool quantized_input = false;
  for (uint32_t i = 0; i < view->tensor_count; ++i) {
    const uint8_t* e = table + static_cast<size_t>(i) * tns::kSize;
    const uint64_t offset = load_u64(e + tns::kDataOffset);
    const auto first = first_at_offset.find(offset);
    HostTensor t;
    if ((load_u16(e + tns::kFlags) & format::kTensorShared) != 0 && first != first_at_offset.end()) {
      t = m.tensors[first->second];
      t.shares = t.id;
      t.id = load_u32(e + tns::kId);
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
