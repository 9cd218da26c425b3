// The kernel table: every hot operation as a function pointer, one table per
// instruction set. A session picks one table once (dispatch.cpp) and calls
// only through it, so one code path per ISA runs for the session's lifetime.
//
// The scalar reference table is the oracle every SIMD table is tested
// against; the int8 kernels are bit-identical to it (integer accumulation, the
// same float epilogue), the float kernels agree to rounding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "xattn/config.h"

namespace xattn {
namespace kernels {

// Cached K or V rows for attention: row i (heads x dh values, heads side by
// side) starts at element i * stride of `data`, stored as `precision`
// (float32, IEEE half as uint16_t, or int8). int8 rows of one head dequantize
// as value = q / scales[i * scale_stride + h] (scale = 127 / max|row|, as
// quantize_rows; scale_stride 0 means the call's heads, a call over some of
// a cache's heads gives the cache's).
struct KvRows {
  const void* data = nullptr;
  const float* scales = nullptr;  // int8 only
  size_t stride = 0;              // elements from one row to the next
  KvPrecision precision = KvPrecision::kFloat32;
  size_t scale_stride = 0;        // int8: scales from one row to the next; 0: heads
};

// The precision whose elements have type T: float, uint16_t (IEEE half) or int8_t.
template <class T>
constexpr KvPrecision precision_of() {
  static_assert(std::is_same<T, float>::value || std::is_same<T, uint16_t>::value || std::is_same<T, int8_t>::value,
                "a KV element is float, uint16_t or int8_t");
  return std::is_same<T, int8_t>::value     ? KvPrecision::kInt8
         : std::is_same<T, uint16_t>::value ? KvPrecision::kFloat16
                                            : KvPrecision::kFloat32;
}

// Multi-head attention of nq queries over `len` cached rows. For each head h
// and query b: s_j = scale * dot(q_bh, k_jh), p = softmax(s),
// out_bh = sum_j p_j * v_jh. Each K and V row of a head is read once for all
// queries (the beams of a decoder step share the static cache). K and V
// have the same precision.
struct Attention {
  const float* q = nullptr;  // nq rows of heads x dh floats, q_stride apart
  size_t q_stride = 0;
  size_t nq = 0;
  KvRows k, v;
  size_t len = 0;            // >= 1
  size_t heads = 0, dh = 0;
  float scale = 1.0f;
  float* probs = nullptr;    // scratch, nq x len floats
  float* align = nullptr;    // null, or nq x len: the probabilities averaged over heads
  float* out = nullptr;      // nq rows of heads x dh floats, out_stride apart
  size_t out_stride = 0;
};

// An additive bias on attention scores (T5's relative position bias): head
// h, query b (of an Attention call), key j add
// data[h * head_stride + b * query_stride + j] to the scaled score before the
// softmax. Strides may be negative (a distance table read backwards).
struct ScoreBias {
  const float* data = nullptr;
  ptrdiff_t head_stride = 0;
  ptrdiff_t query_stride = 0;
};

// Attention comes in variants, one per KV precision and head-size class:
// a table may compile heads of 4 and 8 values with fixed-length loops (a
// vector loop over them would be all tail), every other size takes the
// general variant (class 0). A session picks the variants of its caches
// once (select_attention), so no call decides precision or head size again.
constexpr size_t kKvPrecisionCount = 3;  // KvPrecision's values, the row index
constexpr size_t kHeadSizeClasses = 3;
constexpr size_t head_size_class(size_t dh) { return dh == 4 ? 1 : dh == 8 ? 2 : 0; }

// One attention variant: its kernel, and what it was compiled for (a Debug
// build traps on a call outside that).
struct AttentionVariant {
  void (*run)(const Attention& a) = nullptr;
  // run() with `bias` added to every scaled score before the softmax (only
  // T5's self-attention needs it).
  void (*run_biased)(const Attention& a, const ScoreBias& bias) = nullptr;
  KvPrecision precision = KvPrecision::kFloat32;  // of both K and V
  uint32_t head_size = 0;                         // 0: any
};

struct KernelTable {
  const char* name;  // "scalar", "sse4.2", "avx2", "avx512", "avx512-vnni", "neon", "neon-dotprod"

  // y[m x n] = x[m x k] . w^T + bias; w is row-major [n x k]; bias may be null.
  void (*linear_f32)(const float* x, size_t m, size_t k, const float* w,
                     const float* bias, size_t n, float* y);

  // The same with w in format layout 2 (kLayoutPacked16x1: blocks of 16
  // rows, a column of a block per line). Agrees with linear_f32 to rounding.
  void (*linear_f32_packed)(const float* x, size_t m, size_t k, const float* w,
                            const float* bias, size_t n, float* y);

  // Dynamic per-row symmetric quantization, as CTranslate2 does for its int8
  // GEMMs: scales[i] = 127 / max|x_i| (1 for an all-zero row),
  // q = round(x * scale) (to nearest even, or down), clamped to [-127, 127].
  void (*quantize_rows)(const float* x, size_t m, size_t k, Rounding rounding,
                        int8_t* q, float* scales);

