// Reference multi-head attention over a KV cache (kernels.h, Attention), plain
// and with T5's score bias, for every KV precision: attention_core.h's loops
// over the reference's primitives. Dots use ref_common.h's lane order, so
// float32 caches give exactly the single-query results the earlier per-head
// kernel gave.
#include "kernels/reference/attention_core.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

template <class T>
void attention(const Attention& a) {
  attend<T, RefAttentionOps, false>(a, ScoreBias());
}

template <class T>
void attention_biased(const Attention& a, const ScoreBias& bias) {
  attend<T, RefAttentionOps, true>(a, bias);
}

template void attention<float>(const Attention& a);
template void attention<uint16_t>(const Attention& a);
template void attention<int8_t>(const Attention& a);
template void attention_biased<float>(const Attention& a, const ScoreBias& bias);
template void attention_biased<uint16_t>(const Attention& a, const ScoreBias& bias);
template void attention_biased<int8_t>(const Attention& a, const ScoreBias& bias);

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
