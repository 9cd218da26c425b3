// Kernel tests: the scalar reference against hand-computed cases (so the
// oracle itself can fail), then every SIMD table compiled in and supported by
// this CPU against the reference on random shapes, including sizes that are
// not multiples of any vector width. int8 paths and top_k must match exactly;
// float paths to rounding. Attention has its own file (test_kernels_attention.cpp).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernel_tables.h"
#include "kernels/kernels.h"

using xattn::Activation;
using xattn::kernels::KernelTable;
using xattn::kernels::reference_kernels;

namespace {

const KernelTable& R() { return reference_kernels(); }

std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<int8_t> random_i8(std::mt19937& rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = int8_t(dist(rng));
  return v;
}

bool same_bits(const float* a, const float* b, size_t n) {
  return std::memcmp(a, b, n * sizeof(float)) == 0;
}

// Largest |a - b| / (abs_tol + rel_tol * |ref|) over n values; <= 1 passes.
double worst(const std::vector<float>& got, const std::vector<float>& ref, double rel_tol,
             double abs_tol) {
  double w = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double e = std::fabs(double(got[i]) - double(ref[i])) / (abs_tol + rel_tol * std::fabs(ref[i]));
    if (!(e <= w)) w = e;  // NaN counts as a failure
  }
  return w;
}

const size_t kOddSizes[] = {1, 3, 7, 15, 16, 17, 33, 64, 100, 257};

// --- SIMD table vs reference ------------------------------------------------

void check_linear_f32(const KernelTable& t) {
  std::mt19937 rng(1);
  const size_t ns[] = {1, 3, 4, 5, 7, 9, 17, 33};
  for (size_t m = 1; m <= 5; ++m)
    for (size_t k : kOddSizes)
      for (size_t n : ns) {
        auto x = random_floats(rng, m * k, -2, 2), w = random_floats(rng, n * k, -1, 1);
        auto b = random_floats(rng, n, -1, 1);
        const float* bias = (n % 2) ? b.data() : nullptr;
        std::vector<float> y(m * n), yr(m * n);
        t.linear_f32(x.data(), m, k, w.data(), bias, n, y.data());
        R().linear_f32(x.data(), m, k, w.data(), bias, n, yr.data());
        for (size_t i = 0; i < m; ++i)
          for (size_t j = 0; j < n; ++j) {
            double mag = bias ? std::fabs(bias[j]) : 0.0;
            for (size_t e = 0; e < k; ++e) mag += std::fabs(double(x[i * k + e]) * w[j * k + e]);
            INFO("m=" << m << " k=" << k << " n=" << n << " i=" << i << " j=" << j);
            CHECK(std::fabs(double(y[i * n + j]) - yr[i * n + j]) <= 1e-5 * mag + 1e-30);
          }
      }
}

void check_quantize_rows(const KernelTable& t) {
  std::mt19937 rng(2);
  const float inf = std::numeric_limits<float>::infinity();
  for (size_t m = 1; m <= 5; ++m)
    for (size_t k : kOddSizes) {
      auto x = random_floats(rng, m * k, -3, 3);
      if (m >= 2) std::fill(x.begin() + k, x.begin() + 2 * k, 0.0f);  // all-zero row
      if (m >= 3) {  // max|x| = 127: scale 1, every x.5 is a rounding tie
        for (size_t e = 0; e < k; ++e) x[2 * k + e] = float(int(e % 254) - 127) + 0.5f;
        x[2 * k] = -127.0f;
      }
      if (m >= 4) x[3 * k + k / 2] = std::nanf("");  // non-finite: same bits too
      if (m >= 5) x[4 * k] = inf;
      std::vector<int8_t> q(m * k), qr(m * k);
      std::vector<float> s(m), sr(m);
      for (xattn::Rounding rounding : {xattn::Rounding::kNearestEven, xattn::Rounding::kFloor}) {
        t.quantize_rows(x.data(), m, k, rounding, q.data(), s.data());
        R().quantize_rows(x.data(), m, k, rounding, qr.data(), sr.data());
        INFO("m=" << m << " k=" << k << " floor=" << (rounding == xattn::Rounding::kFloor));
        CHECK(q == qr);
        CHECK(same_bits(s.data(), sr.data(), m));
      }
    }
}

