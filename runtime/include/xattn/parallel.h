// ParallelFor: the hook through which a session spreads its work over
// threads it does not own. The runtime has no OS (no thread creation, no
// heap), so a host that wants several cores creates a fixed pool once (for
// instance xattn::ThreadPool in ports/posix) and hands the session this
// small description of it; bare metal never sets one and runs on one thread.
//
// A session with Limits::threads = T > 1 splits a linear layer's output rows
// (rows of W) and the encoder's attention queries into at most T tasks and
// calls run(pool, count, task, context) with count <= T; run returns when
// task(context, i) has finished for every i in [0, count). Task i uses the
// arena's scratch of slot i, so tasks may run on any thread in any order and
// the outputs are the same bits for every T.
#pragma once

#include <cstdint>

namespace xattn {

// Limits::threads is at most this (the arena reserves scratch per thread).
constexpr uint32_t kMaxThreads = 64;

using ParallelTask = void (*)(void* context, uint32_t task);

struct ParallelFor {
  void* pool = nullptr;
  uint32_t workers = 1;  // threads run() can keep busy at once, the caller's included
  // Runs task(context, i) for i in [0, count), count <= workers, and returns
  // when all are done. Must not allocate or create threads (it runs on every
  // layer of every step).
  void (*run)(void* pool, uint32_t count, ParallelTask task, void* context) = nullptr;
};

}  // namespace xattn
