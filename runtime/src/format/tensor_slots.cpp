#include "format/tensor_slots.h"

namespace xattn {
namespace format {
namespace {

// The shape of a tensor in a layer: `k` is d_model or ffn_dim as the role needs.
bool layer_shape(LayerRole role, bool decoder, const ModelConfig& c, TensorShape* s) {
  const uint32_t d = c.d_model, f = c.ffn_dim;
  auto vector = [s](uint32_t n) { *s = TensorShape{n, 1, false}; };
  auto matrix = [s](uint32_t rows, uint32_t cols) { *s = TensorShape{rows, cols, true, true}; };
  switch (role) {
    case LayerRole::kSelfNormGamma: case LayerRole::kSelfNormBeta: vector(d); return true;
    case LayerRole::kSelfQkvWeight: matrix(3 * d, d); return true;
    case LayerRole::kSelfQkvBias: vector(3 * d); return true;
    case LayerRole::kSelfOutWeight: matrix(d, d); return true;
    case LayerRole::kSelfOutBias: vector(d); return true;
    case LayerRole::kFfnNormGamma: case LayerRole::kFfnNormBeta: vector(d); return true;
    case LayerRole::kFfnInWeight: matrix(f, d); return true;
    case LayerRole::kFfnInBias: vector(f); return true;
    case LayerRole::kFfnOutWeight: matrix(d, f); return true;
    case LayerRole::kFfnOutBias: vector(d); return true;
    default: break;
  }
  if (!decoder) return false;
  switch (role) {
    case LayerRole::kCrossNormGamma: case LayerRole::kCrossNormBeta: vector(d); return true;
    case LayerRole::kCrossQWeight: matrix(d, d); return true;
    case LayerRole::kCrossQBias: vector(d); return true;
    case LayerRole::kCrossKvWeight: matrix(2 * d, d); return true;
    case LayerRole::kCrossKvBias: vector(2 * d); return true;
    case LayerRole::kCrossOutWeight: matrix(d, d); return true;
    case LayerRole::kCrossOutBias: vector(d); return true;
    default: return false;
  }
}

bool global_shape(GlobalRole role, const ModelConfig& c, TensorShape* s) {
  const uint32_t d = c.d_model;
  const bool pre_norm = c.norm == NormPlacement::kPreNorm;
  switch (role) {
    case GlobalRole::kSourceEmbedding: *s = TensorShape{c.source_vocab_size, d, true}; return true;
    case GlobalRole::kTargetEmbedding: *s = TensorShape{c.target_vocab_size, d, true}; return true;
    case GlobalRole::kEncoderNormGamma: case GlobalRole::kEncoderNormBeta:
    case GlobalRole::kDecoderNormGamma: case GlobalRole::kDecoderNormBeta:
      *s = TensorShape{d, 1, false};
      return pre_norm;
    case GlobalRole::kOutputWeight: *s = TensorShape{c.target_vocab_size, d, true, true}; return true;
    case GlobalRole::kOutputBias: *s = TensorShape{c.target_vocab_size, 1, false}; return true;
    default: return false;
  }
}

// Where a tensor's data goes in the view: the matrix, or the float vector.
struct Binding {
  MatrixView* matrix = nullptr;
  const float** vector = nullptr;
};

Binding bind_common(LayerRole role, NormView& self_norm, LinearView& qkv, LinearView& out, NormView& ffn_norm,
                    LinearView& ffn_in, LinearView& ffn_out) {
  switch (role) {
    case LayerRole::kSelfNormGamma: return {nullptr, &self_norm.gamma};
    case LayerRole::kSelfNormBeta: return {nullptr, &self_norm.beta};
    case LayerRole::kSelfQkvWeight: return {&qkv.weight, nullptr};
    case LayerRole::kSelfQkvBias: return {nullptr, &qkv.bias};
    case LayerRole::kSelfOutWeight: return {&out.weight, nullptr};
    case LayerRole::kSelfOutBias: return {nullptr, &out.bias};
    case LayerRole::kFfnNormGamma: return {nullptr, &ffn_norm.gamma};
    case LayerRole::kFfnNormBeta: return {nullptr, &ffn_norm.beta};
    case LayerRole::kFfnInWeight: return {&ffn_in.weight, nullptr};
    case LayerRole::kFfnInBias: return {nullptr, &ffn_in.bias};
    case LayerRole::kFfnOutWeight: return {&ffn_out.weight, nullptr};
    case LayerRole::kFfnOutBias: return {nullptr, &ffn_out.bias};
    default: return {};
  }
}

Binding bind_cross(LayerRole role, DecoderLayerView& l) {
  switch (role) {
    case LayerRole::kCrossNormGamma: return {nullptr, &l.cross_norm.gamma};
    case LayerRole::kCrossNormBeta: return {nullptr, &l.cross_norm.beta};
    case LayerRole::kCrossQWeight: return {&l.cross_q.weight, nullptr};
    case LayerRole::kCrossQBias: return {nullptr, &l.cross_q.bias};
    case LayerRole::kCrossKvWeight: return {&l.cross_kv.weight, nullptr};
    case LayerRole::kCrossKvBias: return {nullptr, &l.cross_kv.bias};
    case LayerRole::kCrossOutWeight: return {&l.cross_out.weight, nullptr};
    case LayerRole::kCrossOutBias: return {nullptr, &l.cross_out.bias};
    default: return {};
  }
}

Binding bind_global(GlobalRole role, ModelView& v) {
  switch (role) {
    case GlobalRole::kSourceEmbedding: return {&v.source_embedding, nullptr};
    case GlobalRole::kTargetEmbedding: return {&v.target_embedding, nullptr};
    case GlobalRole::kEncoderNormGamma: return {nullptr, &v.encoder_norm.gamma};
    case GlobalRole::kEncoderNormBeta: return {nullptr, &v.encoder_norm.beta};
    case GlobalRole::kDecoderNormGamma: return {nullptr, &v.decoder_norm.gamma};
    case GlobalRole::kDecoderNormBeta: return {nullptr, &v.decoder_norm.beta};
    case GlobalRole::kOutputWeight: return {&v.output.weight, nullptr};
    case GlobalRole::kOutputBias: return {nullptr, &v.output.bias};
    default: return {};
  }
}

Binding bind(uint32_t id, ModelView& v) {
  const uint32_t section = id >> 24, layer = (id >> 16) & 0xffu;
  const uint16_t role = static_cast<uint16_t>(id & 0xffffu);
  if (section == static_cast<uint32_t>(Section::kGlobal)) return bind_global(static_cast<GlobalRole>(role), v);
  const LayerRole r = static_cast<LayerRole>(role);
  if (section == static_cast<uint32_t>(Section::kEncoderLayer)) {
    EncoderLayerView& l = v.encoder[layer];
    return bind_common(r, l.self_norm, l.self_qkv, l.self_out, l.ffn_norm, l.ffn_in, l.ffn_out);
  }
  DecoderLayerView& l = v.decoder[layer];
  const Binding b = bind_common(r, l.self_norm, l.self_qkv, l.self_out, l.ffn_norm, l.ffn_in, l.ffn_out);
  return (b.matrix || b.vector) ? b : bind_cross(r, l);
}

}  // namespace

bool tensor_slot(const ModelConfig& config, uint32_t id, ModelView* view, TensorSlot* slot) {
  *slot = TensorSlot();
  TensorShape shape;
  if (!tensor_shape(config, id, &shape)) return false;
  const Binding b = bind(id, *view);
  slot->rows = shape.rows;
  slot->cols = shape.cols;
  slot->int8_allowed = shape.int8_allowed;
  slot->packable = shape.packable;
  slot->matrix = b.matrix;
  slot->vector = b.vector;
  return b.matrix || b.vector;
}

}  // namespace format

bool tensor_shape(const ModelConfig& config, uint32_t id, TensorShape* shape) {
  const uint32_t section = id >> 24, layer = (id >> 16) & 0xffu;
  const uint16_t role = static_cast<uint16_t>(id & 0xffffu);
  if (section == static_cast<uint32_t>(Section::kGlobal)) {
    return layer == 0 && format::global_shape(static_cast<GlobalRole>(role), config, shape);
  }
  if (section == static_cast<uint32_t>(Section::kEncoderLayer)) {
    return layer < config.encoder_layers && format::layer_shape(static_cast<LayerRole>(role), false, config, shape);
  }
  if (section == static_cast<uint32_t>(Section::kDecoderLayer)) {
    return layer < config.decoder_layers && format::layer_shape(static_cast<LayerRole>(role), true, config, shape);
  }
  return false;
}

uint32_t required_tensors(const ModelConfig& config, uint32_t* ids, uint32_t capacity) {
  uint32_t n = 0;
  format::for_each_required_tensor(config, [&](uint32_t id) {
    if (n < capacity) ids[n] = id;
    ++n;
  });
  return n;
}

}  // namespace xattn
