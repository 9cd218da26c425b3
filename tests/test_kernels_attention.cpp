// Attention over a KV cache and the KV-cache store: the float16 conversion
// against IEEE rules, the reference attention against a hand-computed case
// and against itself query by query, the float16/int8 caches against the
// float32 one, and every SIMD table against the reference (store bit for
// bit, attention to rounding) on shapes that cover the small-head paths
// (head size 4 and 8), vector tails and rows longer than the conversion chunk.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernel_tables.h"
#include "kernels/kernels.h"
#include "kernels/reference/half.h"

using xattn::KvPrecision;
using xattn::kernels::Attention;
using xattn::kernels::KernelTable;
using xattn::kernels::KvRows;
using xattn::kernels::ref::float_to_half;
using xattn::kernels::ref::half_to_float;

namespace {

const KernelTable& R() { return xattn::kernels::reference_kernels(); }

std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// A cache of `rows` rows stored at a precision by a table's store_kv.
struct Cache {
  std::vector<uint8_t> data;
  std::vector<float> scales;
  KvPrecision precision;
  Cache(const KernelTable& t, const std::vector<float>& x, size_t rows, size_t stride, size_t heads, size_t dh,
        KvPrecision p)
      : data(rows * heads * dh * 4), scales(rows * heads), precision(p) {
    t.store_kv(x.data(), rows, stride, heads, dh, p, data.data(), scales.data());
  }
  KvRows rows(size_t heads, size_t dh) const {
    KvRows r;
    r.data = data.data();
    r.scales = scales.data();
    r.stride = heads * dh;
    r.precision = precision;
    return r;
  }
};

struct Output {
  std::vector<float> out, align;
};

Output run_attention(const KernelTable& t, const std::vector<float>& q, size_t nq, size_t q_stride, KvRows k,
                     KvRows v, size_t len, size_t heads, size_t dh) {
  Output o;
  const size_t out_stride = heads * dh + 3;  // strides wider than a row must be honoured
  o.out.assign(nq * out_stride, -7.0f);
  o.align.assign(nq * len, -7.0f);
  std::vector<float> probs(nq * len);
  Attention a;
  a.q = q.data();
  a.q_stride = q_stride;
  a.nq = nq;
  a.k = k;
  a.v = v;
  a.len = len;
  a.heads = heads;
  a.dh = dh;
  a.scale = 1.0f / std::sqrt(float(dh));
  a.probs = probs.data();
  a.align = o.align.data();
  a.out = o.out.data();
  a.out_stride = out_stride;
  xattn::kernels::select_attention(t, k.precision, dh).run(a);
  return o;
}

const KvPrecision kPrecisions[] = {KvPrecision::kFloat32, KvPrecision::kFloat16, KvPrecision::kInt8};

const char* name_of(KvPrecision p) {
  return p == KvPrecision::kInt8 ? "int8" : p == KvPrecision::kFloat16 ? "f16" : "f32";
}

void check_store_kv(const KernelTable& t) {
  std::mt19937 rng(21);
  for (size_t heads : {size_t(1), size_t(3), size_t(8)})
    for (size_t dh : {size_t(1), size_t(4), size_t(17), size_t(64)}) {
      const size_t rows = 5, d = heads * dh, stride = 2 * d + 1;
      auto x = random_floats(rng, rows * stride, -70000, 70000);  // beyond the largest half
      for (size_t i = 0; i < x.size(); i += 3) x[i] *= 1e-9f;      // and into half subnormals
      x[0] = std::nanf("");
      for (KvPrecision p : kPrecisions) {
        Cache got(t, x, rows, stride, heads, dh, p), want(R(), x, rows, stride, heads, dh, p);
        INFO(name_of(p) << " heads=" << heads << " dh=" << dh);
        const size_t bytes = rows * d * (p == KvPrecision::kInt8 ? 1 : p == KvPrecision::kFloat16 ? 2 : 4);
        CHECK(std::memcmp(got.data.data(), want.data.data(), bytes) == 0);
        if (p == KvPrecision::kInt8) CHECK(std::memcmp(got.scales.data(), want.scales.data(), rows * heads * 4) == 0);
      }
    }
}

void check_attention(const KernelTable& t) {
  std::mt19937 rng(22);
  const size_t dhs[] = {1, 3, 4, 8, 15, 16, 17, 64, 130};  // 130: rows longer than the chunk
  const size_t lens[] = {1, 2, 5, 17, 64};
  for (KvPrecision p : kPrecisions)
    for (size_t dh : dhs)
      for (size_t heads : {size_t(1), size_t(3), size_t(8)})
        for (size_t len : lens)
          for (size_t nq : {size_t(1), size_t(4)}) {
            if (dh * heads > 512 && len > 17) continue;  // keep the sweep quick
            const size_t d = heads * dh, q_stride = d + 5;
            auto q = random_floats(rng, nq * q_stride, -2, 2);
            auto kx = random_floats(rng, len * d, -2, 2), vx = random_floats(rng, len * d, -3, 3);
            Cache k(R(), kx, len, d, heads, dh, p), v(R(), vx, len, d, heads, dh, p);
            const Output got = run_attention(t, q, nq, q_stride, k.rows(heads, dh), v.rows(heads, dh), len, heads, dh);
            const Output want = run_attention(R(), q, nq, q_stride, k.rows(heads, dh), v.rows(heads, dh), len, heads, dh);
            INFO(name_of(p) << " dh=" << dh << " heads=" << heads << " len=" << len << " nq=" << nq);
            for (size_t b = 0; b < nq; ++b) {
              double sum = 0;
              for (size_t j = 0; j < len; ++j) {
                const float g = got.align[b * len + j], w = want.align[b * len + j];
                sum += g;
                CHECK(std::fabs(double(g) - w) <= 2e-5 * std::fabs(w) + 1e-7);
              }
              CHECK(std::fabs(sum - 1.0) <= 1e-5);
              for (size_t c = 0; c < d; ++c) {
                const float g = got.out[b * (d + 3) + c], w = want.out[b * (d + 3) + c];
                CHECK(std::fabs(double(g) - w) <= 2e-5 * 3.0 + 1e-7);  // |v| <= 3, probabilities sum to 1
              }
              for (size_t c = d; c < d + 3; ++c) CHECK(got.out[b * (d + 3) + c] == -7.0f);  // untouched
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

TEST_CASE("float16: conversions round to nearest even and are exact back") {
  CHECK(float_to_half(1.0f) == 0x3c00);
  CHECK(float_to_half(-2.0f) == 0xc000);
  CHECK(float_to_half(65504.0f) == 0x7bff);                 // largest half
  CHECK(float_to_half(65519.0f) == 0x7bff);                 // rounds down to it
  CHECK(float_to_half(65520.0f) == 0x7c00);                 // the tie goes to even: infinity
  CHECK(float_to_half(std::ldexp(1.0f, -24)) == 0x0001);    // smallest subnormal
  CHECK(float_to_half(std::ldexp(1.0f, -25)) == 0x0000);    // tie between 0 and it: even
  CHECK(float_to_half(std::ldexp(3.0f, -25)) == 0x0002);    // tie between 1 and 2 ulps: even
  CHECK(float_to_half(std::ldexp(1.0f, -14)) == 0x0400);    // smallest normal
  CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);       // tie: even mantissa
  CHECK(float_to_half(1.0f + std::ldexp(3.0f, -11)) == 0x3c02);       // tie: up to even
  CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)) == 0x3c01);
  CHECK(float_to_half(from_bits(0x7f800000u)) == 0x7c00);
  CHECK(float_to_half(-from_bits(0x7f800000u)) == 0xfc00);
  CHECK((float_to_half(std::nanf("")) & 0x7e00) == 0x7e00);  // a quiet NaN
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));
  CHECK(half_to_float(0x7bff) == 65504.0f);
  CHECK(std::isinf(half_to_float(0x7c00)));
  CHECK(std::isnan(half_to_float(0x7e01)));
  // Every finite half survives the round trip, and each value halfway to the
  // next half rounds to the one with the even mantissa.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00) continue;
    const float f = half_to_float(uint16_t(h));
    REQUIRE(float_to_half(f) == h);
    if ((h & 0x7fff) == 0x7bff) continue;
    const float mid = f + (half_to_float(uint16_t(h + 1)) - f) / 2;  // exact: halves have 11 bits
    REQUIRE(float_to_half(mid) == ((h & 1) ? h + 1 : h));
  }
}

