// The int8 linear layer over weights in format layout 1 (16 rows x 4
// columns per 64 bytes, see xattn/format.h) for tables without VNNI.
//
// The per-ISA work is a policy `Block`:
//   static void rows16(const int8_t* x, size_t k, const int8_t* w, int32_t* out);
//     out[o] = sum_c x[c] * W[o][c] for the 16 rows of one full block at w
// x86 tables supply int16 madd versions and the neon table smull + sadalp
// (exact: products of int8 fit int16, pairs are summed in int32). A table
// without a policy (sse4.2) uses ref::linear_i8_packed, which is plain C in
// the same block order. The last, narrower block and the float epilogue are
// shared scalar code, so every table is bit-identical to the reference. VNNI
// and SDOT have their own drivers (linear_i8_packed_vnni.cpp,
// linear_i8_dotprod.cpp).
#pragma once

#include "kernels/reference/ref_common.h"
#include "xattn/format.h"

namespace xattn {
namespace kernels {
namespace simd {

// Blocks outermost (16 x k bytes, read once per call, in L1 while every
// activation row passes), then the narrow last block in scalar.
template <class Block>
void linear_i8_packed(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                      const int32_t* /*row_sums*/, const float* w_scales, const float* bias, size_t n, float* y) {
  constexpr size_t kRows = format::kPackRows;
  size_t j = 0;
  for (; j + kRows <= n; j += kRows) {
    for (size_t i = 0; i < m; ++i) {
      int32_t acc[kRows];
      Block::rows16(q + i * k, k, w + j * k, acc);
      for (size_t o = 0; o < kRows; ++o)
        y[i * n + j + o] = ref::dequant_i8(acc[o], x_scales[i], w_scales[j + o], bias, j + o);
    }
  }
  if (j == n) return;
  const size_t width = n - j;
  const int8_t* wb = w + j * k;
  for (size_t i = 0; i < m; ++i) {
    const int8_t* x = q + i * k;
    for (size_t o = 0; o < width; ++o) {
      int32_t acc = 0;
      for (size_t g = 0; g < k / 4; ++g) acc += ref::dot_i8(x + 4 * g, wb + (g * width + o) * 4, 4);
      y[i * n + j + o] = ref::dequant_i8(acc, x_scales[i], w_scales[j + o], bias, j + o);
    }
  }
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
