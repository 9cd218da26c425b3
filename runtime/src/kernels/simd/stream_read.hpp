// The read-bandwidth probe in the table's widest vectors: four batches of
// independent xor chains, unrolled so loads, not the loop, set the pace.
// Returns the same fold as ref::stream_read (xor is order-free), which the
// tests check.
#pragma once

#include "kernels/reference/reference.h"
#include "kernels/simd/common.hpp"

namespace xattn {
namespace kernels {
namespace simd {

template <class Arch>
uint64_t stream_read(const uint8_t* bytes, size_t n) {
  using B = xsimd::batch<uint64_t, Arch>;
  constexpr size_t W = B::size * 8;  // bytes per batch
  B a0(uint64_t(0)), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 ^= B::load_unaligned(reinterpret_cast<const uint64_t*>(bytes + i));
    a1 ^= B::load_unaligned(reinterpret_cast<const uint64_t*>(bytes + i + W));
    a2 ^= B::load_unaligned(reinterpret_cast<const uint64_t*>(bytes + i + 2 * W));
    a3 ^= B::load_unaligned(reinterpret_cast<const uint64_t*>(bytes + i + 3 * W));
  }
  alignas(64) uint64_t lanes[B::size];
  (a0 ^ a1 ^ a2 ^ a3).store_aligned(lanes);
  uint64_t fold = 0;
  for (size_t l = 0; l < B::size; ++l) fold ^= lanes[l];
  return fold ^ ref::stream_read(bytes + i, n - i);
}

}  // namespace simd
}  // namespace kernels
}  // namespace xattn
