// The blocked layouts linear layers are stored in (xattn/format.h), made
// from a row-major HostTensor: the writer stores them, the benchmark's
// kernel figures feed them to the kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "host_tensor.h"

namespace xattn {
namespace convert {

// Layout 1 (16 x 4 blocks) of an int8 matrix, and its row sums.
std::vector<int8_t> pack_16x4(const HostTensor& t, std::vector<int32_t>* row_sums);

// Layout 3 of an int4 matrix: the nibbles, then the group scales (padding
// rows zero); row sums sum_g sub_g * sum_c q4.
std::vector<uint8_t> pack_int4(const HostTensor& t, std::vector<int32_t>* row_sums);

// Layout 2 (16 x 1 blocks) of a float32 matrix.
std::vector<float> pack_16x1(const HostTensor& t);

}  // namespace convert
}  // namespace xattn
