#include "model/decoder.h"

#include <cmath>
#include <cstring>

#include "model/sublayers.h"
#include "nn/embedding.h"
#include "nn/linear.h"

namespace xattn {
namespace {

kernels::Attention attention_shape(const ModelConfig& c, float* probs, float* out) {
  kernels::Attention a;
  a.heads = c.num_heads;
  a.dh = c.head_dim();
  a.scale = 1.0f / std::sqrt(static_cast<float>(a.dh));
  a.probs = probs;
  a.out = out;
  a.out_stride = c.d_model;
  return a;
}

// Each beam attends over its own rows of the self-attention cache.
void self_attention(Workspace& w, const DecoderLayerView& layer, size_t l, const float* in, size_t beams,
                    size_t step, float* out) {
  const ModelConfig& c = w.model->config;
  const size_t d = c.d_model;
  apply_linear(*w.k, layer.self_qkv, in, beams, w.wide, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
  kernels::Attention a = attention_shape(c, w.probs, nullptr);
  a.nq = 1;
  a.len = step + 1;
  a.k.stride = a.v.stride = d;
  for (size_t b = 0; b < beams; ++b) {
    const float* row = w.wide + b * 3 * d;
    float* keys = w.self(l, 0, b);
    float* values = w.self(l, 1, b);
    std::memcpy(keys + step * d, row + d, d * sizeof(float));
    std::memcpy(values + step * d, row + 2 * d, d * sizeof(float));
    a.q = row;
    a.k.data = keys;
    a.v.data = values;
    a.out = w.context + b * d;
    w.k->attention(a);
  }
  apply_linear(*w.k, layer.self_out, w.context, beams, out, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
}

// All beams read the one static cache, in one kernel call per layer: it is
// never copied per beam, and each of its rows is read once per step.
void cross_attention(Workspace& w, const DecoderLayerView& layer, size_t l, const float* in, size_t beams,
                     bool alignment, float* out) {
  const ModelConfig& c = w.model->config;
  apply_linear(*w.k, layer.cross_q, in, beams, w.query, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
  kernels::Attention a = attention_shape(c, w.probs, w.context);
  a.q = w.query;
  a.q_stride = c.d_model;
  a.nq = beams;
  a.k = w.cross_rows(l, 0);
  a.v = w.cross_rows(l, 1);
  a.len = w.source_length;
  a.align = alignment ? w.step_alignment : nullptr;
  w.k->attention(a);
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
  const size_t rows = (step + 1) * c.d_model;  // only the positions written so far
  for (size_t l = 0; l < c.decoder_layers; ++l) {
    for (size_t kv = 0; kv < 2; ++kv) {
      for (size_t b = 0; b < sources; ++b) std::memcpy(w.reorder + b * rows, w.self(l, kv, b), rows * sizeof(float));
      for (size_t b = 0; b < beams; ++b) {
        std::memcpy(w.self(l, kv, b), w.reorder + parents[b] * rows, rows * sizeof(float));
      }
    }
  }
}

}  // namespace xattn
