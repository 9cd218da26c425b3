// An encoder layer split over threads by source rows, in three parallel
// regions instead of one per linear layer and attention: everything but the
// attention over all keys is row-local (norms, residuals, activations and the
// int8/int4 layers, whose exact sums give a row the same bits whichever rows
// share its call), so each task carries its rows from one barrier to the
// next. The regions, for rows [b, e) of task t:
//   1. (pre-norm: the attention's norm) and the fused QKV projection;
//   2. attention of the rows' queries over every key, the output
//      projection, the residual and the norm after it (post-norm: the
//      attention's; pre-norm: the feed-forward's);
//   3. the feed-forward block, its residual (post-norm: and its norm).
// Region 2 reads every row's K and V, written in region 1; region 3 writes
// w.wide, which region 2 reads. Nothing else is shared, so a barrier between
// regions is all the ordering needed.
//
// The static cache's fill is row-local too: one region in which each task
// projects its rows of the encoder output to every decoder layer's K and V
// and stores them in the cache (instead of a parallel projection, then a
// one-thread store, per decoder layer).
#include <cassert>

#include "model/encoder.h"
#include "model/sublayers.h"
#include "nn/linear.h"

namespace xattn {
namespace {

struct LayerRows {
  Workspace* w;
  const EncoderLayerView* layer;
  size_t s;
  size_t chunk;         // rows per task, a multiple of w->query_group
  size_t quant_stride;  // bytes of quantized scratch per row: any layer's input fits
};

struct Rows {
  size_t begin, count;
};

Rows rows_of(const LayerRows& r, uint32_t t) {
  const size_t begin = t * r.chunk;
  return {begin, begin + r.chunk < r.s ? r.chunk : r.s - begin};
}

// A row-local linear layer over the task's rows, quantizing into the rows'
// own stretch of the shared scratch (wide enough for any layer's input, so
// tasks at different layers of a region never meet).
void linear_on(const LayerRows& r, Rows rows, const LinearView& layer, const float* in, float* out) {
  const Workspace& w = *r.w;
  const size_t k = layer.weight.cols, n = layer.weight.rows;
  linear_rows(w.linear_context, layer, in + rows.begin * k, rows.count, w.linear_context.quantized + rows.begin * r.quant_stride,
              w.linear_context.quantized_scales + rows.begin, out + rows.begin * n);
}

void norm_on(const Workspace& w, Rows rows, const NormView& norm, const float* in, float* out) {
  const ModelConfig& c = w.model->config;
  const size_t d = c.d_model;
  w.norm(in + rows.begin * d, rows.count, d, norm.gamma, norm.beta, c.layer_norm_epsilon, out + rows.begin * d);
}

bool pre_norm(const Workspace& w) { return w.model->config.norm == NormPlacement::kPreNorm; }

void project_task(void* context, uint32_t t, uint32_t) {
  const LayerRows& r = *static_cast<const LayerRows*>(context);
  Workspace& w = *r.w;
  const Rows rows = rows_of(r, t);
  const float* in = w.x;
  if (pre_norm(w)) {
    norm_on(w, rows, r.layer->self_norm, w.x, w.normed);
    in = w.normed;
  }
  linear_on(r, rows, r.layer->self_qkv, in, w.wide);
}

void attend_task(void* context, uint32_t t, uint32_t thread) {
  const LayerRows& r = *static_cast<const LayerRows*>(context);
  Workspace& w = *r.w;
  const Rows rows = rows_of(r, t);
  const size_t d = w.model->config.d_model;
  kernels::Attention a = encoder_attention_call(w, r.s);
  a.probs = thread_probs(w, thread);
  attend_source_queries(w, a, rows.begin, rows.begin + rows.count);
  linear_on(r, rows, r.layer->self_out, w.context, w.normed);
  w.kernels->add(w.x + rows.begin * d, w.normed + rows.begin * d, rows.count * d);
  if (pre_norm(w)) {
    norm_on(w, rows, r.layer->ffn_norm, w.x, w.normed);
  } else {
    norm_on(w, rows, r.layer->self_norm, w.x, w.x);
  }
}

void feed_forward_task(void* context, uint32_t t, uint32_t) {
  const LayerRows& r = *static_cast<const LayerRows*>(context);
  Workspace& w = *r.w;
  const ModelConfig& c = w.model->config;
  const Rows rows = rows_of(r, t);
  const size_t d = c.d_model;
  linear_on(r, rows, r.layer->ffn_in, pre_norm(w) ? w.normed : w.x, w.wide);
  // Gated: the task's F-wide inner rows are packed from its own first row
  // in w.wide, not from row 0 as feed_forward's are.
  float* hidden = w.wide + rows.begin * c.ffn_in_rows();
  ffn_activation(w, hidden, rows.count);
  // ffn_out reads rows of F from `hidden`, the task's first row there.
  assert(r.layer->ffn_out.weight.cols == c.ffn_dim);
  linear_rows(w.linear_context, r.layer->ffn_out, hidden, rows.count,
              w.linear_context.quantized + rows.begin * r.quant_stride, w.linear_context.quantized_scales + rows.begin,
              w.normed + rows.begin * d);
  w.kernels->add(w.x + rows.begin * d, w.normed + rows.begin * d, rows.count * d);
  if (!pre_norm(w)) norm_on(w, rows, r.layer->ffn_norm, w.x, w.x);
}

bool integer(const LinearView& l) { return l.weight.kernel >= LinearKernel::kInt8; }

struct CacheRows {
  Workspace* w;
  const float* memory;
  size_t s;
  size_t chunk;         // rows per task, a multiple of kMinRowsPerTask
  size_t quant_stride;  // as LayerRows'
};

// Task t: its rows' K and V for every decoder layer, each layer's projection
// into the rows' own stretch of w.wide and from there into the cache.
void fill_cache_task(void* context, uint32_t t, uint32_t) {
  const CacheRows& r = *static_cast<const CacheRows*>(context);
  Workspace& w = *r.w;
  const ModelConfig& c = w.model->config;
  const size_t begin = t * r.chunk, count = begin + r.chunk < r.s ? r.chunk : r.s - begin;
  const size_t d = c.d_model, aw = c.attention_width(), element = kv_element_bytes(w.limits.kv_cache);
  float* kv_rows = w.wide + begin * 2 * aw;
  const LinearContext& lc = w.linear_context;
  for (size_t l = 0; l < c.decoder_layers; ++l) {
    linear_rows(lc, w.model->decoder[l].cross_kv, r.memory + begin * d, count, lc.quantized + begin * r.quant_stride,
                lc.quantized_scales + begin, kv_rows);
    for (size_t kv = 0; kv < 2; ++kv) {
      w.kernels->store_kv(kv_rows + kv * aw, count, 2 * aw, c.num_heads, c.head_dim(), w.limits.kv_cache,
                          w.cross(l, kv) + begin * aw * element, w.cross_scale_rows(l, kv) + begin * c.num_heads);
    }
  }
}

}  // namespace

bool encoder_layer_by_rows(Workspace& w, const EncoderLayerView& layer, size_t s) {
  const ModelConfig& c = w.model->config;
  const LinearContext& lc = w.linear_context;
  if (lc.tasks <= 1 || !integer(layer.self_qkv) || !integer(layer.self_out) || !integer(layer.ffn_in) ||
      !integer(layer.ffn_out)) {
    return false;
  }
  // The same bound as the QKV layer's own split by rows (nn/linear.cpp).
  if (linear_row_tasks(lc, layer.self_qkv.weight.kernel, s, layer.self_qkv.weight.rows, c.d_model) <= 1) return false;
  // Whole query groups per task, so every query is attended in the group it
  // has on one thread; up to kRowTasksPerThread tasks per thread.
  const size_t group = w.query_group, groups = (s + group - 1) / group;
  if (groups < 2) return false;
  size_t tasks = size_t{kRowTasksPerThread} * lc.tasks;
  if (tasks > groups) tasks = groups;
  LayerRows r{&w, &layer, s, (groups + tasks - 1) / tasks * group, 0};
  r.quant_stride = c.linear_input_width();  // the arena's quantized rows (xattn/arena.h)
  tasks = (s + r.chunk - 1) / r.chunk;
  w.parallel_for(tasks, project_task, &r);
  w.parallel_for(tasks, attend_task, &r);
  w.parallel_for(tasks, feed_forward_task, &r);
  return true;
}

bool fill_cross_cache_by_rows(Workspace& w, const float* memory, size_t s) {
  const ModelConfig& c = w.model->config;
  const LinearContext& lc = w.linear_context;
  if (lc.tasks <= 1 || c.decoder_layers == 0) return false;
  for (size_t l = 0; l < c.decoder_layers; ++l) {
    if (!integer(w.model->decoder[l].cross_kv)) return false;
  }
  const LinearView& first = w.model->decoder[0].cross_kv;
  // As many tasks as one such layer's own split by rows would make.
  const size_t tasks = linear_row_tasks(lc, first.weight.kernel, s, first.weight.rows, first.weight.cols);
  if (tasks <= 1) return false;
  const size_t chunk = row_chunk(s, tasks);
  CacheRows r{&w, memory, s, chunk, c.linear_input_width()};
  w.parallel_for((s + chunk - 1) / chunk, fill_cache_task, &r);
  return true;
}

}  // namespace xattn
