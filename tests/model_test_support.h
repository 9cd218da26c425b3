// Helpers shared by test_model_reader.cpp and test_model_corruption.cpp:
// exact-size 64-byte aligned copies of model bytes (so a read past the end is
// an ASan error, not a silent read of slack), little-endian field patching,
// checksum repair, and small synthetic models built with the real writer.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "aligned_bytes.h"
#include "synthetic_tensors.h"
#include "tensor_layout.h"
#include "xattn/format.h"
#include "xattn/model.h"
#include "xattn/tensor_id.h"
#include "xattn_writer.h"

namespace model_test {

namespace fmt = xattn::format;
using Bytes = std::vector<uint8_t>;

using xattn_test::AlignedBytes;

inline uint32_t get_u32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t(p[3]) << 24); }
inline uint64_t get_u64(const uint8_t* p) { return get_u32(p) | (uint64_t(get_u32(p + 4)) << 32); }
inline uint32_t get_u32(const Bytes& b, size_t at) { return get_u32(b.data() + at); }
inline uint64_t get_u64(const Bytes& b, size_t at) { return get_u64(b.data() + at); }
inline void put_u32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.at(at + i) = uint8_t(v >> (8 * i));
}
inline void put_u64(Bytes& b, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.at(at + i) = uint8_t(v >> (8 * i));
}
inline void put_f32(Bytes& b, size_t at, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  put_u32(b, at, bits);
}
inline void fix_checksum(Bytes& b) { put_u32(b, fmt::header::kChecksum, xattn::model_checksum(b.data(), b.size())); }

// A model view on the heap (it holds kMaxLayers layers of views).
inline std::unique_ptr<xattn::ModelView> new_view() { return std::unique_ptr<xattn::ModelView>(new xattn::ModelView); }

// Opens an aligned exact-size copy of the first `size` bytes of `b`.
inline xattn::Status open_copy(const Bytes& b, size_t size, xattn::OpenOptions options = {}) {
  AlignedBytes copy(b.data(), size);
  auto view = new_view();
  return xattn::open_model(copy.data(), copy.size(), view.get(), options);
}
inline xattn::Status open_copy(const Bytes& b, xattn::OpenOptions options = {}) {
  return open_copy(b, b.size(), options);
}

inline std::string tensor_name(uint32_t id) {
  char name[64];
  return xattn::tensor_name(id, name, sizeof name) ? std::string(name) : std::string("?");
}

// Byte offsets of the file's parts, read back from the header.
struct Layout {
  uint32_t source_vocab, source_vocab_size, target_vocab, target_vocab_size, table, count;
  explicit Layout(const Bytes& b)
      : source_vocab(get_u32(b, fmt::header::kSourceVocabOffset)),
        source_vocab_size(get_u32(b, fmt::header::kSourceVocabSize)),
        target_vocab(get_u32(b, fmt::header::kTargetVocabOffset)),
        target_vocab_size(get_u32(b, fmt::header::kTargetVocabSize)),
        table(get_u32(b, fmt::header::kTensorTableOffset)),
        count(get_u32(b, fmt::header::kTensorCount)) {}
  size_t entry(uint32_t index) const { return table + size_t(index) * fmt::tensor::kSize; }
  size_t table_end() const { return entry(count); }
};

// The table entry offset of tensor `id` (REQUIREs that it exists).
inline size_t entry_of(const Bytes& b, uint32_t id) {
  const Layout l(b);
  for (uint32_t i = 0; i < l.count; ++i)
    if (get_u32(b, l.entry(i) + fmt::tensor::kId) == id) return l.entry(i);
  FAIL("tensor " << tensor_name(id) << " not in the table");
  return 0;
}

struct SyntheticOptions {
  bool int8 = false;
  xattn::NormPlacement norm = xattn::NormPlacement::kPreNorm;
  uint32_t seed = 1;
  uint32_t layers = 2;  // encoder and decoder each
  uint32_t d_model = 16;
  uint32_t ffn_dim = 32;
  bool pack_weights = true;  // linear weights in format layouts 1 and 2, as the converter writes them
};

// 1+1 layers, d_model 8, ffn 16 (~10 KB): for sweeps that open it thousands of times.
inline SyntheticOptions tiny_options() {
  SyntheticOptions o;
  o.layers = 1;
  o.d_model = 8;
  o.ffn_dim = 16;
  return o;
}

// By default 2+2 layers, d_model 16, 2 heads, ffn 32 (~50 KB), 10-token
// vocabularies whose ids are not in sorted order (so the sorted index is a
// real permutation).
inline xattn::convert::XattnModelContents synthetic_contents(const SyntheticOptions& o = {}) {
  xattn::convert::XattnModelContents m;
  xattn::ModelConfig& c = m.config;
  c.encoder_layers = o.layers;
  c.decoder_layers = o.layers;
  c.d_model = o.d_model;
  c.num_heads = 2;
  c.ffn_dim = o.ffn_dim;
  c.source_vocab_size = 10;
  c.target_vocab_size = 10;
  c.max_positions = 64;
  c.activation = xattn::Activation::kGeluTanh;
  c.norm = o.norm;
  c.embedding_scale = 4.0f;
  c.layer_norm_epsilon = 1e-6f;
  c.target_tokens = xattn::SpecialTokens{0, 1, 2, 9};
  c.alignment_layer = o.layers - 1;
  c.activation_rounding = xattn::Rounding::kFloor;  // not the default: the reader must read it back
  m.pack_weights = o.pack_weights;
  xattn_test::set_test_vocabularies(&m);
  xattn_test::add_random_tensors(&m, o.int8, o.seed);
  return m;
}

inline Bytes write_model(const xattn::convert::XattnModelContents& m) {
  Bytes out;
  const std::string error = xattn::convert::write_xattn_model(m, &out);
  REQUIRE_MESSAGE(error.empty(), error);
  return out;
}

inline Bytes synthetic_model(const SyntheticOptions& o = {}) { return write_model(synthetic_contents(o)); }

}  // namespace model_test
