// Tensor ids: the well-defined numbers the model file's tensor table uses
// instead of names. id = (section << 24) | (layer << 16) | role. Names (for
// messages and tools) are derived from ids, so nothing parses strings.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xattn {

enum class Section : uint8_t { kGlobal = 0, kEncoderLayer = 1, kDecoderLayer = 2 };

enum class GlobalRole : uint16_t {
  kSourceEmbedding = 1,
  kTargetEmbedding = 2,
  kEncoderNormGamma = 3,
  kEncoderNormBeta = 4,
  kDecoderNormGamma = 5,
  kDecoderNormBeta = 6,
  kOutputWeight = 7,
  kOutputBias = 8,
  kCount = 9,
};

// Roles inside one layer. Encoder layers use 1..12; decoder layers 1..20.
enum class LayerRole : uint16_t {
  kSelfNormGamma = 1,
  kSelfNormBeta = 2,
  kSelfQkvWeight = 3,   // fused, rows Q then K then V
  kSelfQkvBias = 4,
  kSelfOutWeight = 5,
  kSelfOutBias = 6,
  kFfnNormGamma = 7,
  kFfnNormBeta = 8,
  kFfnInWeight = 9,
  kFfnInBias = 10,
  kFfnOutWeight = 11,
  kFfnOutBias = 12,
  kCrossNormGamma = 13,
  kCrossNormBeta = 14,
  kCrossQWeight = 15,
  kCrossQBias = 16,
  kCrossKvWeight = 17,  // fused, rows K then V; applied to the encoder output
  kCrossKvBias = 18,
  kCrossOutWeight = 19,
  kCrossOutBias = 20,
  kEncoderCount = 13,
  kDecoderCount = 21,
};

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
  bool packable = false;  // a linear layer's weight: int8 may use format layout 1
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

}  // namespace xattn
