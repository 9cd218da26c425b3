// The AVX-512 VNNI int8 linear layers (see linear_i8_vnni.cpp); same contract
// as KernelTable::linear_i8, bit-identical to the reference.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xattn {
namespace kernels {

void linear_i8_avx512_vnni(const int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                           const float* w_scales, const float* bias, size_t n, float* y);

// The same over weights in format layout 1 (linear_i8_packed_vnni.cpp); same
// contract as KernelTable::linear_i8_packed (overwrites q).
void linear_i8_packed_avx512_vnni(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                                  const int32_t* row_sums, const float* w_scales, const float* bias, size_t n,
                                  float* y);

}  // namespace kernels
}  // namespace xattn
