#include "tokenizer_bench.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <vector>

#include "allocation_counter.h"
#include "byte_bpe_files.h"
#include "spm_model.h"
#include "tokenizer_blob_writer.h"
#include "xattn/tokenizer.h"

namespace xattn {
namespace bench {
namespace {

uint64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

int fail(const std::string& message) {
  std::fprintf(stderr, "xattn-bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int run_tokenizer_bench(const std::string& spec, const std::string& input, const Plan& plan,
                        void (*print)(const char*)) {
  convert::TokenizerSpec tokenizer_spec;
  std::string error;
  if (spec.rfind("spm:", 0) == 0) {
    error = convert::read_sentencepiece_model(spec.substr(4), &tokenizer_spec);
  } else if (spec.rfind("tiktoken:", 0) == 0) {
    error = convert::read_tiktoken_file(spec.substr(9), &tokenizer_spec);
  } else {
    return fail("--tokenizer takes spm:FILE or tiktoken:FILE");
  }
  std::vector<uint8_t> bytes;
  if (error.empty()) error = convert::build_tokenizer_blob(tokenizer_spec, &bytes);
  if (!error.empty()) return fail(error);
  std::vector<uint64_t> blob((bytes.size() + 7) / 8);
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<uint8_t*>(blob.data()));
  Tokenizer t;
  Status status = Tokenizer::open(blob.data(), bytes.size(), &t);
  if (!status) return fail(status.message());

  std::ifstream in(input);
  if (!in) return fail("cannot read " + input);
  std::vector<std::string> lines;
  size_t longest = 0, total_bytes = 0;
  for (std::string line; std::getline(in, line);) {
    longest = std::max(longest, line.size());
    total_bytes += line.size();
    lines.push_back(line);
  }
  if (lines.empty()) return fail(input + " holds no lines");
  std::vector<uint64_t> scratch((t.scratch_bytes(longest) + 7) / 8);
  std::vector<uint32_t> ids(t.max_ids(longest));
  size_t total_ids = 0;
  std::vector<double> per_line_us;
  long allocations = 0;
  for (uint32_t pass = 0; pass < plan.warmup + plan.iterations; ++pass) {
    posix::allocation_window_open();
    const uint64_t start = now_ns();
    size_t pass_ids = 0;
    for (const std::string& line : lines) {
      size_t count = 0;
      status = t.encode(line.data(), line.size(), scratch.data(), scratch.size() * 8, ids.data(), ids.size(), &count);
      if (!status) break;
      pass_ids += count;
    }
    const uint64_t elapsed = now_ns() - start;
    allocations += posix::allocation_window_close();
    if (!status) return fail(status.message());
    total_ids = pass_ids;
    if (pass >= plan.warmup) per_line_us.push_back(static_cast<double>(elapsed) / 1e3 / lines.size());
  }
  std::sort(per_line_us.begin(), per_line_us.end());
  char text[512];
  std::snprintf(text, sizeof text,
                "tokenizer %s\n  lines %zu (%.1f bytes, %.1f ids per line)\n"
                "  encode: %.2f us per line (median of %zu passes; min %.2f, max %.2f)\n"
                "  blob %zu bytes; scratch for the longest line (%zu bytes) %zu bytes; heap allocations while encoding %ld\n",
                spec.c_str(), lines.size(), static_cast<double>(total_bytes) / lines.size(),
                static_cast<double>(total_ids) / lines.size(), per_line_us[per_line_us.size() / 2],
                per_line_us.size(), per_line_us.front(), per_line_us.back(), bytes.size(), longest,
                t.scratch_bytes(longest), allocations);
  print(text);
  return 0;
}

}  // namespace bench
}  // namespace xattn
