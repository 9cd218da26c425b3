// The SSE4.2 table (compiled with -msse4.2 only). It uses the portable xsimd
// int8 microkernel, which keeps that generic path tested on every x86 host,
// and the reference's layout-1 int8 kernel (no SSE policy of its own); int4
// layers run on qs4_ssse3.hpp.
#include "kernels/simd/qs4_ssse3.hpp"
#include "kernels/simd/table.hpp"
#include "kernels/simd/tables.h"

namespace xattn {
namespace kernels {
namespace {
constexpr KernelTable kTable =
    simd::make_table<xsimd::sse4_2, simd::Qs8RowMajorXsimd<xsimd::sse4_2>, void, Qs4Ssse3>("sse4.2");
}  // namespace

const KernelTable& sse4_2_kernels() { return kTable; }

}  // namespace kernels
}  // namespace xattn
