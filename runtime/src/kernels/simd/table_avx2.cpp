// The AVX2 + FMA table (compiled with -mavx2 -mfma only).
#include <immintrin.h>

#include "kernels/simd/table.hpp"
#include "kernels/simd/tables.h"

namespace xattn {
namespace kernels {
namespace {

// int8 dot products: 16 bytes sign-extended to int16 (vpmovsxbw), then
// _mm256_madd_epi16 multiplies and adds adjacent pairs straight into int32:
// |pair| <= 2 * 2^14, exact. Not _mm256_maddubs_epi16: it needs one unsigned
// operand and adds its two products in int16 with saturation (255 * 127 * 2
// overflows), the classic int8-GEMM accuracy bug.
struct Avx2DotI8 {
  static inline __m256i widen(const int8_t* p) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static inline __m256i mac(__m256i acc, __m256i a, const int8_t* b) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, widen(b)));
  }
  static inline int32_t hsum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
  }

  static void dot4(const int8_t* x, const int8_t* w, size_t k, int32_t* out) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t e = 0;
    for (; e + 16 <= k; e += 16) {
      const __m256i xv = widen(x + e);
      a0 = mac(a0, xv, w + e);
      a1 = mac(a1, xv, w + k + e);
      a2 = mac(a2, xv, w + 2 * k + e);
      a3 = mac(a3, xv, w + 3 * k + e);
    }
    const __m256i acc[4] = {a0, a1, a2, a3};
    for (size_t c = 0; c < 4; ++c)
      out[c] = hsum(acc[c]) + ref::dot_i8(x + e, w + c * k + e, k - e);
  }

  static int32_t dot1(const int8_t* x, const int8_t* w, size_t k) {
    __m256i a = _mm256_setzero_si256();
    size_t e = 0;
    for (; e + 16 <= k; e += 16) a = mac(a, widen(x + e), w + e);
    return hsum(a) + ref::dot_i8(x + e, w + e, k - e);
  }
};

// Layout-1 blocks: 16 bytes = 4 rows x 4 columns, widened to int16 and
// multiplied by the row's 4 activations (broadcast as int16) with madd, which
// leaves 2 partial sums per row; one hadd per 8 rows finishes them.
struct Avx2PackedI8 {
  static void rows16(const int8_t* x, size_t k, const int8_t* w, int32_t* out) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t g = 0; g < k / 4; ++g, w += 64) {
      int32_t x4;
      __builtin_memcpy(&x4, x + 4 * g, 4);
      const __m256i xv = _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(x4)));
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(Avx2DotI8::widen(w), xv));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(Avx2DotI8::widen(w + 16), xv));
      a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(Avx2DotI8::widen(w + 32), xv));
      a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(Avx2DotI8::widen(w + 48), xv));
    }
    // hadd(rows 0-3, rows 4-7) = [r0 r1 r4 r5 | r2 r3 r6 r7]; 0xD8 restores order.
    const __m256i lo = _mm256_permute4x64_epi64(_mm256_hadd_epi32(a0, a1), 0xD8);
    const __m256i hi = _mm256_permute4x64_epi64(_mm256_hadd_epi32(a2, a3), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), lo);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), hi);
  }
};

constexpr KernelTable kTable =
    simd::make_table<xsimd::fma3<xsimd::avx2>, Avx2DotI8, Avx2PackedI8>("avx2");

}  // namespace

const KernelTable& avx2_kernels() { return kTable; }

}  // namespace kernels
}  // namespace xattn
