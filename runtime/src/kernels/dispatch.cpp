// Choosing a kernel table. Hosts decide at run time, once; bare-metal builds
// have the reference and the one table compiled in for their core (Helium or
// DSP, chosen at build time by simd.cmake). There
// is deliberately no environment override here (no getenv on bare metal):
// tools force a path with kernels_by_name().
#include "kernels/kernels.h"
#include "kernels/simd/tables.h"

#if defined(XATTN_HAVE_SSE4_2) || defined(XATTN_HAVE_AVX2) || defined(XATTN_HAVE_AVX512)
#include <cpuid.h>
#endif

#if defined(XATTN_HAVE_NEON) && defined(__arm__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_NEON
#define HWCAP_NEON (1 << 12)  // arch/arm/include/uapi/asm/hwcap.h
#endif
#endif
#if defined(XATTN_HAVE_NEON_DOTPROD) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)  // arch/arm64/include/uapi/asm/hwcap.h
#endif
#endif

namespace xattn {
namespace kernels {
namespace {

#if defined(XATTN_HAVE_SSE4_2) || defined(XATTN_HAVE_AVX2) || defined(XATTN_HAVE_AVX512)
// F16C (float16 KV rows converted by vcvtph2ps): CPUID leaf 1, as clang
// 14's __builtin_cpu_supports has no "f16c". Every AVX2 CPU made has it.
bool cpu_has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
}

// libgcc's checks include the OS enabling the AVX / AVX-512 register state.
bool cpu_has(int level) {
  __builtin_cpu_init();
  switch (level) {
    case 0: return __builtin_cpu_supports("sse4.2");
    case 1: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
    default:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("fma") && cpu_has_f16c();
  }
}
#endif
#ifdef XATTN_HAVE_SSE4_2
bool has_sse4_2() { return cpu_has(0); }
#endif
#ifdef XATTN_HAVE_AVX2
bool has_avx2() { return cpu_has(1); }
#endif
#ifdef XATTN_HAVE_AVX512
bool has_avx512() { return cpu_has(2); }
#endif
#ifdef XATTN_HAVE_AVX512_VNNI
// xsimd's dispatcher does not know VNNI; libgcc's check does.
bool has_avx512_vnni() { return cpu_has(2) && __builtin_cpu_supports("avx512vnni"); }
#endif
#ifdef XATTN_HAVE_NEON
bool has_neon() {
#if defined(__aarch64__)
  return true;  // Advanced SIMD is mandatory on AArch64
#elif defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_NEON) != 0;
#else
  return true;  // a bare-metal build with NEON compiled in targets a NEON core
#endif
}
#endif
#ifdef XATTN_HAVE_NEON_DOTPROD
// The dot-product extension is optional (ARMv8.2+); xsimd does not check it.
bool has_neon_dotprod() {
#if defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__ARM_FEATURE_DOTPROD)
  return true;  // no HWCAP to ask, but the whole build targets dotprod
#else
  return false;
#endif
}
#endif
bool always() { return true; }  // also the Cortex-M tables: the build targets one core

struct Candidate {
  const KernelTable& (*table)();
  bool (*supported)();
};

// Best first; the reference always closes the list.
constexpr Candidate kCandidates[] = {
#ifdef XATTN_HAVE_AVX512_VNNI
    {avx512_vnni_kernels, has_avx512_vnni},
#endif
#ifdef XATTN_HAVE_AVX512
    {avx512_kernels, has_avx512},
#endif
#ifdef XATTN_HAVE_AVX2
    {avx2_kernels, has_avx2},
#endif
#ifdef XATTN_HAVE_SSE4_2
    {sse4_2_kernels, has_sse4_2},
#endif
#ifdef XATTN_HAVE_NEON_DOTPROD
    {neon_dotprod_kernels, has_neon_dotprod},
#endif
#ifdef XATTN_HAVE_NEON
    {neon_kernels, has_neon},
#endif
#ifdef XATTN_HAVE_HELIUM
    {helium_kernels, always},
#endif
#ifdef XATTN_HAVE_ARMDSP
    {armdsp_kernels, always},
#endif
    {reference_kernels, always},
};

bool same_name(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

const KernelTable* pick_best() {
  for (const Candidate& c : kCandidates)
    if (c.supported()) return &c.table();
  return &reference_kernels();
}

}  // namespace

const KernelTable& best_kernels() {
  static const KernelTable* const best = pick_best();
  return *best;
}

size_t available_kernels(const KernelTable** out, size_t capacity) {
  size_t count = 0;
  for (const Candidate& c : kCandidates)
    if (count < capacity && c.supported()) out[count++] = &c.table();
  return count;
}

const KernelTable* kernels_by_name(const char* name) {
  if (!name) return nullptr;
  for (const Candidate& c : kCandidates)
    if (same_name(c.table().name, name)) return c.supported() ? &c.table() : nullptr;
  return nullptr;
}

}  // namespace kernels
}  // namespace xattn
