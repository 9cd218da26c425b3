// The measuring core of xattn-bench: input generation, the timed loop over
// encode + generate, percentiles, and the report (a table or JSON). It uses
// no OS: time comes from a caller's tick function (clock_gettime on posix, a
// cycle or SysTick counter on a board), text leaves through a caller's print
// function (stdout, a UART, semihosting), and every buffer is the caller's.
// The same numbers are therefore produced, and printed the same way, on a
// host and on a Cortex-M.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/session.h"

namespace xattn {
namespace bench {

struct Clock {
  uint64_t (*now)();          // monotonic ticks
  double ticks_per_second;
};

using PrintFn = void (*)(const char* text);

struct Plan {
  uint32_t sentences = 8;       // inputs per iteration
  uint32_t source_length = 16;  // generated inputs only
  uint64_t seed = 1;            // generated inputs only
  uint32_t beam = 1;
  uint32_t max_length = 64;     // decoding steps, end token included
  bool forced_length = false;   // exactly max_length steps, the end token ignored
  uint32_t warmup = 2;          // iterations run before measuring
  uint32_t iterations = 10;     // measured iterations (each runs every sentence)
};

// Inputs: sentence s is ids[offsets[s] .. offsets[s + 1]).
struct Inputs {
  const uint32_t* ids = nullptr;
  const uint32_t* offsets = nullptr;  // sentences + 1 entries
  uint32_t sentences = 0;
  // Audio models (Whisper): log-mel inputs instead of ids, one
  // [n_mels][frames] matrix per sentence, back to back.
  const float* features = nullptr;
  uint32_t n_mels = 0, frames = 0;
};

// Fills ids (sentences x source_length) and offsets (sentences + 1) with
// deterministic random source tokens, skipping the four special ids.
void generate_inputs(const ModelConfig& config, const Plan& plan, uint32_t* ids, uint32_t* offsets);
// Audio models: plan.sentences log-mel matrices [n_mels][frames], uniform in
// [-1, 1.5) (Whisper's normalized range), from plan.seed.
void generate_features(const Plan& plan, uint32_t n_mels, uint32_t frames, float* out);

struct Stats {
  double p50 = 0, p90 = 0, p99 = 0, mean = 0;
};

// Percentiles by nearest rank (p99 of 10 samples is the maximum). Sorts
// `values` in place.
Stats summarize(double* values, size_t count);

// Caller-owned sample storage: iterations x sentences doubles each.
struct Samples {
  double* encode_ms = nullptr;
  double* step_ms = nullptr;      // per decoding step (one token per beam)
  double* sentence_ms = nullptr;  // encode + generate
  size_t capacity = 0;
};

struct Measurement {
  Stats encode_ms, step_ms, sentence_ms;
  double tokens_per_second = 0;   // output tokens (of the best hypothesis) / total time
  uint64_t tokens = 0;            // output tokens over the measured iterations
  uint64_t steps = 0;             // decoding steps over the measured iterations
  uint32_t samples = 0;
};

// Runs plan.warmup + plan.iterations passes over the inputs. Fails on the
// first encode/generate error, or when the samples do not fit.
Status run(Session& session, const Plan& plan, const Inputs& inputs, const Clock& clock, Samples samples,
           Measurement* out);

// "int8", "f32" or "mixed": the dtype of the model's largest matrices (the
// output projection, the first encoder and decoder feed-forward).
const char* weight_kind(const ModelView& model);

// Bytes of weights one decoder step reads (every decoder matrix that runs on
// the step's token, their scales, row sums and biases, and the output
// projection; not the cross-attention K/V projection, which runs once per
// input).
uint64_t decoder_step_weight_bytes(const ModelView& model);

// Reads every byte of a buffer and returns a fold of them, e.g. the session
// kernel table's stream_read (the widest loads the kernels themselves use),
// or that on several threads: a function and the context it reads with.
struct Reader {
  uint64_t (*read)(const void* context, const uint8_t* bytes, size_t size) = nullptr;
  const void* context = nullptr;
  uint64_t operator()(const uint8_t* bytes, size_t size) const { return read(context, bytes, size); }
};

// Read bandwidth over `bytes` (the caller's buffer, e.g. as large as the
// decoder's weight working set) with `read`: the best of `repeats` passes
// after one warm pass, in GB/s.
double measure_read_bandwidth(const uint8_t* bytes, size_t size, const Clock& clock, uint32_t repeats,
                              Reader read);

// The roofline's bandwidth: reads the very bytes one decoder step reads (the
// model's own weight working set, where it lives, in the step's order) with
// `read`, and returns decoder_step_weight_bytes / time of the best of
// `repeats` passes after one warm pass, in GB/s.
double measure_step_read_bandwidth(const ModelView& model, const Clock& clock, uint32_t repeats, Reader read);

struct Report {
  const char* model = "";
  const char* weights = "";        // "int8", "f32" or "mixed"
  const char* kernels = "";
  const char* kv_cache = "f32";    // static encoder KV cache precision
  const char* self_kv_cache = "f32";  // decoder self-attention cache precision
  uint32_t threads = 1;            // Limits::threads
  // threads > 1: an in-cache int8 GEMM's time on the threads / on one,
  // measured before and after the run (compute_split.h); 0: not measured.
  double compute_split_before = 0, compute_split_after = 0;
  uint64_t model_bytes = 0;
  uint64_t arena_bytes = 0;
  Plan plan;
  Measurement measured;
  int64_t peak_rss_bytes = -1;     // -1: the OS has none
  int64_t allocations_one = -1;    // heap allocations in 1 iteration, -1: not counted
  int64_t allocations_many = -1;   // ... in allocation_iterations iterations
  uint32_t allocation_iterations = 0;
  bool roofline = false;
  uint64_t step_weight_bytes = 0;
  double bandwidth_gbps = 0;
};

void print_table(const Report& report, PrintFn print);
void print_json(const Report& report, PrintFn print);

}  // namespace bench
}  // namespace xattn