void check_linear_i8(const KernelTable& t) {
  std::mt19937 rng(3);
  const size_t ns[] = {1, 3, 4, 5, 7, 9, 17, 33};
  for (size_t m = 1; m <= 5; ++m)
    for (size_t k : kOddSizes)
      for (size_t n : ns) {
        // -128 appears in the weights: exactness must not rely on the format's
        // clamp. Activations lie in [-127, 127], as quantize_rows writes them.
        auto q = random_i8(rng, m * k, -127, 127), w = random_i8(rng, n * k, -128, 127);
        auto xs = random_floats(rng, m, 0.5f, 100), ws = random_floats(rng, n, 0.5f, 100);
        auto b = random_floats(rng, n, -1, 1);
        const float* bias = (n % 2) ? b.data() : nullptr;
        std::vector<float> y(m * n), yr(m * n);
        t.linear_i8(q.data(), xs.data(), m, k, w.data(), ws.data(), bias, n, y.data());
        R().linear_i8(q.data(), xs.data(), m, k, w.data(), ws.data(), bias, n, yr.data());
        INFO("m=" << m << " k=" << k << " n=" << n);
        CHECK(same_bits(y.data(), yr.data(), m * n));
      }
}

// All-extreme operands over a long k: any int16 intermediate sum would
// saturate or wrap here, and the result must still be the exact integer.
void check_linear_i8_extremes(const KernelTable& t) {
  struct Case { int xv, wv; };
  const Case cases[] = {{127, 127}, {-127, 127}, {-127, -127}, {127, -128}, {-127, -128}};
  for (size_t k : {size_t(4096), size_t(4096 + 13)})
    for (const Case& c : cases) {
      const size_t m = 3, n = 5;
      std::vector<int8_t> q(m * k, int8_t(c.xv)), w(n * k, int8_t(c.wv));
      std::vector<float> ones(n, 1.0f), y(m * n), yr(m * n);
      t.linear_i8(q.data(), ones.data(), m, k, w.data(), ones.data(), nullptr, n, y.data());
      R().linear_i8(q.data(), ones.data(), m, k, w.data(), ones.data(), nullptr, n, yr.data());
      const float expect = float(int64_t(c.xv) * c.wv * int64_t(k));
      INFO("k=" << k << " x=" << c.xv << " w=" << c.wv);
      for (size_t i = 0; i < m * n; ++i) {
        CHECK(yr[i] == expect);
        CHECK(y[i] == expect);
      }
    }
}

void check_layer_norm(const KernelTable& t) {
  std::mt19937 rng(4);
  for (size_t m = 1; m <= 5; ++m)
    for (size_t d : kOddSizes) {
      auto x = random_floats(rng, m * d, 1, 5);  // non-zero mean
      auto g = random_floats(rng, d, 0.5f, 2), b = random_floats(rng, d, -1, 1);
      std::vector<float> y(m * d), yr(m * d);
      t.layer_norm(x.data(), m, d, g.data(), b.data(), 1e-5f, y.data());
      R().layer_norm(x.data(), m, d, g.data(), b.data(), 1e-5f, yr.data());
      INFO("m=" << m << " d=" << d);
      CHECK(worst(y, yr, 2e-5, 2e-5) <= 1.0);
      t.layer_norm(x.data(), m, d, g.data(), b.data(), 1e-5f, x.data());  // in place
      CHECK(same_bits(x.data(), y.data(), m * d));
    }
}

void check_activations(const KernelTable& t) {
  std::mt19937 rng(5);
  const Activation kinds[] = {Activation::kRelu, Activation::kGeluTanh, Activation::kGeluErf,
                              Activation::kSwish};
  for (Activation a : kinds)
    for (size_t n : kOddSizes) {
      auto x = random_floats(rng, n, -9, 9);
      auto y = x, yr = x;
      t.activation(a, y.data(), n);
      R().activation(a, yr.data(), n);
      INFO("activation=" << int(a) << " n=" << n);
      if (a == Activation::kRelu) {
        CHECK(same_bits(y.data(), yr.data(), n));
      } else {
        CHECK(worst(y, yr, 1e-5, 1e-6) <= 1.0);
      }
      auto s = x, sr = x;
      auto other = random_floats(rng, n, -9, 9);
      t.add(s.data(), other.data(), n);
      R().add(sr.data(), other.data(), n);
      CHECK(same_bits(s.data(), sr.data(), n));
    }
}

