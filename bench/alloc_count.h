// Heap-allocation counting for the posix benchmark: malloc, calloc, realloc
// and operator new are replaced in the xattn-bench binary and counted while
// a window is open (see tests/test_no_allocation.cpp for the same idea).
#pragma once

namespace xattn {
namespace bench {

void allocation_window_open();
long allocation_window_close();  // allocations since the window opened

}  // namespace bench
}  // namespace xattn
