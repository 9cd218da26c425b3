// The AVX-512 VNNI int4 linear layer (linear_i4_vnni.cpp); KernelTable::
// linear_i4's contract, bit-identical to the reference. Call only on a CPU
// with AVX-512 VNNI (the "avx512-vnni" table).
#pragma once

#include <cstddef>
#include <cstdint>

namespace xattn {
namespace kernels {

void linear_i4_avx512_vnni(int8_t* q, const float* x_scales, size_t m, size_t k, const uint8_t* w,
                           const uint8_t* group_scales, const int32_t* row_sums, const float* w_scales,
                           const float* bias, size_t n, float* y);

}  // namespace kernels
}  // namespace xattn
