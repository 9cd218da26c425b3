// Reference int4 linear layer (format layout 3): exact integer accumulation,
// acc = sum over groups of sub * (sum over the group's 32 columns of q * q4),
// then linear_i8's epilogue, so every SIMD table matches it bit for bit. It
// is also the production path on cores without SIMD, so it streams each
// block front to back as the SIMD kernels do, never jumping through
// format::int4_nibble_offset (the tests check it against a direct
// computation from that offset).
#include "kernels/check.h"
#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"
#include "xattn/format.h"

namespace xattn {
namespace kernels {
namespace ref {

void linear_i4(int8_t* q, const float* x_scales, size_t m, size_t k, const uint8_t* w, const uint8_t* group_scales,
               const int32_t* /*row_sums*/, const float* w_scales, const float* bias, size_t n, float* y) {
  constexpr size_t kRows = format::kPackRows;
  XATTN_KERNEL_EXPECT(k % format::kInt4Group == 0 && k <= format::kInt4MaxCols);
  const size_t groups = k / format::kInt4Group;
  for (size_t j = 0; j < n; j += kRows) {
    const size_t width = n - j < kRows ? n - j : kRows;
    const uint8_t* block = w + j * k / 2;
    const uint8_t* subs = group_scales + j * groups;
    for (size_t i = 0; i < m; ++i) {
      const int8_t* x = q + i * k;
      int32_t acc[kRows] = {};
      const uint8_t* p = block;
      for (size_t g = 0; g < groups; ++g, x += format::kInt4Group) {
        int32_t group[kRows] = {};
        for (size_t t = 0; t < 4; ++t, p += 64) {
          const int8_t* xt = x + 8 * t;
          for (size_t o = 0; o < kRows; ++o) {
            const uint8_t* b = p + o * 4;
            for (size_t c = 0; c < 4; ++c) group[o] += xt[c] * format::int4_low(b[c]) + xt[4 + c] * format::int4_high(b[c]);
          }
        }
        for (size_t o = 0; o < kRows; ++o) acc[o] += static_cast<int32_t>(subs[g * kRows + o]) * group[o];
      }
      for (size_t o = 0; o < width; ++o) y[i * n + j + o] = dequant_i8(acc[o], x_scales[i], w_scales[j + o], bias, j + o);
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
