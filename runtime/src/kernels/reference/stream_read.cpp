// Reference read-bandwidth probe: 64-bit words into four xor chains (no
// dependency limits the rate), the tail byte by byte.
#include <cstring>

#include "kernels/reference/reference.h"

namespace xattn {
namespace kernels {
namespace ref {

uint64_t stream_read(const uint8_t* bytes, size_t n) {
  uint64_t a[4] = {};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (size_t l = 0; l < 4; ++l) {
      uint64_t v;
      std::memcpy(&v, bytes + i + 8 * l, 8);
      a[l] ^= v;
    }
  }
  uint64_t fold = a[0] ^ a[1] ^ a[2] ^ a[3];
  for (; i < n; ++i) fold ^= static_cast<uint64_t>(bytes[i]) << (8 * (i % 8));
  return fold;
}

}  // namespace ref
}  // namespace kernels
}  // namespace xattn
