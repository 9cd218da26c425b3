#include "bench_options.h"

#include <cstdlib>

namespace xattn {
namespace bench {

const char kUsage[] =
    "usage: xattn-bench (--model FILE | --preset P [--weights f32|int8|int4] [--model-seed S]) [options]\n"
    "  P: transformer-base, transformer-tiny, aren, t5-small, flan-t5-small, opus-mt, nllb-600m, whisper-tiny,\n"
    "     whisper-base\n"
    "     (random weights at real sizes)\n"
    "  --input FILE          one source sentence per line (tokens as text); default: generated inputs\n"
    "  --sentences N         generated inputs per iteration (8)\n"
    "  --source-length N     tokens per generated input (16); audio models: encoder positions,\n"
    "                        2 x as many log-mel frames (1500 = a 30 s window)\n"
    "  --seed S              seed of the generated inputs (1)\n"
    "  --beam N              beam size (1 = greedy)\n"
    "  --max-length N        decoding steps at most, end token included (64)\n"
    "  --output-length N     exactly N decoding steps, the end token ignored (equal work across runs)\n"
    "  --warmup N            unmeasured iterations first (2)\n"
    "  --iterations N        measured iterations (10)\n"
    "  --alloc-iterations N  heap-allocation proof: count allocations in 1 and in N iterations (1000; 0 = off)\n"
    "  --kernels NAME        force a kernel path (scalar, sse4.2, avx2, avx512, avx512-vnni, neon, ...)\n"
    "  --kv-cache P          static encoder KV cache precision: f32 (default), f16, int8\n"
    "  --self-kv-cache P     decoder self-attention cache precision: f32 (default), f16, int8\n"
    "  --threads N           split layers over N threads (1; a fixed pool made before the session);\n"
    "                        N > 1 also times an in-cache int8 GEMM on N threads and on one, before\n"
    "                        and after the run: what this host gives N threads now (\"host threads\")\n"
    "  --cpu N               pin the process to CPU N (with --threads T: CPUs N..N+T-1)\n"
    "  --roofline            measure read bandwidth and print the decoder step's lower bound\n"
    "  --kernel-figures      GEMV GB/s, GEMM GOPS and the machine's peaks, then exit\n"
    "  --json                JSON instead of the table\n"
    "  --tokenizer spm:FILE|tiktoken:FILE --input FILE   time the tokenizer's encode per line, then exit\n";

namespace {

bool number(const char* text, uint64_t* out) {
  if (!text || !*text) return false;
  char* end = nullptr;
  *out = std::strtoull(text, &end, 10);
  return *end == 0;
}

}  // namespace

std::string parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    uint64_t n = 0;
    auto need_number = [&](uint64_t lo, uint64_t hi) -> std::string {
      if (!number(value, &n) || n < lo || n > hi)
        return a + " needs a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
      ++i;
      return "";
    };
    std::string e;
    if (a == "-h" || a == "--help") {
      o->help = true;
    } else if (a == "--json") {
      o->json = true;
    } else if (a == "--roofline") {
      o->roofline = true;
    } else if (a == "--kernel-figures") {
      o->kernel_figures = true;
    } else if (!value) {
      return "unknown option or missing value: " + a;
    } else if (a == "--model") {
      o->model = argv[++i];
    } else if (a == "--preset") {
      o->preset = argv[++i];
    } else if (a == "--weights") {
      o->weights = argv[++i];
      if (o->weights != "f32" && o->weights != "int8" && o->weights != "int4") return "--weights must be f32, int8 or int4";
    } else if (a == "--input") {
      o->input = argv[++i];
    } else if (a == "--tokenizer") {
      o->tokenizer = argv[++i];
    } else if (a == "--kernels") {
      o->kernels = argv[++i];
    } else if (a == "--kv-cache") {
      if (!parse_kv_precision(argv[++i], &o->kv_cache)) return "--kv-cache must be f32, f16 or int8";
    } else if (a == "--self-kv-cache") {
      if (!parse_kv_precision(argv[++i], &o->self_kv_cache)) return "--self-kv-cache must be f32, f16 or int8";
    } else if (a == "--model-seed") {
      if ((e = need_number(0, ~0ull)).empty()) o->model_seed = n;
    } else if (a == "--seed") {
      if ((e = need_number(0, ~0ull)).empty()) o->plan.seed = n;
    } else if (a == "--sentences") {
      if ((e = need_number(1, 1u << 20)).empty()) o->plan.sentences = static_cast<uint32_t>(n);
    } else if (a == "--source-length") {
      if ((e = need_number(1, kMaxSequence)).empty()) o->plan.source_length = static_cast<uint32_t>(n);
    } else if (a == "--beam") {
      if ((e = need_number(1, kMaxBeam)).empty()) o->plan.beam = static_cast<uint32_t>(n);
    } else if (a == "--max-length") {
      if ((e = need_number(1, kMaxSequence)).empty()) o->plan.max_length = static_cast<uint32_t>(n);
    } else if (a == "--output-length") {
      if ((e = need_number(1, kMaxSequence)).empty()) {
        o->plan.max_length = static_cast<uint32_t>(n);
        o->plan.forced_length = true;
      }
    } else if (a == "--warmup") {
      if ((e = need_number(0, 1u << 20)).empty()) o->plan.warmup = static_cast<uint32_t>(n);
    } else if (a == "--iterations") {
      if ((e = need_number(1, 1u << 20)).empty()) o->plan.iterations = static_cast<uint32_t>(n);
    } else if (a == "--alloc-iterations") {
      if ((e = need_number(0, 1u << 20)).empty()) o->alloc_iterations = static_cast<uint32_t>(n);
    } else if (a == "--threads") {
      if ((e = need_number(1, kMaxThreads)).empty()) o->threads = static_cast<uint32_t>(n);
    } else if (a == "--cpu") {
      if ((e = need_number(0, 4095)).empty()) o->cpu = static_cast<int>(n);
    } else {
      return "unknown option " + a;
    }
    if (!e.empty()) return e;
  }
  if (o->help || o->kernel_figures) return "";
  if (!o->tokenizer.empty()) return o->input.empty() ? "--tokenizer needs --input FILE" : "";
  if (o->model.empty() == o->preset.empty()) return "give exactly one of --model FILE and --preset P";
  return "";
}

}  // namespace bench
}  // namespace xattn
