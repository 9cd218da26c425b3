// Heap-allocation counting for test and benchmark binaries: compiling
// allocation_counter.cpp into a binary replaces malloc, calloc, realloc
// (glibc, not under AddressSanitizer) and operator new there, and counts
// calls while a window is open. Not part of any library: only the binaries
// that prove "nothing allocates" (xattn_tests, xattn-bench) build it in.
#pragma once

namespace xattn {
namespace posix {

// True when malloc itself is counted (false under AddressSanitizer, which
// owns malloc; operator new is counted either way).
bool allocation_counter_sees_malloc();
void allocation_window_open();
long allocation_window_close();  // allocations since the window opened

}  // namespace posix
}  // namespace xattn
