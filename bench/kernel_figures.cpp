#include "kernel_figures.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "weight_packing.h"
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

enum class Weights { kF32, kInt8, kInt4 };

struct Shape {
  const char* what;  // "GEMV f32 ...", "GEMM int8 ...", "GEMV int4 ...": the weight type, as the name says
  size_t m, k, n;
  bool row_major = false;  // int8 in layout 0 (an output projection stored once with the embedding)
  Weights weights() const {
    return std::strstr(what, " f32 ") ? Weights::kF32 : std::strstr(what, " int4 ") ? Weights::kInt4 : Weights::kInt8;
  }
};

// Deterministic operands: a linear congruential generator.
struct Lcg {
  uint32_t state = 12345;
  uint32_t next() { return state = state * 1664525u + 1013904223u; }
};

// Random operands for one shape, as a model file holds them (packed by the
// converter's functions): int8 weights in layout 1 with their row sums
// (layout 0 for a row_major shape), int4 weights in layout 3 (random
// nibbles and group scales, their row sums) or float32 weights, and
// activations; run() is one call of the layer (int8 and int4: quantize,
// then multiply).
class LinearCase {
 public:
  LinearCase(const kernels::KernelTable& k, const Shape& s, Lcg& rng)
      : k_(k), s_(s), type_(s.weights()), q_(s.m * s.k), x_(s.m * s.k), xs_(s.m), ws_(s.n, 50.0f),
        bias_(s.n, 0.5f), y_(s.m * s.n) {
    if (type_ == Weights::kF32) {
      wf_.resize(s.n * s.k);
      for (float& v : wf_) v = static_cast<float>(static_cast<int32_t>(rng.next() >> 16) - 32768) / 1e6f;
    } else {
      // The converter's own packing of a random row-major matrix.
      convert::HostTensor t;
      t.rows = uint32_t(s.n);
      t.cols = uint32_t(s.k);
      t.q.resize(s.n * s.k);
      if (type_ == Weights::kInt8) {
        for (int8_t& v : t.q) v = static_cast<int8_t>(rng.next() >> 24);
        w_ = s.row_major ? t.q : convert::pack_16x4(t, &sums_);
      } else {
        for (int8_t& v : t.q) v = static_cast<int8_t>(static_cast<int32_t>(rng.next() >> 28) - 8);
        t.group_scales.resize(s.n * s.k / format::kInt4Group);
        for (uint8_t& v : t.group_scales) v = static_cast<uint8_t>(rng.next() >> 24);
        w4_ = convert::pack_int4(t, &sums_);
      }
    }
    for (float& v : x_) v = static_cast<float>(static_cast<int32_t>(rng.next() >> 16) - 32768) / 32768.0f;
  }
  void run() {
    if (type_ == Weights::kF32) {
      k_.linear_f32_packed(x_.data(), s_.m, s_.k, wf_.data(), bias_.data(), s_.n, y_.data());
      return;
    }
    k_.quantize_rows(x_.data(), s_.m, s_.k, Rounding::kNearestEven, q_.data(), xs_.data());
    if (type_ == Weights::kInt4) {
      const uint8_t* group_scales = w4_.data() + format::int4_nibble_bytes(uint32_t(s_.n), uint32_t(s_.k));
      k_.linear_i4(q_.data(), xs_.data(), s_.m, s_.k, w4_.data(), group_scales, sums_.data(), ws_.data(),
                   bias_.data(), s_.n, y_.data());
    } else if (s_.row_major) {
      k_.linear_i8(q_.data(), xs_.data(), s_.m, s_.k, w_.data(), ws_.data(), bias_.data(), s_.n, y_.data());
    } else {
      k_.linear_i8_packed(q_.data(), xs_.data(), s_.m, s_.k, w_.data(), sums_.data(), ws_.data(), bias_.data(),
                          s_.n, y_.data());
    }
  }
  // Bytes one call reads: weights plus what each output row carries (int8
  // and int4: scale, row sum, bias; f32: bias).
  double bytes_read() const { return double(weight_bytes()) + (type_ == Weights::kF32 ? 4.0 : 12.0) * s_.n; }
  const uint8_t* weights() const {
    if (type_ == Weights::kF32) return reinterpret_cast<const uint8_t*>(wf_.data());
    return type_ == Weights::kInt4 ? w4_.data() : reinterpret_cast<const uint8_t*>(w_.data());
  }
  size_t weight_bytes() const { return 4 * wf_.size() + w_.size() + w4_.size(); }