TEST_CASE("reference: attention on a hand-computed case, and with several queries as with one") {
  const std::vector<float> q = {1, 0, 0, 1};  // 2 heads of size 2
  const std::vector<float> k = {1, 0, 0, 0, 0, 1, 1, 1}, v = {1, 2, 5, 6, 3, 4, 7, 8};
  const Cache kc(R(), k, 2, 4, 2, 2, KvPrecision::kFloat32), vc(R(), v, 2, 4, 2, 2, KvPrecision::kFloat32);
  const Output o = run_attention(R(), q, 1, 4, kc.rows(2, 2), vc.rows(2, 2), 2, 2, 2);
  // scale 1/sqrt(2). Head 0: q=(1,0), scores (0.7071, 0) -> p = (0.6698, 0.3302).
  // Head 1: q=(0,1), scores (0, 0.7071) -> p = (0.3302, 0.6698).
  CHECK(o.out[0] == doctest::Approx(1 * 0.6697615 + 3 * 0.3302385).epsilon(1e-6));
  CHECK(o.out[1] == doctest::Approx(2 * 0.6697615 + 4 * 0.3302385).epsilon(1e-6));
  CHECK(o.out[2] == doctest::Approx(5 * 0.3302385 + 7 * 0.6697615).epsilon(1e-6));
  CHECK(o.out[3] == doctest::Approx(6 * 0.3302385 + 8 * 0.6697615).epsilon(1e-6));
  CHECK(o.align[0] == doctest::Approx(0.5).epsilon(1e-6));  // the heads mirror each other

  // Queries are independent: four at once give what four single calls give, bit for bit.
  std::mt19937 rng(23);
  const size_t heads = 3, dh = 5, d = 15, len = 9;
  auto qs = random_floats(rng, 4 * d, -2, 2), kx = random_floats(rng, len * d, -2, 2);
  auto vx = random_floats(rng, len * d, -2, 2);
  for (KvPrecision p : kPrecisions) {
    const Cache kq(R(), kx, len, d, heads, dh, p), vq(R(), vx, len, d, heads, dh, p);
    const Output all = run_attention(R(), qs, 4, d, kq.rows(heads, dh), vq.rows(heads, dh), len, heads, dh);
    for (size_t b = 0; b < 4; ++b) {
      const std::vector<float> one_q(qs.begin() + b * d, qs.begin() + (b + 1) * d);
      const Output one = run_attention(R(), one_q, 1, d, kq.rows(heads, dh), vq.rows(heads, dh), len, heads, dh);
      INFO(name_of(p) << " query " << b);
      CHECK(std::memcmp(one.out.data(), all.out.data() + b * (d + 3), d * 4) == 0);
      CHECK(std::memcmp(one.align.data(), all.align.data() + b * len, len * 4) == 0);
    }
  }
}

