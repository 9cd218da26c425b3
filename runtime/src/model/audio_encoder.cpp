// Whisper's audio encoder front: Conv1d(n_mels -> d, k 3, pad 1) + GELU,
// Conv1d(d -> d, k 3, stride 2, pad 1) + GELU, plus the stored position
// table (Whisper's sinusoids as the file holds them), then the ordinary
// pre-norm layers. Each conv is im2col into arena scratch and linear calls,
// kAudioChunkFrames output frames at a time (the scratch stays small: 30 s
// of whisper-tiny would need 6.6 MiB at once), so it runs on the session's
// float32 or int8 kernels and threads.
#include <cassert>

#include "model/encoder.h"
#include "nn/conv1d.h"
#include "nn/embedding.h"

namespace xattn {
namespace {

// One conv over all output frames, kAudioChunkFrames at a time through the
// arena's columns: y time-major [out frames][conv rows].
void conv_chunked(Workspace& w, const LinearView& conv, const float* x, ConvLayout layout, size_t channels,
                  size_t frames, size_t stride, float* y) {
  const size_t out = conv_out_frames(frames, stride), rows = conv.weight.rows;
  for (size_t first = 0; first < out; first += kAudioChunkFrames) {
    const size_t count = out - first < kAudioChunkFrames ? out - first : kAudioChunkFrames;
    conv_im2col(x, layout, channels, frames, stride, first, count, w.audio_columns);
    w.linear(conv, w.audio_columns, count, y + first * rows);
  }
}

}  // namespace

void run_audio_encoder(Workspace& w, const float* mel, size_t frames) {
  const ModelView& m = *w.model;
  const ModelConfig& c = m.config;
  const size_t d = c.d_model;
  const size_t s = conv_out_frames(frames, 2);
  assert(c.encoder_input == EncoderInput::kAudio && frames >= 1 && s <= w.limits.max_source_length);
  // Both convs use the exact (erf) GELU, whatever the layers' activation.
  conv_chunked(w, m.conv1, mel, ConvLayout::kChannelMajor, c.n_mels, frames, 1, w.wide);  // [frames][d]
  w.kernels->activation(Activation::kGeluErf, w.wide, frames * d);
  conv_chunked(w, m.conv2, w.wide, ConvLayout::kTimeMajor, d, frames, 2, w.x);  // [s][d]
  w.kernels->activation(Activation::kGeluErf, w.x, s * d);
  for (size_t i = 0; i < s; ++i) {
    const float* position = position_row(m, false, i, w.query);
    if (position != nullptr) w.kernels->add(w.x + i * d, position, d);
  }
  run_encoder_layers(w, s);
}

}  // namespace xattn
