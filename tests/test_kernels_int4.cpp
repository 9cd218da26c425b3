// int4 linear layers (format layout 3): the layout's offsets by hand and as a
// bijection; the reference kernel against the definition computed straight
// from row-major values (sum over groups of sub * sum of q * q4, in int64,
// then linear_i8's epilogue); and every table bit-identical to the
// reference at GEMV and GEMM shapes, narrow last blocks, and the extreme
// values that would overflow any int16 (or int32) shortcut.
#include <doctest/doctest.h>

#include <cstdint>
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

// A row-major int4 matrix: q4 in [-8, 7] per element, a u8 scale per row and group.
struct Int4Matrix {
  uint32_t rows, cols;
  std::vector<int8_t> q4;     // rows x cols
  std::vector<uint8_t> subs;  // rows x cols / 32
};

// Layout 3 bytes (nibbles, then group scales) and the row sums, from the format's offset functions.
struct Int4Packed {
  std::vector<uint8_t> data;
  std::vector<int32_t> sums;
};

Int4Packed pack(const Int4Matrix& w) {
  Int4Packed p{std::vector<uint8_t>(fmt::int4_data_bytes(w.rows, w.cols), 0), std::vector<int32_t>(w.rows, 0)};
  const uint64_t nibbles = fmt::int4_nibble_bytes(w.rows, w.cols);
  const uint32_t groups = w.cols / fmt::kInt4Group;
  for (uint32_t r = 0; r < w.rows; ++r) {
    for (uint32_t c = 0; c < w.cols; ++c) {
      const uint8_t v = uint8_t(w.q4[size_t(r) * w.cols + c]) & 0xF;
      p.data[fmt::int4_nibble_offset(w.cols, r, c)] |= c % 8 < 4 ? v : uint8_t(v << 4);
    }
    for (uint32_t g = 0; g < groups; ++g) {
      const uint8_t sub = w.subs[size_t(r) * groups + g];
      p.data[nibbles + fmt::int4_group_scale_offset(w.cols, r, g * fmt::kInt4Group)] = sub;
      int32_t group = 0;
      for (uint32_t c = g * fmt::kInt4Group; c < (g + 1) * fmt::kInt4Group; ++c) group += w.q4[size_t(r) * w.cols + c];
      p.sums[r] += sub * group;
    }
  }
  return p;
}

// The definition, in int64.
std::vector<float> definition(const std::vector<int8_t>& q, const std::vector<float>& xs, size_t m, const Int4Matrix& w,
                              const std::vector<float>& ws, const float* bias) {
  const uint32_t groups = w.cols / fmt::kInt4Group;
  std::vector<float> y(m * w.rows);
  for (size_t i = 0; i < m; ++i)
    for (uint32_t j = 0; j < w.rows; ++j) {
      int64_t acc = 0;
      for (uint32_t g = 0; g < groups; ++g) {
        int64_t group = 0;
        for (uint32_t c = g * fmt::kInt4Group; c < (g + 1) * fmt::kInt4Group; ++c)
          group += int64_t(q[i * w.cols + c]) * w.q4[size_t(j) * w.cols + c];
        acc += group * w.subs[size_t(j) * groups + g];
      }
      REQUIRE(acc == int64_t(int32_t(acc)));  // the format's bound: int32 never overflows
      const float v = float(int32_t(acc)) / (xs[i] * ws[j]);
      y[i * w.rows + j] = bias ? v + bias[j] : v;
    }
  return y;
}

std::vector<float> run(const KernelTable& t, const std::vector<int8_t>& q, const std::vector<float>& xs, size_t m,
                       const Int4Matrix& w, const Int4Packed& p, const std::vector<float>& ws, const float* bias) {
  std::vector<int8_t> scratch = q;  // the kernel may overwrite it
  std::vector<float> y(m * w.rows, -1.0f);
  t.linear_i4(scratch.data(), xs.data(), m, w.cols, p.data.data(), p.data.data() + fmt::int4_nibble_bytes(w.rows, w.cols),
              p.sums.data(), ws.data(), bias, w.rows, y.data());
  // A table that says its kernel keeps q (threaded layers share it then)
  // must; one that says not does change it, except that the x86 tables'
  // one-row kernel reads q as it is (qs4_driver.h, gemv).
  INFO(t.name << " linear_i4_keeps_q " << t.linear_i4_keeps_q);
  if (t.linear_i4_keeps_q || m > 1) CHECK((scratch == q) == t.linear_i4_keeps_q);
  return y;
}

struct Case {
  std::vector<int8_t> q;
  std::vector<float> xs, ws, bias;
  Int4Matrix w;
};

Case random_case(std::mt19937& rng, size_t m, uint32_t k, uint32_t n) {
  std::uniform_int_distribution<int> activation(-127, 127), nibble(-8, 7), sub(0, 255);
  std::uniform_real_distribution<float> scale(0.5f, 100.0f);
  Case c{std::vector<int8_t>(m * k), std::vector<float>(m), std::vector<float>(n), std::vector<float>(n),
         Int4Matrix{n, k, std::vector<int8_t>(size_t(n) * k), std::vector<uint8_t>(size_t(n) * k / 32)}};
  for (int8_t& v : c.q) v = int8_t(activation(rng));
  for (int8_t& v : c.w.q4) v = int8_t(nibble(rng));
  for (uint8_t& v : c.w.subs) v = uint8_t(sub(rng));
  for (float& v : c.xs) v = scale(rng);
  for (float& v : c.ws) v = scale(rng);
  for (float& v : c.bias) v = scale(rng) - 50.0f;
  return c;
}

