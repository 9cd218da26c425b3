#include "compute_split.h"

#include <algorithm>
#include <vector>

namespace xattn {
namespace bench {
namespace {

// One piece: 32 activation rows x k 512 x 256 rows of W, an encoder layer's
// rows against a slice of its weights; 4.2 M multiply-adds, W 128 KiB.
constexpr size_t kRows = 32, kCols = 512, kOutputs = 256;
// Pieces per thread of each timing: enough for claiming to even out a
// thread that gets less CPU, as the session's own splits do.
constexpr uint32_t kPiecesPerThread = 2 * kTasksPerThread;
// One thread's time above which a single pair is measured (a fast core
// takes well under a millisecond).
constexpr double kSlowSeconds = 0.005;

// A thread's operands. Values do not matter to the time, only that they
// are the kernel's real inputs; q is scratch (the kernel may shift it).
struct Operands {
  std::vector<int8_t> q = std::vector<int8_t>(kRows * kCols), w = std::vector<int8_t>(kOutputs * kCols);
  std::vector<float> x_scales = std::vector<float>(kRows, 0.01f), w_scales = std::vector<float>(kOutputs, 50.0f),
                     bias = std::vector<float>(kOutputs, 0.5f), y = std::vector<float>(kRows * kOutputs);
  std::vector<int32_t> row_sums = std::vector<int32_t>(kOutputs);
  explicit Operands(uint32_t seed) {
    uint32_t state = seed * 2654435761u + 1;
    auto next = [&] { return static_cast<int8_t>((state = state * 1664525u + 1013904223u) >> 24); };
    for (int8_t& v : q) v = next();
    for (int8_t& v : w) v = next();
    for (size_t o = 0; o < kOutputs; ++o) {
      int32_t sum = 0;
      for (size_t c = 0; c < kCols; ++c) sum += w[o * kCols + c];
      row_sums[o] = sum;
    }
  }
};

struct Job {
  const kernels::KernelTable* table;
  std::vector<Operands>* operands;  // one per thread slot
};

void piece(void* context, uint32_t, uint32_t thread) {
  const Job& job = *static_cast<const Job*>(context);
  Operands& o = (*job.operands)[thread];
  job.table->linear_i8_packed(o.q.data(), o.x_scales.data(), kRows, kCols, o.w.data(), o.row_sums.data(),
                              o.w_scales.data(), o.bias.data(), kOutputs, o.y.data());
}

}  // namespace

double compute_split_ratio(const kernels::KernelTable& table, const ParallelFor& parallel, uint32_t threads,
                           double (*seconds)(), uint32_t pairs) {
  if (threads < 2 || parallel.workers < threads || parallel.run == nullptr || pairs == 0) return 0;
  std::vector<Operands> operands;
  for (uint32_t t = 0; t < threads; ++t) operands.emplace_back(t);
  Job job{&table, &operands};
  const uint32_t pieces = kPiecesPerThread * threads;
  auto timed = [&](uint32_t on) {
    const double t0 = seconds();
    parallel.run(parallel.pool, on, pieces, piece, &job);
    return seconds() - t0;
  };
  timed(threads);  // warm: every thread's operands in its cache
  std::vector<double> ratios;
  for (uint32_t p = 0; p < pairs; ++p) {
    const double one = timed(1);
    // Untimed first: workers that went to sleep while one thread worked wake
    // here, as they are awake through a session's back-to-back layers.
    timed(threads);
    ratios.push_back(timed(threads) / one);
    // A slow core or an emulator (the ARM tests run under qemu): one pair.
    if (one > kSlowSeconds) break;
  }
  std::sort(ratios.begin(), ratios.end());
  return ratios[ratios.size() / 2];
}

}  // namespace bench
}  // namespace xattn
