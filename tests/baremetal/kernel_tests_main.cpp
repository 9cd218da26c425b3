// The microkernel tester on a Cortex-M board (built by ports/baremetal, run
// by ctest under qemu-system-arm): the bare-metal subset of
// tests/test_kernels_microkernels.cpp and of the kernel tests, without heap
// or doctest. For every table compiled into this firmware (the core's DSP or
// Helium table, chosen at build time) against the scalar reference:
//   - int8 linear layers, row-major and layout 1, bit for bit, over m, n and
//     k swept around every tile (the host tester's shapes);
//   - quantize_rows, bit for bit, both roundings, on rows holding ties,
//     +-0, subnormals, huge values, inf and NaN;
//   - the float kernels a table replaces (layer_norm, log_softmax, attention,
//     add), within a tolerance of rounding;
//   - on MVE-F cores, the Helium attention's exp within 2 ulp of expf.
// Prints one line per check and "PASS" last; exits 0 only when all agree and
// at least one non-reference table was tested.
#include <cstdio>
#include <cstring>

#include "kernels/kernels.h"
#include "kernel_checks.h"

#ifndef XATTN_BOARD
#define XATTN_BOARD "unknown board"
#endif

using xattn::kernels::KernelTable;

int main() {
  std::printf("xattn kernel tests on %s\n", XATTN_BOARD);
  const KernelTable* tables[8];
  const size_t count = xattn::kernels::available_kernels(tables, 8);
  const KernelTable& ref = xattn::kernels::reference_kernels();
  size_t failures = 0, tested = 0;
  // The reference's own layout-1 kernel (blocks in file order) against its row-major one.
  failures += xattn::baremetal_test::check_int8(ref, true);
  for (size_t t = 0; t < count; ++t) {
    if (tables[t] == &ref) continue;
    ++tested;
    std::printf("table %s\n", tables[t]->name);
    failures += xattn::baremetal_test::check_int8(*tables[t], false);
    failures += xattn::baremetal_test::check_int8(*tables[t], true);
    failures += xattn::baremetal_test::check_int4(*tables[t]);
    failures += xattn::baremetal_test::check_quantize(*tables[t]);
    failures += xattn::baremetal_test::check_float(*tables[t]);
  }
#ifdef XATTN_TEST_HELIUM_EXP
  failures += xattn::baremetal_test::check_helium_exp();
#endif
  if (tested == 0) {
    std::printf("FAIL: no table but the reference is compiled in (configure with XATTN_SIMD=ON)\n");
    return 1;
  }
  std::printf(failures == 0 ? "PASS\n" : "FAIL: %u checks differ\n", unsigned(failures));
  return failures == 0 ? 0 : 1;
}