 private:
  const kernels::KernelTable& k_;
  Shape s_;
  Weights type_;
  std::vector<int8_t> w_, q_;
  std::vector<uint8_t> w4_;
  std::vector<float> wf_, x_, xs_, ws_, bias_, y_;
  std::vector<int32_t> sums_;
};

void line(PrintFn print, const char* format, const char* what, size_t m, size_t k, size_t n, double a, double b,
          double c) {
  char text[200];
  std::snprintf(text, sizeof text, format, what, m, k, n, a, b, c);
  print(text);
}

uint64_t table_read(const void* table, const uint8_t* bytes, size_t size) {
  return static_cast<const kernels::KernelTable*>(table)->stream_read(bytes, size);
}

}  // namespace

Reader stream_reader(const kernels::KernelTable& table) { return Reader{table_read, &table}; }

int print_kernel_figures(const kernels::KernelTable& k, PrintFn print) {
  char text[200];
  std::snprintf(text, sizeof text, "kernel path %s (single thread; medians)\n", k.name);
  print(text);
  Lcg rng;
  // The 64 MiB rows stream from memory on most hosts (an output layer of
  // 16 MB int8 stays in a 32 MB L3 between calls, and then beats "peak").
  const Shape gemv[] = {{"GEMV int8 output layer", 1, 512, 32000},
                        {"GEMV int8 output, row-major", 1, 512, 32000, true},
                        {"GEMV int8 ffn_in (base)", 1, 512, 2048},
                        {"GEMV int8 ffn_out (base)", 1, 2048, 512},
                        {"GEMV int8 beam 4, output", 4, 512, 32000},
                        {"GEMV int4 output layer", 1, 512, 32000},
                        {"GEMV int4 ffn_in (base)", 1, 512, 2048},
                        {"GEMV int8 64 MiB", 1, 512, 131072},
                        {"GEMV int4 64 MiB", 1, 1024, 131072},
                        {"GEMV f32 output layer", 1, 512, 32000},
                        {"GEMV f32 64 MiB", 1, 512, 32768},
                        {"GEMV f32 ffn_in (base)", 1, 512, 2048}};
  print("shape                        m      k      n    time us    weight GB/s   read-peak GB/s\n");
  for (const Shape& s : gemv) {
    LinearCase c(k, s, rng);
    const int reps = c.weight_bytes() > (size_t{32} << 20) ? 11 : s.n * s.k > 4000000 ? 31 : 301;
    const double t = median_time([&] { c.run(); }, reps);
    const double peak = measure_read_bandwidth(c.weights(), c.weight_bytes(), Clock{ticks, 1e9}, 10, stream_reader(k));
    line(print, "%-26s %3zu %6zu %6zu %10.2f %14.1f %16.1f\n", s.what, s.m, s.k, s.n, t * 1e6,
         c.bytes_read() / t / 1e9, peak);
  }
  const Shape gemm[] = {{"GEMM int8 qkv (base)", 64, 512, 1536},
                        {"GEMM int8 ffn_in (base)", 64, 512, 2048},
                        {"GEMM int8 ffn_out (base)", 64, 2048, 512},
                        {"GEMM int4 ffn_in (base)", 64, 512, 2048},
                        {"GEMM int4 ffn_out (base)", 64, 2048, 512},
                        {"GEMM f32 ffn_in (base)", 64, 512, 2048}};  // float GOPS = GFLOPS
  const double peak = vnni_peak_gops(seconds);
  print("shape                        m      k      n    time us           GOPS   vpdpbusd-peak GOPS\n");
  for (const Shape& s : gemm) {
    LinearCase c(k, s, rng);
    const double t = median_time([&] { c.run(); }, 51);
    line(print, "%-26s %3zu %6zu %6zu %10.2f %14.1f %20.1f\n", s.what, s.m, s.k, s.n, t * 1e6,
         2.0 * s.m * s.k * s.n / t / 1e9, peak);
  }
  return 0;
}

}  // namespace bench
}  // namespace xattn
