// Threads: the pool runs every task exactly once; a linear layer split over
// tasks gives the same bits as one call, on odd shapes, for every kernel
// table and weight layout, whatever order the tasks run in; limits and the
// plan account for threads. (Whole sessions: test_threads_session.cpp.)
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "nn/linear.h"
#include "thread_pool.h"
#include "xattn/arena.h"
#include "xattn/format.h"
#include "xattn/session.h"
#include "xattn_thread_pool.h"

namespace xattn {
namespace {

namespace fmt = format;

struct Runs {
  std::vector<std::atomic<uint32_t>> runs = std::vector<std::atomic<uint32_t>>(32);
  uint32_t threads = 0;
  std::atomic<bool> thread_in_range{true};
  static void task(void* c, uint32_t i, uint32_t thread) {
    Runs& r = *static_cast<Runs*>(c);
    r.runs[i]++;
    if (thread >= r.threads) r.thread_in_range = false;
  }
};

TEST_CASE("thread pool: every task of every job runs exactly once, on the threads asked for") {
  for (uint32_t workers = 1; workers <= 4; ++workers) {
    CAPTURE(workers);
    ThreadPool pool(workers);
    const ParallelFor& p = pool.parallel();
    CHECK(p.workers == workers);
    std::mt19937 rng(workers);
    Runs r;
    bool all_once = true;
    for (int job = 0; job < 3000; ++job) {
      const uint32_t count = 1 + rng() % 32;
      r.threads = 1 + rng() % workers;
      for (auto& n : r.runs) n.store(0);
      p.run(p.pool, r.threads, count, Runs::task, &r);
      for (uint32_t i = 0; i < 32; ++i) all_once = all_once && r.runs[i].load() == (i < count ? 1u : 0u);
    }
    CHECK(all_once);
    CHECK(r.thread_in_range.load());
  }
}

TEST_CASE("thread pool: the C helper checks its range and describes its pool") {
  CHECK(xattn_thread_pool_create(0) == nullptr);
  CHECK(xattn_thread_pool_create(XATTN_MAX_THREADS + 1) == nullptr);
  xattn_thread_pool* pool = xattn_thread_pool_create(3);
  REQUIRE(pool != nullptr);
  const xattn_parallel* p = xattn_thread_pool_parallel(pool);
  REQUIRE(p != nullptr);
  CHECK(p->workers == 3);
  std::atomic<uint32_t> sum{0};
  p->run(p->pool, 3, 5, [](void* c, uint32_t i, uint32_t) { *static_cast<std::atomic<uint32_t>*>(c) += i + 1; },
         &sum);
  CHECK(sum.load() == 15);
  xattn_thread_pool_destroy(pool);
}

// Runs the tasks last to first on this thread, as thread threads - 1: the
// split must not depend on order or on the thread.
void run_reversed(void*, uint32_t threads, uint32_t count, ParallelTask task, void* context) {
  for (uint32_t i = count; i-- > 0;) task(context, i, threads - 1);
}

struct Layer {
  std::vector<float> f32;
  std::vector<int8_t> i8;
  std::vector<uint8_t> i4;  // layout 3: nibbles, then group scales
  std::vector<float> scales, bias;
  std::vector<int32_t> sums;
  LinearView view;
};

Layer make_layer(LinearKernel kind, size_t n, size_t k, bool bias, std::mt19937& rng) {
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  Layer l;
  const bool int8 = kind >= LinearKernel::kInt8, packed = kind == LinearKernel::kFloat32Packed || kind == LinearKernel::kInt8Packed;
  std::vector<float> w(n * k);
  std::vector<int8_t> q(n * k);
  for (float& v : w) v = value(rng);
  for (int8_t& v : q) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  l.bias.resize(n);
  for (float& v : l.bias) v = value(rng);
  l.scales.resize(n);
  for (float& v : l.scales) v = 50.0f + 100.0f * (value(rng) + 1.0f);
  l.sums.assign(n, 0);
  l.f32.resize(n * k);
  l.i8.resize(n * k);
  for (uint32_t r = 0; r < n; ++r) {
    for (uint32_t c = 0; c < k; ++c) {
      const size_t at = r * k + c;
      l.f32[packed ? fmt::packed_f32_offset(uint32_t(n), uint32_t(k), r, c) : at] = w[at];
      l.i8[packed ? fmt::packed_offset(uint32_t(n), uint32_t(k), r, c) : at] = q[at];
      l.sums[r] += q[at];
    }
  }
  if (kind == LinearKernel::kInt4) {  // q4 = q / 16 in [-8, 7], random group scales
    l.i4.assign(fmt::int4_data_bytes(uint32_t(n), uint32_t(k)), 0);
    const uint64_t nibbles = fmt::int4_nibble_bytes(uint32_t(n), uint32_t(k));
    l.sums.assign(n, 0);
    for (uint32_t r = 0; r < n; ++r)
      for (uint32_t g = 0; g < k / fmt::kInt4Group; ++g) {
        const uint8_t sub = static_cast<uint8_t>(rng() % 256);
        l.i4[nibbles + fmt::int4_group_scale_offset(uint32_t(k), r, g * fmt::kInt4Group)] = sub;
        int32_t sum = 0;
        for (uint32_t c = g * fmt::kInt4Group; c < (g + 1) * fmt::kInt4Group; ++c) {
          const int8_t v = static_cast<int8_t>(q[r * k + c] >> 4);
          l.i4[fmt::int4_nibble_offset(uint32_t(k), r, c)] |= static_cast<uint8_t>((uint8_t(v) & 0xF) << (c % 8 < 4 ? 0 : 4));
          sum += v;
        }
        l.sums[r] += sub * sum;
      }
  }
  MatrixView& m = l.view.weight;
  m.kernel = kind;
  m.rows = uint32_t(n);
  m.cols = uint32_t(k);
  m.data = kind == LinearKernel::kInt4 ? static_cast<const void*>(l.i4.data())
           : int8                       ? static_cast<const void*>(l.i8.data())
                                        : static_cast<const void*>(l.f32.data());
  m.scales = int8 ? l.scales.data() : nullptr;
  m.row_sums = kind == LinearKernel::kInt8Packed || kind == LinearKernel::kInt4 ? l.sums.data() : nullptr;
  m.group_scales = kind == LinearKernel::kInt4 ? l.i4.data() + fmt::int4_nibble_bytes(uint32_t(n), uint32_t(k)) : nullptr;
  l.view.bias = bias ? l.bias.data() : nullptr;
  return l;
}

TEST_CASE("linear: split over 2..4 tasks is bit-identical to one call, every table, layout and odd shape") {
  const kernels::KernelTable* tables[16];
  const size_t table_count = kernels::available_kernels(tables, 16);
  ThreadPool pool(4);
  ParallelFor reversed;
  reversed.workers = kMaxThreads;
  reversed.run = run_reversed;
  std::mt19937 rng(41);
  std::uniform_real_distribution<float> value(-2.0f, 2.0f);
  const size_t ms[] = {1, 2, 5, 16, 27, 40};  // 16 rows on: int8 and int4 layers split by activation rows
  const size_t ks[] = {4, 36, 68};
  const size_t ns[] = {1, 15, 16, 17, 33, 47, 100, 300};
  size_t compared = 0, split = 0, split_by_rows = 0;
  for (size_t t = 0; t < table_count; ++t) {
    CAPTURE(std::string(tables[t]->name));
    for (uint8_t kind = 0; kind < kLinearKernelCount; ++kind) {
      CAPTURE(int(kind));
      for (size_t m : ms)
        for (size_t k_any : ks)
          for (size_t n : ns) {
            // int4 groups 32 columns: 32, 64 or 96 instead of 4, 36 or 68.
            const size_t k = kind == uint8_t(LinearKernel::kInt4) ? (k_any + 31) / 32 * 32 : k_any;
            CAPTURE(m);
            CAPTURE(k);
            CAPTURE(n);
            const Layer layer = make_layer(static_cast<LinearKernel>(kind), n, k, (n % 2) == 1, rng);
            std::vector<float> x(m * k);
            for (float& v : x) v = value(rng);
            std::vector<int8_t> quantized(m * k);
            std::vector<float> quantized_scales(m);
            // Per-thread slots as small as the arena plans them (private
            // quantized copies under kRowSplitMinRows rows), staging 11
            // activation rows at a time: blocks of 8 (the float kernels' largest
            // row tile) for 16 rows and more.
            const size_t q_slot = (m < kRowSplitMinRows ? m : kRowSplitMinRows - 1) * k;
            const size_t out_slot = 11 * kParallelStageRows * sizeof(float);
            std::vector<uint8_t> task_q(4 * q_slot), task_out(4 * out_slot);
            LinearContext c;
            c.kernels = tables[t];
            c.quantized = quantized.data();
            c.quantized_scales = quantized_scales.data();
            c.task_quantized = task_q.data();
            c.task_quantized_slot = q_slot;
            c.task_output = task_out.data();
            c.task_output_slot = out_slot;
            c.min_task_work = 1;
            c.min_piece_work = 1;
            std::vector<float> one(m * n), y(m * n);
            linear(c, layer.view, x.data(), m, one.data());
            for (uint32_t tasks = 2; tasks <= 4; ++tasks) {
              for (const ParallelFor* p : {&pool.parallel(), static_cast<const ParallelFor*>(&reversed)}) {
                c.tasks = tasks;
                c.parallel = *p;
                std::fill(y.begin(), y.end(), -1.0f);
                linear(c, layer.view, x.data(), m, y.data());
                CHECK(std::memcmp(one.data(), y.data(), y.size() * sizeof(float)) == 0);
                ++compared;
                const size_t by_rows = linear_row_tasks(c, static_cast<LinearKernel>(kind), m, n, k);
                split += by_rows > 1 || linear_tasks(c, m, n, k) > 1;
                split_by_rows += by_rows > 1;
              }
            }
          }
    }
  }
  CHECK(split > compared / 2);  // most comparisons did split
  CHECK(split_by_rows > compared / 8);
}

TEST_CASE("linear: tiny layers stay on one thread") {
  LinearContext c;
  c.tasks = 4;
  CHECK(linear_tasks(c, 1, 256, 256) == 1);     // d_model 256: a decoder GEMV of a small model
  CHECK(linear_tasks(c, 1, 512, 256) == 1);     // 128 Ki multiply-adds: under 2 x the bound
  CHECK(linear_tasks(c, 1, 512, 512) == 4);     // one row (memory-bound): one piece per thread
  CHECK(linear_tasks(c, 2, 512, 512) == 16);    // two rows: up to 4 pieces per thread
  CHECK(linear_tasks(c, 32, 2048, 512) == 16);  // at most 4 pieces per thread
  CHECK(linear_tasks(c, 32, 16, 4096) == 1);    // one 16-row block cannot be split
  CHECK(linear_tasks(c, 64, 40, 4096) == 3);    // 3 blocks of 16 rows
  c.tasks = 1;
  CHECK(linear_tasks(c, 32, 2048, 512) == 1);
}

ModelConfig small_config() {
  ModelConfig c;
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.d_model = 64;
  c.num_heads = 4;
  c.ffn_dim = 128;
  c.source_vocab_size = 50;
  c.target_vocab_size = 60;
  c.max_positions = 256;
  return c;
}

TEST_CASE("linear: integer layers of many activation rows split by them, in whole tiles") {
  LinearContext c;
  c.tasks = 2;
  CHECK(linear_row_tasks(c, LinearKernel::kInt8Packed, 32, 512, 512) == 2 * kRowTasksPerThread);  // the encoder's
  CHECK(linear_row_tasks(c, LinearKernel::kInt4, 32, 512, 512) == 2 * kRowTasksPerThread);
  CHECK(linear_row_tasks(c, LinearKernel::kInt8Packed, 15, 512, 512) == 1);    // under two tiles
  CHECK(linear_row_tasks(c, LinearKernel::kFloat32Packed, 32, 512, 512) == 1);  // float: split by rows of W
  CHECK(linear_row_tasks(c, LinearKernel::kInt8Packed, 16, 16, 16) == 1);      // too little work
  CHECK(linear_row_tasks(c, LinearKernel::kInt8Packed, 20, 512, 512) == 2);    // 16 + 4 rows
  c.tasks = 1;
  CHECK(linear_row_tasks(c, LinearKernel::kInt8Packed, 32, 512, 512) == 1);
}

TEST_CASE("limits and plan: threads are checked, and only threads > 1 adds per-thread scratch") {
  const ModelConfig c = small_config();
  Limits l;
  l.max_source_length = 20;
  l.max_beam = 3;
  const ArenaPlan one = plan_arena(c, l);
  CHECK(one.task_quantized.bytes == 0);
  CHECK(one.task_output.bytes == 0);
  CHECK(one.task_probs.bytes == 0);
  l.threads = 3;
  const ArenaPlan three = plan_arena(c, l);
  CHECK(three.task_quantized.bytes == 3 * three.task_quantized_slot);
  // Private quantized copies only under kRowSplitMinRows rows (wider ones
  // split by activation rows), staging at most kParallelStageActivationRows.
  CHECK(three.task_quantized_slot == (kRowSplitMinRows - 1) * 128);  // rows x widest linear input
  CHECK(three.task_output.bytes == 3 * three.task_output_slot);
  CHECK(three.task_output_slot == 20 * kParallelStageRows * sizeof(float));
  l.max_source_length = 100;
  const ArenaPlan long_source = plan_arena(c, l);
  CHECK(long_source.task_quantized_slot == three.task_quantized_slot);
  CHECK(long_source.task_output_slot == kParallelStageActivationRows * kParallelStageRows * sizeof(float));
  l.max_source_length = 20;
  CHECK(three.task_probs.bytes == 3 * three.task_probs_slot);
  CHECK(three.task_probs_slot >= 3 * 20 * sizeof(float));  // a group of max_beam queries over the source
  CHECK(three.task_quantized_slot % kArenaAlignment == 0);
  CHECK(three.total == one.total + three.task_quantized.bytes + three.task_output.bytes + three.task_probs.bytes);
}

}  // namespace
}  // namespace xattn