  // y[i][j] = float(sum_k q[i][k] * w[j][k]) / (x_scales[i] * w_scales[j]) + bias[j]
  // with exact int32 accumulation (no int16 intermediate saturation). The
  // activations q lie in [-127, 127], as quantize_rows writes them (the AVX2
  // kernels rely on it); w may hold any byte.
  void (*linear_i8)(const int8_t* q, const float* x_scales, size_t m, size_t k,
                    const int8_t* w, const float* w_scales, const float* bias,
                    size_t n, float* y);

  // The same product with w in format layout 1 (kLayoutPacked16x4, k % 4 ==
  // 0) and row_sums[j] = sum_k w[j][k]. Bit-identical to linear_i8 on the
  // row-major matrix. q is scratch: a kernel may overwrite it (VNNI shifts it
  // to unsigned bytes in place).
  void (*linear_i8_packed)(int8_t* q, const float* x_scales, size_t m, size_t k,
                           const int8_t* w, const int32_t* row_sums,
                           const float* w_scales, const float* bias, size_t n, float* y);

  // Row-wise LayerNorm over d: y = (x - mean) / sqrt(var + eps) * gamma + beta
  // (biased variance). y may alias x.
  void (*layer_norm)(const float* x, size_t m, size_t d, const float* gamma,
                     const float* beta, float eps, float* y);

  // In-place activation over n values.
  void (*activation)(Activation kind, float* x, size_t n);

  // y[i] += x[i]
  void (*add)(float* y, const float* x, size_t n);

  // See Attention and AttentionVariant: [KvPrecision][head_size_class(dh)].
  // One call covers every head and query of a sublayer.
  AttentionVariant attention[kKvPrecisionCount][kHeadSizeClasses];

  // In-place log-softmax over n values.
  void (*log_softmax)(float* x, size_t n);

  // out[d] = dequantized embedding row * scale + position (position may be
  // null). For int8 rows, row_scale is the row's scale (w = q / row_scale).
  void (*embed_f32)(const float* row, size_t d, float scale,
                    const float* position, float* out);
  void (*embed_i8)(const int8_t* row, float row_scale, size_t d, float scale,
                   const float* position, float* out);

  // The k largest of x[0..n) in descending order (ties: lower index first).
  // k <= n.
  void (*top_k)(const float* x, size_t n, size_t k, float* values,
                uint32_t* indices);

  // Reads bytes[0..n) as fast as this ISA loads (widest vectors, independent
  // accumulators) and returns their xor-fold, so no load can be elided: the
  // roofline's read-bandwidth probe, measured with the loads the kernels use.
  uint64_t (*stream_read)(const uint8_t* bytes, size_t n);

  // Stores `rows` rows of heads x dh floats (x_stride apart) into a KV cache
  // at `precision`: dst holds rows x heads x dh elements; int8 also writes
  // scales[rows x heads] (quantize_rows per head, rounding to nearest even).
  // float16 rounds to nearest even (ref/half.h). Bit-identical in every table.
  void (*store_kv)(const float* x, size_t rows, size_t x_stride, size_t heads,
                   size_t dh, KvPrecision precision, void* dst, float* scales);

  // Row-wise RMSNorm over d (T5): y = x / sqrt(mean(x^2) + eps) * gamma. The
  // signature is layer_norm's so a session picks either once; beta must be
  // null. y may alias x.
  void (*rms_norm)(const float* x, size_t m, size_t d, const float* gamma,
                   const float* beta, float eps, float* y);

  // The int4 product: w in format layout 3 (k % 32 == 0, k <= 8192, n rows
  // stored in ceil(n / 16) blocks) with its u8 group scales, row_sums[j] =
  // sum_g sub_g * sum_c q4; y[i][j] = float(acc) / (x_scales[i] * w_scales[j])
  // + bias[j] with acc = sum_g sub_g * sum_c q[i][c] * q4[j][c] in exact
  // int32: linear_i8's epilogue, so every table is bit-identical to the
  // reference. q is scratch, as for linear_i8_packed.
  void (*linear_i4)(int8_t* q, const float* x_scales, size_t m, size_t k,
                    const uint8_t* w, const uint8_t* group_scales, const int32_t* row_sums,
                    const float* w_scales, const float* bias, size_t n, float* y);

  // Whether linear_i8_packed and linear_i4 leave q as they found it: tasks
  // of a threaded layer then all read the one quantized copy instead of
  // copying it first (nn/linear.cpp). False, the safe default, for kernels
  // that shift q to unsigned bytes in place (VNNI; x86 int4).
  bool linear_i8_packed_keeps_q = false;
  bool linear_i4_keeps_q = false;
};

// The attention variant of table `t` for caches of `precision` and heads of
// `dh` values; a session calls it once per kind of cache (model/workspace.h).
inline const AttentionVariant& select_attention(const KernelTable& t, KvPrecision precision, size_t dh) {
  return t.attention[static_cast<size_t>(precision)][head_size_class(dh)];
}

// The portable scalar table: the oracle, and the path on targets without SIMD.
const KernelTable& reference_kernels();

// The best table this CPU supports (decided once, on first call).
const KernelTable& best_kernels();

// Every table compiled into this binary that this CPU can run, best first,
// ending with the reference table. Returns the count; tests iterate it.
size_t available_kernels(const KernelTable** out, size_t capacity);

// A table by name ("avx2", ...), or null when absent or unsupported here.
const KernelTable* kernels_by_name(const char* name);

}  // namespace kernels
}  // namespace xattn
