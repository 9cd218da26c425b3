// ModelView: a validated, zero-copy view of a model file's bytes.
//
// open_model() checks every offset, size, count, alignment, dtype and the
// checksum before anything is used; afterwards the view points straight into
// the caller's bytes (an mmap'd file, or a const array in flash), which must
// outlive it. Nothing here allocates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/config.h"
#include "xattn/format.h"
#include "xattn/status.h"
#include "xattn/tokenizer.h"

namespace xattn {

// A token string inside the model bytes (not NUL-terminated).
struct TokenText {
  const char* data = nullptr;
  uint32_t size = 0;
};

class VocabView {
 public:
  uint32_t size() const { return count_; }
  // The token's text; an empty TokenText for an id out of range.
  TokenText token(uint32_t id) const;
  // The id of a token (the lowest, when a vocabulary repeats it), or unk_id
  // when absent. Binary search over the file's sorted index: O(log n), no
  // allocation.
  uint32_t find(const char* text, size_t length, uint32_t unk_id) const;
  bool contains(const char* text, size_t length) const;

  // Set by the reader after validation.
  void bind(const uint8_t* block, uint32_t count);

 private:
  const uint8_t* offsets_ = nullptr;  // u32[count + 1]
  const uint8_t* sorted_ = nullptr;   // u32[count]
  const char* strings_ = nullptr;
  uint32_t count_ = 0;
};

// The linear kernel a weight runs on: its dtype x layout, fixed by
// open_model so no forward pass decides it again (nn/linear.cpp).
enum class LinearKernel : uint8_t { kFloat32 = 0, kFloat32Packed = 1, kInt8 = 2, kInt8Packed = 3, kInt4 = 4 };
constexpr uint8_t kLinearKernelCount = 5;

// One weight matrix [rows x cols] (out x in), float32, int8 with one float
// scale per row (w = q / scale, CTranslate2's convention), or int4 in groups
// of 32 columns (w = q4 * group scale / scale, format layout 3).
struct MatrixView {
  format::DType dtype = format::DType::kFloat32;
  uint8_t layout = 0;             // format::kLayoutRowMajor, kLayoutPacked16x4 or kLayoutPacked16x1
  LinearKernel kernel = LinearKernel::kFloat32;  // from dtype and layout
  uint32_t rows = 0;
  uint32_t cols = 0;
  const void* data = nullptr;
  const float* scales = nullptr;  // int8 only
  const int32_t* row_sums = nullptr;  // packed int8 and int4: sum of each row's weights (int4: times its group scales)
  const uint8_t* group_scales = nullptr;  // int4 only: the u8 group scales (format layout 3)
};

struct LinearView {
  MatrixView weight;
  const float* bias = nullptr;  // rows floats
};

struct NormView {
  const float* gamma = nullptr;
  const float* beta = nullptr;
};

struct EncoderLayerView {
  NormView self_norm;
  LinearView self_qkv;
  LinearView self_out;
  NormView ffn_norm;
  LinearView ffn_in;
  LinearView ffn_out;
};

struct DecoderLayerView {
  NormView self_norm;
  LinearView self_qkv;
  LinearView self_out;
  NormView cross_norm;
  LinearView cross_q;
  LinearView cross_kv;
  LinearView cross_out;
  NormView ffn_norm;
  LinearView ffn_in;
  LinearView ffn_out;
};

// A list of token ids inside the model bytes.
struct IdList {
  const uint32_t* ids = nullptr;
  uint32_t count = 0;
};

// Whisper's token lists (the "whisper_ids" blob, CTranslate2's config.json):
// suppressed at every step, suppressed at the first sampled step, and the
// language tokens. Every id < target_vocab_size (open_model checks).
struct WhisperIds {
  IdList suppress;        // suppress_ids
  IdList suppress_begin;  // suppress_ids_begin
  IdList languages;       // lang_ids
};

struct ModelView {
  ModelConfig config;
  VocabView source_vocab;
  VocabView target_vocab;
  MatrixView source_embedding;  // [source_vocab_size x d_model]
  MatrixView target_embedding;  // [target_vocab_size x d_model]
  EncoderLayerView encoder[kMaxLayers];
  DecoderLayerView decoder[kMaxLayers];
  NormView encoder_norm;        // final norms (ModelConfig::has_final_norm)
  NormView decoder_norm;
  LinearView output;            // [target_vocab_size x d_model]
  NormView encoder_embedding_norm;  // layernorm_embedding (BART, mBART)
  NormView decoder_embedding_norm;
  const float* encoder_positions = nullptr;      // kStoredTable: [encoder_positions() x d_model]
  const float* decoder_positions = nullptr;      // kStoredTable: [max_positions x d_model]
  const float* encoder_relative_bias = nullptr;  // kRelativeBias: [relative_buckets x num_heads]
  const float* decoder_relative_bias = nullptr;
  LinearView conv1;                 // kAudio: [d_model x 3 n_mels], kernel 3 (room for Whisper)
  LinearView conv2;                 // kAudio: [d_model x 3 d_model]
  const float* mel_filters = nullptr;  // kAudio: [n_mels x 201]
  const uint8_t* tokenizer = nullptr;  // has_tokenizer: tokenizer_bytes bytes
  const uint8_t* target_tokenizer = nullptr;  // target_tokenizer_bytes bytes, when nonzero
  const uint8_t* whisper_ids_bytes = nullptr;  // whisper_ids_bytes bytes, when nonzero
  WhisperIds whisper;  // the blob's lists (empty without it)
  // has_tokenizer: the blobs opened in place (validated by open_model). Each
  // side's ids are its vocabulary's; without a target blob both are the same.
  Tokenizer source_text;
  Tokenizer target_text;
  const uint8_t* bytes = nullptr;
  size_t size = 0;
  uint32_t tensor_count = 0;
};

struct OpenOptions {
  bool verify_checksum = true;  // skipping it trades the bit-flip guarantee for load time
};

// Validates `bytes` and fills `out`. `bytes` must be 64-byte aligned (tensor
// data is read in place) and stay alive and unchanged while `out` is used.
Status open_model(const uint8_t* bytes, size_t size, ModelView* out,
                  const OpenOptions& options = OpenOptions());

// The config checks open_model applies: ranges, divisibility, special token
// ids inside the vocabularies. Tools call it before writing a file.
Status validate_config(const ModelConfig& config);

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as the format uses it.
uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t size);
// The checksum of a whole model file: every byte except the checksum field.
uint32_t model_checksum(const uint8_t* bytes, size_t size);

}  // namespace xattn
