// The row-major (layout 0) int8 microkernels of both NEON tables, written
// once over the one step that differs: Mac::mac(acc, x, w) adds the 16
// products of x and the 16 bytes at w into acc's int32 lanes, exactly
// ("neon": vmull + vpadal, table_neon.cpp; "neon-dotprod": sdot,
// linear_i8_dotprod.cpp). qs8_dot_1x4__neon<Mac> is one activation row x 4
// weight rows (ldw apart), 16 bytes a step, with one horizontal sum per row;
// Qs8RowMajorNeon<Mac> is the driver's row-major policy over it (qs8_driver.h).
//
// Instantiate only with a Mac from an anonymous namespace: the instantiation
// is then internal to its file, so the one built with +dotprod can never be
// picked by the linker for the plain NEON table (and the helpers are static).
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

namespace xattn {
namespace kernels {
namespace qs8 {

static inline int32_t sum_lanes(int32x4_t v) {
#if defined(__aarch64__)
  return vaddvq_s32(v);
#else
  int32x2_t s = vadd_s32(vget_low_s32(v), vget_high_s32(v));
  return vget_lane_s32(vpadd_s32(s, s), 0);
#endif
}

// out[i] = x . (row i of w), i < 4; k a multiple of 16.
template <class Mac>
static inline void qs8_dot_1x4__neon(const int8_t* x, size_t k, const int8_t* w, size_t ldw, int32_t* out) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
  for (size_t e = 0; e < k; e += 16) {
    const int8x16_t xv = vld1q_s8(x + e);
    a0 = Mac::mac(a0, xv, w + e);
    a1 = Mac::mac(a1, xv, w + ldw + e);
    a2 = Mac::mac(a2, xv, w + 2 * ldw + e);
    a3 = Mac::mac(a3, xv, w + 3 * ldw + e);
  }
  out[0] = sum_lanes(a0), out[1] = sum_lanes(a1), out[2] = sum_lanes(a2), out[3] = sum_lanes(a3);
}

template <class Mac>
struct Qs8RowMajorNeon {
  static constexpr size_t kK = 16, kMr = 1;
  template <size_t R>
  static void dot(const int8_t* x, size_t, size_t k, const int8_t* w, size_t ldw, int32_t* acc) {
    qs8_dot_1x4__neon<Mac>(x, k, w, ldw, acc);
  }
  static int32_t dot1(const int8_t* x, const int8_t* w, size_t k) {
    int32x4_t a = vdupq_n_s32(0);
    for (size_t e = 0; e < k; e += 16) a = Mac::mac(a, vld1q_s8(x + e), w + e);
    return sum_lanes(a);
  }
};

}  // namespace qs8
}  // namespace kernels
}  // namespace xattn
