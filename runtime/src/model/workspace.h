// Workspace: typed pointers to every region of a session's arena, derived
// from the plan once at init. The encoder, decoder and search read and write
// only through it, so the arena layout lives in one place (xattn/arena.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"
#include "xattn/arena.h"
#include "xattn/model.h"

namespace xattn {

struct Workspace {
  const ModelView* model = nullptr;
  const kernels::KernelTable* k = nullptr;
  Limits limits;
  size_t positions = 0;  // self-attention cache rows per beam: one per decoding step
  size_t max_beam = 1;
  size_t self_beam_bytes = 0;  // one beam's K or V rows of the self-attention cache

  float* x = nullptr;
  float* normed = nullptr;
  float* wide = nullptr;
  float* context = nullptr;
  float* query = nullptr;
  float* probs = nullptr;
  int8_t* quantized = nullptr;
  float* quantized_scales = nullptr;
  uint8_t* cross_cache = nullptr;  // Limits::kv_cache precision
  float* cross_scales = nullptr;   // int8 cache only
  uint8_t* self_cache = nullptr;   // Limits::self_kv_cache precision
  float* self_scales = nullptr;    // int8 cache only
  uint8_t* reorder = nullptr;
  float* logits = nullptr;
  float* step_alignment = nullptr;

  uint32_t source_length = 0;

  void bind(const ModelView& m, const kernels::KernelTable& table, const Limits& l, const ArenaPlan& p,
            uint8_t* arena);

  // Cross-attention K (kv = 0) or V (kv = 1) of a decoder layer: source rows of d_model.
  uint8_t* cross(size_t layer, size_t kv) const;
  float* cross_scale_rows(size_t layer, size_t kv) const;  // [source position][head], int8 only
  kernels::KvRows cross_rows(size_t layer, size_t kv) const;
  // Self-attention K or V rows of one beam: [positions x d_model].
  uint8_t* self(size_t layer, size_t kv, size_t beam) const;
  // Scales of those rows from `position` on, [position][head]; null unless int8.
  float* self_scale_rows(size_t layer, size_t kv, size_t beam, size_t position = 0) const;
};

// Inline: the decoder calls these for every beam, layer and step.
inline uint8_t* Workspace::self(size_t layer, size_t kv, size_t beam) const {
  return self_cache + ((layer * 2 + kv) * max_beam + beam) * self_beam_bytes;
}

inline float* Workspace::self_scale_rows(size_t layer, size_t kv, size_t beam, size_t position) const {
  if (limits.self_kv_cache != KvPrecision::kInt8) return nullptr;  // the region is empty: point nowhere
  const size_t heads = model->config.num_heads;
  return self_scales + (((layer * 2 + kv) * max_beam + beam) * positions + position) * heads;
}

}  // namespace xattn
