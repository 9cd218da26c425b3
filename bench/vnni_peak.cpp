// The vpdpbusd peak: 12 independent accumulators (more than latency x
// throughput), no loads. Built with -mavx512vnni; run only when the CPU has it.
#include "kernel_figures.h"

#if defined(__x86_64__) && defined(__AVX512VNNI__)
#include <immintrin.h>

namespace xattn {
namespace bench {

double vnni_peak_gops(double (*seconds)()) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512vnni")) return 0;
  __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  __asm__ volatile("" : "+v"(a), "+v"(b));  // opaque: nothing folds
  const long rounds = 4000000;
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    // Different, opaque starting values: identical accumulators would be one
    // chain to the compiler (GCC -O3 merged them into a single vpdpbusd).
    __m512i c0 = _mm512_set1_epi32(0), c1 = _mm512_set1_epi32(1), c2 = _mm512_set1_epi32(2),
            c3 = _mm512_set1_epi32(3), c4 = _mm512_set1_epi32(4), c5 = _mm512_set1_epi32(5),
            c6 = _mm512_set1_epi32(6), c7 = _mm512_set1_epi32(7), c8 = _mm512_set1_epi32(8),
            c9 = _mm512_set1_epi32(9), c10 = _mm512_set1_epi32(10), c11 = _mm512_set1_epi32(11);
    __asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6), "+v"(c7),
                     "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11));
    const double t0 = seconds();
    for (long i = 0; i < rounds; ++i) {
      c0 = _mm512_dpbusd_epi32(c0, a, b);
      c1 = _mm512_dpbusd_epi32(c1, a, b);
      c2 = _mm512_dpbusd_epi32(c2, a, b);
      c3 = _mm512_dpbusd_epi32(c3, a, b);
      c4 = _mm512_dpbusd_epi32(c4, a, b);
      c5 = _mm512_dpbusd_epi32(c5, a, b);
      c6 = _mm512_dpbusd_epi32(c6, a, b);
      c7 = _mm512_dpbusd_epi32(c7, a, b);
      c8 = _mm512_dpbusd_epi32(c8, a, b);
      c9 = _mm512_dpbusd_epi32(c9, a, b);
      c10 = _mm512_dpbusd_epi32(c10, a, b);
      c11 = _mm512_dpbusd_epi32(c11, a, b);
    }
    const double dt = seconds() - t0;
    __m512i all = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c0, c1), _mm512_add_epi32(c2, c3)),
                                   _mm512_add_epi32(_mm512_add_epi32(c4, c5), _mm512_add_epi32(c6, c7)));
    all = _mm512_add_epi32(all, _mm512_add_epi32(_mm512_add_epi32(c8, c9), _mm512_add_epi32(c10, c11)));
    __asm__ volatile("" : : "v"(all));
    const double gops = static_cast<double>(rounds) * 12 * 64 * 2 / dt / 1e9;
    if (gops > best) best = gops;
  }
  return best;
}

}  // namespace bench
}  // namespace xattn
#else
namespace xattn {
namespace bench {
double vnni_peak_gops(double (*)()) { return 0; }
}  // namespace bench
}  // namespace xattn
#endif
