// The per-ISA tables compiled into this build (see simd.cmake). Each is
// defined in its own table_<arch>.cpp; dispatch.cpp calls one only after
// checking that the CPU supports it.
#pragma once

#include "kernels/kernels.h"

namespace xattn {
namespace kernels {

#ifdef XATTN_HAVE_SSE4_2
const KernelTable& sse4_2_kernels();
#endif
#ifdef XATTN_HAVE_AVX2
const KernelTable& avx2_kernels();
#endif
#ifdef XATTN_HAVE_AVX512
const KernelTable& avx512_kernels();
#endif
#ifdef XATTN_HAVE_AVX512_VNNI
const KernelTable& avx512_vnni_kernels();  // avx512 with the vpdpbusd linear layer
#endif
#ifdef XATTN_HAVE_NEON
const KernelTable& neon_kernels();
#endif
#ifdef XATTN_HAVE_NEON_DOTPROD
const KernelTable& neon_dotprod_kernels();  // neon with the sdot linear layers
#endif
#ifdef XATTN_HAVE_HELIUM
const KernelTable& helium_kernels();  // Cortex-M55 and other MVE cores, bare metal
#endif
#ifdef XATTN_HAVE_ARMDSP
const KernelTable& armdsp_kernels();  // Cortex-M4F/M7 DSP extension (SMLAD), bare metal
#endif

}  // namespace kernels
}  // namespace xattn
