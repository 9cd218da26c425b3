#include "nn/linear.h"

#include <cassert>
#include <cstring>

#include "xattn/arena.h"
#include "xattn/format.h"

namespace xattn {
namespace {

// One kernel call on rows [r0, r0 + n) of W for m activation rows; y is
// [m x n]. x holds float activations, c.quantized (for int8 and int4) the
// quantized ones; a kernel that overwrites its input gets a copy in
// q_scratch when that is a separate buffer (other tasks still read them).
// r0 is a multiple of the 16-row block, so packed weights start at r0 * k
// elements in layouts 1 and 2, and int4's nibbles at r0 * k / 2 bytes, its
// group scales at r0 * k / 32 (FORMAT.md, layouts 1 to 3).
struct Call {
  const LinearContext* c;
  const LinearView* l;
  const float* x;
  size_t m;
};

int8_t* kernel_input(const LinearContext& c, bool kernel_keeps_q, int8_t* q_scratch, size_t bytes) {
  if (kernel_keeps_q || q_scratch == c.quantized) return c.quantized;
  std::memcpy(q_scratch, c.quantized, bytes);
  return q_scratch;
}

void run_kernel(const Call& call, int8_t* q_scratch, size_t r0, size_t n, float* y) {
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
      c.kernels->linear_i8(c.quantized, c.quantized_scales, m, k, static_cast<const int8_t*>(w.data) + r0 * k,
                           w.scales + r0, bias, n, y);
      return;
    case LinearKernel::kInt8Packed:
      c.kernels->linear_i8_packed(kernel_input(c, c.kernels->linear_i8_packed_keeps_q, q_scratch, m * k),
                                  c.quantized_scales, m, k, static_cast<const int8_t*>(w.data) + r0 * k,
                                  w.row_sums + r0, w.scales + r0, bias, n, y);
      return;
    case LinearKernel::kInt4:
      c.kernels->linear_i4(kernel_input(c, c.kernels->linear_i4_keeps_q, q_scratch, m * k), c.quantized_scales, m, k,
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
// go through its thread's staging slot kParallelStageRows rows of W at a time,
// then to their strided place in y.
void linear_task(void* context, uint32_t t, uint32_t thread) {
  const Split& s = *static_cast<const Split*>(context);
  const LinearContext& c = *s.call.c;
  const size_t begin = t * s.chunk;
  const size_t end = begin + s.chunk < s.n ? begin + s.chunk : s.n;
  int8_t* q = reinterpret_cast<int8_t*>(c.task_quantized + thread * c.task_quantized_slot);
  if (s.call.m == 1) {
    run_kernel(s.call, q, begin, end - begin, s.y + begin);
    return;
  }
  float* stage = reinterpret_cast<float*>(c.task_output + thread * c.task_output_slot);
  for (size_t r0 = begin; r0 < end; r0 += kParallelStageRows) {
    const size_t n = end - r0 < kParallelStageRows ? end - r0 : kParallelStageRows;
    run_kernel(s.call, q, r0, n, stage);
    for (size_t i = 0; i < s.call.m; ++i) std::memcpy(s.y + i * s.n + r0, stage + i * n, n * sizeof(float));
  }
}

size_t blocks(size_t n) { return (n + format::kPackRows - 1) / format::kPackRows; }

}  // namespace

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
  if (w.kernel >= LinearKernel::kInt8) {
    // Once, before any split: every task reads the same quantized rows.
    context.kernels->quantize_rows(x, rows, w.cols, context.rounding, context.quantized, context.quantized_scales);
  }
  Split s;
  s.call = Call{&context, &layer, x, rows};
  s.n = w.rows;
  s.y = y;
  const size_t tasks = linear_tasks(context, rows, w.rows, w.cols);
  if (tasks == 1) {
    run_kernel(s.call, context.quantized, 0, w.rows, y);
    return;
  }
  s.chunk = (blocks(w.rows) + tasks - 1) / tasks * format::kPackRows;
  context.parallel.run(context.parallel.pool, context.tasks, static_cast<uint32_t>(tasks), linear_task, &s);
}

}  // namespace xattn
