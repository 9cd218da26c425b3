// The int4 linear layer with the ARMv8.2 dot-product extension, joined to the
// "neon-dotprod" table (table_neon.cpp). Built with -march=armv8.2-a+dotprod
// and, like linear_i8_dotprod.cpp, wholly internal (no xsimd, nothing a
// plain-NEON table could pick up from it).
//
// A quarter of a chunk (16 bytes: 4 rows x 4 columns of nibbles) unpacks to
// two vectors of signed bytes; the indexed sdot multiplies each against 4
// activation bytes, exactly, into int32 lanes that are rows. A group's sum
// then takes its rows' scales in one multiply-add.
#include <arm_neon.h>

#include "kernels/simd/linear_i4_dotprod.h"
#include "kernels/simd/qs4_driver.h"
#include "kernels/simd/qs4_neon.h"  // qs4_scales4

namespace xattn {
namespace kernels {
namespace {

// One chunk's quarter at p against lanes L (low nibbles: columns 8t..8t+3)
// and L + 1 (high nibbles: 8t+4..8t+7) of the activations x.
template <int L>
inline int32x4_t quarter(int32x4_t acc, const uint8_t* p, int8x16_t x) {
  const int8x16_t v = vld1q_s8(reinterpret_cast<const int8_t*>(p));
  acc = vdotq_laneq_s32(acc, vshrq_n_s8(vshlq_n_s8(v, 4), 4), x, L);
  return vdotq_laneq_s32(acc, vshrq_n_s8(v, 4), x, L + 1);
}

struct Qs4NeonDot {
  static constexpr size_t kMr = 4;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}

  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs, int32_t* acc) {
    const size_t groups = k / format::kInt4Group;
    for (size_t q = 0; q < 4; ++q) {  // rows 4q..4q+3 through every group
      int32x4_t total[R];
      for (size_t r = 0; r < R; ++r) total[r] = vdupq_n_s32(0);
      for (size_t g = 0; g < groups; ++g) {
        const uint8_t* wg = w + g * format::kInt4GroupBytes + 16 * q;
        const int32x4_t scale = qs4_scales4(subs + g * qs4::kBlock + 4 * q);
#pragma GCC unroll 4
        for (size_t r = 0; r < R; ++r) {
          const int8_t* xg = x + r * ldx + g * format::kInt4Group;
          const int8x16_t x0 = vld1q_s8(xg), x1 = vld1q_s8(xg + 16);  // columns 0..15, 16..31
          int32x4_t sum = vdupq_n_s32(0);
          sum = quarter<0>(sum, wg, x0);
          sum = quarter<2>(sum, wg + 64, x0);
          sum = quarter<0>(sum, wg + 128, x1);
          sum = quarter<2>(sum, wg + 192, x1);
          total[r] = vmlaq_s32(total[r], sum, scale);
        }
      }
      for (size_t r = 0; r < R; ++r) vst1q_s32(acc + r * qs4::kBlock + 4 * q, total[r]);
    }
  }
};

}  // namespace

void linear_i4_neon_dotprod(int8_t* q, const float* x_scales, size_t m, size_t k, const uint8_t* w,
                            const uint8_t* group_scales, const int32_t* row_sums, const float* w_scales,
                            const float* bias, size_t n, float* y) {
  qs4::linear_i4<Qs4NeonDot>(q, x_scales, m, k, w, group_scales, row_sums, w_scales, bias, n, y);
}

}  // namespace kernels
}  // namespace xattn
