// Writing an xattn model file (models/FORMAT.md) from a config, the two
// vocabularies and the tensors. The result is checked against the format's
// rules before it is returned, so the runtime's reader accepts anything this
// writes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host_tensor.h"
#include "xattn/config.h"

namespace xattn {
namespace convert {

struct XattnModelContents {
  ModelConfig config;
  std::vector<std::string> source_vocab;  // index = id
  std::vector<std::string> target_vocab;
  std::vector<HostTensor> tensors;        // any order; written sorted by id
  // Linear layers' weights are written in the blocked layouts the kernels
  // stream (xattn/format.h): int4 always in layout 3; int8 with cols % 4 == 0 in layout 1 (16 x 4
  // blocks, with row sums), float32 in layout 2 (16 x 1 blocks). false keeps
  // every tensor row-major.
  bool pack_weights = true;
};

// Serializes `model` into `out`. Returns "" or a one-line error (a missing,
// extra or misshapen tensor, a vocabulary that does not fit the config, ...).
std::string write_xattn_model(const XattnModelContents& model, std::vector<uint8_t>* out);

}  // namespace convert
}  // namespace xattn
