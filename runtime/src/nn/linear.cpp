#include "nn/linear.h"

#include <cassert>
#include <cstring>

#include "xattn/arena.h"
#include "xattn/format.h"

namespace xattn {
namespace {

// One kernel call on rows [r0, r0 + n) of W for m activation rows; y is
// [m x n]. x holds float activations, q (for int8 and int4) the quantized
// ones. r0 is a multiple of the 16-row block, so packed weights start at r0 * k
// elements in layouts 1 and 2, and int4's nibbles at r0 * k / 2 bytes, its
// group scales at r0 * k / 32 (FORMAT.md, layouts 1 to 3).
struct Call {
  const LinearContext* c;
  const LinearView* l;
  const float* x;
  size_t m;
};

// Whether the kernel for `kernel` leaves its quantized input as it found it.
bool keeps_input(const LinearContext& c, LinearKernel kernel) {
  return kernel == LinearKernel::kInt8Packed ? c.kernels->linear_i8_packed_keeps_q
         : kernel == LinearKernel::kInt4     ? c.kernels->linear_i4_keeps_q
                                             : true;
}

// The quantized rows a task of a split by rows of W hands its kernel: the
// shared ones, or a copy in its thread's slot when the kernel overwrites them.
int8_t* kernel_input(const LinearContext& c, LinearKernel kernel, int8_t* q_scratch, size_t bytes) {
  if (keeps_input(c, kernel)) return c.quantized;
  assert(bytes <= c.task_quantized_slot);
  std::memcpy(q_scratch, c.quantized, bytes);
  return q_scratch;
}

// q and q_scales: the call's quantized rows (int8 and int4 kernels).
void run_kernel(const Call& call, int8_t* q, const float* q_scales, size_t r0, size_t n, float* y) {
  const LinearContext& c = *call.c;
  const MatrixView& w = call.l->weight;
  const size_t k = w.cols, m = call.m;
  const float* bias = call.l->bias ? call.l->bias + r0 : nullptr;
  switch (w.kernel) {
    case LinearKernel::kFloat32:
      c.kernels->linear_f32(call.x, m, k, static_cast<const float*>(w.data) + r0 * k, bias, n, y);
      return;
    case LinearKernel::kFloat32Packed:
      c.kernels->linear_f32_packed(call.x, m, k, static_cast<const float*>(w.data) + r0 * k, bias, n, y);
      return;
    case LinearKernel::kInt8:
      c.kernels->linear_i8(q, q_scales, m, k, static_cast<const int8_t*>(w.data) + r0 * k,
                           w.scales + r0, bias, n, y);
      return;
    case LinearKernel::kInt8Packed:
      c.kernels->linear_i8_packed(q, q_scales, m, k, static_cast<const int8_t*>(w.data) + r0 * k,
                                  w.row_sums + r0, w.scales + r0, bias, n, y);
      return;
    case LinearKernel::kInt4:
      c.kernels->linear_i4(q, q_scales, m, k,
                           static_cast<const uint8_t*>(w.data) + r0 * k / 2,
                           w.group_scales + r0 * (k / format::kInt4Group), w.row_sums + r0, w.scales + r0, bias, n, y);
      return;
    default:
      assert(false);
  }
}

struct Split {
  Call call;
  size_t n = 0;      // rows of W
  size_t chunk = 0;  // rows of W per task, a multiple of 16
  float* y = nullptr;
};

// Task t: its rows of W. One activation row writes straight into y; several
// go through its thread's staging slot, kParallelStageRows rows of W by as
// many activation rows as the slot holds at a time, then to their strided
// place in y. The float kernels tile activation rows from the first in tiles
// of up to kMinRowsPerTask, and a row's sums follow its tile's shape, so the
// blocks are whole multiples of it: their tiles are the whole call's, bit for bit.
void linear_task(void* context, uint32_t t, uint32_t thread) {
  const Split& s = *static_cast<const Split*>(context);
  const LinearContext& c = *s.call.c;
  const size_t begin = t * s.chunk;
  const size_t end = begin + s.chunk < s.n ? begin + s.chunk : s.n;
  int8_t* slot = reinterpret_cast<int8_t*>(c.task_quantized + thread * c.task_quantized_slot);
  const size_t k = s.call.l->weight.cols, m = s.call.m;
  const bool integer = s.call.l->weight.kernel >= LinearKernel::kInt8;
  int8_t* q = integer ? kernel_input(c, s.call.l->weight.kernel, slot, m * k) : nullptr;
  if (m == 1) {
    run_kernel(s.call, q, c.quantized_scales, begin, end - begin, s.y + begin);
    return;
  }
  float* stage = reinterpret_cast<float*>(c.task_output + thread * c.task_output_slot);
  const size_t held = c.task_output_slot / (kParallelStageRows * sizeof(float));  // activation rows the slot holds
  const size_t block = held >= m ? m : held / kMinRowsPerTask * kMinRowsPerTask;
  assert(block > 0);
  for (size_t r0 = begin; r0 < end; r0 += kParallelStageRows) {
    const size_t n = end - r0 < kParallelStageRows ? end - r0 : kParallelStageRows;
    for (size_t i0 = 0; i0 < m; i0 += block) {
      const size_t rows = m - i0 < block ? m - i0 : block;
      int8_t* qi = q != nullptr ? q + i0 * k : nullptr;
      // A kernel that overwrites its input gets a fresh copy for every call after the first.
      if (q != nullptr && q != c.quantized && (r0 != begin || i0 != 0)) std::memcpy(qi, c.quantized + i0 * k, rows * k);
      run_kernel(Call{&c, s.call.l, s.call.x + i0 * k, rows}, qi, c.quantized_scales + i0, r0, n, stage);
      for (size_t i = 0; i < rows; ++i) std::memcpy(s.y + (i0 + i) * s.n + r0, stage + i * n, n * sizeof(float));
    }
  }
}

size_t blocks(size_t n) { return (n + format::kPackRows - 1) / format::kPackRows; }

struct RowSplit {
  Call call;
  size_t chunk = 0;  // activation rows per task
  float* y = nullptr;
};

// Task t of a split by activation rows: it quantizes its own rows (in their
// place in the shared scratch: no other task reads them) and multiplies them
// by all of W, straight into their rows of y.
void row_task(void* context, uint32_t t, uint32_t) {
  const RowSplit& s = *static_cast<const RowSplit*>(context);
  const LinearContext& c = *s.call.c;
  const MatrixView& w = s.call.l->weight;
  const size_t k = w.cols, begin = t * s.chunk;
  const size_t rows = begin + s.chunk < s.call.m ? s.chunk : s.call.m - begin;
  linear_rows(c, *s.call.l, s.call.x + begin * k, rows, c.quantized + begin * k, c.quantized_scales + begin,
              s.y + begin * w.rows);
}

}  // namespace

void linear_rows(const LinearContext& c, const LinearView& layer, const float* x, size_t rows, int8_t* q,
                 float* q_scales, float* y) {
  const MatrixView& w = layer.weight;
  assert(w.kernel >= LinearKernel::kInt8 && rows > 0);
  c.kernels->quantize_rows(x, rows, w.cols, c.rounding, q, q_scales);
  run_kernel(Call{&c, &layer, x, rows}, q, q_scales, 0, w.rows, y);
}

size_t row_chunk(size_t rows, size_t tasks) {
  return (rows + tasks * kMinRowsPerTask - 1) / (tasks * kMinRowsPerTask) * kMinRowsPerTask;
}

size_t linear_row_tasks(const LinearContext& c, LinearKernel kernel, size_t rows, size_t n, size_t k) {
  // Integer kernels only: their sums are exact, so a row's outputs do not
  // depend on which rows share its call. A float kernel's tile shape can
  // change the order of its additions.
  if (c.tasks <= 1 || kernel < LinearKernel::kInt8 || rows < kRowSplitMinRows) return 1;
  if (rows * n * k / c.min_task_work < 2) return 1;
  size_t tasks = rows / kMinRowsPerTask;
  const size_t most = size_t{kRowTasksPerThread} * c.tasks;
  if (tasks > most) tasks = most;
  const size_t chunk = row_chunk(rows, tasks);
  return (rows + chunk - 1) / chunk;
}

size_t linear_tasks(const LinearContext& c, size_t rows, size_t n, size_t k) {
  if (c.tasks <= 1) return 1;
  const size_t work = rows * n * k;
  if (work / c.min_task_work < 2 || blocks(n) < 2) return 1;
  size_t tasks = work / c.min_piece_work;
  // One activation row (a decoder step's GEMV) is bound by memory: a piece
  // per thread keeps each thread's stream through W unbroken, which measured
  // faster than finer pieces (bench/README.md, "Threads").
  const size_t per_thread = rows == 1 ? 1 : size_t{kTasksPerThread};
  if (tasks > per_thread * c.tasks) tasks = per_thread * c.tasks;
  if (tasks > blocks(n)) tasks = blocks(n);
  // Whole blocks per task; rounding up may leave fewer tasks with work.
  const size_t chunk = (blocks(n) + tasks - 1) / tasks * format::kPackRows;
  return (n + chunk - 1) / chunk;
}

void linear(const LinearContext& context, const LinearView& layer, const float* x, size_t rows, float* y) {
  const MatrixView& w = layer.weight;
  assert(w.data != nullptr && static_cast<uint8_t>(w.kernel) < kLinearKernelCount);
  assert(x != y && rows > 0);
  assert(w.kernel < LinearKernel::kInt8 || (w.scales != nullptr && context.quantized != nullptr));
  assert(w.kernel != LinearKernel::kInt8Packed || (w.row_sums != nullptr && w.cols % format::kPackCols == 0));
  assert(w.kernel != LinearKernel::kInt4 || (w.row_sums != nullptr && w.group_scales != nullptr &&
                                             w.cols % format::kInt4Group == 0 && w.cols <= format::kInt4MaxCols));
  Split s;
  s.call = Call{&context, &layer, x, rows};
  const size_t row_tasks = linear_row_tasks(context, w.kernel, rows, w.rows, w.cols);
  if (row_tasks > 1) {
    RowSplit r{s.call, row_chunk(rows, row_tasks), y};
    context.parallel.run(context.parallel.pool, context.tasks, static_cast<uint32_t>(row_tasks), row_task, &r);
    return;
  }
  if (w.kernel >= LinearKernel::kInt8) {
    // Once, before a split by rows of W: every task reads the same quantized rows.
    context.kernels->quantize_rows(x, rows, w.cols, context.rounding, context.quantized, context.quantized_scales);
  }
  s.n = w.rows;
  s.y = y;
  const size_t tasks = linear_tasks(context, rows, w.rows, w.cols);
  if (tasks == 1) {
    run_kernel(s.call, context.quantized, context.quantized_scales, 0, w.rows, y);
    return;
  }
  s.chunk = (blocks(w.rows) + tasks - 1) / tasks * format::kPackRows;
  context.parallel.run(context.parallel.pool, context.tasks, static_cast<uint32_t>(tasks), linear_task, &s);
}

}  // namespace xattn
