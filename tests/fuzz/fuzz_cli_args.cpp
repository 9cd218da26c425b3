// libFuzzer target: the command-line parser (ports/posix/cli_args). The
// input is an argument vector, words separated by NUL bytes, read with
// `xattn translate`'s option table. Must hold: no crash or UB; the error is
// one line (no control bytes, however hostile the arguments); a parse that
// succeeds read every value with the type it was declared with.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli_args.h"

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < size && words.size() < 64; ++i) {
    if (data[i] == 0) {
      words.emplace_back();
    } else {
      words.back() += static_cast<char>(data[i]);
    }
  }
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(&w[0]);
  argv.push_back(nullptr);
  using xattn::posix::Args;
  Args args(static_cast<int>(words.size()), argv.data(), 0,
            {{"--model", true}, {"--beam", true}, {"--length-penalty", true}, {"--suppress", true, true},
             {"--scores", false}, {"--kv-cache", true}, {"--max-length", true}});
  std::string model;
  uint32_t beam = 1, max_length = 0;
  float penalty = 1.0f;
  xattn::KvPrecision kv = xattn::KvPrecision::kFloat32;
  const bool has_beam = args.number("--beam", 1, 64, &beam);
  args.number("--max-length", 1, 16384, &max_length);
  args.text("--model", &model);
  args.real("--length-penalty", &penalty);
  args.kv_precision("--kv-cache", &kv);
  args.all("--suppress");
  args.flag("--scores");
  std::string positional;
  args.positional(&positional);
  const std::string error = args.finish();
  for (char c : error) require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "a control byte in the error");
  if (error.empty()) {
    require(!has_beam || (beam >= 1 && beam <= 64), "--beam out of its range");
    require(penalty == penalty, "a NaN length penalty accepted");
  }
  return 0;
}
