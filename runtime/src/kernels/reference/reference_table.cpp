// The scalar reference table.
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {

namespace {

constexpr KernelTable make_reference_table() {
  KernelTable t = {
      "scalar",         ref::linear_f32,  ref::linear_f32_packed, ref::quantize_rows, ref::linear_i8,
      ref::linear_i8_packed, ref::layer_norm, ref::activation, ref::add,
      {},               ref::log_softmax, ref::embed_f32,     ref::embed_i8,
      ref::top_k,       ref::stream_read, ref::store_kv,
      ref::rms_norm,    ref::linear_i4,
  };
  ref::set_reference_attention(t);
  t.linear_i8_packed_keeps_q = true;  // the reference only reads q
  t.linear_i4_keeps_q = true;
  return t;
}

constexpr KernelTable kTable = make_reference_table();

}  // namespace

const KernelTable& reference_kernels() { return kTable; }

}  // namespace kernels
}  // namespace xattn
