#include "xattn_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "tensor_layout.h"
#include "weight_packing.h"
#include "xattn/tensor_id.h"
#include "xattn/format.h"
#include "xattn/model.h"

namespace xattn {
namespace convert {
namespace {

namespace hdr = format::header;
namespace cfg = format::config;
namespace tns = format::tensor;

void put_u8(std::vector<uint8_t>& b, size_t at, uint8_t v) { b[at] = v; }
void put_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_u64(std::vector<uint8_t>& b, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_f32(std::vector<uint8_t>& b, size_t at, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  put_u32(b, at, bits);
}

size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

// Grows the buffer (zero-filled) to `alignment` and returns the new end.
size_t pad_to(std::vector<uint8_t>& b, size_t alignment) {
  b.resize(align_up(b.size(), alignment), 0);
  return b.size();
}

void write_config(std::vector<uint8_t>& b, size_t at, const ModelConfig& c) {
  put_u32(b, at + cfg::kEncoderLayers, c.encoder_layers);
  put_u32(b, at + cfg::kDecoderLayers, c.decoder_layers);
  put_u32(b, at + cfg::kDModel, c.d_model);
  put_u32(b, at + cfg::kNumHeads, c.num_heads);
  put_u32(b, at + cfg::kFfnDim, c.ffn_dim);
  put_u32(b, at + cfg::kSourceVocabSize, c.source_vocab_size);
  put_u32(b, at + cfg::kTargetVocabSize, c.target_vocab_size);
  put_u32(b, at + cfg::kMaxPositions, c.max_positions);
  put_u8(b, at + cfg::kActivation, static_cast<uint8_t>(c.activation));
  put_u8(b, at + cfg::kNorm, static_cast<uint8_t>(c.norm));
  put_u8(b, at + cfg::kPosition, static_cast<uint8_t>(c.position));
  put_u8(b, at + cfg::kTextMode, static_cast<uint8_t>(c.text_mode));
  put_f32(b, at + cfg::kEmbeddingScale, c.embedding_scale);
  put_f32(b, at + cfg::kLayerNormEpsilon, c.layer_norm_epsilon);
  const SpecialTokens* sides[] = {&c.source_tokens, &c.target_tokens};
  const uint32_t offsets[] = {cfg::kSourceTokens, cfg::kTargetTokens};
  for (int s = 0; s < 2; ++s) {
    put_u32(b, at + offsets[s] + 0, sides[s]->pad);
    put_u32(b, at + offsets[s] + 4, sides[s]->bos);
    put_u32(b, at + offsets[s] + 8, sides[s]->eos);
    put_u32(b, at + offsets[s] + 12, sides[s]->unk);
  }
  put_u32(b, at + cfg::kAlignmentLayer, c.alignment_layer);
  put_u8(b, at + cfg::kActivationRounding, static_cast<uint8_t>(c.activation_rounding));
  put_u8(b, at + cfg::kNormKind, static_cast<uint8_t>(c.norm_kind));
  put_u8(b, at + cfg::kStackFlags, c.stack_flags);
  put_u8(b, at + cfg::kFfnGated, c.ffn_gated ? 1 : 0);
  put_u8(b, at + cfg::kBiasFlags, c.bias_flags);
  put_u8(b, at + cfg::kStartMode, static_cast<uint8_t>(c.start_mode));
  put_u8(b, at + cfg::kEncoderInput, static_cast<uint8_t>(c.encoder_input));
  put_u8(b, at + cfg::kHasTokenizer, c.has_tokenizer ? 1 : 0);
  put_f32(b, at + cfg::kQueriesScale, c.queries_scale);
  put_u8(b, at + cfg::kRelativeBuckets, static_cast<uint8_t>(c.relative_buckets));
  put_u8(b, at + cfg::kRelativeBuckets + 1, static_cast<uint8_t>(c.relative_buckets >> 8));
  put_u8(b, at + cfg::kRelativeMaxDistance, static_cast<uint8_t>(c.relative_max_distance));
  put_u8(b, at + cfg::kRelativeMaxDistance + 1, static_cast<uint8_t>(c.relative_max_distance >> 8));
  put_u32(b, at + cfg::kTokenizerBytes, c.tokenizer_bytes);
  put_u8(b, at + cfg::kNMels, static_cast<uint8_t>(c.n_mels));
  put_u8(b, at + cfg::kNMels + 1, static_cast<uint8_t>(c.n_mels >> 8));
  put_u32(b, at + cfg::kSourcePositions, c.source_positions);
  put_u32(b, at + cfg::kTargetTokenizerBytes, c.target_tokenizer_bytes);
  // 0 when the head size is d_model / heads: such files stay as they were.
  const bool default_heads = c.num_heads != 0 && c.head_size * c.num_heads == c.d_model;
  put_u32(b, at + cfg::kHeadSize, default_heads ? 0 : c.head_size);
  put_u32(b, at + cfg::kWhisperIdsBytes, c.whisper_ids_bytes);
}

bool token_less(const std::string& a, const std::string& b) {
  const size_t n = std::min(a.size(), b.size());
  const int order = n ? std::memcmp(a.data(), b.data(), n) : 0;  // memcmp compares unsigned bytes
  return order != 0 ? order < 0 : a.size() < b.size();
}

// Appends a vocabulary block; returns its size (without trailing padding).
std::string write_vocab(std::vector<uint8_t>& b, const std::vector<std::string>& tokens, TextMode mode,
                        const char* side, uint32_t* size_out) {
  const size_t start = b.size();
  const uint32_t count = static_cast<uint32_t>(tokens.size());
  uint64_t string_bytes = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].empty()) return std::string(side) + " vocabulary: token " + std::to_string(i) + " is empty";
    for (char c : tokens[i])
      if (c == '\n' || c == '\r' || c == '\0' || (c == ' ' && mode == TextMode::kSpaceSeparated))
        return std::string(side) + " vocabulary: token " + std::to_string(i) +
               " holds a separator byte (newline, carriage return, NUL, or a space in space-separated mode)";
    string_bytes += tokens[i].size();
  }
  const uint64_t size = 8 + 4ull * (count + 1) + 4ull * count + string_bytes;
  if (size > 0xFFFFFFFFull) return std::string(side) + " vocabulary is larger than 4 GiB";
  std::vector<uint32_t> order(count);
  for (uint32_t i = 0; i < count; ++i) order[i] = i;
  // Equal tokens (legal in CTranslate2 vocabularies) by increasing id: a
  // lookup finds the first, as CTranslate2 does.
  std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return token_less(tokens[x], tokens[y]); });
  b.resize(start + static_cast<size_t>(size), 0);
  put_u32(b, start + format::vocab::kCount, count);
  put_u32(b, start + format::vocab::kStringBytes, static_cast<uint32_t>(string_bytes));
  const size_t offsets = start + format::vocab::kOffsets;
  const size_t sorted = offsets + 4ull * (count + 1);
  const size_t strings = sorted + 4ull * count;
  uint32_t offset = 0;
  for (uint32_t i = 0; i < count; ++i) {
    put_u32(b, offsets + 4ull * i, offset);
    std::memcpy(&b[strings + offset], tokens[i].data(), tokens[i].size());
    offset += static_cast<uint32_t>(tokens[i].size());
    put_u32(b, sorted + 4ull * i, order[i]);
  }
  put_u32(b, offsets + 4ull * count, offset);
  *size_out = static_cast<uint32_t>(size);
  return "";
}