void check_log_softmax(const KernelTable& t) {
  std::mt19937 rng(7);
  for (size_t n : {size_t(1), size_t(2), size_t(3), size_t(7), size_t(17), size_t(100),
                   size_t(1000), size_t(4099)}) {
    auto x = random_floats(rng, n, -10, 10);
    auto y = x, yr = x;
    t.log_softmax(y.data(), n);
    R().log_softmax(yr.data(), n);
    INFO("n=" << n);
    CHECK(worst(y, yr, 1e-5, 1e-5) <= 1.0);
    double sum = 0;
    for (float v : y) sum += std::exp(double(v));
    CHECK(std::fabs(sum - 1.0) <= 1e-4);
  }
}

void check_embeddings(const KernelTable& t) {
  std::mt19937 rng(8);
  for (size_t d : kOddSizes)
    for (bool with_pos : {false, true}) {
      auto row = random_floats(rng, d, -1, 1), pos = random_floats(rng, d, -1, 1);
      auto qrow = random_i8(rng, d, -127, 127);
      const float* p = with_pos ? pos.data() : nullptr;
      std::vector<float> y(d), yr(d);
      INFO("d=" << d << " position=" << with_pos);
      t.embed_f32(row.data(), d, 11.3f, p, y.data());
      R().embed_f32(row.data(), d, 11.3f, p, yr.data());
      CHECK(worst(y, yr, 1e-6, 1e-6) <= 1.0);
      t.embed_i8(qrow.data(), 93.7f, d, 11.3f, p, y.data());
      R().embed_i8(qrow.data(), 93.7f, d, 11.3f, p, yr.data());
      CHECK(worst(y, yr, 1e-6, 1e-6) <= 1.0);
    }
}

void check_top_k(const KernelTable& t) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> small(0, 9);
  for (size_t n : {size_t(1), size_t(3), size_t(7), size_t(17), size_t(100), size_t(1000),
                   size_t(5000)})
    for (int pattern = 0; pattern < 4; ++pattern) {
      std::vector<float> x = random_floats(rng, n, -5, 5);
      if (pattern == 1) for (float& v : x) v = float(small(rng));  // many ties
      if (pattern == 2) for (size_t i = 0; i < n; ++i) x[i] = float(i) * 0.01f;  // rising
      if (pattern == 3)
        for (size_t i = 0; i < n; i += 5)
          x[i] = (i % 10) ? std::nanf("") : -std::numeric_limits<float>::infinity();
      for (size_t k : {size_t(1), size_t(2), size_t(4), size_t(5), n}) {
        if (k > n) continue;
        std::vector<float> v(k), vr(k);
        std::vector<uint32_t> idx(k), idxr(k);
        t.top_k(x.data(), n, k, v.data(), idx.data());
        R().top_k(x.data(), n, k, vr.data(), idxr.data());
        INFO("n=" << n << " k=" << k << " pattern=" << pattern);
        CHECK(idx == idxr);
        CHECK(same_bits(v.data(), vr.data(), k));
      }
    }
}

// Runs a checker on a named table; its case is skipped where the table
// cannot run (kernel_tables.h), so reaching here without it is a failure.
void run(const char* name, void (*check)(const KernelTable&)) {
  const KernelTable* t = xattn::kernels::kernels_by_name(name);
  REQUIRE(t != nullptr);
  check(*t);
}

}  // namespace

// --- reference sanity: tiny cases computed by hand ---------------------------

TEST_CASE("reference: linear_f32 and linear_i8 on hand-computed cases") {
  const float x[] = {1, 2, 3}, w[] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, b[] = {1, 0};
  float y[2];
  R().linear_f32(x, 1, 3, w, b, 2, y);
  CHECK(y[0] == -1.0f);
  CHECK(y[1] == 3.0f);
  const int8_t q[] = {1, 2, 3}, wq[] = {4, 5, 6, -1, -1, -1};
  const float xs[] = {2}, ws[] = {0.5f, 0.25f}, bq[] = {1, -1};
  R().linear_i8(q, xs, 1, 3, wq, ws, bq, 2, y);
  CHECK(y[0] == 33.0f);   // 32 / (2 * 0.5) + 1
  CHECK(y[1] == -13.0f);  // -6 / 0.5 - 1
}

