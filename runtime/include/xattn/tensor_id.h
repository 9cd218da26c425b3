// Tensor ids and the tensor table.
//
// A model file's tensor table names tensors by number, never by string:
// id = (section << 24) | (layer << 16) | role. The rows below are the one
// place a tensor is described: its role number, its CTranslate2 name, its
// shape, the dtypes and layouts it may use, when a model holds it, and the
// view member the reader binds it to. The role enums here, and names,
// shapes, required lists and binders (format/tensor_table.cpp), all expand
// from these rows; models/FORMAT.md, "How to add a tensor", says how to add one.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xattn {

// Columns of a row:
//   role     the enum constant code uses (GlobalRole:: / LayerRole::)
//   number   the role field of the id: file format, never renumber or reuse;
//            rows are listed by increasing number (the file's table order)
//   name     the CTranslate2 name; a layer row's follows "encoder/layer_N/"
//            or "decoder/layer_N/"
//   scope    layer rows only: kEveryLayer (encoder and decoder layers) or
//            kDecoderLayer (decoder layers only)
//   rows, cols  the shape in config units: kOne, kD / k2D / k3D (d_model
//            times 1, 2, 3), kA / k2A / k3A (attention_width() times 1, 2,
//            3: d_model unless the config sets a head size), kF (ffn_dim), kFin (ffn_in_rows: F, 2F gated),
//            kVs / kVt (source / target vocabulary), kPe / kPt (encoder /
//            decoder position rows), kBuckets, kHeads, kMels, kMels3 (3 n_mels),
//            kFftBins (201), kTokenizerBytes, kTargetTokenizerBytes
//   kind     kVector: float32 [n x 1] (biases, norm parameters);
//            kTable: float32 [rows x cols], read in place (position tables,
//            relative bias tables, the mel filter bank);
//            kEmbedding: float32 or int8, read one row at a time;
//            kLinear: a linear layer's weight: float32 or int8, row-major or packed;
//            kBytes: u8 [n x 1] (an opaque blob: the tokenizer)
//   present  when a model holds it: always, or a predicate over its config
//            (format/tensor_table.cpp defines them, e.g. encoder_final_norm)
//   member   the field it binds: of ModelView (global rows) or of the layer view
#define XATTN_GLOBAL_TENSORS(X)                                                                                         \
  X(kSourceEmbedding, 1, "encoder/embeddings/weight", kVs, kD, kEmbedding, token_encoder, source_embedding)            \
  X(kTargetEmbedding, 2, "decoder/embeddings/weight", kVt, kD, kEmbedding, always, target_embedding)                   \
  X(kEncoderNormGamma, 3, "encoder/layer_norm/gamma", kD, kOne, kVector, encoder_final_norm, encoder_norm.gamma)        \
  X(kEncoderNormBeta, 4, "encoder/layer_norm/beta", kD, kOne, kVector, encoder_final_norm_beta, encoder_norm.beta)      \
  X(kDecoderNormGamma, 5, "decoder/layer_norm/gamma", kD, kOne, kVector, decoder_final_norm, decoder_norm.gamma)        \
  X(kDecoderNormBeta, 6, "decoder/layer_norm/beta", kD, kOne, kVector, decoder_final_norm_beta, decoder_norm.beta)      \
  X(kOutputWeight, 7, "decoder/projection/weight", kVt, kD, kLinear, always, output.weight)                            \
  X(kOutputBias, 8, "decoder/projection/bias", kVt, kOne, kVector, output_bias, output.bias)                           \
  X(kEncoderEmbeddingNormGamma, 9, "encoder/layernorm_embedding/gamma", kD, kOne, kVector, encoder_embedding_norm,      \
    encoder_embedding_norm.gamma)                                                                                      \
  X(kEncoderEmbeddingNormBeta, 10, "encoder/layernorm_embedding/beta", kD, kOne, kVector, encoder_embedding_norm_beta,  \
    encoder_embedding_norm.beta)                                                                                       \
  X(kDecoderEmbeddingNormGamma, 11, "decoder/layernorm_embedding/gamma", kD, kOne, kVector, decoder_embedding_norm,     \
    decoder_embedding_norm.gamma)                                                                                      \
  X(kDecoderEmbeddingNormBeta, 12, "decoder/layernorm_embedding/beta", kD, kOne, kVector, decoder_embedding_norm_beta,  \
    decoder_embedding_norm.beta)                                                                                       \
  X(kEncoderPositions, 13, "encoder/position_encodings/encodings", kPe, kD, kTable, stored_positions, encoder_positions) \
  X(kDecoderPositions, 14, "decoder/position_encodings/encodings", kPt, kD, kTable, stored_positions, decoder_positions) \
  X(kEncoderRelativeBias, 15, "encoder/relative_attention_bias", kBuckets, kHeads, kTable, relative_bias,              \
    encoder_relative_bias)                                                                                             \
  X(kDecoderRelativeBias, 16, "decoder/relative_attention_bias", kBuckets, kHeads, kTable, relative_bias,              \
    decoder_relative_bias)                                                                                             \
  X(kConv1Weight, 17, "encoder/conv1/weight", kD, kMels3, kEmbedding, audio_encoder, conv1.weight)                     \
  X(kConv1Bias, 18, "encoder/conv1/bias", kD, kOne, kVector, audio_encoder, conv1.bias)                                \
  X(kConv2Weight, 19, "encoder/conv2/weight", kD, k3D, kEmbedding, audio_encoder, conv2.weight)                        \
  X(kConv2Bias, 20, "encoder/conv2/bias", kD, kOne, kVector, audio_encoder, conv2.bias)                                \
  X(kMelFilters, 21, "audio/mel_filters", kMels, kFftBins, kTable, audio_encoder, mel_filters)                         \
  X(kTokenizer, 22, "tokenizer", kTokenizerBytes, kOne, kBytes, tokenizer_blob, tokenizer)                            \
  X(kTargetTokenizer, 23, "target_tokenizer", kTargetTokenizerBytes, kOne, kBytes, target_tokenizer_blob,              \
    target_tokenizer)                                                                                                   \
  X(kWhisperIds, 24, "whisper_ids", kWhisperIdsBytes, kOne, kBytes, whisper_ids_blob, whisper_ids_bytes)

