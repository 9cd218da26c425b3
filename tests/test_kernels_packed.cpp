// Linear layers over weights in the blocked layouts: the layouts' definitions
// checked by hand; every table's linear_i8_packed (layout 1, 16 rows x 4
// columns per 64 bytes) against the reference linear_i8 on the row-major
// matrix, bit for bit, at the decoder's GEMV and the encoder's GEMM shapes,
// narrow last blocks and extreme values; and linear_f32_packed (layout 2,
// 16 rows x 1 column) against the reference linear_f32 to rounding.
#include <doctest/doctest.h>

#include <cstdint>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "xattn/format.h"

using xattn::kernels::KernelTable;
namespace fmt = xattn::format;

namespace {

struct Packed {
  std::vector<int8_t> bytes;
  std::vector<int32_t> sums;
};

Packed pack(const std::vector<int8_t>& w, uint32_t rows, uint32_t cols) {
  Packed p{std::vector<int8_t>(w.size()), std::vector<int32_t>(rows, 0)};
  for (uint32_t r = 0; r < rows; ++r)
    for (uint32_t c = 0; c < cols; ++c) {
      p.bytes[fmt::packed_offset(rows, cols, r, c)] = w[size_t(r) * cols + c];
      p.sums[r] += w[size_t(r) * cols + c];
    }
  return p;
}

// y from table t over the packed matrix vs the reference over the row-major
// one. q is copied per call: packed kernels may overwrite it.
void expect_same(const KernelTable& t, const std::vector<int8_t>& q, size_t m, size_t k,
                 const std::vector<int8_t>& w, size_t n, const std::vector<float>& xs,
                 const std::vector<float>& ws, const float* bias) {
  const KernelTable& r = xattn::kernels::reference_kernels();
  const Packed p = pack(w, uint32_t(n), uint32_t(k));
  std::vector<float> y(m * n, -1.0f), yr(m * n, -2.0f);
  r.linear_i8(q.data(), xs.data(), m, k, w.data(), ws.data(), bias, n, yr.data());
  std::vector<int8_t> scratch = q;
  t.linear_i8_packed(scratch.data(), xs.data(), m, k, p.bytes.data(), p.sums.data(), ws.data(), bias, n, y.data());
  INFO(std::string(t.name) << " m=" << m << " k=" << k << " n=" << n << std::string(bias ? " bias" : ""));
  CHECK(std::memcmp(y.data(), yr.data(), y.size() * sizeof(float)) == 0);
}

void check_table(const KernelTable& t) {
  std::mt19937 rng(23);
  std::uniform_int_distribution<int> byte(-128, 127), activation(-127, 127);  // as quantize_rows writes
  std::uniform_real_distribution<float> scale(0.5f, 100.0f);
  struct Shape { size_t m, k, n; };
  // GEMV (m = 1, and beams), GEMM tiles of 8 and their leftovers, narrow
  // last blocks of every width, k that is not a multiple of the unroll.
  const Shape shapes[] = {{1, 512, 2048}, {1, 2048, 512}, {1, 512, 51},  {1, 4, 16},   {1, 12, 1},
                          {2, 64, 33},    {3, 36, 47},    {4, 512, 1536}, {5, 20, 31}, {7, 64, 17},
                          {8, 128, 64},   {9, 60, 16},    {64, 512, 67},  {16, 8, 15}, {13, 1000, 18}};
  for (const Shape& s : shapes) {
    std::vector<int8_t> q(s.m * s.k), w(s.n * s.k);
    for (int8_t& v : q) v = int8_t(activation(rng));
    for (int8_t& v : w) v = int8_t(byte(rng));
    std::vector<float> xs(s.m), ws(s.n), bias(s.n);
    for (float& v : xs) v = scale(rng);
    for (float& v : ws) v = scale(rng);
    for (float& v : bias) v = scale(rng) - 50.0f;
    expect_same(t, q, s.m, s.k, w, s.n, xs, ws, nullptr);
    expect_same(t, q, s.m, s.k, w, s.n, xs, ws, bias.data());
  }
  // Extremes: every product is +-2^14 or 127 * 127 and k is large, so any
  // int16 accumulation (or maddubs-style saturation) would show.
  for (int qv : {-127, 127}) {
    for (int wv : {-128, 127}) {
      const size_t m = 3, k = 4096, n = 19;
      std::vector<int8_t> q(m * k, int8_t(qv)), w(n * k, int8_t(wv));
      const std::vector<float> xs(m, 1.0f), ws(n, 1.0f);
      expect_same(t, q, m, k, w, n, xs, ws, nullptr);
    }
  }
}

void check_f32_table(const KernelTable& t) {
  const KernelTable& ref = xattn::kernels::reference_kernels();
  std::mt19937 rng(29);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  struct Shape { size_t m, k, n; };
  const Shape shapes[] = {{1, 512, 2048}, {1, 7, 16},  {1, 33, 51},  {2, 64, 33}, {3, 9, 47},
                          {4, 512, 100},  {5, 20, 31}, {8, 128, 64}, {9, 60, 17}, {64, 512, 67}};
  for (const Shape& s : shapes) {
    std::vector<float> x(s.m * s.k), w(s.n * s.k), bias(s.n);
    for (float& v : x) v = value(rng);
    for (float& v : w) v = value(rng);
    for (float& v : bias) v = value(rng);
    std::vector<float> packed(w.size());
    for (uint32_t r = 0; r < s.n; ++r)
      for (uint32_t c = 0; c < s.k; ++c)
        packed[fmt::packed_f32_offset(uint32_t(s.n), uint32_t(s.k), r, c)] = w[r * s.k + c];
    for (const float* b : {static_cast<const float*>(nullptr), static_cast<const float*>(bias.data())}) {
      std::vector<float> y(s.m * s.n), yr(s.m * s.n);
      t.linear_f32_packed(x.data(), s.m, s.k, packed.data(), b, s.n, y.data());
      ref.linear_f32(x.data(), s.m, s.k, w.data(), b, s.n, yr.data());
      // Summation order differs: within 1e-5 of the sum of |terms|.
      size_t bad = 0;
      for (size_t i = 0; i < s.m; ++i)
        for (size_t j = 0; j < s.n; ++j) {
          double magnitude = b ? std::fabs(b[j]) : 0.0;
          for (size_t c = 0; c < s.k; ++c) magnitude += std::fabs(double(x[i * s.k + c]) * w[j * s.k + c]);
          bad += !(std::fabs(double(y[i * s.n + j]) - yr[i * s.n + j]) <= 1e-5 * magnitude + 1e-30);
        }
      INFO(t.name << " f32 m=" << s.m << " k=" << s.k << " n=" << s.n << (b ? " bias" : ""));
      CHECK(bad == 0);
    }
  }
}

}  // namespace

