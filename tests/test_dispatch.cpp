// Dispatch: the kernel table a target runs is the one its ISA promises.
// On ARM with NEON (aarch64 always; armv7 built with -mfpu=neon-*), a NEON
// table must win: neon-dotprod on AArch64 CPUs with sdot, else neon. It runs
// under qemu-user in CI, so this also proves qemu's HWCAP reaches getauxval.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

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

// Set by the tests that rerun this file on a chosen emulated CPU
// (tests/CMakeLists.txt): the table that CPU must get. Unset: nothing to check.
TEST_CASE("dispatch: the table XATTN_EXPECT_KERNELS names is chosen") {
  const char* expected = std::getenv("XATTN_EXPECT_KERNELS");
  if (!expected) return;
  CHECK(std::string(kernels::best_kernels().name) == expected);
}

}  // namespace
}  // namespace xattn
