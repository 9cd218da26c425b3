// Synthetic benchmark models: the shape of a known Transformer with random
// but deterministic weights, so the benchmark can measure a model of any
// size without downloading one. The same (preset, weights, seed) always gives
// the same bytes, on every host (a fixed PRNG and no library distributions).
//
//   transformer-base   d_model 512, 8 heads, ffn 2048, 6+6 layers, vocab 32000
//   transformer-tiny   d_model 256, 8 heads, ffn 1536, 6+2 layers, vocab 32000
//   aren               the shared test model's shape: d_model 32, 8 heads,
//                      ffn 128, 6+6 layers, vocab 51 -> 43
//   whisper-tiny       Whisper's audio encoder-decoder: d_model 384, 6 heads,
//                      ffn 1536, 4+4 layers, vocab 51865, 80 mel bins,
//                      1500 encoder / 448 decoder stored positions, and
//                      Whisper's token layout (synth_whisper.h)
//   whisper-base       the same with d_model 512, 8 heads, ffn 2048, 6+6
//   t5-small           d_model 512, 8 heads, ffn 2048, 6+6 layers, vocab 32128 (T5 v1.0)
//   flan-t5-small      d_model 512, 6 heads of 64 (attention width 384),
//                      gated-GELU ffn 1024, 8+8 layers, vocab 32128 (T5 v1.1)
//
// The text presets are pre-norm, ReLU, sinusoidal positions, embeddings
// scaled by sqrt(d_model); the Whisper ones pre-norm, erf GELU, stored
// position tables, unscaled embeddings, no output bias, Whisper's filter bank. Weights are uniform with the variance of a Xavier-style
// init (1/cols), so activations stay O(1) through the stack and the output
// distribution is far from flat: decoding produces varied tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ct2_import.h"
#include "xattn_writer.h"

namespace xattn {
namespace convert {

// The preset names, in the order --help lists them.
std::vector<std::string> synth_presets();

// The config of a preset; "" or an error naming the known presets.
std::string synth_config(const std::string& preset, ModelConfig* out);

// Builds the whole model (config, vocabularies "<blank> <s> </s> <unk> t4 t5
// ...", every tensor) in memory.
std::string synth_model(const std::string& preset, WeightType weights, uint64_t seed,
                        XattnModelContents* out);

// A Whisper at test sizes (d_model 16, 2 heads, ffn 32, 1+1 layers,
// vocabulary 300 with Whisper's token layout cut short, 8 encoder and 16
// decoder positions, 80 mel bins): the fuzzers' seed of the audio fields
// (tests/fuzz/make_seeds.cpp); its 64 KB filter bank is most of the file.
std::string synth_test_whisper(WeightType weights, uint64_t seed, XattnModelContents* out);

}  // namespace convert
}  // namespace xattn
