// The AVX-512 table (compiled with -mavx512f/bw/dq/vl -mfma only; dispatch
// requires all four). Float kernels run on xsimd's avx512bw batches.
#include <immintrin.h>

#include "kernels/simd/qs4_avx512.hpp"
#include "kernels/simd/table.hpp"
#include "kernels/simd/tables.h"
#ifdef XATTN_HAVE_AVX512_VNNI
#include "kernels/simd/linear_i8_vnni.h"
#endif

namespace xattn {
namespace kernels {
namespace {

// Row-major int8 (qs8_dot_1x4__avx512bw): 32 bytes sign-extended to int16,
// _mm512_madd_epi16 into int32 (exact for any bytes). The k % 32 tail is a
// zero-masked load (AVX512BW+VL), so the driver's scalar tail is empty.
//
// CPUs with VNNI get the "avx512-vnni" table below instead: vpdpbusd on
// u8 = q + 128 with a per-row correction of 128 * sum(w) (linear_i8_vnni.cpp).
// Both run int4 layers on Qs4Avx512 (qs4_avx512.hpp).
inline __m512i widen(__m256i b) { return _mm512_cvtepi8_epi16(b); }
inline __m256i load(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline __m256i load_tail(const int8_t* p, __mmask32 mask) { return _mm256_maskz_loadu_epi8(mask, p); }
inline __m512i mac(__m512i acc, __m512i a, __m512i b) { return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b)); }

void qs8_dot_1x4__avx512bw(const int8_t* x, size_t k, const int8_t* w, size_t ldw, int32_t* out) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  size_t e = 0;
  for (; e + 32 <= k; e += 32) {
    const __m512i xv = widen(load(x + e));
    a0 = mac(a0, xv, widen(load(w + e)));
    a1 = mac(a1, xv, widen(load(w + ldw + e)));
    a2 = mac(a2, xv, widen(load(w + 2 * ldw + e)));
    a3 = mac(a3, xv, widen(load(w + 3 * ldw + e)));
  }
  if (e < k) {
    const __mmask32 mask = __mmask32((uint32_t(1) << (k - e)) - 1);  // k - e < 32
    const __m512i xv = widen(load_tail(x + e, mask));
    a0 = mac(a0, xv, widen(load_tail(w + e, mask)));
    a1 = mac(a1, xv, widen(load_tail(w + ldw + e, mask)));
    a2 = mac(a2, xv, widen(load_tail(w + 2 * ldw + e, mask)));
    a3 = mac(a3, xv, widen(load_tail(w + 3 * ldw + e, mask)));
  }
  out[0] = _mm512_reduce_add_epi32(a0);
  out[1] = _mm512_reduce_add_epi32(a1);
  out[2] = _mm512_reduce_add_epi32(a2);
  out[3] = _mm512_reduce_add_epi32(a3);
}

struct Qs8RowMajorAvx512 {
  static constexpr size_t kK = 1, kMr = 1;
  template <size_t R>
  static void dot(const int8_t* x, size_t, size_t k, const int8_t* w, size_t ldw, int32_t* acc) {
    qs8_dot_1x4__avx512bw(x, k, w, ldw, acc);
  }
  static int32_t dot1(const int8_t* x, const int8_t* w, size_t k) {
    __m512i a = _mm512_setzero_si512();
    size_t e = 0;
    for (; e + 32 <= k; e += 32) a = mac(a, widen(load(x + e)), widen(load(w + e)));
    if (e < k) {
      const __mmask32 mask = __mmask32((uint32_t(1) << (k - e)) - 1);
      a = mac(a, widen(load_tail(x + e, mask)), widen(load_tail(w + e, mask)));
    }
    return _mm512_reduce_add_epi32(a);
  }
};

// Layout-1 blocks without VNNI (qs8_gemm_1x16c4__avx512bw): 32 bytes = 8
// rows x 4 columns widened to int16, madd against the row's 4 activations
// broadcast as int16 (2 partial sums per row), even and odd lanes added at
// the end.
void qs8_gemm_1x16c4__avx512bw(const int8_t* x, size_t k, const int8_t* w, int32_t* out) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0;
  for (size_t g = 0; g < k / 4; ++g, w += 64) {
    int32_t x4;
    __builtin_memcpy(&x4, x + 4 * g, 4);
    const __m512i xv = _mm512_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(x4)));
    a0 = mac(a0, widen(load(w)), xv);
    a1 = mac(a1, widen(load(w + 32)), xv);
  }
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  _mm512_storeu_si512(out, _mm512_add_epi32(_mm512_permutex2var_epi32(a0, even, a1),
                                            _mm512_permutex2var_epi32(a0, odd, a1)));
}

struct Qs8PackedAvx512 {
  static constexpr size_t kMr = 1, kBlocks = 1;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}
  template <size_t R>
  static void tile(const int8_t* x, size_t, size_t k, const int8_t* w, int32_t* acc) {
    qs8_gemm_1x16c4__avx512bw(x, k, w, acc);
  }
  static void wide(const int8_t*, size_t, size_t, const int8_t*, size_t, int32_t*) {}
};

constexpr KernelTable kTable =
    simd::make_table<xsimd::avx512bw, Qs8RowMajorAvx512, Qs8PackedAvx512, Qs4Avx512>("avx512");

#ifdef XATTN_HAVE_AVX512_VNNI
// The same table with the vpdpbusd linear layer (linear_i8_vnni.cpp, the only
// file built with -mavx512vnni); dispatch checks the CPU has VNNI.
constexpr KernelTable with_vnni(KernelTable t) {
  t.name = "avx512-vnni";
  t.linear_i8 = &linear_i8_avx512_vnni;
  t.linear_i8_packed = &linear_i8_packed_avx512_vnni;
  return t;
}
constexpr KernelTable kVnniTable = with_vnni(kTable);
#endif

}  // namespace

const KernelTable& avx512_kernels() { return kTable; }
#ifdef XATTN_HAVE_AVX512_VNNI
const KernelTable& avx512_vnni_kernels() { return kVnniTable; }
#endif

}  // namespace kernels
}  // namespace xattn
