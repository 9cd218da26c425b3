#include "model/decoder.h"

#include <cassert>
#include <cstring>

#include "model/sublayers.h"
#include "nn/embedding.h"
#include "nn/linear.h"

namespace xattn {
namespace {

// Stores x (attention_width() floats) as position `step` of beam b's K or V rows of
// the self-attention cache, at the cache's precision (so the step attends
// over its own row as later steps will read it), and points `rows` at them.
void store_self_row(const Workspace& w, const float* x, size_t l, size_t kv, size_t b, size_t step,
                    kernels::KvRows* rows) {
  const ModelConfig& c = w.model->config;
  const KvPrecision precision = w.limits.self_kv_cache;
  const size_t row_bytes = c.attention_width() * kv_element_bytes(precision);
  uint8_t* data = w.self(l, kv, b);
  if (precision == KvPrecision::kFloat32) {
    // What store_kv does for float32, without a kernel call per row: those
    // calls (with their layout arithmetic) cost 1-3% of aren's decoder step.
    std::memcpy(data + step * row_bytes, x, row_bytes);
  } else {
    w.kernels->store_kv(x, 1, c.attention_width(), c.num_heads, c.head_dim(), precision, data + step * row_bytes,
                        w.self_scale_rows(l, kv, b, step));
  }
  rows->data = data;
  rows->scales = w.self_scale_rows(l, kv, b);
  rows->stride = c.attention_width();
  rows->precision = precision;
}

// Each beam attends over its own rows of the self-attention cache.
void self_attention(Workspace& w, const DecoderLayerView& layer, size_t l, const float* in, size_t beams,
                    size_t step, float* out) {
  const ModelConfig& c = w.model->config;
  const size_t aw = c.attention_width();
  w.linear(layer.self_qkv, in, beams, w.wide);
  kernels::Attention a = w.attention;
  a.nq = 1;
  a.len = step + 1;
  for (size_t b = 0; b < beams; ++b) {
    const float* row = w.wide + b * 3 * aw;  // q, k, v side by side
    store_self_row(w, row + aw, l, 0, b, step, &a.k);
    store_self_row(w, row + 2 * aw, l, 1, b, step, &a.v);
    a.q = row;
    a.out = w.context + b * aw;
    if (w.decoder_bias != nullptr) {
      // Key j at distance step - j reads row h at positions - 1 - step + j.
      kernels::ScoreBias bias;
      bias.data = w.decoder_bias + (w.positions - 1 - step);
      bias.head_stride = static_cast<ptrdiff_t>(w.positions);
      w.self_attention.run_biased(a, bias);
    } else {
      w.self_attention.run(a);
    }
  }
  w.linear(layer.self_out, w.context, beams, out);
}

// Cross-attention's heads split over tasks: each task runs the kernel on
// its heads alone (their columns of q, K, V and the output; the int8 scales
// keep the cache's row stride) with its thread's probability rows. A head's
// outputs do not depend on the others, so they are the same bits whatever
// the split; the alignment (a mean over heads) would not be, so a call that
// returns it is never split.
struct HeadSplit {
  const Workspace* w;
  kernels::Attention a;  // every head
  size_t per_task;       // heads per task
  size_t element_bytes;  // of a cached K or V value
};

kernels::KvRows heads_of(kernels::KvRows rows, size_t h0, size_t dh, size_t heads, size_t element_bytes) {
  rows.data = static_cast<const uint8_t*>(rows.data) + h0 * dh * element_bytes;
  if (rows.scales != nullptr) {
    rows.scales += h0;
    rows.scale_stride = heads;
  }
  return rows;
}

void head_task(void* context, uint32_t t, uint32_t thread) {
  const HeadSplit& s = *static_cast<const HeadSplit*>(context);
  const Workspace& w = *s.w;
  kernels::Attention a = s.a;
  const size_t h0 = t * s.per_task;
  const size_t col = h0 * a.dh;
  a.heads = s.a.heads - h0 < s.per_task ? s.a.heads - h0 : s.per_task;
  a.q += col;
  a.out += col;
  a.k = heads_of(s.a.k, h0, a.dh, s.a.heads, s.element_bytes);
  a.v = heads_of(s.a.v, h0, a.dh, s.a.heads, s.element_bytes);
  a.probs = thread_probs(w, thread);
  w.cross_attention.run(a);
}

// All beams read the one static cache, in one kernel call per layer (or per
// group of heads, split over threads when the call is large enough: the
// same bounds as a linear layer's split): it is never copied per beam, and
// each of its rows is read once per step.
void cross_attention(Workspace& w, const DecoderLayerView& layer, size_t l, const float* in, size_t beams,
                     bool alignment, float* out) {
  const ModelConfig& c = w.model->config;
  w.linear(layer.cross_q, in, beams, w.query);
  HeadSplit split{&w, w.attention, 0, kv_element_bytes(w.limits.kv_cache)};
  kernels::Attention& a = split.a;
  a.out = w.context;
  a.q = w.query;
  a.q_stride = c.attention_width();
  a.nq = beams;
  a.k = w.cross_rows(l, 0);
  a.v = w.cross_rows(l, 1);
  a.len = w.source_length;
  a.align = alignment ? w.step_alignment : nullptr;
  const LinearContext& lc = w.linear_context;
  const size_t work = 2 * beams * w.source_length * c.attention_width();  // scores and weighted sum
  size_t tasks = lc.tasks > 1 && !alignment && work / lc.min_task_work >= 2 ? work / lc.min_piece_work : 1;
  if (tasks > size_t{kTasksPerThread} * lc.tasks) tasks = size_t{kTasksPerThread} * lc.tasks;
  if (tasks > a.heads) tasks = a.heads;
  if (tasks <= 1) {
    w.cross_attention.run(a);
  } else {
    split.per_task = (a.heads + tasks - 1) / tasks;
    w.parallel_for((a.heads + split.per_task - 1) / split.per_task, head_task, &split);
  }
  w.linear(layer.cross_out, w.context, beams, out);
}

}  // namespace

void decoder_step(Workspace& w, const uint32_t* tokens, size_t beams, size_t step, bool alignment,
                  size_t alignment_layer) {
  const ModelView& m = *w.model;
  const ModelConfig& c = m.config;
  const size_t d = c.d_model;
  assert(beams >= 1 && beams <= w.max_beam && step < w.positions && w.source_length <= w.limits.max_source_length);
  assert(!alignment || (w.limits.alignment && alignment_layer < c.decoder_layers));
  const float* position = position_row(m, true, step, w.query);
  if (step == 0 && c.start_mode == StartMode::kZeroEmbedding) {
    // Marian: the start is a zero vector plus its position, whatever the token.
    for (size_t b = 0; b < beams; ++b) {
      for (size_t i = 0; i < d; ++i) w.x[b * d + i] = position ? position[i] : 0.0f;
    }
  } else {
    for (size_t b = 0; b < beams; ++b) {
      embed_token(*w.kernels, c, m.target_embedding, tokens[b], position, w.x + b * d);
    }
  }
  embedding_norm(w, m.decoder_embedding_norm, c.has_embedding_norm(true), beams);
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
  w.linear(m.output, final_norm(w, m.decoder_norm, c.has_final_norm(true), beams, w.normed), beams, w.logits);
}

namespace {

// The first `bytes` of beam b's block (block(b)) become a copy of beam
// parents[b]'s, through `scratch`, which holds `sources` blocks.
template <class Block>
void gather_beams(uint8_t* scratch, const uint32_t* parents, size_t beams, size_t sources, size_t bytes,
                  Block block) {
  for (size_t b = 0; b < sources; ++b) std::memcpy(scratch + b * bytes, block(b), bytes);
  for (size_t b = 0; b < beams; ++b) std::memcpy(block(b), scratch + parents[b] * bytes, bytes);
}

}  // namespace

void reorder_self_cache(Workspace& w, const uint32_t* parents, size_t beams, size_t sources, size_t step) {
  bool identity = beams == sources;
  for (size_t b = 0; b < beams; ++b) identity = identity && parents[b] == b;
  if (identity) return;
  assert(beams <= w.max_beam && sources <= w.max_beam && step < w.positions);
  const ModelConfig& c = w.model->config;
  const KvPrecision precision = w.limits.self_kv_cache;
  const size_t rows = step + 1;  // only the positions written so far
  const size_t value_bytes = rows * c.attention_width() * kv_element_bytes(precision);
  const size_t scale_bytes = rows * kv_scale_bytes(precision, c.num_heads);  // int8 scales move with their rows
  for (size_t l = 0; l < c.decoder_layers; ++l) {
    for (size_t kv = 0; kv < 2; ++kv) {
      gather_beams(w.reorder, parents, beams, sources, value_bytes, [&](size_t b) { return w.self(l, kv, b); });
      if (scale_bytes == 0) continue;
      gather_beams(w.reorder, parents, beams, sources, scale_bytes,
                   [&](size_t b) { return reinterpret_cast<uint8_t*>(w.self_scale_rows(l, kv, b)); });
    }
  }
}

}  // namespace xattn
