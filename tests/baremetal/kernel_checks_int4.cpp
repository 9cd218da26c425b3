// int4 checks of the bare-metal kernel tester: every table's linear_i4
// against the reference, bit for bit, over rows for tiles of 1 and 2 and
// their leftovers, outputs around the 16-row block (narrow last blocks
// included) and depths of 1 to 16 groups; operands from a fixed LCG, nibbles
// over all of [-8, 7], group scales over all of [0, 255]; then the extremes
// at the deepest k, where any int16 shortcut would overflow.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "kernel_checks.h"
#include "xattn/format.h"

namespace xattn {
namespace baremetal_test {
namespace {

using kernels::KernelTable;

constexpr size_t kMaxM = 5, kMaxN = 49, kMaxK = 512;

struct Lcg {
  uint32_t s;
  uint32_t next() { return s = s * 1664525u + 1013904223u; }
  int uniform(int lo, int hi) { return lo + int((next() >> 8) % uint32_t(hi - lo + 1)); }
  float scale() { return 0.5f + float(next() >> 8) * (99.5f / 16777216.0f); }
};

int8_t q[kMaxM * kMaxK], q_scratch[kMaxM * kMaxK];
alignas(64) uint8_t data[format::int4_data_bytes(kMaxN, kMaxK)];
int32_t sums[kMaxN];
float xs[kMaxM], ws[kMaxN], bias[kMaxN], y[kMaxM * kMaxN], want[kMaxM * kMaxN];

// Random (or constant: q_value / q4_value / sub_value >= -8) operands packed in layout 3.
void fill(Lcg& rng, size_t m, size_t k, size_t n, int q_value, int q4_value, int sub_value) {
  for (size_t i = 0; i < m * k; ++i) q[i] = int8_t(q_value >= -127 ? q_value : rng.uniform(-127, 127));
  std::memset(data, 0, sizeof data);
  const uint64_t nibbles = format::int4_nibble_bytes(uint32_t(n), uint32_t(k));
  for (uint32_t r = 0; r < n; ++r) {
    sums[r] = 0;
    for (uint32_t g = 0; g < k / format::kInt4Group; ++g) {
      const int sub = sub_value >= 0 ? sub_value : rng.uniform(0, 255);
      data[nibbles + format::int4_group_scale_offset(uint32_t(k), r, g * format::kInt4Group)] = uint8_t(sub);
      int32_t group = 0;
      for (uint32_t c = g * format::kInt4Group; c < (g + 1) * format::kInt4Group; ++c) {
        const int v = q4_value >= -8 ? q4_value : rng.uniform(-8, 7);
        data[format::int4_nibble_offset(uint32_t(k), r, c)] |= uint8_t((uint32_t(v) & 0xFu) << (c % 8 < 4 ? 0 : 4));
        group += v;
      }
      sums[r] += sub * group;
    }
  }
  for (size_t i = 0; i < m; ++i) xs[i] = rng.scale();
  for (size_t j = 0; j < n; ++j) ws[j] = rng.scale(), bias[j] = rng.scale() - 50.0f;
}

size_t compare(const KernelTable& t, size_t m, size_t k, size_t n, const float* b) {
  const KernelTable& ref = kernels::reference_kernels();
  const uint8_t* subs = data + format::int4_nibble_bytes(uint32_t(n), uint32_t(k));
  for (size_t i = 0; i < m * n; ++i) y[i] = -1.0f, want[i] = -2.0f;
  std::memcpy(q_scratch, q, m * k);  // kernels may overwrite q
  ref.linear_i4(q_scratch, xs, m, k, data, subs, sums, ws, b, n, want);
  std::memcpy(q_scratch, q, m * k);
  t.linear_i4(q_scratch, xs, m, k, data, subs, sums, ws, b, n, y);
  if (std::memcmp(y, want, m * n * sizeof(float)) == 0) return 0;
  std::printf("  %s int4 differs: m=%u k=%u n=%u%s\n", t.name, unsigned(m), unsigned(k), unsigned(n), b ? " bias" : "");
  return 1;
}

}  // namespace

size_t check_int4(const KernelTable& t) {
  Lcg rng{83u};
  size_t bad = 0, shapes = 0;
  for (size_t m : {1, 2, 3, 5})
    for (size_t n : {1, 15, 16, 17, 33, 49})
      for (size_t k : {32, 64, 96, 512}) {
        fill(rng, m, k, n, -128, -9, -1);
        bad += compare(t, m, k, n, nullptr) + compare(t, m, k, n, bias);
        ++shapes;
      }
  // |q * q4| = 127 * 8 everywhere with every group scale 255.
  for (int qv : {-127, 127})
    for (int wv : {-8, 7}) {
      fill(rng, 3, kMaxK, 19, qv, wv, 255);
      bad += compare(t, 3, kMaxK, 19, nullptr);
      ++shapes;
    }
  std::printf("%s int4 layout 3: %u shapes, %u differ\n", t.name, unsigned(shapes), unsigned(bad));
  return bad;
}

}  // namespace baremetal_test
}  // namespace xattn
