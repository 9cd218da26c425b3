// ParallelFor: the hook through which a session spreads its work over
// threads it does not own. The runtime has no OS (no thread creation, no
// heap), so a host that wants several cores creates a fixed pool once (for
// instance xattn::ThreadPool in ports/posix) and hands the session this
// small description of it; bare metal never sets one and runs on one thread.
//
// A session with Limits::threads = T > 1 splits a linear layer's output rows
// (rows of W; an integer layer of many activation rows: those rows) and the
// encoder's attention queries into tasks (up to
// kTasksPerThread x T, so a thread that gets less CPU does fewer) and calls
// run(pool, T, count, task, context); run returns when task(context, i,
// thread) has finished for every i in [0, count), each i exactly once, on at
// most T threads numbered 0..T-1 (0: the caller). A task uses the arena's
// scratch of its thread's slot; which thread runs which task does not change
// any output bit.
#pragma once

#include <cstdint>

namespace xattn {

// Limits::threads is at most this (the arena reserves scratch per thread).
constexpr uint32_t kMaxThreads = 64;

// Tasks per thread a layer is cut into, at most: with more pieces than
// threads, a thread that is slowed (a busy machine) takes fewer of them.
constexpr uint32_t kTasksPerThread = 4;

// `thread` < the `threads` given to run: the index of the scratch slot to use.
using ParallelTask = void (*)(void* context, uint32_t task, uint32_t thread);

struct ParallelFor {
  void* pool = nullptr;
  uint32_t workers = 1;  // threads the pool has, the caller's included
  // Runs task(context, i, thread) for every i in [0, count), each once, on at
  // most min(threads, workers) threads, thread < threads, and returns when
  // all are done. Must not allocate or create threads (it runs on every
  // layer of every step).
  void (*run)(void* pool, uint32_t threads, uint32_t count, ParallelTask task, void* context) = nullptr;
};

}  // namespace xattn
