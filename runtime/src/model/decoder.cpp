#include "model/decoder.h"

#include <cmath>
#include <cstring>

#include "model/sublayers.h"
#include "nn/embedding.h"
#include "nn/linear.h"

namespace xattn {
namespace {

void self_attention(Workspace& w, const DecoderLayerView& layer, size_t l, const float* in, size_t beams,
                    size_t step, float* out) {
  const ModelConfig& c = w.model->config;
  const size_t d = c.d_model, heads = c.num_heads, dh = c.head_dim();
  apply_linear(*w.k, layer.self_qkv, in, beams, w.wide, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  for (size_t b = 0; b < beams; ++b) {
    const float* row = w.wide + b * 3 * d;
    for (size_t h = 0; h < heads; ++h) {
      float* keys = w.self(l, 0, b, h);
      float* values = w.self(l, 1, b, h);
      std::memcpy(keys + step * dh, row + d + h * dh, dh * sizeof(float));
      std::memcpy(values + step * dh, row + 2 * d + h * dh, dh * sizeof(float));
      w.k->attention(row + h * dh, keys, values, step + 1, dh, scale, w.probs, w.context + b * d + h * dh);
    }
  }
  apply_linear(*w.k, layer.self_out, w.context, beams, out, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
}

// All beams read the one static cache: it is never copied per beam.
void cross_attention(Workspace& w, const DecoderLayerView& layer, size_t l, const float* in, size_t beams,
                     bool alignment, float* out) {
  const ModelConfig& c = w.model->config;
  const size_t d = c.d_model, heads = c.num_heads, dh = c.head_dim(), s = w.source_length;
  apply_linear(*w.k, layer.cross_q, in, beams, w.query, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  const float head_weight = 1.0f / static_cast<float>(heads);
  for (size_t b = 0; b < beams; ++b) {
    float* align = w.step_alignment + b * s;
    if (alignment) std::memset(align, 0, s * sizeof(float));
    for (size_t h = 0; h < heads; ++h) {
      w.k->attention(w.query + b * d + h * dh, w.cross(l, 0, h), w.cross(l, 1, h), s, dh, scale, w.probs,
                     w.context + b * d + h * dh);
      if (alignment) {
        for (size_t j = 0; j < s; ++j) align[j] += w.probs[j] * head_weight;
      }
    }
  }
  apply_linear(*w.k, layer.cross_out, w.context, beams, out, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
}

}  // namespace

void decoder_step(Workspace& w, const uint32_t* tokens, size_t beams, size_t step, bool alignment,
                  size_t alignment_layer) {
  const ModelView& m = *w.model;
  const ModelConfig& c = m.config;
  const size_t d = c.d_model;
  for (size_t b = 0; b < beams; ++b) {
    embed_token(*w.k, c, m.target_embedding, tokens[b], step + 1, w.query, w.x + b * d);
  }
  for (size_t l = 0; l < c.decoder_layers; ++l) {
    const DecoderLayerView& layer = m.decoder[l];
    const bool align_here = alignment && l == alignment_layer;
    residual_block(w, layer.self_norm, beams, [&](const float* in, float* out) {
      self_attention(w, layer, l, in, beams, step, out);
    });
    residual_block(w, layer.cross_norm, beams, [&](const float* in, float* out) {
      cross_attention(w, layer, l, in, beams, align_here, out);
    });
    residual_block(w, layer.ffn_norm, beams, [&](const float* in, float* out) {
      feed_forward(w, layer.ffn_in, layer.ffn_out, in, beams, out);
    });
  }
  const float* final_states = w.x;
  if (c.norm == NormPlacement::kPreNorm) {
    w.k->layer_norm(w.x, beams, d, m.decoder_norm.gamma, m.decoder_norm.beta, c.layer_norm_epsilon, w.normed);
    final_states = w.normed;
  }
  apply_linear(*w.k, m.output, final_states, beams, w.logits, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
}

void reorder_self_cache(Workspace& w, const uint32_t* parents, size_t beams, size_t sources, size_t step) {
  bool identity = beams == sources;
  for (size_t b = 0; b < beams; ++b) identity = identity && parents[b] == b;
  if (identity) return;
  const ModelConfig& c = w.model->config;
  const size_t heads = c.num_heads, dh = c.head_dim();
  const size_t rows = (step + 1) * dh;  // only the positions written so far
  for (size_t l = 0; l < c.decoder_layers; ++l) {
    for (size_t kv = 0; kv < 2; ++kv) {
      for (size_t b = 0; b < sources; ++b) {
        for (size_t h = 0; h < heads; ++h) {
          std::memcpy(w.reorder + (b * heads + h) * rows, w.self(l, kv, b, h), rows * sizeof(float));
        }
      }
      for (size_t b = 0; b < beams; ++b) {
        for (size_t h = 0; h < heads; ++h) {
          std::memcpy(w.self(l, kv, b, h), w.reorder + (parents[b] * heads + h) * rows, rows * sizeof(float));
        }
      }
    }
  }
}

}  // namespace xattn
