#include "format/tensor_slots.h"

namespace xattn {
namespace format {
namespace {

void matrix(TensorSlot* s, MatrixView* m, uint32_t rows, uint32_t cols) {
  s->rows = rows;
  s->cols = cols;
  s->int8_allowed = true;
  s->matrix = m;
}

void vector(TensorSlot* s, const float** v, uint32_t n) {
  s->rows = n;
  s->cols = 1;
  s->vector = v;
}

// Roles shared by encoder and decoder layers.
bool common_layer_slot(LayerRole role, const ModelConfig& c, NormView* self_norm, LinearView* qkv,
                       LinearView* out, NormView* ffn_norm, LinearView* ffn_in, LinearView* ffn_out,
                       TensorSlot* s) {
  const uint32_t d = c.d_model, f = c.ffn_dim;
  switch (role) {
    case LayerRole::kSelfNormGamma: vector(s, &self_norm->gamma, d); return true;
    case LayerRole::kSelfNormBeta: vector(s, &self_norm->beta, d); return true;
    case LayerRole::kSelfQkvWeight: matrix(s, &qkv->weight, 3 * d, d); return true;
    case LayerRole::kSelfQkvBias: vector(s, &qkv->bias, 3 * d); return true;
    case LayerRole::kSelfOutWeight: matrix(s, &out->weight, d, d); return true;
    case LayerRole::kSelfOutBias: vector(s, &out->bias, d); return true;
    case LayerRole::kFfnNormGamma: vector(s, &ffn_norm->gamma, d); return true;
    case LayerRole::kFfnNormBeta: vector(s, &ffn_norm->beta, d); return true;
    case LayerRole::kFfnInWeight: matrix(s, &ffn_in->weight, f, d); return true;
    case LayerRole::kFfnInBias: vector(s, &ffn_in->bias, f); return true;
    case LayerRole::kFfnOutWeight: matrix(s, &ffn_out->weight, d, f); return true;
    case LayerRole::kFfnOutBias: vector(s, &ffn_out->bias, d); return true;
    default: return false;
  }
}

bool cross_slot(LayerRole role, const ModelConfig& c, DecoderLayerView* l, TensorSlot* s) {
  const uint32_t d = c.d_model;
  switch (role) {
    case LayerRole::kCrossNormGamma: vector(s, &l->cross_norm.gamma, d); return true;
    case LayerRole::kCrossNormBeta: vector(s, &l->cross_norm.beta, d); return true;
    case LayerRole::kCrossQWeight: matrix(s, &l->cross_q.weight, d, d); return true;
    case LayerRole::kCrossQBias: vector(s, &l->cross_q.bias, d); return true;
    case LayerRole::kCrossKvWeight: matrix(s, &l->cross_kv.weight, 2 * d, d); return true;
    case LayerRole::kCrossKvBias: vector(s, &l->cross_kv.bias, 2 * d); return true;
    case LayerRole::kCrossOutWeight: matrix(s, &l->cross_out.weight, d, d); return true;
    case LayerRole::kCrossOutBias: vector(s, &l->cross_out.bias, d); return true;
    default: return false;
  }
}

bool global_slot(GlobalRole role, const ModelConfig& c, ModelView* v, TensorSlot* s) {
  const uint32_t d = c.d_model;
  const bool pre_norm = c.norm == NormPlacement::kPreNorm;
  switch (role) {
    case GlobalRole::kSourceEmbedding: matrix(s, &v->source_embedding, c.source_vocab_size, d); return true;
    case GlobalRole::kTargetEmbedding: matrix(s, &v->target_embedding, c.target_vocab_size, d); return true;
    case GlobalRole::kEncoderNormGamma: vector(s, &v->encoder_norm.gamma, d); return pre_norm;
    case GlobalRole::kEncoderNormBeta: vector(s, &v->encoder_norm.beta, d); return pre_norm;
    case GlobalRole::kDecoderNormGamma: vector(s, &v->decoder_norm.gamma, d); return pre_norm;
    case GlobalRole::kDecoderNormBeta: vector(s, &v->decoder_norm.beta, d); return pre_norm;
    case GlobalRole::kOutputWeight: matrix(s, &v->output.weight, c.target_vocab_size, d); return true;
    case GlobalRole::kOutputBias: vector(s, &v->output.bias, c.target_vocab_size); return true;
    default: return false;
  }
}

}  // namespace

bool tensor_slot(const ModelConfig& config, uint32_t id, ModelView* view, TensorSlot* slot) {
  *slot = TensorSlot();
  const uint32_t section = id >> 24;
  const uint32_t layer = (id >> 16) & 0xffu;
  const uint32_t role = id & 0xffffu;
  if (section == static_cast<uint32_t>(Section::kGlobal)) {
    return layer == 0 && global_slot(static_cast<GlobalRole>(role), config, view, slot);
  }
  const LayerRole r = static_cast<LayerRole>(role);
  if (section == static_cast<uint32_t>(Section::kEncoderLayer)) {
    if (layer >= config.encoder_layers) return false;
    EncoderLayerView* l = &view->encoder[layer];
    return common_layer_slot(r, config, &l->self_norm, &l->self_qkv, &l->self_out, &l->ffn_norm,
                             &l->ffn_in, &l->ffn_out, slot);
  }
  if (section == static_cast<uint32_t>(Section::kDecoderLayer)) {
    if (layer >= config.decoder_layers) return false;
    DecoderLayerView* l = &view->decoder[layer];
    return common_layer_slot(r, config, &l->self_norm, &l->self_qkv, &l->self_out, &l->ffn_norm,
                             &l->ffn_in, &l->ffn_out, slot) ||
           cross_slot(r, config, l, slot);
  }
  return false;
}

}  // namespace format
}  // namespace xattn
