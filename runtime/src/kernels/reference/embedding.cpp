// Reference embedding lookup epilogue: scale one (dequantized) row and add
// the position vector.
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

void embed_f32(const float* row, size_t d, float scale, const float* position,
               float* out) {
  if (position) {
    for (size_t i = 0; i < d; ++i) out[i] = row[i] * scale + position[i];
  } else {
    for (size_t i = 0; i < d; ++i) out[i] = row[i] * scale;
  }
}

void embed_i8(const int8_t* row, float row_scale, size_t d, float scale,
              const float* position, float* out) {
  // w = q / row_scale, as the converter defines it (division, not a reciprocal).
  if (position) {
    for (size_t i = 0; i < d; ++i) out[i] = float(row[i]) / row_scale * scale + position[i];
  } else {
    for (size_t i = 0; i < d; ++i) out[i] = float(row[i]) / row_scale * scale;
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
