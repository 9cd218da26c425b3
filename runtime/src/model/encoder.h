// The encoder stack and the static encoder KV cache it fills.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/workspace.h"

namespace xattn {

// Encodes ids[0..count) (already validated against the vocabulary and the
// limits), then computes, for every decoder layer, the cross-attention K and V
// of the encoder output into the static cache. Sets w.source_length.
void run_encoder(Workspace& w, const uint32_t* ids, size_t count);

// Encodes log-mel features mel[n_mels][frames] (n_mels the model's, 1 <=
// frames <= 2 x max_source_length, values checked finite): Whisper's conv
// stem (audio_encoder.cpp), then the layers and the static cache as above.
// Sets w.source_length to the stem's output length, (frames - 1) / 2 + 1.
void run_audio_encoder(Workspace& w, const float* mel, size_t frames);

// The part both share: embedding norm, layers, final norm and the static
// cache, over the s rows of w.x (embeddings plus positions).
void run_encoder_layers(Workspace& w, size_t s);

// Self-attention over the s rows of the fused [s x 3A] projection in w.wide
// (A = attention_width()): the call with its K and V in place, and its
// queries [begin, end) run in groups of w.query_group from begin into
// w.context, with T5's bias when the model has one.
kernels::Attention encoder_attention_call(const Workspace& w, size_t s);
void attend_source_queries(const Workspace& w, kernels::Attention a, size_t begin, size_t end);

// Runs one encoder layer over the s rows of w.x split by those rows
// (encoder_rows.cpp) and returns true, or returns false when the layer is
// not split that way (then the caller runs it layer by layer).
bool encoder_layer_by_rows(Workspace& w, const EncoderLayerView& layer, size_t s);

// Fills the static cache from the s rows of `memory` (the encoder output)
// split by those rows, every decoder layer in one parallel region
// (encoder_rows.cpp), and returns true; or returns false when it is not split
// that way (then the caller fills it layer by layer).
bool fill_cross_cache_by_rows(Workspace& w, const float* memory, size_t s);

}  // namespace xattn
