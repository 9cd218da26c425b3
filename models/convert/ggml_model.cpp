#include "ggml_model.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "file_safety.h"
#include "ggml_types.h"
#include "xattn/audio.h"
#include "xattn/config.h"

namespace xattn {
namespace convert {
namespace {

constexpr uint32_t kMagic = 0x67676d6c;  // "ggml"
constexpr int32_t kMaxHparam = 1 << 20;
constexpr uint32_t kMaxDims = 4;
constexpr uint32_t kMaxName = 1024;

// A bounds-checked little-endian cursor over the file.
class Reader {
 public:
  Reader(const uint8_t* bytes, size_t size) : p_(bytes), size_(size) {}
  bool i32(int32_t* v) {
    if (remaining() < 4) return false;
    const uint8_t* b = p_ + at_;
    *v = static_cast<int32_t>(static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
                              static_cast<uint32_t>(b[2]) << 16 | static_cast<uint32_t>(b[3]) << 24);
    at_ += 4;
    return true;
  }
  const uint8_t* take(uint64_t n) {
    if (remaining() < n) return nullptr;
    const uint8_t* b = p_ + at_;
    at_ += static_cast<size_t>(n);
    return b;
  }
  uint64_t remaining() const { return size_ - at_; }
  size_t offset() const { return at_; }

 private:
  const uint8_t* p_;
  size_t size_;
  size_t at_ = 0;
};

std::string truncated(const char* what, const Reader& r) {
  return std::string("ggml: file ends in the ") + what + " (offset " + std::to_string(r.offset()) + ")";
}

std::string read_hparams(Reader* r, GgmlHparams* h) {
  int32_t* fields[] = {&h->n_vocab, &h->n_audio_ctx, &h->n_audio_state, &h->n_audio_head, &h->n_audio_layer,
                       &h->n_text_ctx, &h->n_text_state, &h->n_text_head, &h->n_text_layer, &h->n_mels,
                       &h->ftype};
  static const char* const kNames[] = {"n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head",
                                       "n_audio_layer", "n_text_ctx", "n_text_state", "n_text_head",
                                       "n_text_layer", "n_mels", "ftype"};
  for (size_t i = 0; i < 11; ++i) {
    if (!r->i32(fields[i])) return truncated("hyperparameters", *r);
    const int32_t lowest = i == 10 ? 0 : 1;
    if (*fields[i] < lowest || *fields[i] > kMaxHparam)
      return std::string("ggml: hyperparameter ") + kNames[i] + " = " + std::to_string(*fields[i]) + " out of range";
  }
  // Before any list of a million layers' tensor names is built from them.
  for (const int32_t* layers : {&h->n_audio_layer, &h->n_text_layer})
    if (*layers > static_cast<int32_t>(kMaxLayers))
      return std::string("ggml: hyperparameter ") + (layers == &h->n_audio_layer ? "n_audio_layer" : "n_text_layer") +
             " = " + std::to_string(*layers) + ": xattn runs at most " + std::to_string(kMaxLayers) + " layers";
  return "";
}

std::string read_mel_filters(Reader* r, GgmlModel* m) {
  int32_t rows = 0, cols = 0;
  if (!r->i32(&rows) || !r->i32(&cols)) return truncated("mel filter header", *r);
  if (rows != m->hparams.n_mels || cols != static_cast<int32_t>(kMelFftBins))
    return "ggml: mel filters " + std::to_string(rows) + "x" + std::to_string(cols) + ", expected " +
           std::to_string(m->hparams.n_mels) + "x201";
  m->mel_rows = static_cast<uint32_t>(rows);
  m->mel_cols = static_cast<uint32_t>(cols);
  const uint64_t count = static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols);
  const uint8_t* data = r->take(count * 4);
  if (!data) return truncated("mel filters", *r);
  m->mel_filters.resize(static_cast<size_t>(count));
  ggml_decode(GgmlType::kF32, data, count, m->mel_filters.data());
  return "";
}

std::string read_vocabulary(Reader* r, GgmlModel* m) {
  int32_t n = 0;
  if (!r->i32(&n)) return truncated("vocabulary size", *r);
  // Each token takes at least its 4-byte length.
  if (n < 0 || static_cast<uint64_t>(n) * 4 > r->remaining())
    return "ggml: vocabulary of " + std::to_string(n) + " tokens does not fit in the file";
  m->vocabulary.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    int32_t length = 0;
    if (!r->i32(&length)) return truncated("vocabulary", *r);
    const uint8_t* text = length >= 0 ? r->take(static_cast<uint64_t>(length)) : nullptr;
    if (!text) return "ggml: token " + std::to_string(i) + " of " + std::to_string(length) + " bytes does not fit";
    m->vocabulary.emplace_back(reinterpret_cast<const char*>(text), static_cast<size_t>(length));
  }
  return "";
}

std::string read_tensor(Reader* r, GgmlTensor* t) {
  int32_t n_dims = 0, name_length = 0, type = 0;
  if (!r->i32(&n_dims) || !r->i32(&name_length) || !r->i32(&type)) return truncated("tensor header", *r);
  if (n_dims < 1 || static_cast<uint32_t>(n_dims) > kMaxDims)
    return "ggml: tensor with " + std::to_string(n_dims) + " dimensions (offset " + std::to_string(r->offset()) + ")";
  if (name_length < 1 || static_cast<uint32_t>(name_length) > kMaxName)
    return "ggml: tensor name of " + std::to_string(name_length) + " bytes (offset " + std::to_string(r->offset()) +
           ")";
  int64_t dims[kMaxDims];
  uint64_t count = 1;
  for (int32_t i = 0; i < n_dims; ++i) {
    int32_t d = 0;
    if (!r->i32(&d)) return truncated("tensor dimensions", *r);
    if (d < 1) return "ggml: tensor dimension " + std::to_string(d) + " (offset " + std::to_string(r->offset()) + ")";
    dims[i] = d;
    count *= static_cast<uint64_t>(d);
    if (count > r->remaining()) return truncated("tensor data", *r);  // every value takes at least one byte
  }
  const uint8_t* name = r->take(static_cast<uint64_t>(name_length));
  if (!name) return truncated("tensor name", *r);
  t->name.assign(reinterpret_cast<const char*>(name), static_cast<size_t>(name_length));
  t->type = static_cast<uint32_t>(type);
  t->shape.assign(std::make_reverse_iterator(dims + n_dims), std::make_reverse_iterator(dims));
  const GgmlType kind = static_cast<GgmlType>(type);
  if (kind != GgmlType::kF32 && kind != GgmlType::kF16 && kind != GgmlType::kQ8_0)
    return "ggml: tensor " + t->name + " is " + ggml_type_name(t->type) + ", only f32, f16 and q8_0 are read";
  if (kind == GgmlType::kQ8_0 && dims[0] % kQ8_0Block != 0)
    return "ggml: tensor " + t->name + " is q8_0 with rows of " + std::to_string(dims[0]) +
           " values, not a multiple of 32";
  const uint8_t* data = r->take(ggml_data_bytes(kind, count));
  if (!data)
    return "ggml: tensor " + t->name + " needs " + std::to_string(ggml_data_bytes(kind, count)) + " bytes, only " +
           std::to_string(r->remaining()) + " left (truncated file)";
  t->values.resize(static_cast<size_t>(count));
  ggml_decode(kind, data, count, t->values.data());
  return "";
}

}  // namespace

