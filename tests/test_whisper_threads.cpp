// Threads on an audio model: with Limits::threads 2..4 the conv stem (its
// 2 x max_source activation rows split by rows of W, staged per thread),
// the encoder and the decoder give the same bits as one thread, and the
// larger per-thread scratch stays inside the planned arena.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "thread_pool.h"
#include "whisper_model_support.h"
#include "xattn/arena.h"
#include "xattn/session.h"

using namespace xattn;

namespace {

constexpr size_t kGuard = 256;

// Encoder output and greedy tokens and score of two inputs, as bits.
std::vector<uint32_t> run(const ModelView& model, uint32_t threads, const ParallelFor* parallel, bool* intact) {
  const test::WhisperData data = test::whisper_data();
  Limits limits;
  limits.max_source_length = (data.frames - 1) / 2 + 1;
  limits.max_target_length = 12;
  limits.threads = threads;
  const size_t bytes = arena_bytes(model.config, limits);
  std::vector<uint8_t> storage(bytes + kGuard + 64, 0xa5);
  uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  Session session;
  if (parallel) session.set_parallel(*parallel);
  const Status s = session.init(model, limits, arena, bytes);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  const uint32_t prefix[] = {data.token("<|en|>"), data.token("<|transcribe|>"), data.token("<|notimestamps|>")};
  std::vector<uint32_t> out;
  for (size_t input : {size_t{0}, size_t{data.inputs - 1}}) {
    const std::vector<float> mel = test::whisper_mel(input);
    REQUIRE(mel.size() == data.mel_values());
    REQUIRE(session.encode_features(mel.data(), data.n_mels, data.frames).is_ok());
    std::vector<float> states(size_t{session.source_length()} * model.config.d_model);
    REQUIRE(session.copy_encoder_output(states.data(), states.size()).is_ok());
    GenerateOptions o;
    o.prefix = TokenSpan{prefix, 3};
    o.min_length = limits.max_target_length;
    Result r;
    REQUIRE(session.generate(o, &r).is_ok());
    for (float v : states) {
      uint32_t b;
      std::memcpy(&b, &v, 4);
      out.push_back(b);
    }
    const Hypothesis& h = r.hypotheses[0];
    out.insert(out.end(), h.tokens, h.tokens + h.length);
    uint32_t score;
    std::memcpy(&score, &h.score, 4);
    out.push_back(score);
  }
  *intact = true;
  for (size_t i = 0; i < kGuard; ++i) *intact = *intact && arena[bytes + i] == 0xa5;
  return out;
}

}  // namespace

TEST_CASE("whisper threads: 2 to 4 threads give one thread's bits, inside the plan") {
  if (!test::have_whisper()) return;
  for (auto weights : {convert::WeightType::kFloat32, convert::WeightType::kInt8}) {
    test::OpenWhisper model;
    test::open_whisper("model-f32", weights, &model);
    bool intact = false;
    const std::vector<uint32_t> one = run(*model.view, 1, nullptr, &intact);
    CHECK(intact);
    ThreadPool pool(4);
    for (uint32_t threads = 2; threads <= 4; ++threads) {
      INFO((weights == convert::WeightType::kInt8 ? "int8" : "f32") << " weights, threads " << threads);
      const std::vector<uint32_t> many = run(*model.view, threads, &pool.parallel(), &intact);
      CHECK(intact);
      CHECK(many == one);
    }
  }
}
