// The "helium" table for Cortex-M cores with MVE (M55, M85): the reference
// kernels (which GCC vectorizes for MVE where it can) with the int8 linear
// layers (int8 and int4), quantize_rows and float32 attention
// (helium_attention.h) replaced by MVE intrinsics. The int8 layers are
// the one driver (qs8_driver.h) over microkernels built on VMLADAVA, which
// multiplies 16 int8 pairs and adds all 16 products to a 32-bit accumulator
// exactly (no int16 step), so the sums equal the reference's and the
// driver's shared epilogue makes the outputs bit-identical.
//
// Built only for bare metal, where the whole firmware targets one core (the
// table is fixed at build time): no run-time check is needed or possible.
#include <arm_mve.h>

#include <cstdint>

#include "kernels/reference/reference.h"
#include "kernels/simd/helium_attention.h"
#include "kernels/simd/qs4_driver.h"
#include "kernels/simd/qs8_driver.h"
#include "kernels/simd/tables.h"

#if !defined(__ARM_FEATURE_MVE) || !(__ARM_FEATURE_MVE & 2)
#error "table_helium.cpp needs MVE with floating point (-mcpu=cortex-m55)"
#endif

namespace xattn {
namespace kernels {
namespace {

// ---- row-major weights: 16 columns of 4 weight rows (ldw apart) against
// the same 16 activations, one VMLADAVA each; k a multiple of 16.
void qs8_dot_1x4__mve(const int8_t* x, size_t k, const int8_t* w, size_t ldw, int32_t* out) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (size_t e = 0; e < k; e += 16) {
    const int8x16_t xv = vldrbq_s8(x + e);
    a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w + e));
    a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w + ldw + e));
    a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w + 2 * ldw + e));
    a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w + 3 * ldw + e));
  }
  out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
}

int32_t qs8_dot_1x1__mve(const int8_t* x, const int8_t* w, size_t k) {
  int32_t a = 0;
  for (size_t e = 0; e < k; e += 16) a = vmladavaq_s8(a, vldrbq_s8(x + e), vldrbq_s8(w + e));
  return a;
}

struct Qs8RowMajorMve {
  static constexpr size_t kK = 16, kMr = 1;
  template <size_t R>
  static void dot(const int8_t* x, size_t, size_t k, const int8_t* w, size_t ldw, int32_t* acc) {
    qs8_dot_1x4__mve(x, k, w, ldw, acc);
  }
  static int32_t dot1(const int8_t* x, const int8_t* w, size_t k) { return qs8_dot_1x1__mve(x, w, k); }
};

// ---- layout 1 (16 rows x 4 columns per 64-byte group, xattn/format.h).
//
// A block row's 4 columns of 4 consecutive groups are 4 words 64 bytes
// apart: one word gather (VLDRW with offsets 0, 64, 128, 192) brings them
// into one vector, in the order of the 16 activations of those groups, so
// one VMLADAVA per activation row adds all 16 products. C block rows x R
// activation rows are in flight (R * C scalar accumulators); the last
// groups (k % 16) are loaded with predicates that zero the missing lanes.
// A weight pointer that is not word-aligned (never the case in a model,
// whose tensors are 64-byte aligned) takes byte gathers instead.
template <size_t R, size_t C>
void block_rows(const int8_t* x, size_t ldx, size_t groups, const int8_t* w, bool aligned, int32_t* out) {
  constexpr size_t kStep = qs8::kBlock * qs8::kGroup;  // bytes from one group to the next
  const uint32x4_t word_offsets = vmulq_n_u32(vidupq_n_u32(0, 1), kStep);
  // Byte offsets of the same 16 weights: 4 bytes of each group.
  const uint8x16_t byte_offsets =
      vaddq_u8(vandq_u8(vidupq_n_u8(0, 1), vdupq_n_u8(3)), vmulq_n_u8(vshrq_n_u8(vidupq_n_u8(0, 1), 2), kStep));
  int32_t a[R][C] = {};
  size_t g = 0;
  for (; g < groups; g += 4, w += 4 * kStep) {
    const uint32_t left = groups - g < 4 ? uint32_t(groups - g) : 4u;
    const mve_pred16_t words = vctp32q(left), bytes = vctp8q(4 * left);
    int8x16_t xv[R];
#pragma GCC unroll 2
    for (size_t r = 0; r < R; ++r) xv[r] = vldrbq_z_s8(x + r * ldx + g * qs8::kGroup, bytes);
#pragma GCC unroll 4
    for (size_t c = 0; c < C; ++c) {
      const int8x16_t wv =
          aligned ? vreinterpretq_s8_s32(vldrwq_gather_offset_z_s32(reinterpret_cast<const int32_t*>(w + 4 * c),
                                                                     word_offsets, words))
                  : vldrbq_gather_offset_z_s8(w + 4 * c, byte_offsets, bytes);
#pragma GCC unroll 2
      for (size_t r = 0; r < R; ++r) a[r][c] = vmladavaq_s8(a[r][c], xv[r], wv);
    }
  }
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) out[r * qs8::kBlock + c] = a[r][c];
}

