// The AVX-512 table (compiled with -mavx512f/bw/dq/vl -mfma only; dispatch
// requires all four). Float kernels run on xsimd's avx512bw batches.
#include <immintrin.h>

#include "kernels/simd/qs4_x86.hpp"
#include "kernels/simd/table.hpp"
#include "kernels/simd/tables.h"
#ifdef XATTN_HAVE_AVX512_VNNI
#include "kernels/simd/linear_i4_vnni.h"
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
// int4 layers: Qs4X86<Qs4Zmm> (qs4_x86.hpp) here, vpdpbusd on the same
// unsigned activations there (linear_i4_vnni.cpp).
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

// The decoder's GEMV (qs8_gemm_1x16c4__avx512bw): 32 bytes = 8 rows x 4
// columns widened to int16, madd against the row's 4 activations broadcast
// as int16 (2 partial sums per row), even and odd lanes added at the end;
// weights prefetched into L2. With one row there is nothing to share the
// maddubs form's sign masks with, and this form streamed faster (output
// layer GEMV 297 against 327 us, medians of 5 interleaved runs of
// `xattn-bench --kernel-figures`; decoder step 1.09 against 1.19 ms).
void qs8_gemm_1x16c4__avx512bw(const int8_t* x, size_t k, const int8_t* w, int32_t* out) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0;
  for (size_t g = 0; g < k / 4; ++g, w += 64) {
    qs8::prefetch_weights<1>(w, 0);
    const __m512i xv = _mm512_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(qs8::load_word(x + 4 * g))));
    a0 = mac(a0, widen(load(w)), xv);
    a1 = mac(a1, widen(load(w + 32)), xv);
  }
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  _mm512_storeu_si512(out, _mm512_add_epi32(_mm512_permutex2var_epi32(a0, even, a1),
                                            _mm512_permutex2var_epi32(a0, odd, a1)));
}

// Layout-1 blocks without VNNI (qs8_gemm_rx16c4__avx512bw): qs8_avx2.hpp's
// exact arithmetic (maddubs on |w| and sign(w) * q, a pair at most
// 2 * 128 * 127 = 32512, madd against ones to int32) on 512-bit registers,
// where one 64-byte load is a whole block (16 rows x 4 columns), so each
// int32 lane is one output row. R (2..8) rows keep R accumulators.
template <size_t R>
void qs8_gemm_rx16c4__avx512bw(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* out) {
  const __m512i ones = _mm512_set1_epi16(1);
  __m512i a[R];
  for (size_t r = 0; r < R; ++r) a[r] = _mm512_setzero_si512();
  for (size_t g = 0; g < k / 4; ++g, w += 64) {
    qs8::prefetch_weights<R>(w, qs8::kBlock * k);
    const __m512i wv = _mm512_loadu_si512(w);
    const __m512i wa = _mm512_abs_epi8(wv);
    // AVX-512 has no vpsignb: q is negated where w < 0 by a masked subtract
    // from zero (where w == 0, |w| = 0 makes the product 0 anyway).
    const __mmask64 negative = _mm512_movepi8_mask(wv);
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r) {
      const __m512i xv = _mm512_set1_epi32(qs8::load_word(x + r * ldx + 4 * g));
      const __m512i sx = _mm512_mask_sub_epi8(xv, negative, _mm512_setzero_si512(), xv);
      a[r] = _mm512_add_epi32(a[r], _mm512_madd_epi16(_mm512_maddubs_epi16(wa, sx), ones));
    }
  }
  for (size_t r = 0; r < R; ++r) _mm512_storeu_si512(out + 16 * r, a[r]);
}

struct Qs8PackedAvx512 {
  static constexpr size_t kMr = 8, kBlocks = 1;
  static constexpr bool kUnsigned = false;
  static void prepare(int8_t*, size_t) {}
  template <size_t R>
  static void tile(const int8_t* x, size_t ldx, size_t k, const int8_t* w, int32_t* acc) {
    if constexpr (R == 1) qs8_gemm_1x16c4__avx512bw(x, k, w, acc);
    else qs8_gemm_rx16c4__avx512bw<R>(x, ldx, k, w, acc);
  }
  static void wide(const int8_t*, size_t, size_t, const int8_t*, size_t, int32_t*) {}
};

constexpr KernelTable kTable =
    simd::make_table<xsimd::avx512bw, Qs8RowMajorAvx512, Qs8PackedAvx512, Qs4X86<Qs4Zmm>>("avx512");

#ifdef XATTN_HAVE_AVX512_VNNI
// The same table with the vpdpbusd linear layers (linear_i8_vnni.cpp,
// linear_i8_packed_vnni.cpp, linear_i4_vnni.cpp: the only files built with
// -mavx512vnni); dispatch checks the CPU has VNNI.
constexpr KernelTable with_vnni(KernelTable t) {
  t.name = "avx512-vnni";
  t.linear_i8 = &linear_i8_avx512_vnni;
  t.linear_i8_packed = &linear_i8_packed_avx512_vnni;
  t.linear_i4 = &linear_i4_avx512_vnni;
  t.linear_i8_packed_keeps_q = false;  // both shift q to unsigned bytes in place (vpdpbusd)
  t.linear_i4_keeps_q = false;
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
