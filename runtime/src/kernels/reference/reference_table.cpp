// The scalar reference table.
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {

const KernelTable& reference_kernels() {
  static const KernelTable table = {
      "scalar",         ref::linear_f32,  ref::linear_f32_packed, ref::quantize_rows, ref::linear_i8,
      ref::linear_i8_packed, ref::layer_norm, ref::activation, ref::add,
      ref::attention,   ref::log_softmax, ref::embed_f32,     ref::embed_i8,
      ref::top_k,       ref::stream_read, ref::store_kv,
      ref::rms_norm,    ref::attention_biased,
  };
  return table;
}

}  // namespace kernels
}  // namespace xattn
