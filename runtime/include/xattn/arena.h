// The arena planner: where every buffer of a session lives inside the one
// caller-provided arena, and so exactly how many bytes that arena needs.
//
// Everything is constexpr, so firmware can write
//   constexpr xattn::ModelConfig kConfig = {...};
//   alignas(64) static uint8_t arena[xattn::arena_bytes(kConfig, kLimits)];
// and a host can ask the same question of a config read from a file.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/audio.h"
#include "xattn/config.h"
#include "xattn/parallel.h"
#include "xattn/tokenizer.h"

namespace xattn {

constexpr size_t kArenaAlignment = 64;
// arena_bytes() for limits whose arena would not fit this target's address space.
constexpr size_t kArenaTooLarge = ~static_cast<size_t>(0);

// One region of the arena: [offset, offset + bytes).
struct ArenaRegion {
  size_t offset = 0;
  size_t bytes = 0;
};

struct ArenaPlan {
  // Scratch shared by the encoder and the decoder (never live at once).
  ArenaRegion x, normed, wide, context, query, probs, quantized, quantized_scales;
  // The static encoder KV cache: per decoder layer, K then V, position-major
  // [source position][attention_width()] (heads side by side) in Limits::kv_cache
  // precision; for int8, cross_scales holds [layer][K|V][position][head].
  // Computed once per encode, shared by all beams.
  ArenaRegion cross_cache, cross_scales;
  // Decoder self-attention cache in Limits::self_kv_cache precision:
  // [layer][K|V][beam][position][attention_width()]; for int8, self_scales holds
  // [layer][K|V][beam][position][head]. reorder has room to gather one
  // layer's K or V values (then their scales) of every beam when beams are
  // reordered.
  ArenaRegion self_cache, self_scales, reorder;
  ArenaRegion logits, step_alignment;
  // Search state: alive hypotheses (double-buffered for reordering), the
  // candidates of a step, and the finished hypotheses.
  ArenaRegion alive_tokens, alive_scores, alive_alignment;
  ArenaRegion candidate_scores, candidate_ids;
  ArenaRegion finished_tokens, finished_info, finished_alignment;
  // T5 relative position bias by distance, computed at session init:
  // encoder [head][2 max_source - 1] (signed distance), decoder
  // [head][max_target] (causal distance, read backwards). Empty otherwise.
  ArenaRegion encoder_bias, decoder_bias;
  // Audio encoders (Whisper) only, empty otherwise: the im2col rows of the
  // conv stem, up to kAudioChunkFrames output frames at a time: [chunk][3
  // n_mels] for conv1, then [chunk][3 d_model] for conv2. The int8 scratch
  // (quantized, its scales, the per-thread slots) holds those rows too;
  // conv1's [2 max_source][d_model] output lives in wide.
  ArenaRegion audio_columns;
  // Per-thread scratch, only when Limits::threads > 1 (empty otherwise): one
  // slot per thread of task_*_slot bytes (a multiple of 64, so threads never
  // share a cache line) in each. task_quantized: a private copy of the quantized
  // activations of an integer layer split by rows of W (fewer than
  // kRowSplitMinRows rows: a packed int8 kernel may overwrite its input);
  // task_output: a thread's outputs for up to kParallelStageActivationRows
  // activation rows x kParallelStageRows rows of W when several activation
  // rows are multiplied in a split by rows of W (their outputs are strided in y);
  // task_probs: attention probabilities of a thread's queries.
  ArenaRegion task_quantized, task_output, task_probs;
  size_t task_quantized_slot = 0, task_output_slot = 0, task_probs_slot = 0;
  // Session::encode_text, only when Limits::max_text_bytes > 0: the source
  // tokenizer's scratch for that much text (none for a model that splits
  // text by spaces or characters), and the source ids the text makes.
  ArenaRegion text_scratch, text_ids;
  // Session::encode_pcm, only with Limits::pcm_input on an audio model: the
  // window's log-mel [n_mels][2 x max_source] and log_mel_frame's scratch.
  ArenaRegion pcm_mel, pcm_scratch;
  size_t total = 0;
};

namespace arena_detail {

// Sizes are computed in 64 bits whatever the target, so a 32-bit build
// cannot wrap; a plan beyond the address space has total = kArenaTooLarge.
constexpr uint64_t round_up(uint64_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }
constexpr uint64_t max3(uint64_t a, uint64_t b, uint64_t c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }

struct Cursor {
  uint64_t at = 0;
  constexpr ArenaRegion take(uint64_t bytes) {
    ArenaRegion r{static_cast<size_t>(at), static_cast<size_t>(bytes)};
    at += round_up(bytes);
    return r;
  }
};

// Within these bounds every size below fits in 64 bits with room to spare.
constexpr bool plannable(const ModelConfig& c, const Limits& l) {
  return l.max_source_length <= kMaxSequence && l.max_target_length <= kMaxSequence && l.max_beam <= kMaxBeam &&
         c.d_model <= kMaxDModel && c.ffn_dim <= kMaxFfn && c.num_heads <= kMaxHeads &&
         c.head_size <= kMaxDModel && c.attention_width() <= kMaxDModel &&
         c.decoder_layers <= kMaxLayers && c.target_vocab_size <= kMaxVocab && c.n_mels <= 512 &&
         l.max_text_bytes <= kMaxTextBytes && c.source_tokenizer_expansion <= 64;
}

}  // namespace arena_detail

// Rows of W one task multiplies per kernel call when a linear layer has
// several activation rows: the task stages those outputs (rows x this many
// floats) before it scatters them into the strided output. 128 int8 rows of
// a 512..2048-wide layer (64..256 KiB) stay in L2 while every activation row
// passes, and the staging copy is 1/k of the work.
constexpr size_t kParallelStageRows = 128;
// Activation rows such a task stages per kernel call: its slot holds this
// many rows of kParallelStageRows outputs (32 KiB), however long the source.
constexpr size_t kParallelStageActivationRows = 64;
// Activation rows from which an int8 or int4 layer is split over threads by
// those rows (each task quantizes its own in the shared scratch) instead of
// by rows of W (each task with a private copy of all the quantized rows when
// its kernel overwrites them): the private copies hold fewer rows than this.
constexpr size_t kRowSplitMinRows = 16;

// Output frames of Whisper's conv stem computed per linear call (the
// stem's im2col scratch holds this many rows).
constexpr size_t kAudioChunkFrames = 64;

// Encoder self-attention queries per attention call. A text encoder takes
// 16 (or max_beam if more; no more than the source has): enough for the
// kernels' tiled path (attention_tiled.hpp), few enough that a short source
// still splits over threads. An audio encoder
// attends over hundreds to 1500 positions, whose K and V rows outgrow the
// caches: 64 queries per pass over them cut that traffic 64-fold for 64
// probability rows (no more than the source has; whisper-tiny at 30 s,
// int8, AVX2: 1 query per pass 7.8 s, 16 2.6 s, 64 1.9 s, 128 no faster).
constexpr size_t kAudioQueryGroup = 64;
constexpr size_t kTextQueryGroup = 16;
constexpr size_t encoder_query_group(const ModelConfig& c, const Limits& l) {
  const size_t beam = l.max_beam < 1 ? 1 : l.max_beam;
  const size_t wanted = c.encoder_input == EncoderInput::kAudio ? kAudioQueryGroup : kTextQueryGroup;
  const size_t group = beam > wanted ? beam : wanted;
  return group < l.max_source_length ? group : (l.max_source_length > beam ? l.max_source_length : beam);
}

// Bytes per finished-hypothesis record (score, normalized score, length, storage slot).
constexpr size_t kFinishedInfoBytes = 16;

// Bytes of one cached K or V element at a precision.
constexpr size_t kv_element_bytes(KvPrecision p) {
  return p == KvPrecision::kInt8 ? 1 : p == KvPrecision::kFloat16 ? 2 : 4;
}
// Bytes of the scales of one cached row (one float per head, int8 only).
constexpr size_t kv_scale_bytes(KvPrecision p, size_t heads) {
  return p == KvPrecision::kInt8 ? heads * sizeof(float) : 0;
}

constexpr ArenaPlan plan_arena(const ModelConfig& c, const Limits& l) {
  using arena_detail::max3;
  // Beyond the bounds the format and the session accept, sizes could wrap
  // even in 64 bits: no plan (check_limits, xattn/limits_check.h, says why).
  if (!arena_detail::plannable(c, l)) {
    ArenaPlan none{};
    none.total = kArenaTooLarge;
    return none;
  }
  const uint64_t f = sizeof(float);
  const uint64_t d = c.d_model;
  const uint64_t a_width = c.attention_width();  // Q, K, V and attention output per token (d unless head_size says)
  const uint64_t d_or_a = d > a_width ? d : a_width;
  const uint64_t src = l.max_source_length;
  const uint64_t beam = l.max_beam < 1 ? 1 : l.max_beam;
  const uint64_t positions = l.max_target_length;  // one per decoding step (the step's input token)
  const uint64_t rows = src > beam ? src : beam;  // rows of activations: source tokens or beams
  // Audio encoders also hold conv1's [2 max_source][d] output in wide.
  const bool audio = c.encoder_input == EncoderInput::kAudio;
  const uint64_t wide_cols = max3(3 * a_width, c.ffn_in_rows(), audio ? 2 * d : 2 * a_width);
  const uint64_t quant_cols = c.linear_input_width();
  // Attention probabilities: one row per query of a call (up to the
  // encoder's query group over the source, or one over the self-attention positions).
  const uint64_t query_rows = encoder_query_group(c, l);  // >= beam
  const uint64_t probs_len = query_rows * src > positions ? query_rows * src : positions;
  const uint64_t layers = c.decoder_layers;
  const uint64_t kv_rows = layers * 2 * src;  // cached K and V rows of the static cache
  const uint64_t self_rows = layers * 2 * beam * positions;  // and of the self-attention cache
  const uint64_t self_row_bytes = a_width * kv_element_bytes(l.self_kv_cache);
  const uint64_t self_scale_bytes = kv_scale_bytes(l.self_kv_cache, c.num_heads);
  const uint64_t align_src = l.alignment ? src : 0;
  // Whisper's stem: 2 x max_source log-mel frames in, a stride-2 conv to max_source.
  const uint64_t chunk1 = audio ? (2 * src < kAudioChunkFrames ? 2 * src : kAudioChunkFrames) : 0;  // conv1 rows
  const uint64_t chunk2 = audio ? (src < kAudioChunkFrames ? src : kAudioChunkFrames) : 0;          // conv2 rows
  const uint64_t conv_columns = chunk1 * 3 * c.n_mels > chunk2 * 3 * d ? chunk1 * 3 * c.n_mels : chunk2 * 3 * d;
  const uint64_t linear_rows = rows > chunk1 ? rows : chunk1;  // activation rows of one linear call
  const uint64_t quant_bytes = rows * quant_cols > conv_columns ? rows * quant_cols : conv_columns;
  const uint64_t quant_width = max3(quant_cols, audio ? 3 * c.n_mels : 0, audio ? 3 * d : 0);  // widest linear input

  ArenaPlan p{};
  arena_detail::Cursor a;
  p.x = a.take(rows * d * f);
  p.normed = a.take(rows * d * f);
  p.wide = a.take(rows * wide_cols * f);
  p.context = a.take(rows * a_width * f);
  p.query = a.take(beam * d_or_a * f);  // cross-attention queries, or one position row
  p.probs = a.take(probs_len * f);
  p.quantized = a.take(quant_bytes);
  p.quantized_scales = a.take(linear_rows * f);
  p.cross_cache = a.take(kv_rows * a_width * kv_element_bytes(l.kv_cache));
  p.cross_scales = a.take(kv_rows * kv_scale_bytes(l.kv_cache, c.num_heads));
  p.self_cache = a.take(self_rows * self_row_bytes);
  p.self_scales = a.take(self_rows * self_scale_bytes);
  const uint64_t reorder_row = self_row_bytes > self_scale_bytes ? self_row_bytes : self_scale_bytes;
  p.reorder = a.take(beam > 1 ? beam * positions * reorder_row : 0);
  p.logits = a.take(beam * c.target_vocab_size * f);
  p.step_alignment = a.take(beam * align_src * f);
  p.alive_tokens = a.take(2 * beam * positions * sizeof(uint32_t));
  p.alive_scores = a.take(2 * beam * f);
  p.alive_alignment = a.take(2 * beam * positions * align_src * f);
  p.candidate_scores = a.take(2 * beam * f);
  p.candidate_ids = a.take(2 * beam * sizeof(uint32_t));
  // Fewer than `beam` hypotheses are finished before a step, and a step
  // finishes at most `beam` more: 2 x beam records always suffice.
  p.finished_tokens = a.take(2 * beam * positions * sizeof(uint32_t));
  p.finished_info = a.take(2 * beam * kFinishedInfoBytes);
  p.finished_alignment = a.take(2 * beam * positions * align_src * f);
  const bool relative = c.position == PositionEncoding::kRelativeBias;
  p.encoder_bias = a.take(relative ? c.num_heads * (2 * src - 1) * f : 0);
  p.decoder_bias = a.take(relative ? c.num_heads * positions * f : 0);
  p.audio_columns = a.take(conv_columns * f);
  const uint64_t tasks = l.threads > 1 ? l.threads : 0;
  const uint64_t copied_rows = linear_rows < kRowSplitMinRows ? linear_rows : kRowSplitMinRows - 1;
  const uint64_t staged_rows = linear_rows < kParallelStageActivationRows ? linear_rows : kParallelStageActivationRows;
  p.task_quantized_slot = static_cast<size_t>(arena_detail::round_up(copied_rows * quant_width));
  p.task_output_slot = static_cast<size_t>(arena_detail::round_up(staged_rows * kParallelStageRows * f));
  p.task_probs_slot = static_cast<size_t>(arena_detail::round_up(query_rows * src * f));
  p.task_quantized = a.take(tasks * p.task_quantized_slot);
  p.task_output = a.take(tasks * p.task_output_slot);
  p.task_probs = a.take(tasks * p.task_probs_slot);
  const bool text = l.max_text_bytes > 0;
  const bool tokenizer = text && c.source_tokenizer_model != 0;
  p.text_scratch = a.take(tokenizer ? tokenizer_scratch_bytes(static_cast<TokenizerModel>(c.source_tokenizer_model),
                                                              c.source_tokenizer_expansion, l.max_text_bytes)
                                    : 0);
  p.text_ids = a.take(text ? src * sizeof(uint32_t) : 0);
  const bool pcm = l.pcm_input && c.encoder_input == EncoderInput::kAudio;
  p.pcm_mel = a.take(pcm ? uint64_t{c.n_mels} * 2 * src * f : 0);
  p.pcm_scratch = a.take(pcm ? log_mel_scratch_bytes() : 0);
  p.total = a.at > static_cast<uint64_t>(kArenaTooLarge) ? kArenaTooLarge : static_cast<size_t>(a.at);
  return p;
}

// Exactly the bytes a session with this config and these limits needs
// (kArenaTooLarge when that exceeds the address space).
constexpr size_t arena_bytes(const ModelConfig& config, const Limits& limits) {
  return plan_arena(config, limits).total;
}

}  // namespace xattn
