// The tensors an xattn model must hold, with their exact shapes, derived
// from its config alone. The writer checks a model against this list; the
// reader in runtime/ enforces the same rules (see models/FORMAT.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xattn/config.h"

namespace xattn {
namespace convert {

struct ExpectedTensor {
  uint32_t id = 0;
  uint32_t rows = 0;
  uint32_t cols = 0;
  bool may_be_int8 = false;  // embeddings and weight matrices; biases and norms stay float32
  bool packable = false;     // linear weights: int8 may be written in layout 1
  bool int4_allowed = false; // linear weights and token embeddings: may be int4 (layout 3)
  bool bytes = false;        // a u8 blob
};

// Every tensor of a model with this config, sorted by id.
std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config);

// "" when the config is within the format's limits and self-consistent.
std::string check_config(const ModelConfig& config);

// The tensor's name ("decoder/layer_3/ffn/linear_0/weight"), or "tensor 0x..." for unknown ids.
std::string tensor_display_name(uint32_t id);

}  // namespace convert
}  // namespace xattn
