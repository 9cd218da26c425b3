// Threads on an attention width apart from d_model: the oracle model of
// test_attention_width.cpp (T5 v1.1 style, d_model 64, 4 heads of 24 = 96)
// split over 2..4 threads must give the bits of 1 thread (tokens, scores,
// alignments), greedy and beam 4, float32 and int8 weights, packed and
// row-major. Inputs of 64 tokens make the pool split the projections (3 x 96
// and 2 x 96 rows of 64, not 3 x d_model) and the self-attention's query
// groups over heads of 24 in rows of 96; the pool is checked to be called.
// Skipped, saying why, without python3 and numpy.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "aligned_bytes.h"
#include "audio/reference_script.h"
#include "ct2_import.h"
#include "model_test_support.h"
#include "thread_pool.h"
#include "threads_test_support.h"
#include "xattn/session.h"
#include "xattn_writer.h"

namespace xattn {
namespace {

using threads_test::CountingPool;

// The oracle's source lines ("source id id ...") of oracle-f32.txt.
std::vector<std::vector<uint32_t>> read_sources(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::vector<std::vector<uint32_t>> sources;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    if (kind != "source") continue;
    sources.emplace_back();
    for (uint32_t v; words >> v;) sources.back().push_back(v);
  }
  return sources;
}

constexpr size_t kSourceLength = 64;

#if defined(XATTN_TESTS_EMULATED)
constexpr uint32_t kFirstThreads = 3, kThreadsStep = 2;  // an uneven split only: minutes per pass
#else
constexpr uint32_t kFirstThreads = 2, kThreadsStep = 1;
#endif

}  // namespace

TEST_CASE("attention width: threads 2..4 give the bits of 1 thread on 4 heads of 24 in d_model 64") {
  const std::string dir = test::run_reference_script(XATTN_ATTENTION_WIDTH_SCRIPT, "attention-width-threads-reference");
  if (dir.empty()) return;
  // Each oracle source repeated to 64 tokens: long enough that the projections
  // and the self-attention's query groups are split (short inputs run whole).
  std::vector<std::vector<uint32_t>> inputs = read_sources(dir + "/oracle-f32.txt");
  REQUIRE(!inputs.empty());
  for (std::vector<uint32_t>& input : inputs) {
    REQUIRE(!input.empty());
    for (size_t i = 0; input.size() < kSourceLength; ++i) input.push_back(input[i]);
  }
  ThreadPool pool(4);
  for (convert::WeightType weights : {convert::WeightType::kFloat32, convert::WeightType::kInt8}) {
    for (bool pack : {false, true}) {
      convert::ImportResult imported;
      std::string error = convert::import_ct2_directory(dir + "/model", weights, &imported);
      REQUIRE_MESSAGE(error.empty(), error);
      imported.model.pack_weights = pack;
      std::vector<uint8_t> file;
      error = convert::write_xattn_model(imported.model, &file);
      REQUIRE_MESSAGE(error.empty(), error);
      xattn_test::AlignedBytes bytes(file);
      std::unique_ptr<ModelView> view = model_test::new_view();  // kMaxLayers layer views: not on the stack
      REQUIRE(open_model(bytes.data(), bytes.size(), view.get()));
      REQUIRE(view->config.attention_width() == 96);
      REQUIRE(view->config.d_model == 64);
      for (uint32_t beam : {1u, 4u}) {
        Limits l;
        l.max_source_length = kSourceLength;
        l.max_target_length = 8;
        l.max_beam = beam;
        const std::string label = std::string(weights == convert::WeightType::kInt8 ? "int8" : "float32") +
                                  (pack ? " packed" : " row-major") + ", beam " + std::to_string(beam);
        INFO(label);
        bool intact = false;
        const std::vector<uint32_t> one = threads_test::translate(*view, l, beam, nullptr, inputs, &intact);
        CHECK(intact);
        CHECK(one.size() > inputs.size() * beam * 8);
        for (uint32_t threads = kFirstThreads; threads <= 4; threads += kThreadsStep) {
          CAPTURE(threads);
          l.threads = threads;
          CountingPool counting;
          counting.inner = &pool.parallel();
          const ParallelFor p = counting.parallel();
          const std::vector<uint32_t> many = threads_test::translate(*view, l, beam, &p, inputs, &intact);
          CHECK(intact);  // nothing written past the plan
          CHECK(counting.jobs.load() > 0);  // the layers really were split
          CHECK(many == one);
        }
      }
    }
  }
}

}  // namespace xattn
