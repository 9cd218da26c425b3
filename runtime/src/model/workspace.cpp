#include "model/workspace.h"

#include <cmath>

#include "model/relative_bias.h"

namespace xattn {

void Workspace::init(const ModelView& m, const kernels::KernelTable& table, const Limits& l,
                     const ParallelFor& parallel, uint8_t* arena) {
  const ArenaPlan p = plan_arena(m.config, l);
  const ModelConfig& c = m.config;
  model = &m;
  kernels = &table;
  limits = l;
  positions = l.max_target_length;
  max_beam = l.max_beam < 1 ? 1 : l.max_beam;
  query_group = encoder_query_group(c, l);
  self_beam_bytes = positions * c.attention_width() * kv_element_bytes(l.self_kv_cache);
  auto f = [arena](const ArenaRegion& r) { return reinterpret_cast<float*>(arena + r.offset); };
  auto u = [arena](const ArenaRegion& r) { return reinterpret_cast<uint32_t*>(arena + r.offset); };
  x = f(p.x);
  normed = f(p.normed);
  wide = f(p.wide);
  context = f(p.context);
  query = f(p.query);
  probs = f(p.probs);
  quantized = reinterpret_cast<int8_t*>(arena + p.quantized.offset);
  quantized_scales = f(p.quantized_scales);
  cross_cache = arena + p.cross_cache.offset;
  cross_scales = f(p.cross_scales);
  self_cache = arena + p.self_cache.offset;
  self_scales = f(p.self_scales);
  reorder = arena + p.reorder.offset;
  logits = f(p.logits);
  step_alignment = f(p.step_alignment);
  audio_columns = f(p.audio_columns);
  search.alive_tokens = u(p.alive_tokens);
  search.alive_scores = f(p.alive_scores);
  search.alive_alignment = f(p.alive_alignment);
  search.candidate_scores = f(p.candidate_scores);
  search.candidate_ids = u(p.candidate_ids);
  search.finished_tokens = u(p.finished_tokens);
  search.finished_info = arena + p.finished_info.offset;
  search.finished_alignment = f(p.finished_alignment);
  source_length = 0;
  text_scratch = arena + p.text_scratch.offset;
  text_scratch_bytes = p.text_scratch.bytes;
  text_ids = u(p.text_ids);
  pcm_mel = f(p.pcm_mel);
  pcm_scratch = arena + p.pcm_scratch.offset;
  pcm_scratch_bytes = p.pcm_scratch.bytes;

  linear_context.kernels = &table;
  linear_context.quantized = quantized;
  linear_context.quantized_scales = quantized_scales;
  linear_context.rounding = c.activation_rounding;
  linear_context.tasks = l.threads > 1 ? l.threads : 1;
  if (linear_context.tasks > 1) linear_context.parallel = parallel;
  linear_context.task_quantized = arena + p.task_quantized.offset;
  linear_context.task_quantized_slot = p.task_quantized_slot;
  linear_context.task_output = arena + p.task_output.offset;
  linear_context.task_output_slot = p.task_output_slot;
  task_probs = f(p.task_probs);
  task_probs_slot = p.task_probs_slot;
  attention = kernels::Attention();
  attention.heads = c.num_heads;
  attention.dh = c.head_dim();
  attention.scale = c.queries_scale != 0.0f ? c.queries_scale : 1.0f / std::sqrt(static_cast<float>(attention.dh));
  norm = c.norm_kind == NormKind::kRmsNorm ? table.rms_norm : table.layer_norm;
  encoder_bias = nullptr;
  decoder_bias = nullptr;
  if (c.position == PositionEncoding::kRelativeBias) {
    encoder_bias = f(p.encoder_bias);
    decoder_bias = f(p.decoder_bias);
    fill_relative_bias(c, m.encoder_relative_bias, m.decoder_relative_bias, l.max_source_length, positions,
                       encoder_bias, decoder_bias);
  }
  attention.probs = probs;
  attention.out_stride = c.attention_width();
  encoder_attention = kernels::select_attention(table, KvPrecision::kFloat32, attention.dh);
  self_attention = kernels::select_attention(table, l.self_kv_cache, attention.dh);
  cross_attention = kernels::select_attention(table, l.kv_cache, attention.dh);
}

uint8_t* Workspace::cross(size_t layer, size_t kv) const {
  const size_t a = model->config.attention_width(), s = limits.max_source_length;
  return cross_cache + (layer * 2 + kv) * s * a * kv_element_bytes(limits.kv_cache);
}

float* Workspace::cross_scale_rows(size_t layer, size_t kv) const {
  return cross_scales + (layer * 2 + kv) * limits.max_source_length * model->config.num_heads;
}

kernels::KvRows Workspace::cross_rows(size_t layer, size_t kv) const {
  kernels::KvRows r;
  r.data = cross(layer, kv);
  r.scales = cross_scale_rows(layer, kv);
  r.stride = model->config.attention_width();
  r.precision = limits.kv_cache;
  return r;
}

}  // namespace xattn
