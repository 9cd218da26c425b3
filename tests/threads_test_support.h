// Whole sessions on a thread pool, for the threads tests
// (test_threads_session.cpp, test_attention_width_threads.cpp): a pool
// wrapper that counts the jobs it is handed, and a session's every output
// as bits, so N threads can be compared with one exactly.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "xattn/arena.h"
#include "xattn/session.h"

namespace xattn {
namespace threads_test {

// Counts the jobs handed to a pool, then runs them on it.
struct CountingPool {
  const ParallelFor* inner = nullptr;
  std::atomic<uint64_t> jobs{0};
  static void run(void* self, uint32_t threads, uint32_t count, ParallelTask task, void* context) {
    CountingPool& p = *static_cast<CountingPool*>(self);
    ++p.jobs;
    p.inner->run(p.inner->pool, threads, count, task, context);
  }
  ParallelFor parallel() {
    ParallelFor f;
    f.pool = this;
    f.workers = inner->workers;
    f.run = run;
    return f;
  }
};

inline uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

constexpr size_t kGuard = 256;  // bytes past the arena that must stay untouched

// Every hypothesis of every input, as bits: length, tokens, score, alignment
// (after `prefix`, when the model's decoder starts with a forced token).
inline std::vector<uint32_t> translate(const ModelView& model, Limits limits, uint32_t beam, const ParallelFor* parallel,
                                const std::vector<std::vector<uint32_t>>& inputs, bool* guard_intact,
                                TokenSpan prefix = {}) {
  const size_t bytes = arena_bytes(model.config, limits);
  std::vector<uint8_t> storage(bytes + kGuard + 64, 0xa5);
  uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  Session session;
  if (parallel) session.set_parallel(*parallel);
  const Status s = session.init(model, limits, arena, bytes);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  std::vector<uint32_t> out;
  for (const auto& input : inputs) {
    REQUIRE(session.encode(input.data(), input.size()));
    GenerateOptions o;
    o.beam_size = beam;
    o.num_hypotheses = beam;
    o.prefix = prefix;  // forced first tokens (a target language)
    o.return_alignment = true;
    o.min_length = limits.max_target_length;  // every step runs: more layers compared
    Result r;
    const Status g = session.generate(o, &r);
    REQUIRE_MESSAGE(g.is_ok(), g.message());
    for (uint32_t i = 0; i < r.count; ++i) {
      const Hypothesis& h = r.hypotheses[i];
      out.push_back(h.length);
      out.insert(out.end(), h.tokens, h.tokens + h.length);
      out.push_back(bits_of(h.score));
      for (size_t k = 0; k < size_t(h.length) * r.source_length; ++k) out.push_back(bits_of(h.alignment[k]));
    }
  }
  *guard_intact = true;
  for (size_t i = bytes; i < bytes + kGuard; ++i) *guard_intact = *guard_intact && arena[i] == 0xa5;
  return out;
}

}  // namespace threads_test
}  // namespace xattn
