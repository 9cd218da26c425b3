// The AVX2 + FMA table (compiled with -mavx2 -mfma only). The int8 layers
// are the driver over the maddubs microkernels of qs8_avx2.hpp
// (qs8_gemm_rx16c4__avx2 with r <= 4, qs8_gemv_1x16c4__avx2, qs8_dot_1x4__avx2),
// the int4 layers the qs4 driver over Qs4X86<Qs4Ymm> (qs4_x86.hpp).
#include "kernels/simd/qs4_x86.hpp"
#include "kernels/simd/qs8_avx2.hpp"
#include "kernels/simd/table.hpp"
#include "kernels/simd/tables.h"

namespace xattn {
namespace kernels {
namespace {

constexpr KernelTable kTable =
    simd::make_table<xsimd::fma3<xsimd::avx2>, Qs8RowMajorAvx2, Qs8PackedAvx2, Qs4X86<Qs4Ymm>>("avx2");

}  // namespace

const KernelTable& avx2_kernels() { return kTable; }

}  // namespace kernels
}  // namespace xattn
