// The int8 microkernel tester: every table's int8 layers (the one driver in
// runtime/src/kernels/simd/qs8_driver.h over that table's microkernels)
// against the scalar reference, bit for bit, over m, n and k swept around
// every tile size in use (microkernel_shapes.h, shared with the bare-metal
// tester): rows for tiles of 1, 2, 4 and 8 activation rows
// (qs8_gemm_4x16c4__avx2, qs8_gemm_8x32c4__avx512vnni, qs8_gemm_rx16c4__neon
// with r <= 2, ...) and their leftovers, outputs for every block width, k
// around every step, each +-1 group or +-1 column, odd k for row-major weights.
// Layout 1 against the reference's row-major linear_i8 (so the scalar table's
// own packed kernel is tested too); row-major against it for SIMD tables.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernel_tables.h"
#include "kernels/kernels.h"
#include "microkernel_shapes.h"
#include "xattn/format.h"

using xattn::kernels::KernelTable;

namespace {

struct Operands {
  std::vector<int8_t> q, w, packed;
  std::vector<int32_t> sums;
  std::vector<float> xs, ws, bias;
};

Operands make_operands(std::mt19937& rng, size_t m, size_t k, size_t n) {
  std::uniform_int_distribution<int> weight(-128, 127), activation(-127, 127);  // as quantize_rows writes
  std::uniform_real_distribution<float> scale(0.5f, 100.0f);
  Operands o{std::vector<int8_t>(m * k), std::vector<int8_t>(n * k), std::vector<int8_t>(n * k),
             std::vector<int32_t>(n, 0), std::vector<float>(m), std::vector<float>(n), std::vector<float>(n)};
  for (int8_t& v : o.q) v = int8_t(activation(rng));
  for (int8_t& v : o.w) v = int8_t(weight(rng));
  for (float& v : o.xs) v = scale(rng);
  for (float& v : o.ws) v = scale(rng);
  for (float& v : o.bias) v = scale(rng) - 50.0f;
  if (k % xattn::format::kPackCols == 0) {
    for (uint32_t r = 0; r < n; ++r)
      for (uint32_t c = 0; c < k; ++c) {
        o.packed[xattn::format::packed_offset(uint32_t(n), uint32_t(k), r, c)] = o.w[r * k + c];
        o.sums[r] += o.w[r * k + c];
      }
  }
  return o;
}

// One shape, with and without bias; counts mismatching shapes.
size_t check_shape(const KernelTable& t, bool packed, std::mt19937& rng, size_t m, size_t k, size_t n) {
  const KernelTable& r = xattn::kernels::reference_kernels();
  const Operands o = make_operands(rng, m, k, n);
  size_t bad = 0;
  for (const float* bias : {static_cast<const float*>(nullptr), o.bias.data()}) {
    std::vector<float> y(m * n, -1.0f), want(m * n, -2.0f);
    r.linear_i8(o.q.data(), o.xs.data(), m, k, o.w.data(), o.ws.data(), bias, n, want.data());
    if (packed) {
      std::vector<int8_t> scratch = o.q;  // packed kernels may overwrite q
      t.linear_i8_packed(scratch.data(), o.xs.data(), m, k, o.packed.data(), o.sums.data(), o.ws.data(), bias, n,
                         y.data());
      // A table that says its kernel keeps q (threaded layers share it then) must; one that says not, does not.
      INFO(t.name << " linear_i8_packed_keeps_q " << t.linear_i8_packed_keeps_q);
      CHECK((scratch == o.q) == t.linear_i8_packed_keeps_q);
    } else {
      t.linear_i8(o.q.data(), o.xs.data(), m, k, o.w.data(), o.ws.data(), bias, n, y.data());
    }
    const bool same = std::memcmp(y.data(), want.data(), y.size() * sizeof(float)) == 0;
    if (!same) {
      ++bad;
      INFO((std::string(t.name) + (packed ? " layout 1" : " row-major") + " m=" + std::to_string(m) +
           " k=" + std::to_string(k) + " n=" + std::to_string(n) + (bias ? " bias" : "")));
      CHECK(same);  // reported once per failing shape
    }
  }
  return bad;
}

// The shared sweep (microkernel_shapes.h) against the reference.
void sweep(const KernelTable& t, bool packed) {
  std::mt19937 rng(packed ? 71 : 73);
  size_t bad = 0;
  const size_t shapes = xattn::test::for_each_microkernel_shape(
      packed, [&](size_t m, size_t k, size_t n) { bad += check_shape(t, packed, rng, m, k, n); });
  MESSAGE((std::string(t.name) + (packed ? " layout 1: " : " row-major: ") + std::to_string(shapes) + " shapes, " +
           std::to_string(bad) + " differ"));
  CHECK(bad == 0);
}

void sweep_table(const char* name) {
  const KernelTable* t = xattn::kernels::kernels_by_name(name);
  REQUIRE(t != nullptr);  // the case is skipped where the table cannot run
  sweep(*t, false);
  sweep(*t, true);
}

}  // namespace

#define XATTN_MICROKERNEL_CASE(name) \
  XATTN_TABLE_CASE("int8 microkernels: " name " is bit-identical to reference around every tile", name) { \
    sweep_table(name);                                                                                    \
  }

#if defined(__x86_64__) || defined(__i386__)
XATTN_MICROKERNEL_CASE("avx512-vnni")
XATTN_MICROKERNEL_CASE("avx512")
XATTN_MICROKERNEL_CASE("avx2")
XATTN_MICROKERNEL_CASE("sse4.2")
#elif defined(__aarch64__)
XATTN_MICROKERNEL_CASE("neon-dotprod")
XATTN_MICROKERNEL_CASE("neon")
#elif defined(__arm__)
XATTN_MICROKERNEL_CASE("neon")
#endif

// The scalar table's layout-1 kernel is its own code (blocks in file order),
// so it is swept against the row-major reference too; its row-major kernel
// is the reference itself and is not compared with itself.
TEST_CASE("int8 microkernels: the scalar layout-1 kernel is bit-identical to the row-major reference") {
  sweep(xattn::kernels::reference_kernels(), true);
}
