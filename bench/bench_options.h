// Command-line options of xattn-bench (posix driver).
#pragma once

#include <cstdint>
#include <string>

#include "bench_core.h"

namespace xattn {
namespace bench {

extern const char kUsage[];

struct Options {
  std::string model;               // a model file, or
  std::string preset;              // a synthetic model built in memory
  std::string weights = "int8";    // synthetic: f32 | int8 | int4
  uint64_t model_seed = 1;
  std::string input;               // one source sentence per line (tokens as text)
  std::string tokenizer;           // time a tokenizer instead: spm:FILE or tiktoken:FILE
  std::string kernels;             // force a kernel path by name
  KvPrecision kv_cache = KvPrecision::kFloat32;       // storage of the static encoder KV cache
  KvPrecision self_kv_cache = KvPrecision::kFloat32;  // and of the decoder self-attention cache
  Plan plan;
  uint32_t alloc_iterations = 1000;
  uint32_t threads = 1;            // Limits::threads, run on a ThreadPool
  int cpu = -1;                    // pin to this CPU (and the next threads - 1)
  bool json = false;
  bool roofline = false;
  bool kernel_figures = false;
  bool help = false;
};

// "" or a one-line error.
std::string parse_options(int argc, char** argv, Options* out);

}  // namespace bench
}  // namespace xattn
