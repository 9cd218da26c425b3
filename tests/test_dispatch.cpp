// Dispatch: the kernel table a target runs is the one its ISA promises.
// On ARM with NEON (aarch64 always; armv7 built with -mfpu=neon-*), the NEON
// table must win; it runs under qemu-user in CI, so this also proves qemu's
// HWCAP reaches getauxval on armhf.
#include <doctest/doctest.h>

#include <string>

#include "kernels/kernels.h"

namespace xattn {
namespace {

TEST_CASE("dispatch: the best table is listed first and the reference closes the list") {
  const kernels::KernelTable* tables[8];
  const size_t count = kernels::available_kernels(tables, 8);
  REQUIRE(count >= 1);
  CHECK(tables[0] == &kernels::best_kernels());
  CHECK(std::string(tables[count - 1]->name) == "scalar");
}

#if defined(__aarch64__) || (defined(__ARM_NEON) && defined(__linux__))
TEST_CASE("dispatch: NEON is the path chosen on ARM") {
  CHECK(std::string(kernels::best_kernels().name) == "neon");
}
#endif

}  // namespace
}  // namespace xattn
