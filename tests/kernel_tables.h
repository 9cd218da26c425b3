// The kernel tables a test may name, and how a test case for one of them
// is registered: skipped (doctest's skip decorator, counted as skipped in
// its summary) when the table is not compiled in or this CPU cannot run it,
// so a case never passes without running. tests/test_dispatch.cpp names the
// skipped tables in a case ctest reports as skipped.
#pragma once

#include <doctest/doctest.h>

#include "kernels/kernels.h"

namespace xattn {
namespace test {

// Every SIMD table this target's build can compile, best first.
inline const char* const* simd_table_names() {
#if defined(__x86_64__) || defined(__i386__)
  static const char* const names[] = {"avx512-vnni", "avx512", "avx2", "sse4.2", nullptr};
#elif defined(__aarch64__)
  static const char* const names[] = {"neon-dotprod", "neon", nullptr};
#elif defined(__arm__)
  static const char* const names[] = {"neon", nullptr};
#else
  static const char* const names[] = {nullptr};
#endif
  return names;
}

inline bool table_runs_here(const char* name) { return kernels::kernels_by_name(name) != nullptr; }

}  // namespace test
}  // namespace xattn

// TEST_CASE for the kernel table `table`: skipped where it cannot run.
#define XATTN_TABLE_CASE(title, table) TEST_CASE(title * doctest::skip(!xattn::test::table_runs_here(table)))
