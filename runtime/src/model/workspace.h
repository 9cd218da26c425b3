// Workspace: everything a session's forward passes and search need, set up
// once by Session::init and kept in the Session: typed pointers to every
// region of the arena (activations, both KV caches, logits, the search's
// hypotheses), derived from the plan (xattn/arena.h) in one place, and the
// choices made once per session (the kernel table, the linear context, the
// attention shape). The encoder, decoder and search read and write only
// through it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"
#include "nn/linear.h"
#include "xattn/arena.h"
#include "xattn/model.h"

namespace xattn {

// The search's regions (search/hypotheses.h gives them their types).
struct SearchRegions {
  uint32_t* alive_tokens = nullptr;     // [2][beam][positions]
  float* alive_scores = nullptr;        // [2][beam]
  float* alive_alignment = nullptr;     // [2][beam][positions][max source]
  float* candidate_scores = nullptr;    // [2 beam]
  uint32_t* candidate_ids = nullptr;    // [2 beam]
  uint32_t* finished_tokens = nullptr;  // [2 beam][positions]
  uint8_t* finished_info = nullptr;     // [2 beam] records of kFinishedInfoBytes
  float* finished_alignment = nullptr;  // [2 beam][positions][max source]
};

struct Workspace {
  const ModelView* model = nullptr;
  const kernels::KernelTable* kernels = nullptr;
  Limits limits;
  size_t positions = 0;  // self-attention cache rows per beam: one per decoding step
  size_t max_beam = 1;
  // Encoder self-attention queries per kernel call: encoder_query_group
  // (arena.h), kTextQueryGroup or kAudioQueryGroup, or max_beam if more.
  size_t query_group = 1;
  size_t self_beam_bytes = 0;  // one beam's K or V rows of the self-attention cache
  LinearContext linear_context;
  // Heads, head size, score scale, probability scratch and output stride of
  // every attention call; each call fills in its queries, keys and values.
  kernels::Attention attention;
  // The attention variant of each kind of call, chosen once for its rows'
  // precision and the head size (kernels::select_attention): the encoder
  // reads float32 rows of its fused projection, the decoder's self-attention
  // Limits::self_kv_cache rows, cross-attention Limits::kv_cache rows.
  kernels::AttentionVariant encoder_attention, self_attention, cross_attention;
  // The model's norm (LayerNorm or RMSNorm), chosen once.
  void (*norm)(const float* x, size_t m, size_t d, const float* gamma, const float* beta, float eps,
               float* y) = nullptr;
  // T5 relative bias by distance (relative_bias.h); null without it.
  float* encoder_bias = nullptr;
  float* decoder_bias = nullptr;

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
  float* task_probs = nullptr;  // Limits::threads slots of task_probs_slot bytes (threads > 1)
  size_t task_probs_slot = 0;
  float* logits = nullptr;
  float* step_alignment = nullptr;
  float* audio_columns = nullptr;  // audio encoders: the conv stem's im2col rows
  SearchRegions search;
  // Session::encode_text (Limits::max_text_bytes > 0): tokenizer scratch and ids.
  void* text_scratch = nullptr;
  size_t text_scratch_bytes = 0;
  uint32_t* text_ids = nullptr;
  // Session::encode_pcm (Limits::pcm_input): one window's log-mel and its scratch.
  float* pcm_mel = nullptr;
  void* pcm_scratch = nullptr;
  size_t pcm_scratch_bytes = 0;

  uint32_t source_length = 0;

  // Places every region in `arena` (at least arena_bytes(m.config, l) bytes).
  // `parallel` runs the tasks when l.threads > 1 (then it has run and at
  // least l.threads workers).
  void init(const ModelView& m, const kernels::KernelTable& table, const Limits& l, const ParallelFor& parallel,
            uint8_t* arena);

  // task(context, i, thread) for i in [0, tasks), on the session's threads when tasks > 1.
  void parallel_for(size_t tasks, ParallelTask task, void* context) const {
    if (tasks <= 1) return task(context, 0, 0);
    const ParallelFor& p = linear_context.parallel;
    p.run(p.pool, linear_context.tasks, static_cast<uint32_t>(tasks), task, context);
  }

  // y = x . W^T + bias for `rows` rows, on the layer's prepared kernel.
  void linear(const LinearView& layer, const float* in, size_t rows, float* out) const {
    xattn::linear(linear_context, layer, in, rows, out);
  }

  // Cross-attention K (kv = 0) or V (kv = 1) of a decoder layer: source rows of attention_width().
  uint8_t* cross(size_t layer, size_t kv) const;
  float* cross_scale_rows(size_t layer, size_t kv) const;  // [source position][head], int8 only
  kernels::KvRows cross_rows(size_t layer, size_t kv) const;
  // Self-attention K or V rows of one beam: [positions x attention_width()].
  uint8_t* self(size_t layer, size_t kv, size_t beam) const;
  // Scales of those rows from `position` on, [position][head]; null unless int8.
  float* self_scale_rows(size_t layer, size_t kv, size_t beam, size_t position = 0) const;
};

// A thread's attention probability rows when attention is split over tasks (threads > 1).
inline float* thread_probs(const Workspace& w, uint32_t thread) {
  return reinterpret_cast<float*>(reinterpret_cast<uint8_t*>(w.task_probs) + thread * w.task_probs_slot);
}

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
