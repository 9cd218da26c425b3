// The kernels the model families add: RMSNorm (every table against the
// reference, odd shapes), attention with an additive score bias (against a
// direct float64 computation, and equal to the plain variant with a zero bias),
// and T5's relative bucket function (against a float64 transcription).
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "model/relative_bias.h"

using namespace xattn;
using namespace xattn::kernels;

TEST_CASE("family kernels: rms_norm agrees with the reference and the formula in every table") {
  const KernelTable* tables[16];
  const size_t n = available_kernels(tables, 16);
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (size_t d : {1u, 7u, 16u, 33u, 100u}) {
    const size_t m = 3;
    std::vector<float> x(m * d), gamma(d), want(m * d);
    for (float& v : x) v = g(rng);
    for (float& v : gamma) v = 1.0f + 0.1f * g(rng);
    for (size_t i = 0; i < m; ++i) {
      double ss = 0;
      for (size_t c = 0; c < d; ++c) ss += double(x[i * d + c]) * x[i * d + c];
      const double inv = 1.0 / std::sqrt(ss / double(d) + 1e-6);
      for (size_t c = 0; c < d; ++c) want[i * d + c] = float(x[i * d + c] * inv * gamma[c]);
    }
    for (size_t t = 0; t < n; ++t) {
      std::vector<float> y = x;  // in place, as the models call it
      tables[t]->rms_norm(y.data(), m, d, gamma.data(), nullptr, 1e-6f, y.data());
      for (size_t i = 0; i < m * d; ++i) CHECK(y[i] == doctest::Approx(want[i]).epsilon(1e-5));
    }
  }
}

TEST_CASE("family kernels: biased attention adds the bias before the softmax, for every KV precision") {
  const KernelTable* tables[16];
  const size_t n = available_kernels(tables, 16);
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const size_t heads = 3, dh = 5, d = heads * dh, len = 7, nq = 2;
  std::vector<float> q(nq * d), k(len * d), v(len * d), bias(heads * 20);
  for (float& x : q) x = g(rng);
  for (float& x : k) x = g(rng);
  for (float& x : v) x = g(rng);
  for (float& x : bias) x = g(rng);
  const ptrdiff_t head_stride = 20, query_stride = -1;
  const float* bias_base = bias.data() + 5;
  // float64 oracle
  std::vector<double> want(nq * d, 0.0);
  for (size_t h = 0; h < heads; ++h) {
    for (size_t b = 0; b < nq; ++b) {
      std::vector<double> s(len);
      double mx = -1e300;
      for (size_t j = 0; j < len; ++j) {
        double dot = 0;
        for (size_t c = 0; c < dh; ++c) dot += double(q[b * d + h * dh + c]) * k[j * d + h * dh + c];
        s[j] = 0.5 * dot + bias_base[static_cast<ptrdiff_t>(h) * head_stride + static_cast<ptrdiff_t>(b) * query_stride + static_cast<ptrdiff_t>(j)];
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (double& x : s) sum += (x = std::exp(x - mx));
      for (size_t j = 0; j < len; ++j)
        for (size_t c = 0; c < dh; ++c) want[b * d + h * dh + c] += s[j] / sum * v[j * d + h * dh + c];
    }
  }
  std::vector<float> probs(nq * len), out(nq * d), plain(nq * d);
  Attention a;
  a.q = q.data();
  a.q_stride = d;
  a.nq = nq;
  a.k.data = k.data();
  a.k.stride = d;
  a.v.data = v.data();
  a.v.stride = d;
  a.len = len;
  a.heads = heads;
  a.dh = dh;
  a.scale = 0.5f;
  a.probs = probs.data();
  a.out = out.data();
  a.out_stride = d;
  ScoreBias sb;
  sb.data = bias_base;
  sb.head_stride = head_stride;
  sb.query_stride = query_stride;
  for (size_t t = 0; t < n; ++t) {
    const xattn::kernels::AttentionVariant& variant = select_attention(*tables[t], KvPrecision::kFloat32, dh);
    variant.run_biased(a, sb);
    for (size_t i = 0; i < nq * d; ++i) CHECK(out[i] == doctest::Approx(want[i]).epsilon(1e-5));
    // A zero bias is plain attention.
    std::vector<float> zeros(heads * 20, 0.0f);
    ScoreBias zero;
    zero.data = zeros.data();
    zero.head_stride = 20;
    variant.run_biased(a, zero);
    Attention p = a;
    p.out = plain.data();
    variant.run(p);
    for (size_t i = 0; i < nq * d; ++i) CHECK(out[i] == doctest::Approx(plain[i]).epsilon(1e-5));
  }
}

TEST_CASE("family kernels: T5 relative buckets match the float64 definition") {
  auto oracle = [](int rel, bool bidirectional, int nb, int maxd) {
    int bucket = 0;
    if (bidirectional) {
      nb /= 2;
      if (rel > 0) bucket += nb;
      rel = std::abs(rel);
    } else {
      rel = -std::min(rel, 0);
    }
    const int exact = nb / 2;
    if (rel < exact) return bucket + rel;
    const int large = exact + int(std::log(double(rel) / exact) / std::log(double(maxd) / exact) * (nb - exact));
    return bucket + std::min(large, nb - 1);
  };
  for (int rel = -600; rel <= 600; ++rel) {
    CHECK(relative_bucket(rel, true, 32, 128) == oracle(rel, true, 32, 128));
    CHECK(relative_bucket(rel, false, 32, 128) == oracle(rel, false, 32, 128));
  }
  CHECK(relative_bucket(-1, false, 32, 128) == 1);   // one step back
  CHECK(relative_bucket(3, false, 32, 128) == 0);    // a future key (masked anyway)
  CHECK(relative_bucket(3, true, 32, 128) == 19);    // 16 + 3
}
