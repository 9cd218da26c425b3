// Kernel-level figures for bench/README.md: GEMV GB/s (the decoder's shape),
// GEMM GOPS (the encoder's), next to this machine's measured peaks (read
// bandwidth over the same bytes, and the vpdpbusd throughput when the CPU has
// AVX-512 VNNI). Medians of repeated runs.
#pragma once

#include "bench_core.h"
#include "kernels/kernels.h"

namespace xattn {
namespace bench {

int print_kernel_figures(const kernels::KernelTable& table, PrintFn print);

// The table's stream_read as a Reader (the table is its context).
Reader stream_reader(const kernels::KernelTable& table);

// Peak int8 throughput of vpdpbusd (GOPS, 2 ops per multiply-add), or 0 when
// the CPU (or this build) has no AVX-512 VNNI. Defined in vnni_peak.cpp.
double vnni_peak_gops(double (*seconds)());

}  // namespace bench
}  // namespace xattn