TEST_CASE("packed layout: offsets by hand, and a bijection onto rows x cols bytes") {
  // 18 x 8: one full block of 16 rows, then a narrow block of 2.
  CHECK(fmt::packed_offset(18, 8, 0, 0) == 0);
  CHECK(fmt::packed_offset(18, 8, 0, 3) == 3);
  CHECK(fmt::packed_offset(18, 8, 1, 0) == 4);      // next row, same column group
  CHECK(fmt::packed_offset(18, 8, 15, 3) == 63);    // last byte of the first 64
  CHECK(fmt::packed_offset(18, 8, 0, 4) == 64);     // column group 1 starts after all 16 rows
  CHECK(fmt::packed_offset(18, 8, 16, 0) == 128);   // the narrow block starts at 16 * cols
  CHECK(fmt::packed_offset(18, 8, 17, 5) == 128 + (1 * 2 + 1) * 4 + 1);
  for (uint32_t rows : {1u, 15u, 16u, 17u, 40u}) {
    const uint32_t cols = 12;
    std::set<uint64_t> seen;
    for (uint32_t r = 0; r < rows; ++r)
      for (uint32_t c = 0; c < cols; ++c) seen.insert(fmt::packed_offset(rows, cols, r, c));
    CHECK(seen.size() == size_t(rows) * cols);
    CHECK(*seen.rbegin() == uint64_t(rows) * cols - 1);
  }
}

TEST_CASE("packed float layout: offsets by hand") {
  // 18 x 3 floats: a full block of 16 rows (one column per 16 floats), then 2.
  CHECK(fmt::packed_f32_offset(18, 3, 0, 0) == 0);
  CHECK(fmt::packed_f32_offset(18, 3, 15, 0) == 15);
  CHECK(fmt::packed_f32_offset(18, 3, 0, 1) == 16);
  CHECK(fmt::packed_f32_offset(18, 3, 15, 2) == 47);
  CHECK(fmt::packed_f32_offset(18, 3, 16, 0) == 48);
  CHECK(fmt::packed_f32_offset(18, 3, 17, 2) == 48 + 2 * 2 + 1);
}

TEST_CASE("linear_f32_packed: every table agrees with the row-major reference") {
  const KernelTable* tables[8];
  const size_t count = xattn::kernels::available_kernels(tables, 8);
  for (size_t i = 0; i < count; ++i) check_f32_table(*tables[i]);
}

TEST_CASE("linear_i8_packed: every table is bit-identical to the row-major reference") {
  const KernelTable* tables[8];
  const size_t count = xattn::kernels::available_kernels(tables, 8);
  std::string names;
  for (size_t i = 0; i < count; ++i) {
    check_table(*tables[i]);
    names += std::string(i ? ", " : "") + tables[i]->name;
  }
  MESSAGE((std::string("checked: ") + names));
}
