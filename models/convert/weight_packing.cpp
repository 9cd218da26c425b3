#include "weight_packing.h"

namespace xattn {
namespace convert {

// Layout 1 of a row-major int8 matrix (xattn/format.h), and its row sums.
std::vector<int8_t> pack_16x4(const HostTensor& t, std::vector<int32_t>* row_sums) {
  std::vector<int8_t> packed(t.q.size());
  row_sums->assign(t.rows, 0);
  for (uint32_t r = 0; r < t.rows; ++r) {
    for (uint32_t c = 0; c < t.cols; ++c) {
      const int8_t v = t.q[static_cast<size_t>(r) * t.cols + c];
      packed[format::packed_offset(t.rows, t.cols, r, c)] = v;
      (*row_sums)[r] += v;
    }
  }
  return packed;
}

// Layout 3 of a row-major int4 matrix (xattn/format.h): the nibbles and the
// group scales (padding rows zero), and the row sums sum_g sub_g * sum_c q4.
std::vector<uint8_t> pack_int4(const HostTensor& t, std::vector<int32_t>* row_sums) {
  std::vector<uint8_t> data(format::int4_data_bytes(t.rows, t.cols), 0);
  const uint64_t nibbles = format::int4_nibble_bytes(t.rows, t.cols);
  const uint32_t groups = t.cols / format::kInt4Group;
  row_sums->assign(t.rows, 0);
  for (uint32_t r = 0; r < t.rows; ++r) {
    for (uint32_t c = 0; c < t.cols; ++c) {
      const uint8_t v = static_cast<uint8_t>(t.q[static_cast<size_t>(r) * t.cols + c]) & 0xFu;
      data[format::int4_nibble_offset(t.cols, r, c)] |= c % 8 < 4 ? v : static_cast<uint8_t>(v << 4);
    }
    for (uint32_t g = 0; g < groups; ++g) {
      const uint8_t sub = t.group_scales[static_cast<size_t>(r) * groups + g];
      data[nibbles + format::int4_group_scale_offset(t.cols, r, g * format::kInt4Group)] = sub;
      int32_t sum = 0;
      for (uint32_t c = g * format::kInt4Group; c < (g + 1) * format::kInt4Group; ++c)
        sum += t.q[static_cast<size_t>(r) * t.cols + c];
      (*row_sums)[r] += sub * sum;
    }
  }
  return data;
}

// Layout 2 of a row-major float32 matrix (xattn/format.h).
std::vector<float> pack_16x1(const HostTensor& t) {
  std::vector<float> packed(t.values.size());
  for (uint32_t r = 0; r < t.rows; ++r)
    for (uint32_t c = 0; c < t.cols; ++c)
      packed[format::packed_f32_offset(t.rows, t.cols, r, c)] = t.values[static_cast<size_t>(r) * t.cols + c];
  return packed;
}

}  // namespace convert
}  // namespace xattn
