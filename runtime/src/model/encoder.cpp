#include "model/encoder.h"

#include <cassert>

#include "model/sublayers.h"
#include "nn/embedding.h"
#include "nn/linear.h"

namespace xattn {

kernels::Attention encoder_attention_call(const Workspace& w, size_t s) {
  const size_t aw = w.model->config.attention_width();
  kernels::Attention a = w.attention;
  a.q_stride = 3 * aw;
  a.k.data = w.wide + aw;
  a.k.stride = 3 * aw;
  a.v.data = w.wide + 2 * aw;
  a.v.stride = 3 * aw;
  a.len = s;
  return a;
}

void attend_source_queries(const Workspace& w, kernels::Attention a, size_t begin, size_t end) {
  const size_t aw = w.model->config.attention_width();
  for (size_t i = begin; i < end; i += w.query_group) {
    a.q = w.wide + i * 3 * aw;
    a.nq = end - i < w.query_group ? end - i : w.query_group;
    a.out = w.context + i * aw;
    if (w.encoder_bias != nullptr) {
      // Query i + b, key j reads row h at (j - i - b) + max_source - 1.
      kernels::ScoreBias bias;
      bias.data = w.encoder_bias + (w.limits.max_source_length - 1) - i;
      bias.head_stride = static_cast<ptrdiff_t>(2 * w.limits.max_source_length - 1);
      bias.query_stride = -1;
      w.encoder_attention.run_biased(a, bias);
    } else {
      w.encoder_attention.run(a);
    }
  }
}

namespace {

// The queries of one attention call, split over tasks: each task takes
// whole groups (of up to query_group queries, the probability rows a slot
// holds), so every query is computed in the same group for any thread count.
struct QuerySplit {
  const Workspace* w;
  kernels::Attention a;
  size_t s;      // queries
  size_t chunk;  // queries per task, a multiple of query_group
  bool own_probs;
};

void query_task(void* context, uint32_t t, uint32_t thread) {
  const QuerySplit& q = *static_cast<const QuerySplit*>(context);
  kernels::Attention a = q.a;
  if (q.own_probs) a.probs = thread_probs(*q.w, thread);
  const size_t end = (t + 1) * q.chunk < q.s ? (t + 1) * q.chunk : q.s;
  attend_source_queries(*q.w, a, t * q.chunk, end);
}

// Self-attention reads K and V in place from the fused [S x 3A] projection
// (A = attention_width(); rows 3A apart); queries go to the kernel in groups of up to query_group rows,
// the probability rows the arena holds. Groups are split over threads when
// the call is large enough (the same bounds as a linear layer's split).
void encoder_self_attention(Workspace& w, const EncoderLayerView& layer, const float* in, size_t s,
                            float* out) {
  const size_t aw = w.model->config.attention_width();
  w.linear(layer.self_qkv, in, s, w.wide);
  QuerySplit q{&w, encoder_attention_call(w, s), s, 0, false};
  const size_t groups = (s + w.query_group - 1) / w.query_group;
  const LinearContext& lc = w.linear_context;
  const size_t work = 2 * s * s * aw;  // scores and weighted sum
  size_t tasks = lc.tasks > 1 && work / lc.min_task_work >= 2 ? work / lc.min_piece_work : 1;
  if (tasks > size_t{kTasksPerThread} * lc.tasks) tasks = size_t{kTasksPerThread} * lc.tasks;
  if (tasks > groups) tasks = groups;
  if (tasks < 1) tasks = 1;
  q.chunk = (groups + tasks - 1) / tasks * w.query_group;
  tasks = (s + q.chunk - 1) / q.chunk;
  q.own_probs = tasks > 1;
  w.parallel_for(tasks, query_task, &q);
  w.linear(layer.self_out, w.context, s, out);
}

// Fills the static cache: K and V of every decoder layer over the encoder
// output, stored at the session's KV precision.
void fill_cross_cache(Workspace& w, const float* memory, size_t s) {
  if (fill_cross_cache_by_rows(w, memory, s)) return;
  const ModelConfig& c = w.model->config;
  const size_t aw = c.attention_width();
  for (size_t l = 0; l < c.decoder_layers; ++l) {
    w.linear(w.model->decoder[l].cross_kv, memory, s, w.wide);
    for (size_t kv = 0; kv < 2; ++kv) {
      w.kernels->store_kv(w.wide + kv * aw, s, 2 * aw, c.num_heads, c.head_dim(), w.limits.kv_cache, w.cross(l, kv),
                    w.cross_scale_rows(l, kv));
    }
  }
}

}  // namespace

void run_encoder(Workspace& w, const uint32_t* ids, size_t count) {
  const ModelView& m = *w.model;
  const ModelConfig& c = m.config;
  const size_t d = c.d_model, s = count;
  assert(s >= 1 && s <= w.limits.max_source_length);
  for (size_t i = 0; i < s; ++i) {
    embed_token(*w.kernels, c, m.source_embedding, ids[i], position_row(m, false, i, w.query), w.x + i * d);
  }
  run_encoder_layers(w, s);
}

void run_encoder_layers(Workspace& w, size_t s) {
  const ModelView& m = *w.model;
  const ModelConfig& c = m.config;
  assert(s >= 1 && s <= w.limits.max_source_length);
  embedding_norm(w, m.encoder_embedding_norm, c.has_embedding_norm(false), s);
  for (size_t l = 0; l < c.encoder_layers; ++l) {
    const EncoderLayerView& layer = m.encoder[l];
    if (encoder_layer_by_rows(w, layer, s)) continue;
    residual_block(w, layer.self_norm, s, [&](const float* in, float* out) {
      encoder_self_attention(w, layer, in, s, out);
    });
    residual_block(w, layer.ffn_norm, s, [&](const float* in, float* out) {
      feed_forward(w, layer.ffn_in, layer.ffn_out, in, s, out);
    });
  }
  fill_cross_cache(w, final_norm(w, m.encoder_norm, c.has_final_norm(false), s, w.x), s);
  w.source_length = static_cast<uint32_t>(s);
}

}  // namespace xattn
