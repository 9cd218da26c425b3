// whisper.cpp ggml .bin -> xattn (`xattn convert ggml FILE.bin -o OUT`).
//
// The file's tensors (decoded to float32 by ggml_model.h: f32, f16, q8_0)
// are renamed to the CTranslate2 Whisper layout (queries, keys and values
// fused, zero key biases, the projection tied to the token embedding) and
// imported as a CTranslate2 Whisper is (ct2_import.h), so both paths share
// one config derivation and one int8 quantization. The hyperparameters
// become the config (n_audio_ctx: the encoder's position rows, n_text_ctx:
// the decoder's), the file's own mel filter bank is stored, and its
// vocabulary gives the model's tokens: the text tokens (GPT-2 spelling, as
// CTranslate2 writes them) and a byte-level BPE tokenizer (a ggml file
// holds tiktoken's tokens in rank order, which is all tiktoken's BPE needs),
// then Whisper's special tokens named as openai-whisper's tokenizer.py
// names them for the vocabulary size. A Whisper trained with an output
// vocabulary of its own (models/datespeech: digits and '-') takes its tokens
// from the caller instead; no tokenizer is stored then (the text mode joins
// the tokens) and the model has no Whisper token layout.
#pragma once

#include <string>
#include <vector>

#include "ct2_import.h"
#include "ggml_model.h"

namespace xattn {
namespace convert {

// Imports a parsed file (its tensors are consumed). "" or a one-line error.
// own_tokens: the output vocabulary by id (nullptr: Whisper's, from the file).
std::string import_ggml_model(GgmlModel model, WeightType weights, ImportResult* out,
                              const std::vector<std::string>* own_tokens = nullptr);

// Reads PATH (read_ggml_file) and imports it; errors start with PATH.
// vocabulary: a file of the model's own output tokens, one per line ("": Whisper's).
std::string import_ggml_file(const std::string& path, WeightType weights, ImportResult* out,
                             const std::string& vocabulary = "");

}  // namespace convert
}  // namespace xattn