// R activation rows (ldx apart) x one full block: out[r * 16 + o].
template <size_t R>
void qs8_gemm_rx16c4__mve(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* out) {
  constexpr size_t C = R == 1 ? 4 : 2;  // R * C accumulators in even general registers
  const bool aligned = (reinterpret_cast<uintptr_t>(w) & 3) == 0;
  for (size_t o = 0; o < qs8::kBlock; o += C)
    block_rows<R, C>(x, ldx, k / qs8::kGroup, w + o * qs8::kGroup, aligned, out + o);
}

struct Qs8PackedMve {
  static constexpr size_t kMr = 2, kBlocks = 1;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
    qs8_gemm_rx16c4__mve<R>(x, ldx, k, w, acc);
  }
  static void wide(const int8_t*, size_t, size_t, const int8_t*, size_t, int32_t*) {}
};

// ---- quantize_rows: ref::quantize_rows four lanes at a time. The maximum
// is exact in any order (VMAXNM skips NaNs as the reference's comparison
// does); rounding is VRINTN (nearest even) or the reference's
// floor(s + 128) - 128 with VRINTM, and the clamps are the reference's
// comparisons (NaN fails `>= -127` and becomes -127), so every byte matches.
// MVE float arithmetic flushes subnormals to zero (it runs in the standard
// FPSCR mode): harmless when the row's maximum is at least 2^-100, since a
// subnormal times 127 / max is then below 2^-18, which rounds (either way,
// also as floor(s + 128)) exactly as zero does; rows with a smaller maximum
// take the reference.
void quantize_rows_mve(const float* x, size_t m, size_t k, Rounding rounding, int8_t* q, float* scales) {
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * k;
    float32x4_t amax = vdupq_n_f32(0.0f);
    for (size_t c = 0; c < k; c += 4) {
      const mve_pred16_t p = vctp32q(uint32_t(k - c));
      amax = vmaxnmq_f32(amax, vabsq_f32(vldrwq_z_f32(xi + c, p)));  // zeroed lanes: |0| changes no maximum
    }
    int8_t* qi = q + i * k;
    const float row_max = vmaxnmvq_f32(0.0f, amax);
    if (!(row_max >= 0x1p-100f)) {  // see above: subnormals may matter; also all-zero rows
      ref::quantize_rows(xi, 1, k, rounding, qi, scales + i);
      continue;
    }
    const float scale = ref::row_scale(row_max);
    scales[i] = scale;
    for (size_t c = 0; c < k; c += 4) {
      const mve_pred16_t p = vctp32q(uint32_t(k - c));
      const float32x4_t s = vmulq_n_f32(vldrwq_z_f32(xi + c, p), scale);
      float32x4_t r = rounding == Rounding::kFloor ? vsubq_n_f32(vrndmq_f32(vaddq_n_f32(s, 128.0f)), 128.0f)
                                                    : vrndnq_f32(s);
      r = vpselq_f32(r, vdupq_n_f32(-127.0f), vcmpgeq_n_f32(r, -127.0f));
      r = vpselq_f32(r, vdupq_n_f32(127.0f), vcmpleq_n_f32(r, 127.0f));
      vstrbq_p_s32(qi + c, vcvtq_s32_f32(r), p);
    }
  }
}

