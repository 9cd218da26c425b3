// Embedding epilogue: scale one row (int8 rows dequantized by division, as
// the reference does) and add the position vector.
#pragma once

#include "kernels/simd/common.hpp"

namespace xattn {
namespace kernels {
namespace simd {

template <class Arch>
void embed_f32(const float* row, size_t d, float scale, const float* position,
               float* out) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  const B sb(scale);
  size_t i = 0;
  for (; i + W <= d; i += W) {
    B r = B::load_unaligned(row + i) * sb;
    if (position) r += B::load_unaligned(position + i);
    r.store_unaligned(out + i);
  }
  for (; i < d; ++i) out[i] = position ? row[i] * scale + position[i] : row[i] * scale;
}

template <class Arch>
void embed_i8(const int8_t* row, float row_scale, size_t d, float scale,
              const float* position, float* out) {
  using B = FBatch<Arch>;
  using IB = xsimd::batch<int32_t, Arch>;
  constexpr size_t W = B::size;
  const B rs(row_scale), sb(scale);
  alignas(64) int32_t buf[W];
  size_t i = 0;
  // Widening by hand: one row per token, so this is far from hot.
  for (; i + W <= d; i += W) {
    for (size_t l = 0; l < W; ++l) buf[l] = row[i + l];
    B r = xsimd::batch_cast<float>(IB::load_aligned(buf)) / rs * sb;
    if (position) r += B::load_unaligned(position + i);
    r.store_unaligned(out + i);
  }
  for (; i < d; ++i) {
    float r = float(row[i]) / row_scale * scale;
    out[i] = position ? r + position[i] : r;
  }
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
