// The Helium (MVE-F) float32 attention for Cortex-M55/M85, any head size,
// float32 K/V, no score bias (T5's biased variant stays on the reference).
// The reference (reference/attention_core.h) is its twin; it agrees to
// rounding, not bit for bit: sums run in another order and exp is a
// polynomial here.
//
// Why not the reference's loops over vector primitives: MVE has no float
// across-vector add, so a dot product of one key with one query ends in a
// four-lane reduction, and at the heads of a small model (dh 16) that
// reduction and the loop set-up were most of a decoder step's attention.
// Here, per head:
//   scores  four keys at a time, one lane each: a word gather brings
//           column c of the four K rows, and one multiply-add by q[c]
//           advances all four dots (no reduction at all);
//   softmax the maximum, a vector exp (below) and the sum four lanes wide;
//   values  the head's output (up to 16 floats) stays in four registers
//           while every V row adds p_j times itself.
#pragma once

#include <arm_mve.h>

#include <cstddef>
#include <cstdint>

#include "kernels/check.h"
#include "kernels/kernels.h"

namespace xattn {
namespace kernels {
namespace helium {

// e^x for x <= 0, four lanes, within 2 ulp of expf: x = n ln2 + r with
// |r| <= ln2 / 2, e^r by its degree-7 Taylor polynomial (truncation below
// 0.1 ulp there; degree 6 left 3 ulp), times 2^n through the exponent bits;
// below -86.6 (where e^x < 2^-125, near the end of the normal range) the
// result is 0: a probability that small is nothing next to the maximum's 1.
static inline float32x4_t exp_nonpositive(float32x4_t x) {
  const float32x4_t floor = vdupq_n_f32(-86.6f);  // n >= -125: 2^n p(r) stays normal
  const mve_pred16_t tiny = vcmpltq_f32(x, floor);
  x = vmaxnmq_f32(x, floor);
  const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, 1.44269504f));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693145752f));  // ln 2, high part (exact times n)
  r = vfmsq_f32(r, n, vdupq_n_f32(1.42860677e-6f));            // ln 2, the rest
  float32x4_t p = vdupq_n_f32(1.0f / 5040.0f);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 720.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 120.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 24.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 6.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  const int32x4_t scaled = vaddq_s32(vreinterpretq_s32_f32(p), vshlq_n_s32(vcvtq_s32_f32(n), 23));
  return vpselq_f32(vdupq_n_f32(0.0f), vreinterpretq_f32_s32(scaled), tiny);
}

// probs[j] = scale x dot(q, K row j) over one head's dh columns, for all len keys.
static inline void head_scores(const float* q, const float* k, size_t k_stride, size_t len, size_t dh, float scale,
                               float* probs) {
  const uint32x4_t rows = vmulq_n_u32(vidupq_n_u32(0, 1), static_cast<uint32_t>(k_stride));
  for (size_t j = 0; j < len; j += 4) {
    const mve_pred16_t keys = vctp32q(static_cast<uint32_t>(len - j));
    const float* base = k + j * k_stride;
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (size_t c = 0; c < dh; ++c) acc = vfmaq_n_f32(acc, vldrwq_gather_shifted_offset_z_f32(base + c, rows, keys), q[c]);
    vstrwq_p_f32(probs + j, vmulq_n_f32(acc, scale), keys);
  }
}

