// The AArch64 dot-product (sdot) int4 linear layer (linear_i4_dotprod.cpp);
// KernelTable::linear_i4's contract, bit-identical to the reference. Call
// only when getauxval(AT_HWCAP) & HWCAP_ASIMDDP.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xattn {
namespace kernels {

void linear_i4_neon_dotprod(int8_t* q, const float* x_scales, size_t m, size_t k, const uint8_t* w,
                            const uint8_t* group_scales, const int32_t* row_sums, const float* w_scales,
                            const float* bias, size_t n, float* y);

}  // namespace kernels
}  // namespace xattn
