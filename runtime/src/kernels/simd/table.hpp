// Builds a KernelTable from the xsimd kernel templates for one Arch. Include
// only from a table_<arch>.cpp compiled with that arch's flags.
#pragma once

#include "kernels/reference/reference.h"
#include "kernels/simd/activation.hpp"
#include "kernels/simd/attention.hpp"
#include "kernels/simd/rms_norm.hpp"
#include "kernels/simd/embedding.hpp"
#include "kernels/simd/linear_f32.hpp"
#include "kernels/simd/linear_f32_packed.hpp"
#include "kernels/simd/linear_i8.hpp"
#include "kernels/simd/norm.hpp"
#include "kernels/simd/qs4_driver.h"
#include "kernels/simd/qs8_driver.h"
#include "kernels/simd/softmax.hpp"
#include "kernels/simd/store_kv.hpp"
#include "kernels/simd/stream_read.hpp"
#include "kernels/simd/top_k.hpp"

namespace xattn {
namespace kernels {
namespace simd {

// The layout-1 int8 kernel: the driver over a table's microkernel policy, or
// the reference (plain C, same block order) for a table without one.
template <class PackedI8>
constexpr auto packed_i8_kernel() { return &qs8::linear_i8_packed<PackedI8>; }
template <>
constexpr auto packed_i8_kernel<void>() { return &ref::linear_i8_packed; }

// The int4 kernel: the driver over a table's microkernel, or the reference.
template <class PackedI4>
constexpr auto int4_kernel() { return &qs4::linear_i4<PackedI4>; }
template <>
constexpr auto int4_kernel<void>() { return &ref::linear_i4; }

// Whether a packed kernel leaves its activations as they are: the driver's
// policies shift them in place exactly when they read unsigned bytes; the
// reference reads them only.
template <class Policy>
constexpr bool keeps_q() { return !Policy::kUnsigned; }
template <>
constexpr bool keeps_q<void>() { return true; }

// The attention variants for K/V rows of type T: a general one and one per
// head size with compile-time loops (4 and 8); T5's score bias stays on the
// reference.
template <class Arch, class T>
constexpr void set_attention(KernelTable& t) {
  constexpr KvPrecision p = precision_of<T>();
  AttentionVariant* row = t.attention[static_cast<size_t>(p)];
  row[head_size_class(0)] = AttentionVariant{&attention<Arch, T, 0>, &ref::attention_biased<T>, p, 0};
  row[head_size_class(4)] = AttentionVariant{&attention<Arch, T, 4>, &ref::attention_biased<T>, p, 4};
  row[head_size_class(8)] = AttentionVariant{&attention<Arch, T, 8>, &ref::attention_biased<T>, p, 8};
}

// constexpr so each table is constant-initialized (no guard, no init order).
template <class Arch, class RowMajorI8, class PackedI8 = void, class PackedI4 = void>
constexpr KernelTable make_table(const char* name) {
  KernelTable t{name,           &linear_f32<Arch>, &linear_f32_packed<Arch>, &quantize_rows<Arch>,
                &qs8::linear_i8<RowMajorI8>, packed_i8_kernel<PackedI8>(),
                &layer_norm<Arch>, &activation<Arch>,
                &add<Arch>,     {},                &log_softmax<Arch>,
                &embed_f32<Arch>, &embed_i8<Arch>,  &top_k<Arch>,
                &stream_read<Arch>, &store_kv<Arch>,
                &rms_norm<Arch>, int4_kernel<PackedI4>()};
  t.linear_i8_packed_keeps_q = keeps_q<PackedI8>();
  t.linear_i4_keeps_q = keeps_q<PackedI4>();
  set_attention<Arch, float>(t);
  set_attention<Arch, uint16_t>(t);
  set_attention<Arch, int8_t>(t);
  return t;
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
