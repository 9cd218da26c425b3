// Kernel preconditions, checked in Debug builds only. A kernel's contract
// (kernels.h) is its caller's promise; a broken promise in Debug traps at the
// call instead of reading or writing out of bounds somewhere later. Release
// builds (NDEBUG) compile the checks away. No <cassert>: nothing here may
// need stdio or an abort handler on bare metal.
#pragma once

#include <cstddef>

#include "kernels/kernels.h"

#ifdef NDEBUG
#define XATTN_KERNEL_EXPECT(condition) static_cast<void>(0)
#else
#define XATTN_KERNEL_EXPECT(condition) ((condition) ? static_cast<void>(0) : __builtin_trap())
#endif

namespace xattn {
namespace kernels {

// Attention's contract (kernels.h): at least one cached row and one query,
// rows that hold every head, and the operands present.
static inline bool attention_bounds_hold(const Attention& a) {
  const size_t d = a.heads * a.dh;
  return a.len >= 1 && a.nq >= 1 && a.heads >= 1 && a.dh >= 1 && a.q && a.out && a.k.data &&
         a.v.data && (a.nq == 1 || (a.q_stride >= d && a.out_stride >= d)) && (a.len == 1 || a.k.stride >= d) &&
         (a.len == 1 || a.v.stride >= d) && (a.k.precision != KvPrecision::kInt8 || (a.k.scales && a.v.scales)) &&
         a.k.precision == a.v.precision;
}

}  // namespace kernels
}  // namespace xattn
