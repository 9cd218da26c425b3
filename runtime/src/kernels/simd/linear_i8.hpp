// The int8 path: per-row activation quantization (bit-identical to the
// reference: max|x| and the rounding are exact) and the portable xsimd
// microkernel for row-major int8 weights, a policy of the one int8 driver
// (qs8_driver.h). Per-arch files supply intrinsic microkernels (qs8_avx2.hpp,
// table_avx512.cpp, table_neon.cpp, linear_i8_vnni.cpp, linear_i8_dotprod.cpp).
#pragma once

#include <type_traits>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif
#if defined(__ARM_NEON)
#include <arm_neon.h>
#endif

#include "kernels/simd/common.hpp"

namespace xattn {
namespace kernels {
namespace simd {

// Stores W int32 lanes, each already in [-127, 127], as W bytes: one
// narrowing instruction where the ISA has it (xsimd has none), else a loop.
template <class Arch>
inline void store_narrow_i8(xsimd::batch<int32_t, Arch> v, int8_t* out) {
#if defined(__AVX512F__)
  if constexpr (std::is_base_of<xsimd::avx512f, Arch>::value) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_cvtepi32_epi8(v));
    return;
  }
#endif
#if defined(__AVX2__)
  if constexpr (std::is_base_of<xsimd::avx2, Arch>::value) {
    const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packs_epi16(words, words));
    return;
  }
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
  if constexpr (std::is_base_of<xsimd::neon64, Arch>::value) {
    const int16x4_t words = vmovn_s32(v);
    vst1_lane_s32(reinterpret_cast<int32_t*>(out), vreinterpret_s32_s8(vmovn_s16(vcombine_s16(words, words))), 0);
    return;
  }
#endif
  constexpr size_t W = xsimd::batch<int32_t, Arch>::size;
  alignas(64) int32_t buf[W];
  v.store_aligned(buf);
  for (size_t l = 0; l < W; ++l) out[l] = int8_t(buf[l]);
}

template <class Arch>
void quantize_rows(const float* x, size_t m, size_t k, Rounding rounding, int8_t* q, float* scales) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  for (size_t i = 0; i < m; ++i) {
    const float* xi = x + i * k;
    int8_t* qi = q + i * k;
    B amax_v(0.0f);
    size_t c = 0;
    for (; c + W <= k; c += W) {
      B a = xsimd::abs(B::load_unaligned(xi + c));
      amax_v = xsimd::select(a > amax_v, a, amax_v);  // NaN never wins, as in ref
    }
    float amax = reduce_max<Arch>(amax_v);
    for (size_t t = c; t < k; ++t) {
      float a = __builtin_fabsf(xi[t]);
      amax = a > amax ? a : amax;
    }
    const float scale = ref::row_scale(amax);
    scales[i] = scale;
    const B s(scale), lo(-127.0f), hi(127.0f);
    for (c = 0; c + W <= k; c += W) {
      const B scaled = B::load_unaligned(xi + c) * s;
      B r = rounding == Rounding::kFloor ? xsimd::floor(scaled + B(128.0f)) - B(128.0f) : xsimd::nearbyint(scaled);
      r = xsimd::select(r >= lo, r, lo);  // NaN -> -127, like ref::quantize_value
      r = xsimd::select(r <= hi, r, hi);
      store_narrow_i8<Arch>(xsimd::batch_cast<int32_t>(r), qi + c);  // exact: r is integral
    }
    for (; c < k; ++c) qi[c] = ref::quantize_value(xi[c] * scale, rounding);
  }
}

// Portable int8 dot products (qs8_dot_1x4__xsimd): bytes are sign-extended
// to int16 by shifts (even bytes: << 8 then arithmetic >> 8; odd bytes:
// arithmetic >> 8), multiplied in int16 (|product| <= 128 * 128 = 2^14
// fits), and each product is widened to int32 the same way before it is
// summed, so nothing can saturate or wrap. k is a multiple of the width kK.
template <class Arch>
struct Qs8RowMajorXsimd {
  using B8 = xsimd::batch<int8_t, Arch>;
  using B16 = xsimd::batch<int16_t, Arch>;
  using B32 = xsimd::batch<int32_t, Arch>;
  static constexpr size_t kK = B8::size, kMr = 1;

  static inline B32 widen_sum(B16 p) {
    B32 v = xsimd::bitwise_cast<B32>(p);
    return ((v << 16) >> 16) + (v >> 16);
  }
  static inline void split(const int8_t* p, B16& even, B16& odd) {
    B16 v = xsimd::bitwise_cast<B16>(B8::load_unaligned(p));
    even = (v << 8) >> 8;
    odd = v >> 8;
  }
  static inline B32 step(B16 xe, B16 xo, const int8_t* w) {
    B16 we, wo;
    split(w, we, wo);
    return widen_sum(xe * we) + widen_sum(xo * wo);
  }

  template <size_t R>
  static void dot(const int8_t* x, size_t, size_t k, const int8_t* w, size_t ldw, int32_t* out) {
    B32 a0(0), a1(0), a2(0), a3(0);
    for (size_t e = 0; e < k; e += kK) {
      B16 xe, xo;
      split(x + e, xe, xo);
      a0 += step(xe, xo, w + e);
      a1 += step(xe, xo, w + ldw + e);
      a2 += step(xe, xo, w + 2 * ldw + e);
      a3 += step(xe, xo, w + 3 * ldw + e);
    }
    out[0] = xsimd::hadd(a0), out[1] = xsimd::hadd(a1), out[2] = xsimd::hadd(a2), out[3] = xsimd::hadd(a3);
  }

  static int32_t dot1(const int8_t* x, const int8_t* w, size_t k) {
    B32 a(0);
    for (size_t e = 0; e < k; e += kK) {
      B16 xe, xo;
      split(x + e, xe, xo);
      a += step(xe, xo, w + e);
    }
    return xsimd::hadd(a);
  }
};

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
