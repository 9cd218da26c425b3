// int4 weights (format layout 3): group-wise quantization of linear layers'
// weights in groups of 32 columns, with a u8 scale per group under a float
// scale per row, and the choice of which tensors get it.
#pragma once

#include <cstdint>
#include <string>

#include "host_tensor.h"
#include "tensor_layout.h"
#include "xattn_writer.h"

namespace xattn {
namespace convert {

// Quantizes a float32 tensor in place to int4: per row, scale = 255 * 7 /
// max|row|; per group of 32, the u8 scale sub (<= 255) that minimizes the
// group's squared error with q4 = clamp(round(w * scale / sub), -8, 7),
// searched from the largest sub that needs no clamping downwards (a
// slightly smaller step that clips one outlier often fits the rest better).
// cols % 32 == 0. An all-zero row keeps scale 1 and zero groups.
void to_int4(HostTensor* tensor);

// True when `tensor` may be written as int4: a linear layer's weight or a
// token embedding (expected.int4_allowed) of float32 values whose column
// count is a multiple of 32 and at most format::kInt4MaxCols.
bool int4_eligible(const ExpectedTensor& expected, const HostTensor& tensor);

// `--weights int4` on a model imported with float32 values: every eligible
// matrix becomes int4, every other tensor that may be int8 becomes int8
// (e.g. a conv stem of 80 mels x 3 columns). Returns the number of int4 tensors.
uint32_t quantize_int4_weights(XattnModelContents* model);

}  // namespace convert
}  // namespace xattn
