// The scalar reference kernels, one function per KernelTable entry. They are
// the oracle for every SIMD table and the whole path on targets without SIMD.
// Signatures match KernelTable exactly (see kernels.h for the contracts).
#pragma once

#include "kernels/kernels.h"

namespace xattn {
namespace kernels {
namespace ref {

void linear_f32(const float* x, size_t m, size_t k, const float* w,
                const float* bias, size_t n, float* y);
void linear_f32_packed(const float* x, size_t m, size_t k, const float* w, const float* bias, size_t n, float* y);
void quantize_rows(const float* x, size_t m, size_t k, Rounding rounding, int8_t* q, float* scales);
void linear_i8(const int8_t* q, const float* x_scales, size_t m, size_t k,
               const int8_t* w, const float* w_scales, const float* bias,
               size_t n, float* y);
void linear_i8_packed(int8_t* q, const float* x_scales, size_t m, size_t k, const int8_t* w,
                      const int32_t* row_sums, const float* w_scales, const float* bias, size_t n, float* y);
void linear_i4(int8_t* q, const float* x_scales, size_t m, size_t k, const uint8_t* w, const uint8_t* group_scales,
               const int32_t* row_sums, const float* w_scales, const float* bias, size_t n, float* y);
void layer_norm(const float* x, size_t m, size_t d, const float* gamma,
                const float* beta, float eps, float* y);
void activation(Activation kind, float* x, size_t n);
void add(float* y, const float* x, size_t n);
// Attention over K/V rows of type T (float, uint16_t float16, int8_t), any
// head size: plain and with a score bias (defined for those three types).
template <class T>
void attention(const Attention& a);
template <class T>
void attention_biased(const Attention& a, const ScoreBias& bias);
void rms_norm(const float* x, size_t m, size_t d, const float* gamma, const float* beta, float eps, float* y);
void log_softmax(float* x, size_t n);
void embed_f32(const float* row, size_t d, float scale, const float* position,
               float* out);
void embed_i8(const int8_t* row, float row_scale, size_t d, float scale,
              const float* position, float* out);
void top_k(const float* x, size_t n, size_t k, float* values, uint32_t* indices);
uint64_t stream_read(const uint8_t* bytes, size_t n);
void store_kv(const float* x, size_t rows, size_t x_stride, size_t heads, size_t dh, KvPrecision precision,
              void* dst, float* scales);

// The reference variant for K/V rows of type T.
template <class T>
constexpr AttentionVariant attention_variant() {
  return AttentionVariant{&attention<T>, &attention_biased<T>, precision_of<T>(), 0};
}

// Gives every head-size class of v's precision the variant `v` (the
// reference, and the Cortex-M tables, have one variant per precision).
constexpr void set_attention(KernelTable& t, const AttentionVariant& v) {
  for (AttentionVariant& slot : t.attention[static_cast<size_t>(v.precision)]) slot = v;
}

// Fills t.attention with the reference variants.
constexpr void set_reference_attention(KernelTable& t) {
  set_attention(t, attention_variant<float>());
  set_attention(t, attention_variant<uint16_t>());
  set_attention(t, attention_variant<int8_t>());
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
