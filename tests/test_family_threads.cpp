// Threads on every text family of ../shared/data/ct2-families (T5 v1.0 and
// v1.1: relative bias, gated FFN, RMSNorm; BART and mBART: learned positions,
// embedding norm; Marian: post-norm; M2M100), int8 and int4 weights: 2..4
// threads give the bits of 1 thread (tokens, scores, alignments), greedy and
// beam 4. Sources of 48 tokens split the encoder layers by rows
// (model/encoder_rows.cpp: three parallel regions a layer, norms and
// residuals in them), the path the other threads tests reach on pre-norm
// models only, and the static cache's fill by rows; the families take the
// cache's three precisions in turn (its rows are written by the tasks). The pool is checked to be called; nothing past the arena is
// written. Skipped, saying why, without the family data.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "aligned_bytes.h"
#include "family_test_support.h"
#include "thread_pool.h"
#include "threads_test_support.h"
#include "xattn/session.h"

namespace xattn {
namespace {

#if defined(XATTN_TESTS_EMULATED)
constexpr uint32_t kFirstThreads = 3, kThreadsStep = 2;  // an uneven split only: minutes per pass
#else
constexpr uint32_t kFirstThreads = 2, kThreadsStep = 1;
#endif

void check_family(const char* family, convert::WeightType weights, KvPrecision cache, ThreadPool& pool) {
  xattn_test::AlignedBytes bytes(test::convert_family(family, "model-f32", weights));
  auto model = std::make_unique<ModelView>();
  REQUIRE(open_model(bytes.data(), bytes.size(), model.get()));
  // 48 ids from the middle of the vocabulary (no special tokens), and a
  // second source of 20 whose last task is short.
  const uint32_t vocab = model->config.source_vocab_size;
  REQUIRE(vocab > 64);
  std::vector<std::vector<uint32_t>> inputs(2);
  for (uint32_t i = 0; i < 48; ++i) inputs[0].push_back(8 + (i * 37) % (vocab - 16));
  for (uint32_t i = 0; i < 20; ++i) inputs[1].push_back(8 + (i * 53) % (vocab - 16));
  // One forced target token: mBART-cc25's decoder starts with a target language.
  const uint32_t forced = 10;
  const TokenSpan prefix{&forced, 1};
  for (uint32_t beam : {1u, 4u}) {
    Limits l;
    l.max_source_length = 48;
    l.max_target_length = 5;
    l.max_beam = beam;
    l.kv_cache = cache;
    INFO(std::string(family) << (weights == convert::WeightType::kInt4 ? " int4" : " int8") << ", beam " << beam
                             << ", static cache " << static_cast<int>(cache));
    bool intact = false;
    const std::vector<uint32_t> one = threads_test::translate(*model, l, beam, nullptr, inputs, &intact, prefix);
    CHECK(intact);
    for (uint32_t threads = kFirstThreads; threads <= 4; threads += kThreadsStep) {
      CAPTURE(threads);
      l.threads = threads;
      threads_test::CountingPool counting;
      counting.inner = &pool.parallel();
      const ParallelFor p = counting.parallel();
      const std::vector<uint32_t> many = threads_test::translate(*model, l, beam, &p, inputs, &intact, prefix);
      CHECK(intact);
      CHECK(counting.jobs.load() > 0);
      CHECK(many == one);
    }
  }
}

}  // namespace

TEST_CASE("threads: every text family, int8 and int4, gives one thread's bits on 2..4 threads") {
  if (!test::have_families()) return;
  ThreadPool pool(4);
  const KvPrecision caches[] = {KvPrecision::kFloat32, KvPrecision::kFloat16, KvPrecision::kInt8};
  size_t turn = 0;
  for (const char* family : test::kFamilyNames)
    for (convert::WeightType weights : {convert::WeightType::kInt8, convert::WeightType::kInt4})
      check_family(family, weights, caches[turn++ % 3], pool);
}

}  // namespace xattn
