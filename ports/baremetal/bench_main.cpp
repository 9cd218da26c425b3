// xattn-bench on a Cortex-M board: the benchmark's measuring core
// (bench/bench_core.h) over the datenorm int8 model embedded in flash, timed
// by the board's cycle counter (clock.c) and printed over semihosting, so the
// table reads as xattn-bench's on a host (no peak RSS line: no OS to ask).
// Exits 0 when the run completes, 1 on any error. Sizes are small so a run
// takes seconds under QEMU; on a board, configure with -DXATTN_BENCH_ITERATIONS=N.
#include <cstdio>

#include "bench_core.h"
#include "clock.h"
#include "datenorm_model.h"
#include "xattn/arena.h"
#include "xattn/model.h"
#include "xattn/xattn.h"

#ifndef XATTN_BOARD
#define XATTN_BOARD "unknown board"
#endif
#if !defined(XATTN_CORE_HZ) || !defined(XATTN_BENCH_ITERATIONS)
#error "XATTN_CORE_HZ (the cycle counter's rate) and XATTN_BENCH_ITERATIONS come from ports/baremetal/CMakeLists.txt"
#endif

namespace xb = xattn::bench;

namespace {

constexpr uint32_t kSentences = 2;
constexpr uint32_t kWarmup = 1;
constexpr uint32_t kIterations = XATTN_BENCH_ITERATIONS;
// The embedded header's limits: its session buffer was planned for them.
constexpr uint32_t kSourceLength = DATENORM_MODEL_MAX_SOURCE;
constexpr uint32_t kSteps = DATENORM_MODEL_MAX_TARGET;
constexpr size_t kSlots = static_cast<size_t>(kSentences) * kIterations;

xattn::ModelView model;
xattn::Session session;
// The C API's session buffer is the planner's arena plus its handle; the C++
// Session here is a separate object, so only the arena is needed.
alignas(64) uint8_t arena[DATENORM_MODEL_SESSION_BYTES - XATTN_SESSION_HANDLE_BYTES];
uint32_t ids[kSentences * kSourceLength];
uint32_t offsets[kSentences + 1];
double samples[3 * kSlots];

void print_console(const char* text) { std::fputs(text, stdout); }

int fail(const char* what, const xattn::Status& status) {
  std::printf("FAIL: %s: %s\n", what, status.message());
  return 1;
}

}  // namespace

int main() {
  clock_start();
  const xb::Clock clock{clock_cycles, static_cast<double>(XATTN_CORE_HZ)};
  std::printf("xattn-bench firmware on %s: %s at %lu Hz\n\n", XATTN_BOARD, clock_source(),
              static_cast<unsigned long>(XATTN_CORE_HZ));

  xattn::Status st = xattn::open_model(datenorm_model, DATENORM_MODEL_BYTES, &model);
  if (!st.is_ok()) return fail("open_model", st);
  xattn::Limits limits;
  limits.max_source_length = kSourceLength;
  limits.max_target_length = kSteps;
  limits.max_beam = DATENORM_MODEL_MAX_BEAM;
  limits.alignment = DATENORM_MODEL_ALIGNMENT != 0;
  st = session.init(model, limits, arena, sizeof arena);
  if (!st.is_ok()) return fail("session init", st);

  // Every sentence runs exactly kSteps decoding steps, so runs compare equal work.
  xb::Plan plan;
  plan.sentences = kSentences;
  plan.source_length = kSourceLength;
  plan.beam = 1;
  plan.max_length = kSteps;
  plan.forced_length = true;
  plan.warmup = kWarmup;
  plan.iterations = kIterations;
  xb::generate_inputs(model.config, plan, ids, offsets);
  const xb::Inputs inputs{ids, offsets, kSentences};
  const xb::Samples slots{samples, samples + kSlots, samples + 2 * kSlots, kSlots};

  xb::Report report;
  report.model = "datenorm-int8.xattn in flash";
  report.weights = xb::weight_kind(model);
  report.kernels = session.kernel_name();
  report.model_bytes = DATENORM_MODEL_BYTES;
  report.arena_bytes = xattn::arena_bytes(model.config, limits);
  report.plan = plan;
  st = xb::run(session, plan, inputs, clock, slots, &report.measured);
  if (!st.is_ok()) return fail("run", st);
  xb::print_table(report, print_console);
  return 0;
}
