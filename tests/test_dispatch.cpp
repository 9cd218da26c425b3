// Dispatch: the kernel table a target runs is the one its ISA promises.
// On ARM with NEON (aarch64 always; armv7 built with -mfpu=neon-*), a NEON
// table must win: neon-dotprod on AArch64 CPUs with sdot, else neon. It runs
// under qemu-user in CI, so this also proves qemu's HWCAP reaches getauxval.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "kernel_tables.h"
#include "kernels/kernels.h"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

namespace xattn {
namespace {

TEST_CASE("dispatch: the best table is listed first and the reference closes the list") {
  const kernels::KernelTable* tables[8];
  const size_t count = kernels::available_kernels(tables, 8);
  REQUIRE(count >= 1);
  CHECK(tables[0] == &kernels::best_kernels());
  CHECK(std::string(tables[count - 1]->name) == "scalar");
}

#if defined(__aarch64__) && defined(__linux__)
// sdot where the kernel says the CPU has it (HWCAP_ASIMDDP), plain NEON
// otherwise. qemu-aarch64's default CPU has it; tests/CMakeLists.txt also
// runs this case under -cpu cortex-a53 (no dotprod) and cortex-a76.
TEST_CASE("dispatch: neon-dotprod on AArch64 CPUs with sdot, neon otherwise") {
  const bool dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
  const std::string best = kernels::best_kernels().name;
  MESSAGE((std::string("HWCAP_ASIMDDP ") + (dotprod ? "set" : "clear") + ", best table " + best));
  CHECK(best == (dotprod ? "neon-dotprod" : "neon"));
  CHECK((kernels::kernels_by_name("neon-dotprod") != nullptr) == dotprod);
  CHECK(kernels::kernels_by_name("neon") != nullptr);
}
#elif defined(__ARM_NEON) && defined(__linux__)
TEST_CASE("dispatch: NEON is the path chosen on ARMv7") {
  CHECK(std::string(kernels::best_kernels().name) == "neon");
  CHECK(kernels::kernels_by_name("neon-dotprod") == nullptr);  // AArch64 only
}
#endif

#if defined(__x86_64__) || defined(__i386__)
// The table dispatch picks is the best one the CPU's flags allow, asked of
// libgcc directly (which also checks the OS saves the wider registers).
TEST_CASE("dispatch: on x86 the chosen table matches the CPU's flags") {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("fma");
  const bool flags[] = {avx512 && __builtin_cpu_supports("avx512vnni"), avx512,
                        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"),
                        __builtin_cpu_supports("sse4.2") != 0};
  const char* const names[] = {"avx512-vnni", "avx512", "avx2", "sse4.2"};
  std::string expected = "scalar", have;
  for (size_t i = 0; i < 4; ++i) {
    INFO((std::string(names[i]) + (flags[i] ? ": CPU has it" : ": CPU lacks it")));
    const bool offered = kernels::kernels_by_name(names[i]) != nullptr;
    if (!flags[i]) CHECK_FALSE(offered);  // never a table the CPU cannot run
    if (flags[i]) have += std::string(have.empty() ? "" : ", ") + names[i];
    // With the flags, a table is offered unless the build left it out
    // (XATTN_X86_LEVELS); the best offered one must be chosen.
    if (offered && expected == "scalar") expected = names[i];
  }
  MESSAGE(("CPU flags allow: " + (have.empty() ? std::string("none") : have) + "; chosen: " +
           kernels::best_kernels().name));
  CHECK(std::string(kernels::best_kernels().name) == expected);
}
#endif

// Cases for tables this CPU cannot run are skipped by doctest (kernel_tables.h)
// and so never reach ctest's list; this case names them and is reported as
// skipped when there are any, so a run on a smaller CPU says what it missed.
TEST_CASE("dispatch: kernel tables this CPU cannot run are named, and their cases skipped") {
  std::string missing, running;
  for (const char* const* name = test::simd_table_names(); *name; ++name) {
    std::string& list = test::table_runs_here(*name) ? running : missing;
    list += std::string(list.empty() ? "" : ", ") + *name;
  }
  CHECK(kernels::kernels_by_name("scalar") == &kernels::reference_kernels());
  MESSAGE(("tables tested: " + (running.empty() ? std::string("none") : running) + ", scalar"));
  if (!missing.empty()) MESSAGE(("XATTN-SKIP: kernel cases skipped for tables this CPU cannot run: " + missing));
}

// Set by the tests that rerun this file on a chosen emulated CPU
// (tests/CMakeLists.txt): the table that CPU must get. Unset: nothing to check.
TEST_CASE("dispatch: the table XATTN_EXPECT_KERNELS names is chosen") {
  const char* expected = std::getenv("XATTN_EXPECT_KERNELS");
  if (!expected) return;
  CHECK(std::string(kernels::best_kernels().name) == expected);
}

}  // namespace
}  // namespace xattn
