// xattn_soak: 10,000 translations through one session; nothing may grow with
// the number of inputs processed.
//
// The arena is filled with a canary byte before the first call. The inputs
// are 100 fixed sources (1..12 tokens; greedy, beam 4 every 4th, alignments
// every 3rd) cycled 100 times, so by the 100th call every input and option
// has been seen once: the part of the arena ever touched (64-byte lines that
// lost the canary, and the highest such offset) and the resident set size
// (/proc/self/statm) after the 100th call must equal those after the 10,000th.
// Every later round must also reproduce the first round's results bit for bit.
// Run by ctest with the label "soak" (exclude it under emulators: ctest -LE soak).
// XATTN_SOAK_INPUTS=N runs N inputs instead (at least 200; .ci/sanitize.sh uses
// 1,000). Under AddressSanitizer the RSS is the sanitizer's too (quarantine,
// shadow), so it is reported but not checked there; the arena check stands.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "ct2_import.h"
#include "xattn/session.h"
#include "xattn_writer.h"

using namespace xattn;

namespace {

constexpr uint8_t kCanary = 0xa5;
constexpr size_t kInputs = 100;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

long resident_pages() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = -1;
  statm >> size >> resident;
  return resident;
}

struct Touched {
  size_t lines = 0;
  size_t high_water = 0;  // one past the last byte that lost the canary
};

Touched touched(const uint8_t* arena, size_t size) {
  Touched t;
  for (size_t line = 0; line < size; line += 64) {
    const size_t end = line + 64 < size ? line + 64 : size;
    for (size_t i = line; i < end; ++i) {
      if (arena[i] != kCanary) {
        ++t.lines;
        for (size_t j = end; j > line; --j) {
          if (arena[j - 1] != kCanary) {
            t.high_water = j;
            break;
          }
        }
        break;
      }
    }
  }
  return t;
}

uint64_t fingerprint(const Result& r) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint32_t v) { h = (h ^ v) * 1099511628211ull; };
  mix(r.count);
  for (uint32_t i = 0; i < r.count; ++i) {
    const Hypothesis& hyp = r.hypotheses[i];
    mix(hyp.length);
    for (uint32_t t = 0; t < hyp.length; ++t) mix(hyp.tokens[t]);
    uint32_t bits;
    std::memcpy(&bits, &hyp.score, 4);
    mix(bits);
    for (size_t k = 0; hyp.alignment && k < size_t(hyp.length) * r.source_length; ++k) {
      std::memcpy(&bits, &hyp.alignment[k], 4);
      mix(bits);
    }
  }
  return h;
}

}  // namespace

int main() {
  const char* count = std::getenv("XATTN_SOAK_INPUTS");
  const size_t total = count && std::atol(count) >= 200 ? static_cast<size_t>(std::atol(count)) : 10000;
  const size_t rounds = total / kInputs;
  const char* env = std::getenv("XATTN_DATA_DIR");
  const std::string dir = std::string(env && *env ? env : XATTN_DATA_DIR) +
                          "/ct2-aren-transliteration/v2-aren-transliteration-i8";
  convert::ImportResult imported;
  std::vector<uint8_t> file;
  if (!convert::import_ct2_directory(dir, convert::WeightType::kInt8, &imported).empty()) {
    std::printf("XATTN-SKIP: shared model absent at %s (set XATTN_DATA_DIR)\n", dir.c_str());
    return 0;
  }
  const std::string error = convert::write_xattn_model(imported.model, &file);
  if (!error.empty()) return std::printf("FAIL: %s\n", error.c_str()), 1;
  std::vector<uint8_t> model_storage(file.size() + 64);
  uint8_t* model_bytes = model_storage.data() + (64 - reinterpret_cast<uintptr_t>(model_storage.data()) % 64) % 64;
  std::memcpy(model_bytes, file.data(), file.size());
  static ModelView model;
  Status s = open_model(model_bytes, file.size(), &model);
  if (!s) return std::printf("FAIL: %s\n", s.message()), 1;

  Limits limits;
  limits.max_source_length = 16;
  limits.max_target_length = 16;
  limits.max_beam = 4;
  limits.alignment = true;
  const size_t arena_size = arena_bytes(model.config, limits);
  std::vector<uint8_t> arena_storage(arena_size + 64, kCanary);
  uint8_t* arena = arena_storage.data() + (64 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 64) % 64;
  Session session;
  s = session.init(model, limits, arena, arena_size);
  if (!s) return std::printf("FAIL: %s\n", s.message()), 1;

  std::mt19937 rng(99);
  uint32_t sources[kInputs][12];
  size_t lengths[kInputs];
  for (size_t i = 0; i < kInputs; ++i) {
    lengths[i] = 1 + rng() % 12;
    for (size_t k = 0; k < lengths[i]; ++k) sources[i][k] = 3 + rng() % (model.config.source_vocab_size - 3);
  }
  uint64_t first_round[kInputs] = {};
  Touched after_first{}, after_all{};
  long rss_first = 0, rss_all = 0;
  size_t tokens = 0, mismatches = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t n = 0; n < kInputs * rounds; ++n) {
    const size_t i = n % kInputs;
    GenerateOptions o;
    o.beam_size = i % 4 == 0 ? 4 : 1;
    o.return_alignment = i % 3 == 0;
    Result r;
    s = session.encode(sources[i], lengths[i]);
    if (s) s = session.generate(o, &r);
    if (!s) return std::printf("FAIL: input %zu: %s\n", n, s.message()), 1;
    tokens += r.hypotheses[0].length + 1;  // + the end token's step
    const uint64_t f = fingerprint(r);
    if (n < kInputs) {
      first_round[i] = f;
    } else if (f != first_round[i]) {
      ++mismatches;
    }
    if (n + 1 == kInputs) {
      after_first = touched(arena, arena_size);
      rss_first = resident_pages();
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  after_all = touched(arena, arena_size);
  rss_all = resident_pages();
  const long page_kib = 4;
  std::printf("soak: %zu translations, %zu decoding steps in %.2f s (%.1f us per translation, %.0f ns per step)\n",
              kInputs * rounds, tokens, seconds, seconds * 1e6 / double(kInputs * rounds),
              seconds * 1e9 / double(tokens));
  std::printf("arena: %zu bytes planned; touched after %zu inputs: %zu lines, high-water %zu bytes; after %zu: %zu "
              "lines, high-water %zu bytes\n",
              arena_size, kInputs, after_first.lines, after_first.high_water, kInputs * rounds, after_all.lines,
              after_all.high_water);
  std::printf("rss: %ld KiB after %zu inputs, %ld KiB after %zu\n", rss_first * page_kib, kInputs,
              rss_all * page_kib, kInputs * rounds);
  bool ok = true;
  if (after_all.lines != after_first.lines || after_all.high_water != after_first.high_water) {
    std::printf("FAIL: the touched part of the arena grew after the first %zu inputs\n", kInputs);
    ok = false;
  }
  if (after_all.high_water > arena_size) ok = false;
  // Flat: a few pages of slack for the C library's own buffers (stdio, locale).
  if (kSanitized) {
    std::printf("(RSS not checked: AddressSanitizer's own memory is in it)\n");
  } else if (rss_all > rss_first + 8) {
    std::printf("FAIL: RSS grew by %ld KiB\n", (rss_all - rss_first) * page_kib);
    ok = false;
  }
  if (mismatches) {
    std::printf("FAIL: %zu translations differ from the first round's\n", mismatches);
    ok = false;
  }
  std::printf("%s\n", ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
