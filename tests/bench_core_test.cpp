// The benchmark's measuring core (bench/bench_core.h): percentiles, the
// roofline's byte count and its read of the step's working set, with a fake
// clock so every figure is exact. Built into xattn_tests by bench/CMakeLists.txt.
#include <doctest/doctest.h>

#include <vector>

#include "bench_core.h"
#include "model_test_support.h"

namespace {

uint64_t g_ticks = 0;
uint64_t fake_now() { return g_ticks += 1000; }  // every reading is 1 µs later at 1e9 ticks/s

uint64_t g_bytes_read = 0;
uint64_t counting_read(const void*, const uint8_t* bytes, size_t size) {
  g_bytes_read += size;
  return size ? bytes[0] : 0;
}

}  // namespace

TEST_CASE("bench core: percentiles by nearest rank") {
  std::vector<double> v{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  const xattn::bench::Stats s = xattn::bench::summarize(v.data(), v.size());
  CHECK(s.p50 == 5);
  CHECK(s.p90 == 9);
  CHECK(s.p99 == 10);
  CHECK(s.mean == doctest::Approx(5.5));
}

TEST_CASE("bench core: the roofline counts and reads exactly one decoder step's weights") {
  using namespace model_test;
  SyntheticOptions o;  // d 16, ffn 32, 2 decoder layers, 10 target tokens
  for (bool int8 : {false, true}) {
    o.int8 = int8;
    const Bytes b = synthetic_model(o);
    AlignedBytes copy(b.data(), b.size());
    auto view = new_view();
    REQUIRE(xattn::open_model(copy.data(), copy.size(), view.get()).is_ok());
    // Per layer: self qkv 48x16, self out 16x16, cross q 16x16, cross out
    // 16x16, ffn in 32x16, ffn out 16x32; then the 10x16 output layer. Each
    // has a bias per row; int8 adds a scale and a row sum per row (all packed).
    const uint64_t rows_per_layer = 48 + 16 + 16 + 16 + 32 + 16, weights_per_layer = 16 * 16 * 6 + 32 * 16 * 2;
    const uint64_t rows = 2 * rows_per_layer + 10, weights = 2 * weights_per_layer + 10 * 16;
    const uint64_t want = int8 ? weights + rows * (4 + 4 + 4) : 4 * weights + rows * 4;
    CAPTURE(int8);
    CHECK(xattn::bench::decoder_step_weight_bytes(*view) == want);
    g_bytes_read = 0;
    const xattn::bench::Clock clock{fake_now, 1e9};
    const double gbps = xattn::bench::measure_step_read_bandwidth(*view, clock, 3, {counting_read, nullptr});
    CHECK(g_bytes_read == 4 * want);  // one warm pass and 3 measured, each reading every byte once
    CHECK(gbps == doctest::Approx(double(want) / 1e-6 / 1e9));  // each pass spans exactly 1 µs
  }
}
