// xattn-bench --tokenizer: microseconds per line of the runtime tokenizer's
// encode on a text file (posix driver only; the converter builds the blob).
#pragma once

#include <string>

#include "bench_core.h"

namespace xattn {
namespace bench {

// spec: "spm:FILE" or "tiktoken:FILE". Runs plan.warmup + plan.iterations
// passes over every line of `input`; prints the median per line, the blob
// and scratch sizes and the heap allocations made while encoding. Returns
// the exit status.
int run_tokenizer_bench(const std::string& spec, const std::string& input, const Plan& plan,
                        void (*print)(const char*));

}  // namespace bench
}  // namespace xattn