TEST_CASE("reference: quantize_rows rounds ties to even and clamps") {
  const float x[] = {127, 2.5f, -3.5f, 0.5f, -0.5f, 1.5f, 0, 0, 0, 0, 0, 0};
  int8_t q[12];
  float s[2];
  R().quantize_rows(x, 2, 6, xattn::Rounding::kNearestEven, q, s);
  CHECK(s[0] == 1.0f);
  const int8_t expect[] = {127, 2, -4, 0, 0, 2};
  for (int i = 0; i < 6; ++i) CHECK(q[i] == expect[i]);
  CHECK(s[1] == 1.0f);  // all-zero row
  for (int i = 6; i < 12; ++i) CHECK(q[i] == 0);
  const float h[] = {0.5f, -1.0f, 0.25f};
  R().quantize_rows(h, 1, 3, xattn::Rounding::kNearestEven, q, s);
  CHECK(s[0] == 127.0f);
  CHECK(q[0] == 64);  // 63.5 -> 64 (even)
  CHECK(q[1] == -127);
  CHECK(q[2] == 32);  // 31.75
  R().quantize_rows(h, 1, 3, xattn::Rounding::kFloor, q, s);
  CHECK(q[0] == 63);  // 63.5 -> 63
  CHECK(q[1] == -127);
  CHECK(q[2] == 31);  // 31.75 -> 31
  const float negative[] = {-127.0f, -2.5f, -0.25f};
  R().quantize_rows(negative, 1, 3, xattn::Rounding::kFloor, q, s);
  CHECK(q[1] == -3);  // floor, not truncation toward zero
  CHECK(q[2] == -1);
}

TEST_CASE("reference: layer_norm, activations, add") {
  const float x[] = {1, 2, 3, 4}, g[] = {2, 2, 2, 2}, b[] = {1, 1, 1, 1};
  float y[4];
  R().layer_norm(x, 1, 4, g, b, 0.0f, y);  // mean 2.5, var 1.25
  const float r = 1.0f / std::sqrt(1.25f);
  CHECK(y[0] == doctest::Approx(1 - 3 * r).epsilon(1e-6));
  CHECK(y[3] == doctest::Approx(1 + 3 * r).epsilon(1e-6));
  float a[] = {-1, 1, 2};
  float t[3];
  std::memcpy(t, a, sizeof a);
  R().activation(Activation::kRelu, t, 3);
  CHECK((t[0] == 0 && t[1] == 1 && t[2] == 2));
  std::memcpy(t, a, sizeof a);
  R().activation(Activation::kGeluTanh, t, 3);
  CHECK(t[1] == doctest::Approx(0.8411920).epsilon(1e-6));
  std::memcpy(t, a, sizeof a);
  R().activation(Activation::kGeluErf, t, 3);
  CHECK(t[0] == doctest::Approx(-0.1586553).epsilon(1e-6));
  CHECK(t[1] == doctest::Approx(0.8413447).epsilon(1e-6));
  std::memcpy(t, a, sizeof a);
  R().activation(Activation::kSwish, t, 3);
  CHECK(t[1] == doctest::Approx(0.7310586).epsilon(1e-6));
  R().add(t, a, 3);
  CHECK(t[0] == doctest::Approx(-1.2689414).epsilon(1e-6));
}

TEST_CASE("reference: log_softmax, embeddings, top_k") {
  float l[] = {1, 2, 3};
  R().log_softmax(l, 3);
  CHECK(l[0] == doctest::Approx(-2.4076059).epsilon(1e-6));
  CHECK(l[2] == doctest::Approx(-0.4076059).epsilon(1e-6));

  const float row[] = {1, 2}, pos[] = {0.5f, 0.5f};
  float e[2];
  R().embed_f32(row, 2, 2.0f, pos, e);
  CHECK((e[0] == 2.5f && e[1] == 4.5f));
  const int8_t qrow[] = {10, -20};
  R().embed_i8(qrow, 10.0f, 2, 2.0f, nullptr, e);
  CHECK((e[0] == 2.0f && e[1] == -4.0f));

  const float x[] = {1, 3, 3, 2, std::nanf(""), 3};
  float vals[6];
  uint32_t idx[6];
  R().top_k(x, 6, 4, vals, idx);
  const uint32_t expect4[] = {1, 2, 5, 3};
  for (int i = 0; i < 4; ++i) CHECK(idx[i] == expect4[i]);
  R().top_k(x, 6, 6, vals, idx);  // NaN ranks last
  const uint32_t expect6[] = {1, 2, 5, 3, 0, 4};
  for (int i = 0; i < 6; ++i) CHECK(idx[i] == expect6[i]);
  CHECK(vals[0] == 3.0f);
  CHECK(std::isnan(vals[5]));
}

// --- dispatch -----------------------------------------------------------------

