// Invariant 1, measured: from session creation through encode and generate
// (greedy and beam 4), the runtime makes no heap allocation. Global operator
// new/delete and malloc are replaced for this test binary and count calls
// while a window is open.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "test_support.h"
#include "xattn/session.h"
#include "xattn/text.h"

// The replacement operators pair malloc with free by design.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#if defined(__SANITIZE_ADDRESS__)
#define XATTN_COUNT_MALLOC 0  // the sanitizer owns malloc
#else
#define XATTN_COUNT_MALLOC 1
#endif

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

void note_allocation() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

#if XATTN_COUNT_MALLOC
extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
extern "C" void* malloc(size_t n) {
  note_allocation();
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t n, size_t size) {
  note_allocation();
  return __libc_calloc(n, size);
}
extern "C" void* realloc(void* p, size_t n) {
  note_allocation();
  return __libc_realloc(p, n);
}
#endif

void* operator new(size_t n) {
  note_allocation();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  note_allocation();
  return std::malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace xattn {
namespace {

struct CountingWindow {
  CountingWindow() {
    g_allocations = 0;
    g_counting = true;
  }
  ~CountingWindow() { g_counting = false; }
  long count() const { return g_allocations.load(); }
};

TEST_CASE("no allocation: the counter itself sees allocations") {
  CountingWindow window;
  int* p = new int(3);
  void* q = std::malloc(16);
  const long seen = window.count();
  delete p;
  std::free(q);
  CHECK(seen == (XATTN_COUNT_MALLOC ? 3 : 1));  // new (which mallocs), and malloc
}

TEST_CASE("no allocation: session creation, encode and generate (greedy and beam 4) allocate nothing") {
  if (!test::have_shared_models()) return;
  for (auto weights : {convert::WeightType::kFloat32, convert::WeightType::kInt8}) {
    std::vector<uint8_t> file = test::convert_variant("v2-aren-transliteration-i8", weights);
    // Everything the runtime is handed is prepared before the window opens.
    std::vector<uint8_t> storage(file.size() + 64 + 4 * 1024 * 1024);
    uint8_t* base = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    std::copy(file.begin(), file.end(), base);
    uint8_t* arena = base + ((file.size() + 63) / 64) * 64;
    const size_t arena_capacity = storage.data() + storage.size() - arena;
    const char* inputs[] = {"آ ت ز م و ن", "آ ز ا", "أ و ل ي س س", "", "م ح م د"};
    long allocations = -1;
    size_t produced = 0;
    {
      CountingWindow window;
      ModelView model;
      REQUIRE(open_model(base, file.size(), &model));
      Limits limits = test::small_limits(4);
      REQUIRE(arena_bytes(model.config, limits) <= arena_capacity);
      Session session;
      REQUIRE(session.init(model, limits, arena, arena_capacity));
      uint32_t ids[64];
      for (int round = 0; round < 3; ++round) {
        for (const char* text : inputs) {
          size_t n = 0;
          REQUIRE(tokenize(model, Side::kSource, text, std::strlen(text), ids, 64, &n));
          REQUIRE(session.encode(ids, n));
          for (uint32_t beam : {1u, 4u}) {
            GenerateOptions options;
            options.beam_size = beam;
            options.return_alignment = true;
            Result result;
            REQUIRE(session.generate(options, &result));
            produced += result.hypotheses[0].length;
          }
        }
      }
      allocations = window.count();
    }
    CHECK(produced > 0);
    CHECK(allocations == 0);
  }
}

}  // namespace
}  // namespace xattn