// probs <- softmax(probs); align (if set) += probs x head_weight.
static inline void head_softmax(float* probs, size_t len, float* align, float head_weight) {
  float32x4_t top = vdupq_n_f32(probs[0]);
  for (size_t j = 0; j < len; j += 4) {
    const mve_pred16_t p = vctp32q(static_cast<uint32_t>(len - j));
    top = vmaxnmq_m_f32(top, top, vldrwq_z_f32(probs + j, p), p);
  }
  const float mx = vmaxnmvq_f32(probs[0], top);
  float32x4_t sum = vdupq_n_f32(0.0f);
  for (size_t j = 0; j < len; j += 4) {
    const mve_pred16_t p = vctp32q(static_cast<uint32_t>(len - j));
    const float32x4_t e = exp_nonpositive(vsubq_n_f32(vldrwq_z_f32(probs + j, p), mx));
    vstrwq_p_f32(probs + j, e, p);
    sum = vaddq_m_f32(sum, sum, e, p);
  }
  // The max term contributes exp(0) = 1, so the sum is at least 1 for finite scores.
  const float inv = 1.0f / ((vgetq_lane_f32(sum, 0) + vgetq_lane_f32(sum, 1)) + (vgetq_lane_f32(sum, 2) + vgetq_lane_f32(sum, 3)));
  for (size_t j = 0; j < len; j += 4) {
    const mve_pred16_t p = vctp32q(static_cast<uint32_t>(len - j));
    const float32x4_t w = vmulq_n_f32(vldrwq_z_f32(probs + j, p), inv);
    vstrwq_p_f32(probs + j, w, p);
    if (align != nullptr) vstrwq_p_f32(align + j, vfmaq_n_f32(vldrwq_z_f32(align + j, p), w, head_weight), p);
  }
}

// out[0..dh) = sum_j probs[j] x V row j, 16 columns at a time held in registers.
static inline void head_values(const float* probs, const float* v, size_t v_stride, size_t len, size_t dh, float* out) {
  for (size_t c = 0; c < dh; c += 16) {
    const mve_pred16_t p0 = vctp32q(static_cast<uint32_t>(dh - c));
    const mve_pred16_t p1 = dh - c > 4 ? vctp32q(static_cast<uint32_t>(dh - c - 4)) : mve_pred16_t(0);
    const mve_pred16_t p2 = dh - c > 8 ? vctp32q(static_cast<uint32_t>(dh - c - 8)) : mve_pred16_t(0);
    const mve_pred16_t p3 = dh - c > 12 ? vctp32q(static_cast<uint32_t>(dh - c - 12)) : mve_pred16_t(0);
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    const float* row = v + c;
    for (size_t j = 0; j < len; ++j, row += v_stride) {
      const float w = probs[j];
      a0 = vfmaq_n_f32(a0, vldrwq_z_f32(row, p0), w);
      a1 = vfmaq_n_f32(a1, vldrwq_z_f32(row + 4, p1), w);
      a2 = vfmaq_n_f32(a2, vldrwq_z_f32(row + 8, p2), w);
      a3 = vfmaq_n_f32(a3, vldrwq_z_f32(row + 12, p3), w);
    }
    vstrwq_p_f32(out + c, a0, p0);
    vstrwq_p_f32(out + c + 4, a1, p1);
    vstrwq_p_f32(out + c + 8, a2, p2);
    vstrwq_p_f32(out + c + 12, a3, p3);
  }
}

static inline void attention_f32(const Attention& a) {
  XATTN_KERNEL_EXPECT(attention_bounds_hold(a) && a.k.precision == KvPrecision::kFloat32);
  const float* keys = static_cast<const float*>(a.k.data);
  const float* values = static_cast<const float*>(a.v.data);
  const float head_weight = 1.0f / static_cast<float>(a.heads);
  if (a.align != nullptr) {
    for (size_t i = 0; i < a.nq * a.len; ++i) a.align[i] = 0.0f;
  }
  for (size_t h = 0; h < a.heads; ++h) {
    const size_t col = h * a.dh;
    for (size_t b = 0; b < a.nq; ++b) {
      float* probs = a.probs + b * a.len;
      head_scores(a.q + b * a.q_stride + col, keys + col, a.k.stride, a.len, a.dh, a.scale, probs);
      head_softmax(probs, a.len, a.align != nullptr ? a.align + b * a.len : nullptr, head_weight);
      head_values(probs, values + col, a.v.stride, a.len, a.dh, a.out + b * a.out_stride + col);
    }
  }
}

}  // namespace helium
}  // namespace kernels
}  // namespace xattn
