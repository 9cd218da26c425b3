// Single-query attention over `len` cached keys/values (decoder steps and
// cross-attention). Scores are 4 keys at a time (one q load feeds 4 FMAs);
// the weighted sum keeps a width-wide slice of `out` in a register across all
// j, so each value element is loaded once.
#pragma once

#include "kernels/simd/common.hpp"
#include "kernels/simd/linear_f32.hpp"
#include "kernels/simd/softmax.hpp"

namespace xattn {
namespace kernels {
namespace simd {

template <class Arch>
void attention(const float* q, const float* k, const float* v, size_t len,
               size_t dh, float scale, float* probs, float* out) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  for (size_t d = 0; d < dh; ++d) out[d] = 0.0f;
  if (len == 0) return;

  const float* qr[1] = {q};
  size_t j = 0;
  for (; j + 4 <= len; j += 4) {
    const float* kr[4] = {k + j * dh, k + (j + 1) * dh, k + (j + 2) * dh, k + (j + 3) * dh};
    float s[1][4];
    dot_block_f32<Arch, 1, 4>(qr, kr, dh, s);
    for (size_t c = 0; c < 4; ++c) probs[j + c] = scale * s[0][c];
  }
  for (; j < len; ++j) {
    const float* kr[1] = {k + j * dh};
    float s[1][1];
    dot_block_f32<Arch, 1, 1>(qr, kr, dh, s);
    probs[j] = scale * s[0][0];
  }

  const float mx = max_f32<Arch>(probs, len);
  const float inv = 1.0f / exp_shifted_sum<Arch>(probs, len, mx, true);
  const B ib(inv);
  map_inplace<Arch>(probs, len, [ib](B p) { return p * ib; });

  size_t d = 0;
  for (; d + W <= dh; d += W) {
    B acc(0.0f);
    for (j = 0; j < len; ++j) acc = xsimd::fma(B(probs[j]), B::load_unaligned(v + j * dh + d), acc);
    acc.store_unaligned(out + d);
  }
  for (; d < dh; ++d) {
    float acc = 0.0f;
    for (j = 0; j < len; ++j) acc += probs[j] * v[j * dh + d];
    out[d] = acc;
  }
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