TEST_CASE("kernels: tables under test and dispatch") {
  const KernelTable* tables[8];
  const size_t count = xattn::kernels::available_kernels(tables, 8);
  REQUIRE(count >= 1);
  CHECK(tables[count - 1] == &reference_kernels());
  CHECK(tables[0] == &xattn::kernels::best_kernels());
  std::string names;
  for (size_t i = 0; i < count; ++i) {
    names += std::string(i ? ", " : "") + tables[i]->name;
    CHECK(xattn::kernels::kernels_by_name(tables[i]->name) == tables[i]);
  }
  if (count == 1) {
    MESSAGE(std::string("only the scalar reference table is available here: no SIMD table is tested"));
  } else {
    MESSAGE((std::string("kernel tables tested against the reference: ") + names +
             " (best: " + xattn::kernels::best_kernels().name + ")"));
  }
  CHECK(xattn::kernels::kernels_by_name("no-such-table") == nullptr);
  CHECK(xattn::kernels::kernels_by_name(nullptr) == nullptr);
}

// --- every SIMD table this platform can build -----------------------------------

// Each case is skipped (never passed) where its table cannot run.
#define XATTN_KERNEL_TESTS(name)                                                                        \
  XATTN_TABLE_CASE("linear_f32: " name " matches reference on odd shapes", name) {                     \
    run(name, check_linear_f32);                                                                        \
  }                                                                                                     \
  XATTN_TABLE_CASE("quantize_rows: " name " is bit-identical to reference", name) {                    \
    run(name, check_quantize_rows);                                                                     \
  }                                                                                                     \
  XATTN_TABLE_CASE("linear_i8: " name " matches reference on odd shapes", name) {                      \
    run(name, check_linear_i8);                                                                         \
  }                                                                                                     \
  XATTN_TABLE_CASE("linear_i8: " name " is exact on extreme values (no int16 saturation)", name) {     \
    run(name, check_linear_i8_extremes);                                                                \
  }                                                                                                     \
  XATTN_TABLE_CASE("layer_norm: " name " matches reference", name) { run(name, check_layer_norm); }   \
  XATTN_TABLE_CASE("activation: " name " matches reference", name) { run(name, check_activations); }  \
  XATTN_TABLE_CASE("log_softmax: " name " matches reference", name) { run(name, check_log_softmax); } \
  XATTN_TABLE_CASE("embedding: " name " matches reference", name) { run(name, check_embeddings); }    \
  XATTN_TABLE_CASE("top_k: " name " matches reference exactly", name) { run(name, check_top_k); }

#if defined(__x86_64__) || defined(__i386__)
XATTN_KERNEL_TESTS("sse4.2")
XATTN_KERNEL_TESTS("avx2")
XATTN_KERNEL_TESTS("avx512")
XATTN_KERNEL_TESTS("avx512-vnni")
#elif defined(__aarch64__)
XATTN_KERNEL_TESTS("neon-dotprod")
XATTN_KERNEL_TESTS("neon")
#elif defined(__arm__)
XATTN_KERNEL_TESTS("neon")
#endif

TEST_CASE("stream_read: the bandwidth probe reads every byte, in every table") {
  // The reference fold by hand: little-endian words xor-ed together.
  std::vector<uint8_t> bytes(200);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 11);
  uint64_t want = 0;
  for (size_t i = 0; i < bytes.size(); ++i) want ^= uint64_t(bytes[i]) << (8 * (i % 8));
  CHECK(xattn::kernels::reference_kernels().stream_read(bytes.data(), bytes.size()) == want);
  const KernelTable* tables[8];
  const size_t count = xattn::kernels::available_kernels(tables, 8);
  for (size_t t = 0; t < count; ++t) {
    for (size_t n : {size_t(0), size_t(1), size_t(63), size_t(64), size_t(199), size_t(200)}) {
      for (size_t flip : {size_t(0), n / 2, n ? n - 1 : 0}) {
        if (n == 0) continue;
        std::vector<uint8_t> b(bytes.begin(), bytes.begin() + long(n));
        const uint64_t before = tables[t]->stream_read(b.data(), n);
        CHECK(before == xattn::kernels::reference_kernels().stream_read(b.data(), n));
        b[flip] ^= 0x40;  // any byte changed changes the fold: none is skipped
        INFO(std::string(tables[t]->name) << " n=" << n << " flipped " << flip);
        CHECK(tables[t]->stream_read(b.data(), n) != before);
      }
    }
  }
}
