// HostTensor: one tensor on its way into an xattn model file, held in plain
// vectors by the host tools (the runtime never sees this type).
#pragma once

#include <cstdint>
#include <vector>

#include "xattn/format.h"

namespace xattn {
namespace convert {

struct HostTensor {
  uint32_t id = 0;  // see xattn/tensor_id.h
  format::DType dtype = format::DType::kFloat32;
  uint32_t rows = 0;
  uint32_t cols = 0;             // 1 for vectors
  std::vector<float> values;     // float32: rows x cols, row-major
  std::vector<int8_t> q;         // int8 and int4 (values in [-8, 7]): rows x cols, row-major
  std::vector<float> scales;     // int8: one per row, w = q / scale; int4: w = q * sub / scale
  std::vector<uint8_t> group_scales;  // int4: rows x cols / 32, the u8 sub of each row's group
  std::vector<uint8_t> blob;     // u8 (format::DType::kUInt8): rows bytes
  // Non-zero: the id of a tensor with a lower id holding the same values;
  // the file then stores them once and this entry points at them
  // (format::kTensorShared). Its own values must still be given, equal.
  uint32_t shares = 0;
};

}  // namespace convert
}  // namespace xattn
