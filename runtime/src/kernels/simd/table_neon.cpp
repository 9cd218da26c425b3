// The NEON tables: "neon" is xsimd::neon64 on aarch64, xsimd::neon on armv7
// (NEON flags come from the toolchain; dispatch checks HWCAP_NEON at run
// time). "neon-dotprod" (aarch64) is the same table with the int8 and int4
// linear layers of linear_i8_dotprod.cpp and linear_i4_dotprod.cpp, the only
// files built with -march=armv8.2-a+dotprod; dispatch picks it when
// HWCAP_ASIMDDP is set. int4 without sdot: qs4_neon.h.
#include <arm_neon.h>

#include "kernels/simd/qs4_neon.h"  // also pairwise_add
#include "kernels/simd/qs8_neon_rowmajor.h"
#include "kernels/simd/table.hpp"
#include "kernels/simd/tables.h"
#ifdef XATTN_HAVE_NEON_DOTPROD
#include "kernels/simd/linear_i4_dotprod.h"
#include "kernels/simd/linear_i8_dotprod.h"
#endif

#if XSIMD_WITH_NEON64
#define XATTN_NEON_ARCH xsimd::neon64
#elif XSIMD_WITH_NEON
#define XATTN_NEON_ARCH xsimd::neon
#else
#error "table_neon.cpp needs NEON enabled by the toolchain flags"
#endif

namespace xattn {
namespace kernels {
namespace {

// Row-major int8 (qs8_dot_1x4__neon<Smull>): vmull_s8 forms 8 int16 products,
// each exact since |a * b| <= 128 * 128 = 2^14 < 2^15 (even -128 * -128).
// vpadalq_s16 then adds adjacent product pairs *after widening to int32*
// into the accumulator, so no int16 sum is ever formed. The trap avoided:
// vmlal_s8 (smlal) accumulating a second product into the same int16 lane
// reaches 2 * 2^14 = 32768 and wraps for -128 weights. CPUs with the
// dot-product extension get the "neon-dotprod" table instead (vdotq_s32: 4
// exact products per int32 lane, linear_i8_dotprod.cpp).
struct Smull {
  static int32x4_t mac(int32x4_t acc, int8x16_t av, const int8_t* b) {
    const int8x16_t bv = vld1q_s8(b);
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(av), vget_low_s8(bv)));
    return vpadalq_s16(acc, vmull_s8(vget_high_s8(av), vget_high_s8(bv)));
  }
};
using Qs8RowMajorSmull = qs8::Qs8RowMajorNeon<Smull>;

// Layout-1 blocks without sdot: one 16-byte load is 4 rows x 4 columns.
// vmull_s8 of each half (2 rows) against the group's 4 activation bytes
// replicated ({x0..x3, x0..x3}) gives 8 exact int16 products, vpadalq_s16
// adds adjacent pairs into int32 as above (no int16 sum, so -128 * -128 is
// fine), and a final pairwise add folds each row's two int32 halves. R
// activation rows share each weight load (8R accumulators: R <= 2 keeps
// them, 4 weights and the activations within armv7's 16 q registers).
template <size_t R>
void qs8_gemm_rx16c4__neon(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* out) {
  int32x4_t acc[R][8];  // acc[r][2t], acc[r][2t + 1]: rows 4t, 4t+1 and 4t+2, 4t+3, in halves
  for (size_t r = 0; r < R; ++r)
    for (int32x4_t& a : acc[r]) a = vdupq_n_s32(0);
  for (size_t g = 0; g < k / 4; ++g, w += 64) {
    int8x16_t xv[R];
    for (size_t r = 0; r < R; ++r) {
      uint32_t x4;
      __builtin_memcpy(&x4, x + r * ldx + 4 * g, 4);
      xv[r] = vreinterpretq_s8_u32(vdupq_n_u32(x4));
    }
#pragma GCC unroll 4
    for (int t = 0; t < 4; ++t) {
      const int8x16_t wv = vld1q_s8(w + 16 * t);
#pragma GCC unroll 2
      for (size_t r = 0; r < R; ++r) {
        acc[r][2 * t] = vpadalq_s16(acc[r][2 * t], vmull_s8(vget_low_s8(wv), vget_low_s8(xv[r])));
#if defined(__aarch64__)
        acc[r][2 * t + 1] = vpadalq_s16(acc[r][2 * t + 1], vmull_high_s8(wv, xv[r]));  // smull2: no half extract
#else
        acc[r][2 * t + 1] = vpadalq_s16(acc[r][2 * t + 1], vmull_s8(vget_high_s8(wv), vget_high_s8(xv[r])));
#endif
      }
    }
  }
  for (size_t r = 0; r < R; ++r)
    for (int t = 0; t < 4; ++t) vst1q_s32(out + 16 * r + 4 * t, pairwise_add(acc[r][2 * t], acc[r][2 * t + 1]));
}

struct Qs8PackedNeon {
  static constexpr size_t kMr = 2, kBlocks = 1;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
    qs8_gemm_rx16c4__neon<R>(x, ldx, k, w, acc);
  }
  static void wide(const int8_t*, size_t, size_t, const int8_t*, size_t, int32_t*) {}
};

constexpr KernelTable kTable = simd::make_table<XATTN_NEON_ARCH, Qs8RowMajorSmull, Qs8PackedNeon, Qs4Neon>("neon");

#ifdef XATTN_HAVE_NEON_DOTPROD
constexpr KernelTable with_dotprod(KernelTable t) {
  t.name = "neon-dotprod";
  t.linear_i8 = &linear_i8_neon_dotprod;
  t.linear_i8_packed = &linear_i8_packed_neon_dotprod;
  t.linear_i4 = &linear_i4_neon_dotprod;
  t.linear_i8_packed_keeps_q = true;  // sdot reads signed bytes: q as it is
  t.linear_i4_keeps_q = true;
  return t;
}
constexpr KernelTable kDotprodTable = with_dotprod(kTable);
#endif

}  // namespace

const KernelTable& neon_kernels() { return kTable; }
#ifdef XATTN_HAVE_NEON_DOTPROD
const KernelTable& neon_dotprod_kernels() { return kDotprodTable; }
#endif

}  // namespace kernels
}  // namespace xattn
