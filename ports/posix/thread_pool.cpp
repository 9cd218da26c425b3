#include "thread_pool.h"

#include <chrono>
#include <new>
#include <system_error>

#include "xattn_thread_pool.h"

namespace xattn {
namespace {

// The low half of ThreadPool::next_ between jobs: above every task index.
constexpr uint64_t kClosed = 0xffffffffu;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield");
#endif
}

// Spins on `done` for about kSpinMicroseconds; true when it became true.
template <class Done>
bool spin_until(Done done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(ThreadPool::kSpinMicroseconds);
  for (uint32_t i = 1;; ++i) {
    if (done()) return true;
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > until) return false;
  }
}

}  // namespace

ThreadPool::ThreadPool(uint32_t threads) {
  parallel_.pool = this;
  parallel_.workers = threads < 1 ? 1 : threads;
  parallel_.run = &ThreadPool::run;
  workers_.reserve(parallel_.workers - 1);
  for (uint32_t i = 1; i < parallel_.workers; ++i) workers_.emplace_back([this, i] { work(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run(void* pool, uint32_t threads, uint32_t count, ParallelTask task, void* context) {
  static_cast<ThreadPool*>(pool)->dispatch(threads, count, task, context);
}

void ThreadPool::dispatch(uint32_t threads, uint32_t count, ParallelTask task, void* context) {
  if (workers_.empty() || count <= 1 || threads <= 1) {
    for (uint32_t i = 0; i < count; ++i) task(context, i, 0);
    return;
  }
  // Close the previous job's claims before its fields change: a worker that
  // read the new count_ with an old state would otherwise claim through it.
  const uint64_t previous = next_.load(std::memory_order_relaxed) >> 32;
  next_.store((previous << 32) | kClosed);
  task_.store(task, std::memory_order_relaxed);
  context_.store(context, std::memory_order_relaxed);
  count_.store(count, std::memory_order_release);  // a worker that reads it sees the close
  threads_.store(threads, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  const uint64_t job = (previous + 1) << 32;
  next_.store(job);  // seq_cst: ordered before the sleepers_ load
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  claim_tasks(job, 0);
  while (!spin_until([&] { return done_.load(std::memory_order_acquire) == count; })) std::this_thread::yield();
}

void ThreadPool::claim_tasks(uint64_t s, uint32_t thread) {
  const uint64_t generation = s >> 32;
  while ((s >> 32) == generation && static_cast<uint32_t>(s) < count_.load(std::memory_order_acquire)) {
    if (!next_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;  // s reloaded
    task_.load(std::memory_order_relaxed)(context_.load(std::memory_order_relaxed), static_cast<uint32_t>(s), thread);
    done_.fetch_add(1, std::memory_order_release);
    s = next_.load(std::memory_order_acquire);
  }
}

// True when a job newer than `seen` is out, false when the pool stops.
bool ThreadPool::wait_for_work(uint32_t seen) {
  auto ready = [&] { return stop_.load() || (next_.load(std::memory_order_acquire) >> 32) != seen; };
  if (!spin_until(ready)) {
    std::unique_lock<std::mutex> lock(mutex_);
    sleepers_.fetch_add(1);  // seq_cst: a dispatcher either sees it or we see its job
    wake_.wait(lock, ready);
    sleepers_.fetch_sub(1);
  }
  return !stop_.load();
}

void ThreadPool::work(uint32_t thread) {
  uint32_t seen = 0;
  while (wait_for_work(seen)) {
    const uint64_t s = next_.load(std::memory_order_acquire);
    seen = static_cast<uint32_t>(s >> 32);
    if (thread < threads_.load(std::memory_order_relaxed)) claim_tasks(s, thread);
  }
}

}  // namespace xattn

struct xattn_thread_pool {
  explicit xattn_thread_pool(uint32_t threads) : pool(threads) {
    parallel.pool = pool.parallel().pool;
    parallel.workers = pool.parallel().workers;
    parallel.run = pool.parallel().run;
  }
  xattn::ThreadPool pool;
  xattn_parallel parallel;
};

extern "C" {

xattn_thread_pool* xattn_thread_pool_create(uint32_t threads) {
  if (threads < 1 || threads > XATTN_MAX_THREADS) return nullptr;
  try {
    return new xattn_thread_pool(threads);
  } catch (const std::exception&) {  // std::system_error when a thread cannot start, bad_alloc
    return nullptr;
  }
}

const xattn_parallel* xattn_thread_pool_parallel(const xattn_thread_pool* pool) {
  return pool ? &pool->parallel : nullptr;
}

void xattn_thread_pool_destroy(xattn_thread_pool* pool) { delete pool; }

}  // extern "C"