// ---- int4, layout 3 (xattn/format.h). A block row's 4 words of a group
// (one per chunk, 64 bytes apart) are its 32 nibbles: one word gather brings
// them into a vector, shifts sign-extend the low and the high nibbles into
// two vectors of 16 bytes (columns 0-3, 8-11, 16-19, 24-27 and the other 16),
// and one VMLADAVA each against the activations gathered in the same order
// gives the group's exact sum; the row then takes it times its group scale.
// The activations' two vectors are gathered once per group for all 16 rows.
struct Qs4Mve {
  static constexpr size_t kMr = 2;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const uint8_t* w, const uint8_t* subs, int32_t* acc) {
    const uint32x4_t word_offsets = vmulq_n_u32(vidupq_n_u32(0, 1), 64);
    // Byte offsets of columns 0-3, 8-11, 16-19, 24-27 of a group (the high nibbles' are 4 more).
    const uint8x16_t low_columns =
        vaddq_u8(vandq_u8(vidupq_n_u8(0, 1), vdupq_n_u8(3)), vmulq_n_u8(vshrq_n_u8(vidupq_n_u8(0, 1), 2), 8));
    for (size_t e = 0; e < R * qs4::kBlock; ++e) acc[e] = 0;
    for (size_t g = 0; g < k / format::kInt4Group; ++g, w += format::kInt4GroupBytes, subs += qs4::kBlock) {
      int8x16_t xl[R], xh[R];
      for (size_t r = 0; r < R; ++r) {
        const int8_t* xg = x + r * ldx + g * format::kInt4Group;
        xl[r] = vldrbq_gather_offset_s8(xg, low_columns);
        xh[r] = vldrbq_gather_offset_s8(xg + 4, low_columns);
      }
#pragma GCC unroll 2
      for (size_t o = 0; o < qs4::kBlock; ++o) {
        const int8x16_t v = vreinterpretq_s8_s32(vldrwq_gather_offset_s32(reinterpret_cast<const int32_t*>(w + 4 * o), word_offsets));
        const int8x16_t lo = vshrq_n_s8(vshlq_n_s8(v, 4), 4), hi = vshrq_n_s8(v, 4);
        for (size_t r = 0; r < R; ++r)
          acc[r * qs4::kBlock + o] += int32_t(subs[o]) * vmladavaq_s8(vmladavq_s8(xl[r], lo), xh[r], hi);
      }
    }
  }
};

KernelTable with_helium(KernelTable t) {
  t.name = "helium";
  t.linear_i8 = &qs8::linear_i8<Qs8RowMajorMve>;
  t.linear_i8_packed = &qs8::linear_i8_packed<Qs8PackedMve>;
  t.linear_i4 = &qs4::linear_i4<Qs4Mve>;
  t.linear_i8_packed_keeps_q = !Qs8PackedMve::kUnsigned;
  t.linear_i4_keeps_q = !Qs4Mve::kUnsigned;
  t.quantize_rows = &quantize_rows_mve;
  // float32 caches: helium_attention.h; T5's score bias stays on the reference.
  ref::set_attention(t, AttentionVariant{&helium::attention_f32, &ref::attention_biased<float>, KvPrecision::kFloat32, 0});
  return t;
}

}  // namespace

// A copy of the reference table (so entries added to KernelTable later are
// filled) with the entries above replaced; built on first use.
const KernelTable& helium_kernels() {
  static const KernelTable table = with_helium(reference_kernels());
  return table;
}

}  // namespace kernels
}  // namespace xattn
