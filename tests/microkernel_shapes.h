// The shapes of the int8 microkernel tester, shared by the host suite
// (test_kernels_microkernels.cpp) and the bare-metal kernel tester
// (baremetal/kernel_checks_int8.cpp), so both sweep the same m, n and k
// around every tile: rows (m) for tiles of 1, 2, 4 and 8 activation rows and
// the leftovers of each; outputs (n) for 4-row dot tiles, 16-row blocks,
// 32-row pairs of blocks and the narrow last block of every width; depths (k)
// around the 4-column group, the row-major steps (16, 32, 64 bytes) and the
// narrow block's 256-column chunks, odd k for row-major weights. Plain C++
// (no heap, no standard containers): it builds for arm-none-eabi too.
#pragma once

#include <cstddef>

namespace xattn {
namespace test {

constexpr size_t kMicrokernelRows[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17};
constexpr size_t kMicrokernelOutputs[] = {1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 48, 49};
constexpr size_t kPackedDepths[] = {4, 8, 12, 60, 64, 68, 124, 128, 132, 252, 256, 260, 516};
constexpr size_t kRowMajorDepths[] = {1, 3, 4, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255};
// The largest of each, for static buffers.
constexpr size_t kMicrokernelMaxM = 17, kMicrokernelMaxN = 49, kMicrokernelMaxK = 516;

// Calls check(m, k, n) for every shape of one layout's sweep (layout 1 when
// `packed`, else row-major): every (m, n) pair at three depths, then every
// depth at six (m, n) pairs. Returns the number of shapes.
template <class Check>
size_t for_each_microkernel_shape(bool packed, Check check) {
  const size_t grid_depths[] = {packed ? size_t(4) : size_t(17), packed ? size_t(68) : size_t(64),
                                packed ? size_t(260) : size_t(65)};
  size_t shapes = 0;
  for (size_t k : grid_depths)
    for (size_t m : kMicrokernelRows)
      for (size_t n : kMicrokernelOutputs) check(m, k, n), ++shapes;
  struct Pair { size_t m, n; };
  const Pair pairs[] = {{1, 17}, {4, 16}, {5, 33}, {8, 32}, {9, 49}, {16, 15}};
  const size_t* depths = packed ? kPackedDepths : kRowMajorDepths;
  const size_t depth_count = packed ? sizeof kPackedDepths / sizeof *depths : sizeof kRowMajorDepths / sizeof *depths;
  for (size_t d = 0; d < depth_count; ++d)
    for (const Pair& p : pairs) check(p.m, depths[d], p.n), ++shapes;
  return shapes;
}

// The maxima above hold every shape.
static_assert(kMicrokernelRows[sizeof kMicrokernelRows / sizeof *kMicrokernelRows - 1] == kMicrokernelMaxM &&
                  kMicrokernelOutputs[sizeof kMicrokernelOutputs / sizeof *kMicrokernelOutputs - 1] == kMicrokernelMaxN &&
                  kPackedDepths[sizeof kPackedDepths / sizeof *kPackedDepths - 1] == kMicrokernelMaxK &&
                  kRowMajorDepths[sizeof kRowMajorDepths / sizeof *kRowMajorDepths - 1] <= kMicrokernelMaxK,
              "the largest shape of each list");

}  // namespace test
}  // namespace xattn
