// Attention with an additive score bias (kernels.h, ScoreBias): T5's relative
// position bias. The reference attention's order of operations (scaled dot,
// here plus the bias, then a max-subtracted softmax, then V), for every KV
// precision; only T5 self-attention calls it, so other models pay nothing.
#include <cmath>

#include "kernels/check.h"
#include "kernels/reference/half.h"
#include "kernels/reference/ref_common.h"
#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {
namespace {

inline float value_of(float x) { return x; }
inline float value_of(uint16_t x) { return half_to_float(x); }
inline float value_of(int8_t x) { return float(x); }

template <class T>
inline float factor_of(const KvRows& r, size_t i, size_t heads, size_t h) {
  return precision_of<T>() == KvPrecision::kInt8 ? 1.0f / r.scales[i * heads + h] : 1.0f;
}

template <class T>
void attend_biased(const Attention& a, const ScoreBias& bias) {
  const size_t len = a.len, dh = a.dh, nq = a.nq;
  const T* keys = static_cast<const T*>(a.k.data);
  const T* values = static_cast<const T*>(a.v.data);
  const float head_weight = 1.0f / static_cast<float>(a.heads);
  if (a.align) {
    for (size_t i = 0; i < nq * len; ++i) a.align[i] = 0.0f;
  }
  for (size_t h = 0; h < a.heads; ++h) {
    const size_t col = h * dh;
    for (size_t b = 0; b < nq; ++b) {
      const float* q = a.q + b * a.q_stride + col;
      const float* row_bias = bias.data + static_cast<ptrdiff_t>(h) * bias.head_stride +
                              static_cast<ptrdiff_t>(b) * bias.query_stride;
      float* p = a.probs + b * len;
      for (size_t j = 0; j < len; ++j) {
        const T* kj = keys + j * a.k.stride + col;
        float acc[kLanes] = {};
        for (size_t c = 0; c < dh; ++c) acc[c % kLanes] += q[c] * value_of(kj[c]);
        p[j] = a.scale * factor_of<T>(a.k, j, a.heads, h) * combine_lanes(acc) + row_bias[j];
      }
      const float mx = max_f32(p, len);
      for (size_t j = 0; j < len; ++j) p[j] = std::exp(p[j] - mx);
      const float inv = 1.0f / sum_f32(p, len);
      for (size_t j = 0; j < len; ++j) p[j] *= inv;
      if (a.align) {
        for (size_t j = 0; j < len; ++j) a.align[b * len + j] += p[j] * head_weight;
      }
      float* o = a.out + b * a.out_stride + col;
      for (size_t c = 0; c < dh; ++c) o[c] = 0.0f;
      for (size_t j = 0; j < len; ++j) {
        const T* vj = values + j * a.v.stride + col;
        const float pj = p[j] * factor_of<T>(a.v, j, a.heads, h);
        for (size_t c = 0; c < dh; ++c) o[c] += pj * value_of(vj[c]);
      }
    }
  }
}

}  // namespace

template <class T>
void attention_biased(const Attention& a, const ScoreBias& bias) {
  XATTN_KERNEL_EXPECT(attention_bounds_hold(a) && a.k.precision == precision_of<T>());
  attend_biased<T>(a, bias);
}

template void attention_biased<float>(const Attention& a, const ScoreBias& bias);
template void attention_biased<uint16_t>(const Attention& a, const ScoreBias& bias);
template void attention_biased<int8_t>(const Attention& a, const ScoreBias& bias);

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