// kSelfQkvWeight is fused: rows Q, then K, then V. kCrossKvWeight is fused
// (rows K, then V) and applied to the encoder output. kFfnInWeight holds 2F
// rows in a gated FFN: linear_0 (with the activation), then linear_0_noact.
#define XATTN_LAYER_TENSORS(X)                                                                                           \
  X(kSelfNormGamma, 1, "self_attention/layer_norm/gamma", kEveryLayer, kD, kOne, kVector, always, self_norm.gamma)        \
  X(kSelfNormBeta, 2, "self_attention/layer_norm/beta", kEveryLayer, kD, kOne, kVector, norm_beta, self_norm.beta)       \
  X(kSelfQkvWeight, 3, "self_attention/linear_0/weight", kEveryLayer, k3A, kD, kLinear, always, self_qkv.weight)         \
  X(kSelfQkvBias, 4, "self_attention/linear_0/bias", kEveryLayer, k3A, kOne, kVector, linear_biases, self_qkv.bias)      \
  X(kSelfOutWeight, 5, "self_attention/linear_1/weight", kEveryLayer, kD, kA, kLinear, always, self_out.weight)          \
  X(kSelfOutBias, 6, "self_attention/linear_1/bias", kEveryLayer, kD, kOne, kVector, linear_biases, self_out.bias)       \
  X(kFfnNormGamma, 7, "ffn/layer_norm/gamma", kEveryLayer, kD, kOne, kVector, always, ffn_norm.gamma)                    \
  X(kFfnNormBeta, 8, "ffn/layer_norm/beta", kEveryLayer, kD, kOne, kVector, norm_beta, ffn_norm.beta)                    \
  X(kFfnInWeight, 9, "ffn/linear_0/weight", kEveryLayer, kFin, kD, kLinear, always, ffn_in.weight)                       \
  X(kFfnInBias, 10, "ffn/linear_0/bias", kEveryLayer, kFin, kOne, kVector, linear_biases, ffn_in.bias)                   \
  X(kFfnOutWeight, 11, "ffn/linear_1/weight", kEveryLayer, kD, kF, kLinear, always, ffn_out.weight)                      \
  X(kFfnOutBias, 12, "ffn/linear_1/bias", kEveryLayer, kD, kOne, kVector, linear_biases, ffn_out.bias)                   \
  X(kCrossNormGamma, 13, "attention/layer_norm/gamma", kDecoderLayer, kD, kOne, kVector, always, cross_norm.gamma)       \
  X(kCrossNormBeta, 14, "attention/layer_norm/beta", kDecoderLayer, kD, kOne, kVector, norm_beta, cross_norm.beta)       \
  X(kCrossQWeight, 15, "attention/linear_0/weight", kDecoderLayer, kA, kD, kLinear, always, cross_q.weight)              \
  X(kCrossQBias, 16, "attention/linear_0/bias", kDecoderLayer, kA, kOne, kVector, linear_biases, cross_q.bias)           \
  X(kCrossKvWeight, 17, "attention/linear_1/weight", kDecoderLayer, k2A, kD, kLinear, always, cross_kv.weight)           \
  X(kCrossKvBias, 18, "attention/linear_1/bias", kDecoderLayer, k2A, kOne, kVector, linear_biases, cross_kv.bias)        \
  X(kCrossOutWeight, 19, "attention/linear_2/weight", kDecoderLayer, kD, kA, kLinear, always, cross_out.weight)          \
  X(kCrossOutBias, 20, "attention/linear_2/bias", kDecoderLayer, kD, kOne, kVector, linear_biases, cross_out.bias)

