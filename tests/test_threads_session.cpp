// Threads, whole sessions: for Limits::threads 1..4 a session gives the same
// tokens, and the same bits of every score and alignment, greedy and beam
// 4, float32 and int8 weights, packed and row-major, with a KV cache at each
// precision; the layers really are split (the pool is called), no byte past
// arena_bytes() is written, and init refuses threads it cannot run.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "aligned_bytes.h"
#include "synth.h"
#include "thread_pool.h"
#include "threads_test_support.h"
#include "xattn/session.h"
#include "xattn/xattn.h"
#include "xattn_thread_pool.h"
#include "xattn_writer.h"

namespace xattn {
namespace {

using threads_test::bits_of;
using threads_test::CountingPool;
using threads_test::translate;

// Under an emulator or ThreadSanitizer (minutes per pass), 3 threads only:
// an uneven split of the rows, the case most likely to differ; natively 2, 3
// and 4. There each weight type also runs packed files only and with one KV
// precision (its own: float32 or int8), natively row-major too and both.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define XATTN_TESTS_THREAD_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define XATTN_TESTS_THREAD_SANITIZER 1
#endif
#if defined(XATTN_TESTS_EMULATED) || defined(XATTN_TESTS_THREAD_SANITIZER)
constexpr uint32_t kFirstThreads = 3, kThreadsStep = 2;
constexpr bool kReduced = true;
#else
constexpr uint32_t kFirstThreads = 2, kThreadsStep = 1;
constexpr bool kReduced = false;
#endif

// transformer-tiny (25 M weights) takes seconds to synthesize under qemu or
// TSan: each weight type and seed is made once for the file's cases.
const convert::XattnModelContents& tiny_model(convert::WeightType weights, uint64_t seed) {
  static std::map<std::pair<convert::WeightType, uint64_t>, convert::XattnModelContents> made;
  auto found = made.find({weights, seed});
  if (found == made.end()) {
    convert::XattnModelContents contents;
    REQUIRE(convert::synth_model("transformer-tiny", weights, seed, &contents).empty());
    found = made.emplace(std::make_pair(weights, seed), std::move(contents)).first;
  }
  return found->second;
}

std::vector<KvPrecision> kv_precisions_for(convert::WeightType weights) {
  if (!kReduced) return {KvPrecision::kFloat32, KvPrecision::kInt8};
  return {weights == convert::WeightType::kInt8 ? KvPrecision::kInt8 : KvPrecision::kFloat32};
}

void check_model(const convert::XattnModelContents& contents, convert::WeightType weights, bool packed) {
  convert::XattnModelContents copy = contents;
  copy.pack_weights = packed;
  std::vector<uint8_t> file;
  REQUIRE(convert::write_xattn_model(copy, &file).empty());
  xattn_test::AlignedBytes bytes(file);
  auto model = std::make_unique<ModelView>();
  REQUIRE(open_model(bytes.data(), bytes.size(), model.get()));
  // 40 tokens: the encoder's attention is split too; 9: a short one.
  std::vector<std::vector<uint32_t>> inputs(2);
  for (uint32_t i = 0; i < 40; ++i) inputs[0].push_back(4 + (i * 37) % 900);
  for (uint32_t i = 0; i < 9; ++i) inputs[1].push_back(10 + i * 11);
  ThreadPool pool(4);
  for (KvPrecision kv : kv_precisions_for(weights)) {
    for (uint32_t beam : {1u, 4u}) {
      Limits l;
      l.max_source_length = 40;
      l.max_target_length = 6;
      l.max_beam = beam;
      l.kv_cache = kv;
      l.self_kv_cache = kv;
      INFO("packed " << packed << ", kv " << kv_precision_name(kv) << ", beam " << beam);
      bool intact = false;
      const std::vector<uint32_t> one = translate(*model, l, beam, nullptr, inputs, &intact);
      CHECK(intact);
      CHECK(one.size() > 2 * beam * 6);
      for (uint32_t threads = kFirstThreads; threads <= 4; threads += kThreadsStep) {
        CAPTURE(threads);
        l.threads = threads;
        CountingPool counting;
        counting.inner = &pool.parallel();
        const ParallelFor p = counting.parallel();
        const std::vector<uint32_t> many = translate(*model, l, beam, &p, inputs, &intact);
        CHECK(intact);
        CHECK(counting.jobs.load() > 0);
        CHECK(many == one);
      }
    }
  }
}

// Both layouts natively. Emulated float arithmetic makes each layout a
// minute under qemu (and under TSan), so there packed only: the row-major
// split is the packed one's (test_threads.cpp splits both).
void check_weights(convert::WeightType weights) {
  const convert::XattnModelContents& contents = tiny_model(weights, 3);
  for (bool packed : {true, false})
    if (packed || !kReduced) check_model(contents, weights, packed);
}

TEST_CASE("threads: sessions give the same bits for threads 1..4 (float32 weights, packed and row-major)") {
  check_weights(convert::WeightType::kFloat32);
}

TEST_CASE("threads: sessions give the same bits for threads 1..4 (int8 weights, packed and row-major)") {
  check_weights(convert::WeightType::kInt8);
}

// A long source: 4 beams x 160 positions x 256 columns is past the split
// bound, so the decoder's cross-attention is split by heads (in the layer
// that returns no alignment) as well as the layers.
TEST_CASE("threads: a long source splits cross-attention by heads, the same bits for threads 1..4") {
  const convert::XattnModelContents& contents = tiny_model(convert::WeightType::kInt8, 5);
  std::vector<uint8_t> file;
  REQUIRE(convert::write_xattn_model(contents, &file).empty());
  xattn_test::AlignedBytes bytes(file);
  auto model = std::make_unique<ModelView>();
  REQUIRE(open_model(bytes.data(), bytes.size(), model.get()));
  REQUIRE(model->config.decoder_layers == 2);  // layer 0 returns no alignment
  std::vector<std::vector<uint32_t>> inputs(1);
  for (uint32_t i = 0; i < 160; ++i) inputs[0].push_back(4 + (i * 53) % 900);
  ThreadPool pool(4);
  for (KvPrecision kv : {KvPrecision::kFloat32, KvPrecision::kInt8}) {
    Limits l;
    l.max_source_length = 160;
    l.max_target_length = 4;
    l.max_beam = 4;
    l.kv_cache = kv;
    INFO("kv " << kv_precision_name(kv));
    bool intact = false;
    const std::vector<uint32_t> one = translate(*model, l, 4, nullptr, inputs, &intact);
    CHECK(intact);
    for (uint32_t threads = kFirstThreads; threads <= 4; threads += kThreadsStep) {
      CAPTURE(threads);
      l.threads = threads;
      const std::vector<uint32_t> many = translate(*model, l, 4, &pool.parallel(), inputs, &intact);
      CHECK(intact);
      CHECK(many == one);
    }
  }
}

TEST_CASE("threads: init refuses threads it cannot run") {
  // Refusals need no big layers: the 32-wide aren preset.
  convert::XattnModelContents contents;
  REQUIRE(convert::synth_model("aren", convert::WeightType::kInt8, 3, &contents).empty());
  std::vector<uint8_t> file;
  REQUIRE(convert::write_xattn_model(contents, &file).empty());
  xattn_test::AlignedBytes bytes(file);
  auto model = std::make_unique<ModelView>();
  REQUIRE(open_model(bytes.data(), bytes.size(), model.get()));
  Limits l;
  l.max_source_length = 8;
  l.max_target_length = 8;
  std::vector<uint8_t> storage;
  auto init = [&](Session& s, const Limits& limits) {
    storage.assign(arena_bytes(model->config, limits) + 64, 0);
    uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    return s.init(*model, limits, arena, storage.size() - 64);
  };
  Session s;
  for (uint32_t bad : {0u, kMaxThreads + 1}) {
    l.threads = bad;
    const Status st = init(s, l);
    CHECK(st.code() == StatusCode::kInvalidArgument);
    CHECK(std::string(st.message()).find("threads " + std::to_string(bad) + " is outside 1..64") != std::string::npos);
  }
  l.threads = 2;
  CHECK(init(s, l).code() == StatusCode::kInvalidArgument);  // no pool
  ThreadPool two(2);
  s.set_parallel(two.parallel());
  CHECK(init(s, l).is_ok());
  l.threads = 3;
  CHECK(init(s, l).code() == StatusCode::kInvalidArgument);  // a pool of 2
}

TEST_CASE("threads: the C API takes threads and a pool through xattn_limits") {
  const convert::XattnModelContents& contents = tiny_model(convert::WeightType::kInt8, 5);
  std::vector<uint8_t> file;
  REQUIRE(convert::write_xattn_model(contents, &file).empty());
  xattn_test::AlignedBytes bytes(file);
  auto storage = std::make_unique<xattn_model_storage>();
  xattn_model* model = nullptr;
  REQUIRE(xattn_model_open(bytes.data(), bytes.size(), storage.get(), &model, nullptr) == XATTN_OK);
  xattn_limits limits = xattn_default_limits();
  CHECK(limits.threads == 1);
  CHECK(limits.parallel == nullptr);
  limits.max_source_length = 40;
  limits.max_target_length = 6;
  xattn_thread_pool* pool = xattn_thread_pool_create(2);
  REQUIRE(pool != nullptr);
  auto run = [&](const xattn_limits& l, std::vector<uint32_t>* tokens) {
    std::vector<uint8_t> buffer(xattn_session_buffer_bytes(model, &l) + 64);
    void* aligned = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
    xattn_session* session = nullptr;
    xattn_error error;
    const xattn_status s = xattn_session_create(model, &l, aligned, buffer.size() - 64, &session, &error);
    if (s != XATTN_OK) return s;
    std::vector<uint32_t> ids(40);
    for (uint32_t i = 0; i < 40; ++i) ids[i] = 4 + (i * 53) % 900;
    REQUIRE(xattn_encode(session, ids.data(), ids.size()) == XATTN_OK);
    xattn_generate_options o = xattn_default_options();
    o.min_length = 6;
    REQUIRE(xattn_generate(session, &o) == XATTN_OK);
    xattn_hypothesis h;
    REQUIRE(xattn_get_hypothesis(session, 0, &h) == XATTN_OK);
    tokens->assign(h.tokens, h.tokens + h.length);
    tokens->push_back(bits_of(h.score));
    return s;
  };
  std::vector<uint32_t> one, two;
  CHECK(run(limits, &one) == XATTN_OK);
  limits.threads = 2;
  CHECK(run(limits, &two) == XATTN_INVALID_ARGUMENT);  // no pool
  limits.parallel = xattn_thread_pool_parallel(pool);
  CHECK(xattn_session_buffer_bytes(model, &limits) > 0);
  CHECK(run(limits, &two) == XATTN_OK);
  CHECK(one.size() > 1);
  CHECK(one == two);
  xattn_thread_pool_destroy(pool);
}

}  // namespace
}  // namespace xattn