bool is_token_embedding(uint32_t id) {
  return id == global_id(GlobalRole::kSourceEmbedding) || id == global_id(GlobalRole::kTargetEmbedding);
}

// The layout a tensor is written in. A token embedding is read one row per
// token, so it stays row-major unless a linear layer (the output projection)
// shares it: then the matrix is stored once in the layout the linear kernel
// streams fastest, and the embedding gathers its rows from there.
uint8_t layout_of(const XattnModelContents& m, const ExpectedTensor& e, const HostTensor& t,
                  bool shared_with_linear) {
  if (t.dtype == format::DType::kInt4) return format::kLayoutInt4Groups;
  if (!m.pack_weights || !e.packable) return format::kLayoutRowMajor;
  if (is_token_embedding(e.id) && !shared_with_linear) return format::kLayoutRowMajor;
  if (t.dtype == format::DType::kFloat32) return format::kLayoutPacked16x1;
  return t.cols % format::kPackCols == 0 ? format::kLayoutPacked16x4 : format::kLayoutRowMajor;
}

std::string check_tensors(const XattnModelContents& m, std::vector<const HostTensor*>* sorted,
                          std::vector<uint8_t>* layouts) {
  std::map<uint32_t, const HostTensor*> by_id;
  std::set<uint32_t> shared_with_linear;  // ids a linear weight shares
  for (const HostTensor& t : m.tensors) {
    if (!by_id.emplace(t.id, &t).second) return "tensor " + tensor_display_name(t.id) + " given twice";
    if (t.shares != 0 && !is_token_embedding(t.id)) shared_with_linear.insert(t.shares);
  }
  for (const ExpectedTensor& e : expected_tensors(m.config)) {
    const auto it = by_id.find(e.id);
    const std::string name = tensor_display_name(e.id);
    if (it == by_id.end()) return "tensor " + name + " is missing";
    const HostTensor& t = *it->second;
    if (t.rows != e.rows || t.cols != e.cols)
      return "tensor " + name + ": expected " + std::to_string(e.rows) + "x" + std::to_string(e.cols) + ", got " +
             std::to_string(t.rows) + "x" + std::to_string(t.cols);
    const size_t n = static_cast<size_t>(t.rows) * t.cols;
    if (t.dtype == format::DType::kInt8) {
      if (!e.may_be_int8) return "tensor " + name + " must be float32";
      if (t.q.size() != n || t.scales.size() != t.rows) return "tensor " + name + ": data size does not match its shape";
      for (uint32_t r = 0; r < t.rows; ++r)
        if (!(t.scales[r] > 0.0f && t.scales[r] < 3.0e38f))
          return "tensor " + name + ": scale of row " + std::to_string(r) + " is not finite and positive";
      for (int8_t q : t.q)
        if (q == -128) return "tensor " + name + ": int8 value -128 (the format allows [-127, 127])";
    } else if (t.dtype == format::DType::kInt4) {
      if (!e.int4_allowed) return "tensor " + name + " cannot be int4 (only linear layers' weights and token embeddings can)";
      if (!m.pack_weights) return "tensor " + name + ": int4 weights have one layout (3), not row-major";
      if (t.cols % format::kInt4Group != 0 || t.cols > format::kInt4MaxCols)
        return "tensor " + name + ": int4 needs columns a multiple of 32 and at most 8192, got " + std::to_string(t.cols);
      if (t.q.size() != n || t.scales.size() != t.rows || t.group_scales.size() != n / format::kInt4Group)
        return "tensor " + name + ": data size does not match its shape";
      for (uint32_t r = 0; r < t.rows; ++r)
        if (!(t.scales[r] > 0.0f && t.scales[r] < 3.0e38f))
          return "tensor " + name + ": scale of row " + std::to_string(r) + " is not finite and positive";
      for (int8_t q : t.q)
        if (q < -8 || q > 7) return "tensor " + name + ": int4 value " + std::to_string(q) + " outside [-8, 7]";
    } else if (t.dtype == format::DType::kFloat32) {
      if (e.bytes) return "tensor " + name + " must be u8";
      if (t.values.size() != n) return "tensor " + name + ": data size does not match its shape";
      for (float v : t.values)
        if (!std::isfinite(v)) return "tensor " + name + " holds a non-finite value";
    } else if (t.dtype == format::DType::kUInt8) {
      if (!e.bytes) return "tensor " + name + " cannot be u8";
      if (t.blob.size() != n) return "tensor " + name + ": data size does not match its shape";
    } else {
      return "tensor " + name + ": unknown dtype";
    }
    if (e.bytes && t.dtype != format::DType::kUInt8) return "tensor " + name + " must be u8";
    uint8_t layout = layout_of(m, e, t, shared_with_linear.count(e.id) != 0);
    if (t.shares != 0) {
      size_t k = 0;
      while (k < sorted->size() && (*sorted)[k]->id != t.shares) ++k;
      if (k == sorted->size()) return "tensor " + name + " shares " + tensor_display_name(t.shares) + ", which is not an earlier tensor";
      const HostTensor& s = *(*sorted)[k];
      if (s.shares != 0 || s.dtype != t.dtype || s.rows != t.rows || s.cols != t.cols || s.values != t.values ||
          s.q != t.q || s.scales != t.scales || s.group_scales != t.group_scales || s.blob != t.blob)
        return "tensor " + name + " shares " + tensor_display_name(t.shares) + " but their values differ";
      // One copy, one layout: the first role's (layout_of packs a token
      // embedding that a linear layer shares, and leaves others row-major,
      // which every role can read).
      if ((*layouts)[k] != format::kLayoutRowMajor && !e.packable)
        return "tensor " + name + " cannot share the packed layout of " + tensor_display_name(t.shares);
      layout = (*layouts)[k];
    }
    sorted->push_back(&t);
    layouts->push_back(layout);
    by_id.erase(it);
  }
  if (!by_id.empty()) return "tensor " + tensor_display_name(by_id.begin()->first) + " is not part of this model";
  return "";
}

}  // namespace

