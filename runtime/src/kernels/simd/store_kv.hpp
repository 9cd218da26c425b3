// KV-cache store (kernels.h, store_kv), bit-identical to the reference: int8
// goes through this table's quantize_rows (tested bit-exact), float16 through
// the portable conversion of ref/half.h, compiled here with the arch's flags.
#pragma once

#include "kernels/reference/half.h"
#include "kernels/simd/common.hpp"
#include "kernels/simd/linear_i8.hpp"

namespace xattn {
namespace kernels {
namespace simd {

template <class Arch>
void store_kv(const float* x, size_t rows, size_t x_stride, size_t heads, size_t dh, KvPrecision precision,
              void* dst, float* scales) {
  const size_t d = heads * dh;
  for (size_t i = 0; i < rows; ++i) {
    const float* row = x + i * x_stride;
    if (precision == KvPrecision::kInt8) {
      quantize_rows<Arch>(row, heads, dh, Rounding::kNearestEven, static_cast<int8_t*>(dst) + i * d,
                          scales + i * heads);
    } else if (precision == KvPrecision::kFloat16) {
      uint16_t* out = static_cast<uint16_t*>(dst) + i * d;
      for (size_t c = 0; c < d; ++c) out[c] = ref::float_to_half(row[c]);
    } else {
      __builtin_memcpy(static_cast<float*>(dst) + i * d, row, d * sizeof(float));
    }
  }
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
