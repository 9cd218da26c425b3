// Whisper's convolution stem as GEMMs: a Conv1d with kernel 3 and padding 1
// is, for each output frame, a dot product of the weight row
// [out][in][k] (flattened, as the model file stores it) with the 3 x in
// input values around that frame. im2col lays those values out as rows of
// the same flattened order, so the linear kernels (float32 or int8, every
// kernel path) compute the convolution. The scalar reference computes it
// directly from the definition, for tests.
#pragma once

#include <cstddef>

#include "xattn/model.h"

namespace xattn {

constexpr size_t kConvKernel = 3;  // Whisper's kernel size, with padding 1

// How a conv input is laid out: kChannelMajor [channels][frames] (the log-mel
// matrix), kTimeMajor [frames][channels] (activations between layers).
enum class ConvLayout { kChannelMajor, kTimeMajor };

// Output frames of a kernel-3, padding-1 conv over `frames` inputs.
constexpr size_t conv_out_frames(size_t frames, size_t stride) { return (frames - 1) / stride + 1; }

// columns[t - first][i * 3 + k] = x(i, t * stride + k - 1), 0 outside
// [0, frames), for output frames t in [first, first + count) (within
// conv_out_frames): count x 3 channels floats.
void conv_im2col(const float* x, ConvLayout layout, size_t channels, size_t frames, size_t stride, size_t first,
                 size_t count, float* columns);

// The definition: y[t][o] = bias[o] + sum_i,k W[o][i * 3 + k] * x(i, t * stride
// + k - 1), float32 or int8 weights (w = q / scale), y time-major [t][out].
void conv1d_reference(const LinearView& conv, const float* x, ConvLayout layout, size_t channels, size_t frames,
                      size_t stride, float* y);

}  // namespace xattn