// How far float16 and int8 caches move the attention output from float32's,
// relative to the largest |v|. The bounds are a few times the worst seen
// over this sweep (f16 2.7e-4, int8 6.5e-3), well below what a wrong scale,
// a swapped row or a lost sign would give (order 1).
TEST_CASE("reference: float16 and int8 caches stay close to float32") {
  std::mt19937 rng(24);
  double worst[3] = {0, 0, 0};
  for (size_t dh : {size_t(4), size_t(32), size_t(64)})
    for (size_t len : {size_t(5), size_t(40)}) {
      const size_t heads = 4, d = heads * dh, nq = 2;
      auto q = random_floats(rng, nq * d, -2, 2), kx = random_floats(rng, len * d, -2, 2);
      auto vx = random_floats(rng, len * d, -1, 1);
      const Cache k32(R(), kx, len, d, heads, dh, KvPrecision::kFloat32), v32(R(), vx, len, d, heads, dh, KvPrecision::kFloat32);
      const Output base = run_attention(R(), q, nq, d, k32.rows(heads, dh), v32.rows(heads, dh), len, heads, dh);
      for (int pi = 1; pi < 3; ++pi) {
        const KvPrecision p = kPrecisions[pi];
        const Cache k(R(), kx, len, d, heads, dh, p), v(R(), vx, len, d, heads, dh, p);
        const Output o = run_attention(R(), q, nq, d, k.rows(heads, dh), v.rows(heads, dh), len, heads, dh);
        for (size_t b = 0; b < nq; ++b)
          for (size_t c = 0; c < d; ++c) {
            const double e = std::fabs(double(o.out[b * (d + 3) + c]) - base.out[b * (d + 3) + c]);
            if (!(e <= worst[pi])) worst[pi] = e;
          }
      }
    }
  MESSAGE("largest |out - out_f32|: f16 " << worst[1] << ", int8 " << worst[2]);
  CHECK(worst[1] <= 1e-3);
  CHECK(worst[2] <= 2e-2);
}

#define XATTN_ATTENTION_TESTS(name)                                                                  \
  XATTN_TABLE_CASE("store_kv: " name " is bit-identical to reference", name) { run(name, check_store_kv); } \
  XATTN_TABLE_CASE("attention: " name " matches reference at every KV precision", name) {             \
    run(name, check_attention);                                                                       \
  }

#if defined(__x86_64__) || defined(__i386__)
XATTN_ATTENTION_TESTS("sse4.2")
XATTN_ATTENTION_TESTS("avx2")
XATTN_ATTENTION_TESTS("avx512")
XATTN_ATTENTION_TESTS("avx512-vnni")
#elif defined(__aarch64__) || defined(__arm__)
XATTN_ATTENTION_TESTS("neon")
#endif