const GgmlTensor* GgmlModel::find(const std::string& name) const {
  for (const GgmlTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

std::string parse_ggml(const uint8_t* bytes, size_t size, GgmlModel* out) {
  *out = GgmlModel();
  Reader r(bytes, size);
  int32_t magic = 0;
  if (!r.i32(&magic) || static_cast<uint32_t>(magic) != kMagic)
    return "ggml: not a whisper.cpp ggml file (no magic 0x67676d6c)";
  std::string error = read_hparams(&r, &out->hparams);
  if (error.empty()) error = read_mel_filters(&r, out);
  if (error.empty()) error = read_vocabulary(&r, out);
  std::set<std::string> names;
  while (error.empty() && r.remaining() > 0) {
    GgmlTensor t;
    error = read_tensor(&r, &t);
    if (error.empty() && !names.insert(t.name).second) error = "ggml: tensor " + t.name + " appears twice";
    if (error.empty()) out->tensors.push_back(std::move(t));
  }
  return error;
}

std::string read_ggml_file(const std::string& path, GgmlModel* out) {
  const std::string refused = refuse_unreadable(path);
  if (!refused.empty()) return refused;
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot open";
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return path + ": read error";
  const std::string error = parse_ggml(bytes.data(), bytes.size(), out);
  return error.empty() ? "" : path + ": " + error;
}

}  // namespace convert
}  // namespace xattn
