// The SSE4.2 table (compiled with -msse4.2 only). Row-major int8 uses the
// portable xsimd microkernel, which keeps that generic path tested on every
// x86 host; layout-1 int8 runs on qs8_ssse3.hpp and int4 on qs4_x86.hpp's
// 128-bit form.
#include "kernels/simd/qs4_x86.hpp"
#include "kernels/simd/qs8_ssse3.hpp"
#include "kernels/simd/table.hpp"
#include "kernels/simd/tables.h"

namespace xattn {
namespace kernels {
namespace {
constexpr KernelTable kTable =
    simd::make_table<xsimd::sse4_2, simd::Qs8RowMajorXsimd<xsimd::sse4_2>, Qs8PackedSsse3, Qs4X86<Qs4Xmm>>("sse4.2");
}  // namespace

const KernelTable& sse4_2_kernels() { return kTable; }

}  // namespace kernels
}  // namespace xattn
