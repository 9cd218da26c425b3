#include "nn/conv1d.h"

#include <cstdint>

namespace xattn {
namespace {

inline float input_at(const float* x, ConvLayout layout, size_t channels, size_t frames, size_t i, ptrdiff_t j) {
  if (j < 0 || static_cast<size_t>(j) >= frames) return 0.0f;  // the padding
  const size_t f = static_cast<size_t>(j);
  return layout == ConvLayout::kChannelMajor ? x[i * frames + f] : x[f * channels + i];
}

}  // namespace

void conv_im2col(const float* x, ConvLayout layout, size_t channels, size_t frames, size_t stride, size_t first,
                 size_t count, float* columns) {
  for (size_t t = first; t < first + count; ++t) {
    float* row = columns + (t - first) * channels * kConvKernel;
    const ptrdiff_t first = static_cast<ptrdiff_t>(t * stride) - 1;
    for (size_t i = 0; i < channels; ++i) {
      for (size_t k = 0; k < kConvKernel; ++k) {
        row[i * kConvKernel + k] = input_at(x, layout, channels, frames, i, first + static_cast<ptrdiff_t>(k));
      }
    }
  }
}

void conv1d_reference(const LinearView& conv, const float* x, ConvLayout layout, size_t channels, size_t frames,
                      size_t stride, float* y) {
  const MatrixView& w = conv.weight;
  const bool int8 = w.dtype == format::DType::kInt8;
  const size_t out = conv_out_frames(frames, stride);
  for (size_t t = 0; t < out; ++t) {
    const ptrdiff_t first = static_cast<ptrdiff_t>(t * stride) - 1;
    for (size_t o = 0; o < w.rows; ++o) {
      float sum = conv.bias ? conv.bias[o] : 0.0f;
      for (size_t i = 0; i < channels; ++i) {
        for (size_t k = 0; k < kConvKernel; ++k) {
          const size_t at = o * w.cols + i * kConvKernel + k;
          const float weight = int8 ? static_cast<const int8_t*>(w.data)[at] / w.scales[o]
                                    : static_cast<const float*>(w.data)[at];
          sum += weight * input_at(x, layout, channels, frames, i, first + static_cast<ptrdiff_t>(k));
        }
      }
      y[t * w.rows + o] = sum;
    }
  }
}

}  // namespace xattn
