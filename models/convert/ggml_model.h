// Reading whisper.cpp's ggml .bin model files (the layout its
// convert-pt-to-ggml.py writes): the magic 0x67676d6c, eleven int32
// hyperparameters, the mel filter bank, the vocabulary (byte strings), then
// tensors until the end of the file, each as n_dims, name length, type,
// dims (innermost first), name, data. Tensors in f32, f16 and q8_0 are
// decoded to float32; other types are refused by name. Every count and
// size is checked against the bytes present.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xattn {
namespace convert {

struct GgmlHparams {
  int32_t n_vocab = 0, n_audio_ctx = 0, n_audio_state = 0, n_audio_head = 0, n_audio_layer = 0;
  int32_t n_text_ctx = 0, n_text_state = 0, n_text_head = 0, n_text_layer = 0, n_mels = 0;
  int32_t ftype = 0;  // whisper.cpp: 0 f32, 1 f16, quantized + 1000 * quantization version
};

struct GgmlTensor {
  std::string name;
  uint32_t type = 0;            // ggml_type of the stored data
  std::vector<int64_t> shape;   // outermost first (PyTorch's order; the file stores it reversed)
  std::vector<float> values;    // decoded, row-major in `shape`
};

struct GgmlModel {
  GgmlHparams hparams;
  uint32_t mel_rows = 0, mel_cols = 0;
  std::vector<float> mel_filters;         // mel_rows x mel_cols
  std::vector<std::string> vocabulary;    // token bytes, by id
  std::vector<GgmlTensor> tensors;        // in file order
  const GgmlTensor* find(const std::string& name) const;
};

// Returns "" or a one-line error starting with "ggml: ".
std::string parse_ggml(const uint8_t* bytes, size_t size, GgmlModel* out);
std::string read_ggml_file(const std::string& path, GgmlModel* out);

// Checks that the file holds exactly the tensors of a Whisper model with its
// hyperparameters, each with its shape; the first one missing, unexpected or
// misshapen is named.
std::string check_whisper_tensors(const GgmlModel& model);

}  // namespace convert
}  // namespace xattn
