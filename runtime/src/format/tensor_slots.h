// Where each tensor id belongs in a ModelView, and what shape and dtypes it
// must have for a given config. The reader validates against this; the
// converter's tests use it to check what they wrote.
#pragma once

#include <cstdint>

#include "xattn/model.h"

namespace xattn {
namespace format {

// A tensor's required shape (see tensor_shape in xattn/tensor_id.h) and
// where its data goes in the view.
struct TensorSlot {
  uint32_t rows = 0;
  uint32_t cols = 0;
  bool int8_allowed = false;
  bool packable = false;           // int8 may use layout 1 (linear weights)
  MatrixView* matrix = nullptr;    // for matrices
  const float** vector = nullptr;  // for float vectors (bias, gamma, beta)
};

// Fills `slot` for `id` under `config`; false when no tensor with that id
// belongs in such a model (unknown role, layer beyond the config, a final
// norm in a post-norm model).
bool tensor_slot(const ModelConfig& config, uint32_t id, ModelView* view, TensorSlot* slot);

// Calls visit(id) for every id a model with this config must contain, in
// increasing order. Returns the count.
template <class Visit>
uint32_t for_each_required_tensor(const ModelConfig& config, Visit visit);

}  // namespace format
}  // namespace xattn

#include "format/tensor_slots_inl.h"
