// The AVX-512 VNNI int8 linear layer (see linear_i8_vnni.cpp); same contract
// as KernelTable::linear_i8, bit-identical to the reference.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xattn {
namespace kernels {

void linear_i8_avx512_vnni(const int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                           const float* w_scales, const float* bias, size_t n, float* y);

}  // namespace kernels
}  // namespace xattn
