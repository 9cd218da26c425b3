// Float checks of the bare-metal kernel tester: each float entry a table
// replaces (layer_norm, log_softmax, add, attention) against the reference on
// odd sizes, to rounding: |got - want| <= abs_tol + rel_tol * |want|, the
// host kernel tests' bounds (tests/test_kernels*.cpp). Entries the table
// shares with the reference are named and skipped.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>

#include "kernel_checks.h"

namespace xattn {
namespace baremetal_test {
namespace {

using kernels::KernelTable;

struct Lcg {
  uint32_t s;
  uint32_t next() { return s = s * 1664525u + 1013904223u; }
  float uniform(float lo, float hi) { return lo + float(next() >> 8) * ((hi - lo) / 16777216.0f); }
};

bool close(const float* got, const float* want, size_t n, float rel_tol, float abs_tol) {
  for (size_t i = 0; i < n; ++i)
    if (!(std::fabs(got[i] - want[i]) <= abs_tol + rel_tol * std::fabs(want[i]))) return false;
  return true;
}

constexpr size_t kMaxD = 300;
float x[4 * kMaxD], gamma_[kMaxD], beta_[kMaxD], got[4 * kMaxD], want[4 * kMaxD];

size_t check_layer_norm(const KernelTable& t, Lcg& rng) {
  size_t bad = 0;
  for (size_t d : {1, 3, 4, 7, 8, 15, 16, 17, 63, 64, 65, 128, 257, 300}) {
    for (size_t i = 0; i < 3 * d; ++i) x[i] = rng.uniform(-4.0f, 6.0f);
    for (size_t i = 0; i < d; ++i) gamma_[i] = rng.uniform(0.5f, 1.5f), beta_[i] = rng.uniform(-1.0f, 1.0f);
    t.layer_norm(x, 3, d, gamma_, beta_, 1e-5f, got);
    kernels::reference_kernels().layer_norm(x, 3, d, gamma_, beta_, 1e-5f, want);
    if (!close(got, want, 3 * d, 2e-5f, 2e-5f)) ++bad, std::printf("  layer_norm differs: d=%u\n", unsigned(d));
  }
  return bad;
}

size_t check_log_softmax(const KernelTable& t, Lcg& rng) {
  size_t bad = 0;
  for (size_t n : {1, 2, 3, 4, 5, 8, 15, 16, 17, 31, 100, 300}) {
    for (size_t i = 0; i < n; ++i) got[i] = want[i] = rng.uniform(-20.0f, 20.0f);
    t.log_softmax(got, n);
    kernels::reference_kernels().log_softmax(want, n);
    if (!close(got, want, n, 1e-5f, 1e-5f)) ++bad, std::printf("  log_softmax differs: n=%u\n", unsigned(n));
  }
  return bad;
}

size_t check_add(const KernelTable& t, Lcg& rng) {
  size_t bad = 0;
  for (size_t n : {1, 3, 4, 5, 17, 64, 299}) {
    for (size_t i = 0; i < n; ++i) got[i] = want[i] = rng.uniform(-5.0f, 5.0f), x[i] = rng.uniform(-5.0f, 5.0f);
    t.add(got, x, n);
    kernels::reference_kernels().add(want, x, n);
    if (!close(got, want, n, 0.0f, 0.0f)) ++bad, std::printf("  add differs: n=%u\n", unsigned(n));  // exact
  }
  return bad;
}

// Float32 K/V only here (the stored precisions are converted by shared code
// in every table); heads x dh and lengths around the vector widths.
size_t check_attention(const KernelTable& t, Lcg& rng) {
  static float q[4 * 256], k[40 * 256], v[40 * 256], probs[4 * 40], out_got[4 * 256], out_want[4 * 256];
  static float align_got[4 * 40], align_want[4 * 40];
  struct Shape { size_t heads, dh, len, nq; };
  const Shape shapes[] = {{1, 1, 1, 1}, {2, 3, 5, 1}, {4, 16, 24, 1}, {4, 16, 11, 2}, {8, 8, 17, 1},
                          {2, 32, 40, 3}, {3, 5, 7, 4}, {1, 64, 9, 1}};
  size_t bad = 0;
  for (const Shape& s : shapes) {
    const size_t d = s.heads * s.dh;
    for (size_t i = 0; i < s.nq * d; ++i) q[i] = rng.uniform(-2.0f, 2.0f);
    for (size_t i = 0; i < s.len * d; ++i) k[i] = rng.uniform(-2.0f, 2.0f), v[i] = rng.uniform(-2.0f, 2.0f);
    for (int run = 0; run < 2; ++run) {
      kernels::Attention a;
      a.q = q, a.q_stride = d, a.nq = s.nq;
      a.k.data = k, a.k.stride = d, a.v.data = v, a.v.stride = d;
      a.len = s.len, a.heads = s.heads, a.dh = s.dh, a.scale = 1.0f / std::sqrt(float(s.dh));
      a.probs = probs, a.align = run ? align_want : align_got;
      a.out = run ? out_want : out_got, a.out_stride = d;
      kernels::select_attention(run ? kernels::reference_kernels() : t, KvPrecision::kFloat32, s.dh).run(a);
    }
    if (!close(out_got, out_want, s.nq * d, 1e-5f, 1e-5f) || !close(align_got, align_want, s.nq * s.len, 1e-5f, 1e-6f)) {
      ++bad;
      std::printf("  attention differs: heads=%u dh=%u len=%u nq=%u\n", unsigned(s.heads), unsigned(s.dh),
                  unsigned(s.len), unsigned(s.nq));
    }
  }
  return bad;
}

}  // namespace

size_t check_float(const KernelTable& t) {
  const KernelTable& r = kernels::reference_kernels();
  Lcg rng{83u};
  size_t bad = 0;
  struct Entry { const char* name; bool own; size_t (*check)(const KernelTable&, Lcg&); };
  bool own_attention = false;  // any float32 variant of its own
  for (size_t c = 0; c < kernels::kHeadSizeClasses; ++c) {
    own_attention |= t.attention[size_t(KvPrecision::kFloat32)][c].run != r.attention[size_t(KvPrecision::kFloat32)][c].run;
  }
  const Entry entries[] = {{"layer_norm", t.layer_norm != r.layer_norm, check_layer_norm},
                           {"log_softmax", t.log_softmax != r.log_softmax, check_log_softmax},
                           {"add", t.add != r.add, check_add},
                           {"attention", own_attention, check_attention}};
  for (const Entry& e : entries) {
    if (!e.own) {
      std::printf("%s %s: the reference's\n", t.name, e.name);
      continue;
    }
    const size_t b = e.check(t, rng);
    std::printf("%s %s: %u differ\n", t.name, e.name, unsigned(b));
    bad += b;
  }
  return bad;
}

}  // namespace baremetal_test
}  // namespace xattn
