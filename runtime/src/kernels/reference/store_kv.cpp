// Reference KV-cache store: float32 rows are copied, float16 rounded to
// nearest even (half.h), int8 quantized per head with quantize_rows (so a
// cached row dequantizes exactly like an int8 activation row).
#include <cstring>

#include "kernels/reference/half.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

void store_kv(const float* x, size_t rows, size_t x_stride, size_t heads, size_t dh, KvPrecision precision,
              void* dst, float* scales) {
  const size_t d = heads * dh;
  for (size_t i = 0; i < rows; ++i) {
    const float* row = x + i * x_stride;
    if (precision == KvPrecision::kInt8) {
      quantize_rows(row, heads, dh, Rounding::kNearestEven, static_cast<int8_t*>(dst) + i * d, scales + i * heads);
    } else if (precision == KvPrecision::kFloat16) {
      uint16_t* out = static_cast<uint16_t*>(dst) + i * d;
      for (size_t c = 0; c < d; ++c) out[c] = float_to_half(row[c]);
    } else {
      std::memcpy(static_cast<float*>(dst) + i * d, row, d * sizeof(float));
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
