#include "quantize.h"

#include <cmath>

namespace xattn {
namespace convert {

void quantize_rows(const float* w, uint32_t rows, uint32_t cols, int8_t* q, float* scales) {
  for (uint32_t r = 0; r < rows; ++r) {
    const float* row = w + static_cast<size_t>(r) * cols;
    float amax = 0.0f;
    for (uint32_t c = 0; c < cols; ++c) amax = std::fmax(amax, std::fabs(row[c]));
    const float scale = amax > 0.0f ? 127.0f / amax : 1.0f;
    scales[r] = scale;
    for (uint32_t c = 0; c < cols; ++c) {
      // nearbyint rounds half to even in the default rounding mode.
      float v = std::nearbyint(row[c] * scale);
      v = std::fmin(127.0f, std::fmax(-127.0f, v));
      q[static_cast<size_t>(r) * cols + c] = static_cast<int8_t>(v);
    }
  }
}

void dequantize_rows(const int8_t* q, const float* scales, uint32_t rows, uint32_t cols, float* w) {
  for (uint32_t r = 0; r < rows; ++r)
    for (uint32_t c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>(r) * cols + c;
      w[i] = static_cast<float>(q[i]) / scales[r];
    }
}

void to_int8(HostTensor* t) {
  if (t->dtype == format::DType::kInt8) return;
  if (t->dtype == format::DType::kInt4) to_float32(t);
  t->q.resize(static_cast<size_t>(t->rows) * t->cols);
  t->scales.resize(t->rows);
  quantize_rows(t->values.data(), t->rows, t->cols, t->q.data(), t->scales.data());
  t->values.clear();
  t->values.shrink_to_fit();
  t->dtype = format::DType::kInt8;
}

void to_float32(HostTensor* t) {
  if (t->dtype == format::DType::kFloat32) return;
  t->values.resize(static_cast<size_t>(t->rows) * t->cols);
  if (t->dtype == format::DType::kInt4) {
    const uint32_t groups = t->cols / format::kInt4Group;
    for (size_t i = 0; i < t->values.size(); ++i) {
      const size_t r = i / t->cols, g = i % t->cols / format::kInt4Group;
      t->values[i] = static_cast<float>(t->q[i] * t->group_scales[r * groups + g]) / t->scales[r];
    }
  } else {
    dequantize_rows(t->q.data(), t->scales.data(), t->rows, t->cols, t->values.data());
  }
  t->q.clear();
  t->scales.clear();
  t->group_scales.clear();
  t->dtype = format::DType::kFloat32;
}

}  // namespace convert
}  // namespace xattn
