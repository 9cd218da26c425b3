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

constexpr KernelTable kTable =
    simd::make_table<xsimd::fma3<xsimd::avx2>, Avx2DotI8>("avx2");

}  // namespace

const KernelTable& avx2_kernels() { return kTable; }

}  // namespace kernels
}  // namespace xattn
