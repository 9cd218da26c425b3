#include "model/workspace.h"

namespace xattn {

void Workspace::bind(const ModelView& m, const kernels::KernelTable& table, const Limits& l,
                     const ArenaPlan& p, uint8_t* arena) {
  model = &m;
  k = &table;
  limits = l;
  positions = l.max_target_length;
  max_beam = l.max_beam < 1 ? 1 : l.max_beam;
  auto f = [arena](const ArenaRegion& r) { return reinterpret_cast<float*>(arena + r.offset); };
  x = f(p.x);
  normed = f(p.normed);
  wide = f(p.wide);
  context = f(p.context);
  query = f(p.query);
  keys = f(p.keys);
  values = f(p.values);
  probs = f(p.probs);
  quantized = reinterpret_cast<int8_t*>(arena + p.quantized.offset);
  quantized_scales = f(p.quantized_scales);
  cross_cache = f(p.cross_cache);
  self_cache = f(p.self_cache);
  reorder = f(p.reorder);
  logits = f(p.logits);
  step_alignment = f(p.step_alignment);
  source_length = 0;
}

float* Workspace::cross(size_t layer, size_t kv, size_t head) const {
  const size_t d = model->config.d_model, dh = model->config.head_dim(), s = limits.max_source_length;
  return cross_cache + (layer * 2 + kv) * s * d + head * s * dh;
}

float* Workspace::self(size_t layer, size_t kv, size_t beam, size_t head) const {
  const size_t d = model->config.d_model, dh = model->config.head_dim();
  const size_t per_beam = positions * d;
  return self_cache + ((layer * 2 + kv) * max_beam + beam) * per_beam + head * positions * dh;
}

}  // namespace xattn
