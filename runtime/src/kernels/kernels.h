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

#include "xattn/config.h"

namespace xattn {
namespace kernels {

struct KernelTable {
  const char* name;  // "scalar", "sse4.2", "avx2", "avx512", "avx512-vnni", "neon", "neon-dotprod"

  // y[m x n] = x[m x k] . w^T + bias; w is row-major [n x k]; bias may be null.
  void (*linear_f32)(const float* x, size_t m, size_t k, const float* w,
                     const float* bias, size_t n, float* y);

  // Dynamic per-row symmetric quantization, as CTranslate2 does for its int8
  // GEMMs: scales[i] = 127 / max|x_i| (1 for an all-zero row),
  // q = round(x * scale) (to nearest even, or down), clamped to [-127, 127].
  void (*quantize_rows)(const float* x, size_t m, size_t k, Rounding rounding,
                        int8_t* q, float* scales);

  // y[i][j] = float(sum_k q[i][k] * w[j][k]) / (x_scales[i] * w_scales[j]) + bias[j]
  // with exact int32 accumulation (no int16 intermediate saturation).
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

  // One query against `len` keys and values, each row-major [len x dh]:
  // probs[j] = softmax_j(scale * dot(q, k_j)); out = sum_j probs[j] * v_j.
  // probs has room for len floats and is left holding the probabilities.
  void (*attention)(const float* q, const float* k, const float* v, size_t len,
                    size_t dh, float scale, float* probs, float* out);

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
};

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
