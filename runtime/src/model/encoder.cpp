#include "model/encoder.h"

#include <cmath>

#include "model/sublayers.h"
#include "nn/embedding.h"
#include "nn/linear.h"

namespace xattn {
namespace {

// Splits K and V out of the fused [S x 3d] projection into head-major
// [head][S][head_dim] blocks, the layout the attention kernel streams.
void split_heads(const float* qkv, size_t s, size_t d, size_t heads, float* keys, float* values) {
  const size_t dh = d / heads;
  for (size_t i = 0; i < s; ++i) {
    const float* row = qkv + i * 3 * d;
    for (size_t h = 0; h < heads; ++h) {
      for (size_t c = 0; c < dh; ++c) {
        keys[(h * s + i) * dh + c] = row[d + h * dh + c];
        values[(h * s + i) * dh + c] = row[2 * d + h * dh + c];
      }
    }
  }
}

void encoder_self_attention(Workspace& w, const EncoderLayerView& layer, const float* in, size_t s,
                            float* out) {
  const ModelConfig& c = w.model->config;
  const size_t d = c.d_model, heads = c.num_heads, dh = c.head_dim();
  apply_linear(*w.k, layer.self_qkv, in, s, w.wide, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
  split_heads(w.wide, s, d, heads, w.keys, w.values);
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  for (size_t i = 0; i < s; ++i) {
    for (size_t h = 0; h < heads; ++h) {
      w.k->attention(w.wide + i * 3 * d + h * dh, w.keys + h * s * dh, w.values + h * s * dh, s, dh, scale,
                     w.probs, w.context + i * d + h * dh);
    }
  }
  apply_linear(*w.k, layer.self_out, w.context, s, out, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
}

// Fills the static cache: K and V of every decoder layer over the encoder output.
void fill_cross_cache(Workspace& w, const float* memory, size_t s) {
  const ModelConfig& c = w.model->config;
  const size_t d = c.d_model, heads = c.num_heads, dh = c.head_dim();
  for (size_t l = 0; l < c.decoder_layers; ++l) {
    apply_linear(*w.k, w.model->decoder[l].cross_kv, memory, s, w.wide, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
    for (size_t h = 0; h < heads; ++h) {
      float* k = w.cross(l, 0, h);
      float* v = w.cross(l, 1, h);
      for (size_t i = 0; i < s; ++i) {
        for (size_t j = 0; j < dh; ++j) {
          k[i * dh + j] = w.wide[i * 2 * d + h * dh + j];
          v[i * dh + j] = w.wide[i * 2 * d + d + h * dh + j];
        }
      }
    }
  }
}

}  // namespace

void run_encoder(Workspace& w, const uint32_t* ids, size_t count) {
  const ModelView& m = *w.model;
  const ModelConfig& c = m.config;
  const size_t d = c.d_model, s = count;
  for (size_t i = 0; i < s; ++i) {
    embed_token(*w.k, c, m.source_embedding, ids[i], i + 1, w.query, w.x + i * d);
  }
  for (size_t l = 0; l < c.encoder_layers; ++l) {
    const EncoderLayerView& layer = m.encoder[l];
    residual_block(w, layer.self_norm, s, [&](const float* in, float* out) {
      encoder_self_attention(w, layer, in, s, out);
    });
    residual_block(w, layer.ffn_norm, s, [&](const float* in, float* out) {
      feed_forward(w, layer.ffn_in, layer.ffn_out, in, s, out);
    });
  }
  if (c.norm == NormPlacement::kPreNorm) {
    w.k->layer_norm(w.x, s, d, m.encoder_norm.gamma, m.encoder_norm.beta, c.layer_norm_epsilon, w.x);
  }
  fill_cross_cache(w, w.x, s);
  w.source_length = static_cast<uint32_t>(s);
}

}  // namespace xattn
