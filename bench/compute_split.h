// How much of its threads this host gives right now. A thread-scaling figure
// (encoder or step time on N threads / on one) means little without it: on a
// virtual machine whose second vCPU shares a core with another tenant, or on
// a board whose second core is a little one, no split of compute-bound work
// reaches 1/N. So the bench measures it beside the run: the session's own
// int8 GEMM (its kernel table's linear_i8_packed, operands in cache, each
// thread on its own), cut into pieces that the pool's threads claim as the
// session's layers are claimed, timed on the calling thread alone and then
// on N threads, alternately.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"
#include "xattn/parallel.h"

namespace xattn {
namespace bench {

// The median over `pairs` alternated timings of (time on `threads` threads)
// / (time on the calling thread alone) for the same pieces: 1/threads on
// free, equal cores. `seconds` is a monotonic clock. 0 when threads < 2 or
// the pool has fewer threads.
double compute_split_ratio(const kernels::KernelTable& table, const ParallelFor& parallel, uint32_t threads,
                           double (*seconds)(), uint32_t pairs = 7);

}  // namespace bench
}  // namespace xattn
