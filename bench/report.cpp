// The report of xattn-bench: a human-readable table, or JSON for scripts.
// snprintf into a stack buffer and the caller's print function: no heap, no
// streams, so boards print exactly what hosts print.
#include <cstdio>

#include "bench_core.h"

namespace xattn {
namespace bench {
namespace {

class Printer {
 public:
  explicit Printer(PrintFn print) : print_(print) {}
  template <class... A>
  void operator()(const char* format, A... args) {
    char line[256];
    std::snprintf(line, sizeof line, format, args...);
    print_(line);
  }

 private:
  PrintFn print_;
};

double roofline_bound_ms(const Report& r) {
  return r.bandwidth_gbps > 0 ? static_cast<double>(r.step_weight_bytes) / (r.bandwidth_gbps * 1e9) * 1e3 : 0;
}

void table_row(Printer& p, const char* name, const Stats& s) {
  p("%-24s %10.4f %10.4f %10.4f %10.4f\n", name, s.p50, s.p90, s.p99, s.mean);
}

void json_stats(Printer& p, const char* name, const Stats& s, const char* tail) {
  p("  \"%s\": {\"p50\": %.6f, \"p90\": %.6f, \"p99\": %.6f, \"mean\": %.6f}%s\n", name, s.p50, s.p90, s.p99,
    s.mean, tail);
}

}  // namespace

void print_table(const Report& r, PrintFn print) {
  Printer p(print);
  const Plan& plan = r.plan;
  const Measurement& m = r.measured;
  p("model          %s (%s weights, %llu bytes)\n", r.model, r.weights, static_cast<unsigned long long>(r.model_bytes));
  p("kernels        %s, %u thread%s\n", r.kernels, r.threads, r.threads == 1 ? "" : "s");
  if (r.compute_split_before > 0) {
    p("host threads   an in-cache int8 GEMM on %u threads: %.2fx of one thread's time before the run, %.2fx after"
      " (%.2fx on free, equal cores)\n", r.threads, r.compute_split_before, r.compute_split_after, 1.0 / r.threads);
  }
  p("arena          %llu bytes (KV cache %s, self-attention cache %s)\n", static_cast<unsigned long long>(r.arena_bytes),
    r.kv_cache, r.self_kv_cache);
  p("work           %u sentences x %u iterations (+%u warm-up), beam %u, %s %u steps\n", plan.sentences,
    plan.iterations, plan.warmup, plan.beam, plan.forced_length ? "exactly" : "at most", plan.max_length);
  p("\n%-24s %10s %10s %10s %10s\n", "latency (ms)", "p50", "p90", "p99", "mean");
  table_row(p, "encoder", m.encode_ms);
  table_row(p, "decoder per token", m.step_ms);
  table_row(p, "end-to-end per sentence", m.sentence_ms);
  p("\ntokens/s       %.1f (%llu tokens, %llu steps, %u samples)\n", m.tokens_per_second,
    static_cast<unsigned long long>(m.tokens), static_cast<unsigned long long>(m.steps), m.samples);
  if (r.peak_rss_bytes >= 0) p("peak RSS       %.1f MiB\n", static_cast<double>(r.peak_rss_bytes) / 1048576.0);
  if (r.allocations_one >= 0) {
    p("heap allocs    %lld in 1 iteration, %lld in %u iterations%s\n", static_cast<long long>(r.allocations_one),
      static_cast<long long>(r.allocations_many), r.allocation_iterations,
      r.allocations_one == r.allocations_many ? " (equal: nothing in the loop allocates)" : " (DIFFERENT)");
  }
  if (r.roofline) {
    const double bound = roofline_bound_ms(r);
    p("roofline       %.2f MB of weights per step / %.1f GB/s = %.4f ms bound; step p50 %.4f ms = %.2fx bound\n",
      static_cast<double>(r.step_weight_bytes) / 1e6, r.bandwidth_gbps, bound, m.step_ms.p50,
      bound > 0 ? m.step_ms.p50 / bound : 0.0);
  }
}

void print_json(const Report& r, PrintFn print) {
  Printer p(print);
  const Plan& plan = r.plan;
  const Measurement& m = r.measured;
  p("{\n  \"model\": \"%s\",\n  \"weights\": \"%s\",\n  \"kernels\": \"%s\",\n", r.model, r.weights, r.kernels);
  p("  \"kv_cache\": \"%s\",\n  \"self_kv_cache\": \"%s\",\n", r.kv_cache, r.self_kv_cache);
  p("  \"threads\": %u,\n", r.threads);
  if (r.compute_split_before > 0) {
    p("  \"compute_split_before\": %.4f,\n  \"compute_split_after\": %.4f,\n", r.compute_split_before,
      r.compute_split_after);
  }
  p("  \"model_bytes\": %llu,\n  \"arena_bytes\": %llu,\n", static_cast<unsigned long long>(r.model_bytes),
    static_cast<unsigned long long>(r.arena_bytes));
  p("  \"sentences\": %u,\n  \"iterations\": %u,\n  \"warmup\": %u,\n  \"beam\": %u,\n", plan.sentences,
    plan.iterations, plan.warmup, plan.beam);
  p("  \"max_length\": %u,\n  \"forced_length\": %s,\n", plan.max_length, plan.forced_length ? "true" : "false");
  json_stats(p, "encoder_ms", m.encode_ms, ",");
  json_stats(p, "decoder_token_ms", m.step_ms, ",");
  json_stats(p, "sentence_ms", m.sentence_ms, ",");
  p("  \"tokens_per_second\": %.3f,\n  \"tokens\": %llu,\n  \"steps\": %llu,\n", m.tokens_per_second,
    static_cast<unsigned long long>(m.tokens), static_cast<unsigned long long>(m.steps));
  if (r.peak_rss_bytes >= 0) p("  \"peak_rss_bytes\": %lld,\n", static_cast<long long>(r.peak_rss_bytes));
  if (r.allocations_one >= 0) {
    p("  \"allocations_1_iteration\": %lld,\n  \"allocations_n_iterations\": %lld,\n  \"allocation_iterations\": %u,\n",
      static_cast<long long>(r.allocations_one), static_cast<long long>(r.allocations_many), r.allocation_iterations);
  }
  if (r.roofline) {
    const double bound = roofline_bound_ms(r);
    p("  \"step_weight_bytes\": %llu,\n  \"bandwidth_gbps\": %.3f,\n  \"roofline_bound_ms\": %.6f,\n",
      static_cast<unsigned long long>(r.step_weight_bytes), r.bandwidth_gbps, bound);
    p("  \"roofline_ratio\": %.4f,\n", bound > 0 ? m.step_ms.p50 / bound : 0.0);
  }
  p("  \"samples\": %u\n}\n", m.samples);
}

}  // namespace bench
}  // namespace xattn