struct Shape { size_t m; uint32_t k, n; };
// GEMV (m = 1, and beams), GEMM tiles and their leftovers, narrow last
// blocks, one group, and k at the format's limit.
const Shape kShapes[] = {{1, 512, 2048}, {1, 2048, 512}, {1, 512, 51}, {1, 32, 16},  {1, 32, 1},   {2, 64, 33},
                         {3, 96, 47},    {4, 512, 160},  {5, 64, 31},  {7, 64, 17},  {8, 128, 64}, {9, 160, 16},
                         {64, 512, 67},  {16, 32, 15},   {13, 1024, 18}, {2, 8192, 20}};

}  // namespace

TEST_CASE("int4 layout: offsets by hand, and a bijection onto the nibbles") {
  // Block 0, group 0: chunk t holds columns 8t..8t+3 (low) and 8t+4..8t+7 (high) of 16 rows.
  CHECK(fmt::int4_nibble_offset(64, 0, 0) == 0);
  CHECK(fmt::int4_nibble_offset(64, 0, 4) == 0);     // the high nibble of the same byte
  CHECK(fmt::int4_nibble_offset(64, 0, 3) == 3);
  CHECK(fmt::int4_nibble_offset(64, 1, 0) == 4);     // next row
  CHECK(fmt::int4_nibble_offset(64, 15, 7) == 63);
  CHECK(fmt::int4_nibble_offset(64, 0, 8) == 64);    // chunk 1
  CHECK(fmt::int4_nibble_offset(64, 0, 32) == 256);  // group 1
  CHECK(fmt::int4_nibble_offset(64, 16, 0) == 512);  // block 1: 16 rows x 64 columns / 2
  CHECK(fmt::int4_group_scale_offset(64, 0, 0) == 0);
  CHECK(fmt::int4_group_scale_offset(64, 5, 40) == 16 + 5);
  CHECK(fmt::int4_group_scale_offset(64, 17, 0) == 32 + 1);
  CHECK(fmt::int4_data_bytes(17, 64) == 32 * 32 + 32 * 2);  // padded to 32 rows
  for (uint32_t rows : {1u, 15u, 16u, 17u, 40u}) {
    const uint32_t cols = 96;
    std::set<uint64_t> low, high;
    for (uint32_t r = 0; r < rows; ++r)
      for (uint32_t c = 0; c < cols; ++c) (c % 8 < 4 ? low : high).insert(fmt::int4_nibble_offset(cols, r, c));
    CHECK(low == high);  // every byte holds one low and one high nibble
    CHECK(low.size() == size_t(rows) * cols / 2);
    CHECK(*low.rbegin() < fmt::int4_nibble_bytes(rows, cols));
  }
}

TEST_CASE("linear_i4: the reference kernel computes the definition") {
  std::mt19937 rng(41);
  const KernelTable& ref = xattn::kernels::reference_kernels();
  for (const Shape& s : kShapes) {
    const Case c = random_case(rng, s.m, s.k, s.n);
    const Int4Packed p = pack(c.w);
    for (const float* bias : {static_cast<const float*>(nullptr), c.bias.data()}) {
      INFO("m=" << s.m << " k=" << s.k << " n=" << s.n << (bias ? " bias" : ""));
      CHECK(run(ref, c.q, c.xs, s.m, c.w, p, c.ws, bias) == definition(c.q, c.xs, s.m, c.w, c.ws, bias));
    }
  }
}

TEST_CASE("linear_i4: every table is bit-identical to the reference") {
  const KernelTable* tables[8];
  const size_t count = xattn::kernels::available_kernels(tables, 8);
  const KernelTable& ref = xattn::kernels::reference_kernels();
  std::string names;
  for (size_t i = 0; i < count; ++i) {
    const KernelTable& t = *tables[i];
    names += std::string(i ? ", " : "") + t.name;
    std::mt19937 rng(43);
    for (const Shape& s : kShapes) {
      const Case c = random_case(rng, s.m, s.k, s.n);
      const Int4Packed p = pack(c.w);
      const std::vector<float> want = run(ref, c.q, c.xs, s.m, c.w, p, c.ws, c.bias.data());
      const std::vector<float> got = run(t, c.q, c.xs, s.m, c.w, p, c.ws, c.bias.data());
      INFO(t.name << " m=" << s.m << " k=" << s.k << " n=" << s.n);
      CHECK(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0);
    }
    // Extremes at k = 8192: |q * q4| = 127 * 8 everywhere and every group
    // scale 255, so acc reaches +-2,122,383,360; any int16 step that
    // saturated or int32 shortcut that overflowed would show. One row takes
    // the x86 tables' signed GEMV, whose two int16 lanes per row (columns
    // c % 4 < 2, and the others) opposite signs push furthest.
    for (size_t m : {1, 3}) {
      for (int qv : {-127, 127}) {
        for (int qv_other : {-127, 127}) {
          for (int wv : {-8, 7}) {
            Case c = random_case(rng, m, 8192, 19);
            for (size_t i = 0; i < c.q.size(); ++i) c.q[i] = int8_t(i % 4 < 2 ? qv : qv_other);
            for (int8_t& v : c.w.q4) v = int8_t(wv);
            for (uint8_t& v : c.w.subs) v = 255;
            for (float& v : c.xs) v = 1.0f;
            for (float& v : c.ws) v = 1.0f;
            const Int4Packed p = pack(c.w);
            const std::vector<float> got = run(t, c.q, c.xs, m, c.w, p, c.ws, nullptr);
            INFO(t.name << " extremes m=" << m << " q=" << qv << "/" << qv_other << " q4=" << wv);
            CHECK(got == definition(c.q, c.xs, m, c.w, c.ws, nullptr));
            CHECK(got[0] == float(int64_t(qv + qv_other) / 2 * wv * 8192 * 255));
          }
        }
      }
    }
  }
  MESSAGE((std::string("checked: ") + names));
}
