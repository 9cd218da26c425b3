// int8 linear layers at the sizes the blocked paths take (the decoder's GEMV
// with 8-row weight blocks, the encoder's 4x4 tiles, and every leftover of
// both), against the reference, bit for bit, on every table this CPU runs.
// test_kernels.cpp covers small odd shapes and extreme values.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"

using xattn::kernels::KernelTable;

namespace {

void check_shapes(const KernelTable& t) {
  const KernelTable& r = xattn::kernels::reference_kernels();
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> byte(-128, 127), activation(-127, 127);  // as quantize_rows writes
  std::uniform_real_distribution<float> scale(0.5f, 100.0f);
  struct Shape { size_t m, k, n; };
  const Shape shapes[] = {{1, 512, 2048 + 7}, {1, 2048 + 63, 24}, {4, 512, 1537}, {7, 65, 19},
                          {64, 512, 61},     {13, 1000, 10},     {1, 63, 8},      {3, 129, 9}};
  for (const Shape& s : shapes) {
    std::vector<int8_t> q(s.m * s.k), w(s.n * s.k);
    for (int8_t& v : q) v = int8_t(activation(rng));
    for (int8_t& v : w) v = int8_t(byte(rng));
    std::vector<float> xs(s.m), ws(s.n), bias(s.n), y(s.m * s.n), yr(s.m * s.n);
    for (float& v : xs) v = scale(rng);
    for (float& v : ws) v = scale(rng);
    for (float& v : bias) v = scale(rng) - 50.0f;
    for (const float* b : {static_cast<const float*>(nullptr), static_cast<const float*>(bias.data())}) {
      t.linear_i8(q.data(), xs.data(), s.m, s.k, w.data(), ws.data(), b, s.n, y.data());
      r.linear_i8(q.data(), xs.data(), s.m, s.k, w.data(), ws.data(), b, s.n, yr.data());
      INFO(std::string(t.name) << " m=" << s.m << " k=" << s.k << " n=" << s.n << std::string(b ? " bias" : ""));
      CHECK(std::memcmp(y.data(), yr.data(), y.size() * sizeof(float)) == 0);
    }
  }
}

}  // namespace

TEST_CASE("linear_i8: every table is bit-identical to reference on GEMV and GEMM block shapes") {
  const KernelTable* tables[8];
  const size_t count = xattn::kernels::available_kernels(tables, 8);
  std::string names;
  for (size_t i = 0; i < count; ++i) {
    check_shapes(*tables[i]);
    names += std::string(i ? ", " : "") + tables[i]->name;
  }
  MESSAGE((std::string("checked: ") + names));
}
