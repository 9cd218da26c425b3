// int8 checks of the bare-metal kernel tester: the host microkernel tester's
// shapes (tests/microkernel_shapes.h), operands from a fixed LCG,
// weights in [-128, 127] and activations in [-127, 127] (as quantize_rows
// writes them), compared with memcmp against the reference's row-major
// linear_i8; quantize_rows on rows built to hit every rounding edge.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "../microkernel_shapes.h"
#include "kernel_checks.h"
#include "xattn/format.h"

namespace xattn {
namespace baremetal_test {
namespace {

using kernels::KernelTable;

constexpr size_t kMaxM = test::kMicrokernelMaxM, kMaxN = test::kMicrokernelMaxN, kMaxK = test::kMicrokernelMaxK;

struct Lcg {
  uint32_t s;
  uint32_t next() { return s = s * 1664525u + 1013904223u; }
  int uniform(int lo, int hi) { return lo + int((next() >> 8) % uint32_t(hi - lo + 1)); }
  float scale() { return 0.5f + float(next() >> 8) * (99.5f / 16777216.0f); }
};

int8_t q[kMaxM * kMaxK], q_scratch[kMaxM * kMaxK], w[kMaxN * kMaxK];
alignas(64) int8_t packed_storage[kMaxN * kMaxK + 1];
int32_t sums[kMaxN];
float xs[kMaxM], ws[kMaxN], bias[kMaxN], y[kMaxM * kMaxN], want[kMaxM * kMaxN];

size_t check_shape(const KernelTable& t, bool packed_layout, Lcg& rng, size_t m, size_t k, size_t n) {
  for (size_t i = 0; i < m * k; ++i) q[i] = int8_t(rng.uniform(-127, 127));
  for (size_t i = 0; i < n * k; ++i) w[i] = int8_t(rng.uniform(-128, 127));
  for (size_t i = 0; i < m; ++i) xs[i] = rng.scale();
  for (size_t j = 0; j < n; ++j) ws[j] = rng.scale(), bias[j] = rng.scale() - 50.0f;
  // Model tensors are 64-byte aligned; every other shape tests a weight
  // pointer one byte off (kernels must not fault or differ there either).
  int8_t* const packed = packed_storage + (m + n) % 2;
  if (packed_layout) {
    for (uint32_t r = 0; r < n; ++r) {
      sums[r] = 0;
      for (uint32_t c = 0; c < k; ++c) {
        packed[format::packed_offset(uint32_t(n), uint32_t(k), r, c)] = w[r * k + c];
        sums[r] += w[r * k + c];
      }
    }
  }
  const KernelTable& ref = kernels::reference_kernels();
  size_t bad = 0;
  for (const float* b : {static_cast<const float*>(nullptr), static_cast<const float*>(bias)}) {
    for (size_t i = 0; i < m * n; ++i) y[i] = -1.0f, want[i] = -2.0f;
    ref.linear_i8(q, xs, m, k, w, ws, b, n, want);
    if (packed_layout) {
      std::memcpy(q_scratch, q, m * k);  // packed kernels may overwrite q
      t.linear_i8_packed(q_scratch, xs, m, k, packed, sums, ws, b, n, y);
    } else {
      t.linear_i8(q, xs, m, k, w, ws, b, n, y);
    }
    if (std::memcmp(y, want, m * n * sizeof(float)) != 0) {
      ++bad;
      std::printf("  %s %s differs: m=%u k=%u n=%u%s\n", t.name, packed_layout ? "layout 1" : "row-major",
                  unsigned(m), unsigned(k), unsigned(n), b ? " bias" : "");
    }
  }
  return bad ? 1 : 0;
}

}  // namespace

size_t check_int8(const KernelTable& t, bool packed_layout) {
  Lcg rng{packed_layout ? 71u : 73u};
  size_t bad = 0;
  const size_t shapes = test::for_each_microkernel_shape(
      packed_layout, [&](size_t m, size_t k, size_t n) { bad += check_shape(t, packed_layout, rng, m, k, n); });
  std::printf("%s int8 %s: %u shapes, %u differ\n", t.name, packed_layout ? "layout 1" : "row-major",
              unsigned(shapes), unsigned(bad));
  return bad;
}

size_t check_quantize(const KernelTable& t) {
  constexpr size_t kCols = 37;  // not a multiple of any vector width
  static float x[4 * kCols];
  static int8_t got[4 * kCols], expect[4 * kCols];
  static float got_scales[4], expect_scales[4];
  const float inf = __builtin_inff(), nan = __builtin_nanf("");
  Lcg rng{79u};
  size_t bad = 0, cases = 0;
  for (int round = 0; round < 64; ++round) {
    for (size_t i = 0; i < 4 * kCols; ++i) x[i] = float(rng.uniform(-100000, 100000)) / 997.0f;
    // Row 0: values landing exactly on .5 after scaling (amax 127 gives scale 1), +-0 and the extremes.
    x[0] = 127.0f, x[1] = 0.5f, x[2] = -0.5f, x[3] = 1.5f, x[4] = -2.5f, x[5] = -0.0f, x[6] = 126.5f, x[7] = -127.0f;
    for (size_t c = 8; c < kCols; ++c) x[c] = float(rng.uniform(-254, 254)) * 0.5f;
    // Row 1: subnormals only (127 / amax overflows to inf); row 2: an inf; row 3: a NaN and huge values.
    // Every other round, one value just above 2^-100 among them (where the Helium table
    // leaves the reference and flushes subnormals to zero).
    for (size_t c = 0; c < kCols; ++c) x[kCols + c] = float(rng.uniform(-8, 8)) * 1e-45f;
    if (round % 2) x[kCols + size_t(round) % kCols] = round % 4 == 1 ? 0x1.0p-99f : -0x1.8p-100f;
    x[2 * kCols + size_t(round) % kCols] = round % 2 ? inf : -inf;
    x[3 * kCols + 3] = nan, x[3 * kCols + 5] = 3e38f, x[3 * kCols + 6] = -3e38f;
    for (Rounding rounding : {Rounding::kNearestEven, Rounding::kFloor}) {
      t.quantize_rows(x, 4, kCols, rounding, got, got_scales);
      kernels::reference_kernels().quantize_rows(x, 4, kCols, rounding, expect, expect_scales);
      ++cases;
      if (std::memcmp(got, expect, sizeof got) != 0 || std::memcmp(got_scales, expect_scales, sizeof got_scales) != 0) {
        ++bad;
        size_t e = 0;
        while (e + 1 < 4 * kCols && got[e] == expect[e]) ++e;
        std::printf("  %s quantize_rows differs: round %d, %s, first at row %u column %u: %d, want %d\n", t.name,
                    round, rounding == Rounding::kFloor ? "floor" : "nearest even", unsigned(e / kCols),
                    unsigned(e % kCols), int(got[e]), int(expect[e]));
      }
    }
  }
  std::printf("%s quantize_rows: %u cases, %u differ\n", t.name, unsigned(cases), unsigned(bad));
  return bad;
}

}  // namespace baremetal_test
}  // namespace xattn