enum class Section : uint8_t { kGlobal = 0, kEncoderLayer = 1, kDecoderLayer = 2 };

#define XATTN_ROLE_ENUM_GLOBAL(role, number, ...) role = number,
enum class GlobalRole : uint16_t { XATTN_GLOBAL_TENSORS(XATTN_ROLE_ENUM_GLOBAL) };
#undef XATTN_ROLE_ENUM_GLOBAL

#define XATTN_ROLE_ENUM_LAYER(role, number, ...) role = number,
enum class LayerRole : uint16_t { XATTN_LAYER_TENSORS(XATTN_ROLE_ENUM_LAYER) };
#undef XATTN_ROLE_ENUM_LAYER

constexpr uint32_t tensor_id(Section section, uint32_t layer, uint16_t role) {
  return (static_cast<uint32_t>(section) << 24) | ((layer & 0xffu) << 16) | role;
}
constexpr uint32_t global_id(GlobalRole role) {
  return tensor_id(Section::kGlobal, 0, static_cast<uint16_t>(role));
}
constexpr uint32_t layer_id(Section section, uint32_t layer, LayerRole role) {
  return tensor_id(section, layer, static_cast<uint16_t>(role));
}

struct ModelConfig;

// The shape a tensor must have in a model with this config: [rows x cols]
// (vectors have cols = 1), and whether it may be int8 (embeddings and weight
// matrices; biases and norms are float32).
struct TensorShape {
  uint32_t rows = 0;
  uint32_t cols = 0;
  bool int8_allowed = false;
  // May use format layouts 1 (int8) and 2 (float32): a linear layer's weight,
  // or a token embedding (stored so when an output projection shares it).
  bool packable = false;
  bool int4_allowed = false;  // format layout 3: linear weights and token embeddings (as packable)
  bool bytes = false;     // a u8 blob (format::DType::kUInt8), nothing else allowed
};
// False when no tensor with this id belongs in such a model.
bool tensor_shape(const ModelConfig& config, uint32_t id, TensorShape* shape);

// The ids every model with this config holds, in increasing order (the order
// of the file's tensor table). Writes min(count, capacity) ids; returns count.
uint32_t required_tensors(const ModelConfig& config, uint32_t* ids, uint32_t capacity);

// Writes the tensor's name ("decoder/layer_3/ffn/linear_0/weight", named as
// in CTranslate2 files) into out, NUL-terminated; returns false for an id no
// model uses. out_size >= 64 always suffices.
bool tensor_name(uint32_t id, char* out, size_t out_size);

// The inverse of tensor_name: the id of a name tensor_name writes (layers
// below kMaxLayers), for tools that read named tensors. False for any other
// string.
bool tensor_id_from_name(const char* name, uint32_t* id);

}  // namespace xattn
