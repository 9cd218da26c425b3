// Thin std:: adapters over the runtime's own tables (xattn/tensor_id.h,
// validate_config in xattn/model.h), so the writer checks exactly what the
// reader will enforce.
#include "tensor_layout.h"

#include <cstdio>

#include "xattn/model.h"
#include "xattn/tensor_id.h"

namespace xattn {
namespace convert {

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& c) {
  std::vector<uint32_t> ids(required_tensors(c, nullptr, 0));
  required_tensors(c, ids.data(), static_cast<uint32_t>(ids.size()));
  std::vector<ExpectedTensor> out;
  out.reserve(ids.size());
  for (uint32_t id : ids) {
    TensorShape shape;
    tensor_shape(c, id, &shape);
    out.push_back(ExpectedTensor{id, shape.rows, shape.cols, shape.int8_allowed, shape.packable, shape.int4_allowed, shape.bytes});
  }
  return out;
}

std::string check_config(const ModelConfig& c) {
  const Status s = validate_config(c);
  if (s) return "";
  std::string message = s.message();
  const std::string prefix = "model: ";
  return message.compare(0, prefix.size(), prefix) == 0 ? message.substr(prefix.size()) : message;
}

std::string tensor_display_name(uint32_t id) {
  char name[96];
  if (tensor_name(id, name, sizeof name)) return name;
  std::snprintf(name, sizeof name, "tensor 0x%08x", static_cast<unsigned>(id));
  return name;
}

}  // namespace convert
}  // namespace xattn
