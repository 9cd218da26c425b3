// ThreadPool: a fixed set of threads for xattn::ParallelFor on hosted
// targets. All threads are created by the constructor and joined by the
// destructor; run() allocates nothing and creates nothing, so a session's
// no-allocation guarantee holds with threads. Between runs the workers spin
// for about kSpinMicroseconds (a decoder step hands out work every few
// microseconds) and then sleep on a condition variable, so an idle pool
// costs no CPU.
//
// Tasks are claimed, not assigned: the calling thread and the workers take
// the next unclaimed index until none is left. On a busy machine where a
// worker is not running, the caller does its share instead of waiting for
// it (each task still runs exactly once, and its index, not its thread,
// picks its scratch, so the outputs do not change).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "xattn/parallel.h"

namespace xattn {

class ThreadPool {
 public:
  static constexpr int kSpinMicroseconds = 50;

  // threads - 1 workers; the thread that calls run() is the first of `threads`.
  explicit ThreadPool(uint32_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  uint32_t threads() const { return parallel_.workers; }
  // The hook for Session::set_parallel; valid while the pool lives.
  const ParallelFor& parallel() const { return parallel_; }

 private:
  static void run(void* pool, uint32_t threads, uint32_t count, ParallelTask task, void* context);
  void dispatch(uint32_t threads, uint32_t count, ParallelTask task, void* context);
  void work(uint32_t thread);
  bool wait_for_work(uint32_t seen);
  // Runs unclaimed tasks of the job whose state was `s` until none is left.
  void claim_tasks(uint64_t s, uint32_t thread);

  ParallelFor parallel_;
  std::vector<std::thread> workers_;
  // One job at a time. next_ holds (generation << 32) | next unclaimed task;
  // a claim is a compare-and-swap of it, so a late worker cannot claim a task
  // of a newer job with an older view. The job's fields change only after all
  // its tasks are done (done_ == count_) and next_ is closed (no index left
  // to claim), so a successful claim reads them intact.
  std::atomic<ParallelTask> task_{nullptr};
  std::atomic<void*> context_{nullptr};
  std::atomic<uint32_t> count_{0};
  std::atomic<uint32_t> threads_{0};  // workers with an index below it take part
  std::atomic<uint64_t> next_{0};
  std::atomic<uint32_t> done_{0};
  std::atomic<uint32_t> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace xattn
