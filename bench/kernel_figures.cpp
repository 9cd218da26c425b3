#include "kernel_figures.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "xattn/format.h"

namespace xattn {
namespace bench {
namespace {

double seconds() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
uint64_t ticks() { return static_cast<uint64_t>(seconds() * 1e9); }

// Median seconds of `reps` calls of f (after one warm-up call).
template <class F>
double median_time(F f, int reps) {
  std::vector<double> t;
  f();
  for (int r = 0; r < reps; ++r) {
    const double t0 = seconds();
    f();
    t.push_back(seconds() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// The weights are random bytes taken as a format layout-1 matrix (the
// converter's default); these are its row sums, which VNNI needs.
std::vector<int32_t> packed_row_sums(const std::vector<int8_t>& w, size_t n, size_t k) {
  std::vector<int32_t> sums(n, 0);
  if (w.empty()) return sums;  // a float32 shape
  for (uint32_t r = 0; r < n; ++r)
    for (uint32_t c = 0; c < k; ++c)
      sums[r] += w[format::packed_offset(uint32_t(n), uint32_t(k), r, c)];
  return sums;
}

struct Shape {
  const char* what;
  size_t m, k, n;
};

void line(PrintFn print, const char* format, const char* what, size_t m, size_t k, size_t n, double a, double b,
          double c) {
  char text[200];
  std::snprintf(text, sizeof text, format, what, m, k, n, a, b, c);
  print(text);
}

}  // namespace

int print_kernel_figures(const kernels::KernelTable& k, PrintFn print) {
  char text[200];
  std::snprintf(text, sizeof text, "kernel path %s (single thread; medians)\n", k.name);
  print(text);
  uint32_t state = 12345;
  auto next = [&state]() { return state = state * 1664525u + 1013904223u; };
  const Shape gemv[] = {{"GEMV int8 output layer", 1, 512, 32000},
                        {"GEMV int8 ffn_in (base)", 1, 512, 2048},
                        {"GEMV int8 ffn_out (base)", 1, 2048, 512},
                        {"GEMV int8 beam 4, output", 4, 512, 32000},
                        {"GEMV f32 output layer", 1, 512, 32000},
                        {"GEMV f32 ffn_in (base)", 1, 512, 2048}};
  print("shape                        m      k      n    time us    weight GB/s   read-peak GB/s\n");
  for (const Shape& s : gemv) {
    const bool f32 = s.what[5] == 'f';
    std::vector<int8_t> w(f32 ? 0 : s.n * s.k), q(s.m * s.k);
    std::vector<float> wf(f32 ? s.n * s.k : 0), x(s.m * s.k), xs(s.m), ws(s.n, 50.0f), bias(s.n, 0.5f),
        y(s.m * s.n);
    for (int8_t& v : w) v = static_cast<int8_t>(next() >> 24);
    for (float& v : wf) v = static_cast<float>(static_cast<int32_t>(next() >> 16) - 32768) / 1e6f;
    const std::vector<int32_t> sums = packed_row_sums(w, s.n, s.k);
    for (float& v : x) v = static_cast<float>(static_cast<int32_t>(next() >> 16) - 32768) / 32768.0f;
    const double t = median_time(
        [&] {
          if (f32) {
            k.linear_f32_packed(x.data(), s.m, s.k, wf.data(), bias.data(), s.n, y.data());
          } else {
            k.quantize_rows(x.data(), s.m, s.k, Rounding::kNearestEven, q.data(), xs.data());
            k.linear_i8_packed(q.data(), xs.data(), s.m, s.k, w.data(), sums.data(), ws.data(), bias.data(), s.n,
                               y.data());
          }
        },
        s.n * s.k > 4000000 ? 31 : 301);
    // Weights plus what each output row carries (int8: scale, row sum, bias; f32: bias).
    const double bytes = f32 ? 4.0 * s.n * s.k + 4.0 * s.n : static_cast<double>(s.n * s.k + 12 * s.n);
    const uint8_t* raw = f32 ? reinterpret_cast<const uint8_t*>(wf.data()) : reinterpret_cast<const uint8_t*>(w.data());
    const double peak = measure_read_bandwidth(raw, f32 ? 4 * wf.size() : w.size(), Clock{ticks, 1e9}, 10, k.stream_read);
    line(print, "%-26s %3zu %6zu %6zu %10.2f %14.1f %16.1f\n", s.what, s.m, s.k, s.n, t * 1e6, bytes / t / 1e9,
         peak);
  }
  const Shape gemm[] = {{"GEMM int8 qkv (base)", 64, 512, 1536},
                        {"GEMM int8 ffn_in (base)", 64, 512, 2048},
                        {"GEMM int8 ffn_out (base)", 64, 2048, 512},
                        {"GEMM f32 ffn_in (base)", 64, 512, 2048}};  // float GOPS = GFLOPS
  const double peak = vnni_peak_gops(seconds);
  print("shape                        m      k      n    time us           GOPS   vpdpbusd-peak GOPS\n");
  for (const Shape& s : gemm) {
    const bool f32 = s.what[5] == 'f';
    std::vector<int8_t> w(s.n * s.k), q(s.m * s.k);
    std::vector<float> wf(f32 ? s.n * s.k : 0), x(s.m * s.k), xs(s.m), ws(s.n, 50.0f), bias(s.n, 0.5f),
        y(s.m * s.n);
    for (int8_t& v : w) v = static_cast<int8_t>(next() >> 24);
    const std::vector<int32_t> sums = packed_row_sums(w, s.n, s.k);
    for (float& v : wf) v = static_cast<float>(static_cast<int32_t>(next() >> 16) - 32768) / 1e6f;
    for (float& v : x) v = static_cast<float>(static_cast<int32_t>(next() >> 16) - 32768) / 32768.0f;
    const double t = median_time(
        [&] {
          if (f32) {
            k.linear_f32_packed(x.data(), s.m, s.k, wf.data(), bias.data(), s.n, y.data());
          } else {
            k.quantize_rows(x.data(), s.m, s.k, Rounding::kNearestEven, q.data(), xs.data());
            k.linear_i8_packed(q.data(), xs.data(), s.m, s.k, w.data(), sums.data(), ws.data(), bias.data(), s.n,
                               y.data());
          }
        },
        51);
    line(print, "%-26s %3zu %6zu %6zu %10.2f %14.1f %20.1f\n", s.what, s.m, s.k, s.n, t * 1e6,
         2.0 * s.m * s.k * s.n / t / 1e9, peak);
  }
  return 0;
}

}  // namespace bench
}  // namespace xattn