std::string write_xattn_model(const XattnModelContents& m, std::vector<uint8_t>* out) {
  std::string error = check_config(m.config);
  if (!error.empty()) return error;
  if (m.source_vocab.size() != m.config.source_vocab_size)
    return "source vocabulary has " + std::to_string(m.source_vocab.size()) + " tokens, config says " +
           std::to_string(m.config.source_vocab_size);
  if (m.target_vocab.size() != m.config.target_vocab_size)
    return "target vocabulary has " + std::to_string(m.target_vocab.size()) + " tokens, config says " +
           std::to_string(m.config.target_vocab_size);
  std::vector<const HostTensor*> tensors;
  std::vector<uint8_t> layouts;
  error = check_tensors(m, &tensors, &layouts);
  if (!error.empty()) return error;

  std::vector<uint8_t> b(hdr::kSize + cfg::kSize, 0);
  std::memcpy(&b[hdr::kMagic], format::kMagic, sizeof format::kMagic);
  put_u32(b, hdr::kVersion, format::kVersion);
  put_u32(b, hdr::kHeaderSize, hdr::kSize);
  put_u32(b, hdr::kConfigOffset, hdr::kSize);
  put_u32(b, hdr::kConfigSize, cfg::kSize);
  write_config(b, hdr::kSize, m.config);

  uint32_t vocab_size = 0;
  put_u32(b, hdr::kSourceVocabOffset, static_cast<uint32_t>(pad_to(b, 4)));
  if (!(error = write_vocab(b, m.source_vocab, m.config.text_mode, "source", &vocab_size)).empty()) return error;
  put_u32(b, hdr::kSourceVocabSize, vocab_size);
  put_u32(b, hdr::kTargetVocabOffset, static_cast<uint32_t>(pad_to(b, 4)));
  if (!(error = write_vocab(b, m.target_vocab, m.config.text_mode, "target", &vocab_size)).empty()) return error;
  put_u32(b, hdr::kTargetVocabSize, vocab_size);

  // The table holds u64 fields: it starts 8-aligned.
  const size_t table = pad_to(b, 8);
  if (table != static_cast<uint32_t>(table)) return "vocabularies are larger than 4 GiB";
  put_u32(b, hdr::kTensorTableOffset, static_cast<uint32_t>(table));
  put_u32(b, hdr::kTensorCount, static_cast<uint32_t>(tensors.size()));
  b.resize(table + tns::kSize * tensors.size(), 0);

  for (size_t i = 0; i < tensors.size(); ++i) {
    const HostTensor& t = *tensors[i];
    const size_t entry = table + tns::kSize * i;
    if (t.shares != 0) {  // the entry of the tensor it shares, with its own id and the shared flag
      size_t k = 0;
      while (tensors[k]->id != t.shares) ++k;
      std::memcpy(&b[entry], &b[table + tns::kSize * k], tns::kSize);
      put_u32(b, entry + tns::kId, t.id);
      put_u8(b, entry + tns::kFlags, static_cast<uint8_t>(format::kTensorShared));
      continue;
    }
    const size_t n = static_cast<size_t>(t.rows) * t.cols;
    const bool int8 = t.dtype == format::DType::kInt8;
    const bool u8 = t.dtype == format::DType::kUInt8;
    const bool int4 = t.dtype == format::DType::kInt4;
    const size_t data = pad_to(b, format::kAlignment);
    const size_t data_bytes = int4 ? format::int4_data_bytes(t.rows, t.cols) : int8 || u8 ? n : 4 * n;
    b.resize(data + data_bytes);
    const bool packed_i8 = layouts[i] == format::kLayoutPacked16x4;
    std::vector<int32_t> row_sums;
    if (int4) {
      std::memcpy(&b[data], pack_int4(t, &row_sums).data(), data_bytes);
    } else if (u8) {
      std::memcpy(&b[data], t.blob.data(), n);
    } else if (packed_i8) {
      std::memcpy(&b[data], pack_16x4(t, &row_sums).data(), n);
    } else if (int8) {
      std::memcpy(&b[data], t.q.data(), n);
    } else {
      const std::vector<float> values = layouts[i] == format::kLayoutPacked16x1 ? pack_16x1(t) : t.values;
      for (size_t k = 0; k < n; ++k) put_f32(b, data + 4 * k, values[k]);
    }
    size_t scale = 0;
    if (int8 || int4) {
      scale = pad_to(b, format::kAlignment);
      b.resize(scale + 4ull * t.rows);
      for (uint32_t r = 0; r < t.rows; ++r) put_f32(b, scale + 4ull * r, t.scales[r]);
    }
    size_t sums = 0;
    if (packed_i8 || int4) {
      sums = pad_to(b, format::kAlignment);
      b.resize(sums + 4ull * t.rows);
      for (uint32_t r = 0; r < t.rows; ++r) put_u32(b, sums + 4ull * r, static_cast<uint32_t>(row_sums[r]));
    }
    put_u32(b, entry + tns::kId, t.id);
    put_u8(b, entry + tns::kDType, static_cast<uint8_t>(t.dtype));
    put_u8(b, entry + tns::kLayout, layouts[i]);
    put_u32(b, entry + tns::kRows, t.rows);
    put_u32(b, entry + tns::kCols, t.cols);
    put_u64(b, entry + tns::kDataOffset, data);
    put_u64(b, entry + tns::kDataBytes, data_bytes);
    put_u64(b, entry + tns::kScaleOffset, scale);
    put_u64(b, entry + tns::kRowSumsOffset, sums);
  }

  put_u64(b, hdr::kFileSize, b.size());
  put_u32(b, hdr::kChecksum, model_checksum(b.data(), b.size()));
  *out = std::move(b);
  return "";
}

}  // namespace convert
}  // namespace xattn
