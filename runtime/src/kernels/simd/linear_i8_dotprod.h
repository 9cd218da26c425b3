// The AArch64 dot-product (sdot) int8 linear layers (linear_i8_dotprod.cpp);
// same contracts as KernelTable::linear_i8 / linear_i8_packed, bit-identical
// to the reference. Call only when getauxval(AT_HWCAP) & HWCAP_ASIMDDP.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xattn {
namespace kernels {

void linear_i8_neon_dotprod(const int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                            const float* w_scales, const float* bias, size_t n, float* y);

void linear_i8_packed_neon_dotprod(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                                   const int32_t* row_sums, const float* w_scales, const float* bias, size_t n,
                                   float* y);

}  // namespace kernels
}  // namespace xattn
