// A linear layer, float32, int8 or int4 (int8 and int4 with CTranslate2's dynamic per-row
// activation quantization), on the kernel open_model chose for its weight
// (MatrixView::kernel) from the session's kernel table; split over the
// session's threads when the layer is large enough: by activation rows for
// integer layers of many rows, otherwise by rows of W.
#pragma once

#include <cstddef>

#include "kernels/kernels.h"
#include "xattn/arena.h"
#include "xattn/model.h"
#include "xattn/parallel.h"

namespace xattn {

// A layer is split only when it has at least twice this many multiply-adds
// (activation rows x rows of W x k), so each of two threads gets this much. Waking the pool and
// waiting for it costs about 2-5 us on a 2-core x86 host with spinning
// workers (more when they sleep); 2^17 int8 multiply-adds stream 128 KiB of
// weights for one activation row, about 10 us at 13 GB/s, so a smaller
// share would spend a large part of its time on the hand-off. This keeps the
// single-token decoder of small models (d_model 256: 64 Ki per d x d layer)
// on one thread.
constexpr size_t kMinTaskMultiplyAdds = size_t{1} << 17;
// Once split, a layer is cut into pieces of at least this much work (up to
// kTasksPerThread per thread): claiming a piece costs well under a
// microsecond, 2^15 multiply-adds take a few.
constexpr size_t kMinPieceMultiplyAdds = size_t{1} << 15;

// A layer of int8 or int4 weights with at least kRowSplitMinRows (xattn/arena.h)
// activation rows (the encoder's, a cross-attention cache fill) is split by
// those rows instead, in pieces of whole multiples of kMinRowsPerTask, up to
// kRowTasksPerThread per thread: each task quantizes its rows and multiplies
// them by all of W (which stays in cache for the other threads), so nothing
// runs before the split and nothing is staged or copied after it.
// kMinRowsPerTask is also the largest tile of activation rows any kernel
// uses (AVX-512's float32 and VNNI tiles): pieces of whole multiples of it
// tile their rows as the whole call does.
constexpr size_t kMinRowsPerTask = 8;
constexpr uint32_t kRowTasksPerThread = 2;
static_assert(kRowSplitMinRows >= 2 * kMinRowsPerTask, "a split by activation rows makes at least two tasks");
static_assert(kParallelStageActivationRows % kMinRowsPerTask == 0, "staged blocks are whole tiles");

// What every linear layer of a session shares, fixed at init: the kernel
// table, the int8 activation scratch (rows x cols bytes, rows floats, sized
// by the arena plan), the model's activation rounding, and the threads with
// their per-task scratch (xattn/arena.h, task_*).
struct LinearContext {
  const kernels::KernelTable* kernels = nullptr;
  int8_t* quantized = nullptr;
  float* quantized_scales = nullptr;
  Rounding rounding = Rounding::kNearestEven;
  ParallelFor parallel;   // used when tasks > 1
  uint32_t tasks = 1;     // Limits::threads
  uint8_t* task_quantized = nullptr;  // a slot of task_quantized_slot bytes per thread
  size_t task_quantized_slot = 0;
  uint8_t* task_output = nullptr;     // a slot of task_output_slot bytes per thread
  size_t task_output_slot = 0;
  size_t min_task_work = kMinTaskMultiplyAdds;    // tests lower these to split small shapes
  size_t min_piece_work = kMinPieceMultiplyAdds;
};

// Tasks a layer of `rows` activation rows and an n x k weight is split into
// (1: not split): chunks are whole 16-row blocks (format layout 1 and 2
// block height).
size_t linear_tasks(const LinearContext& context, size_t rows, size_t n, size_t k);

// Tasks a layer is split into by activation rows (1: not split that way;
// then linear_tasks decides).
size_t linear_row_tasks(const LinearContext& context, LinearKernel kernel, size_t rows, size_t n, size_t k);

// Activation rows per task of a split by them into `tasks`: whole multiples
// of kMinRowsPerTask (the kernels' row tiles). For the count
// linear_row_tasks returns, every task gets rows.
size_t row_chunk(size_t rows, size_t tasks);

// y[rows x out] = x[rows x in] . W^T + bias. y must not alias x.
void linear(const LinearContext& context, const LinearView& layer, const float* x, size_t rows, float* y);

// The same for an int8 or int4 layer, on the calling thread: x's rows are
// quantized into q (rows x in bytes) and q_scales (rows floats), which no
// other thread may use meanwhile. A row's outputs are the bits linear gives
// it, whichever rows share the call (integer sums are exact).
void linear_rows(const LinearContext& context, const LinearView& layer, const float* x, size_t rows, int8_t* q,
                 float* q_scales, float* y);

}  // namespace xattn
