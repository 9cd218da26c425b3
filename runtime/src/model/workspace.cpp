#include "model/workspace.h"

namespace xattn {

void Workspace::bind(const ModelView& m, const kernels::KernelTable& table, const Limits& l,
                     const ArenaPlan& p, uint8_t* arena) {
  model = &m;
  k = &table;
  limits = l;
  positions = l.max_target_length;
  max_beam = l.max_beam < 1 ? 1 : l.max_beam;
  self_beam_bytes = positions * m.config.d_model * kv_element_bytes(l.self_kv_cache);
  auto f = [arena](const ArenaRegion& r) { return reinterpret_cast<float*>(arena + r.offset); };
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
  source_length = 0;
}

uint8_t* Workspace::cross(size_t layer, size_t kv) const {
  const size_t d = model->config.d_model, s = limits.max_source_length;
  return cross_cache + (layer * 2 + kv) * s * d * kv_element_bytes(limits.kv_cache);
}

float* Workspace::cross_scale_rows(size_t layer, size_t kv) const {
  return cross_scales + (layer * 2 + kv) * limits.max_source_length * model->config.num_heads;
}

kernels::KvRows Workspace::cross_rows(size_t layer, size_t kv) const {
  kernels::KvRows r;
  r.data = cross(layer, kv);
  r.scales = cross_scale_rows(layer, kv);
  r.stride = model->config.d_model;
  r.precision = limits.kv_cache;
  return r;
}

}  // namespace xattn
