// The arena plan for audio encoders, enforced as tests/test_arena_guard.cpp
// does for text models: a Whisper session given exactly arena_bytes() and
// followed by guard bytes never writes past the plan when it encodes the
// most frames its limits allow (2 x max_source) and decodes, float32 and
// int8 weights, every KV-cache precision; and the regions the conv stem
// sizes (its im2col columns, the int8 activation scratch, their scales) have
// their last byte written, so the plan is not larger than the stem needs.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "whisper_model_support.h"
#include "xattn/arena.h"
#include "xattn/session.h"

using namespace xattn;

namespace {

constexpr size_t kGuard = 256;
constexpr uint32_t kTarget = 9;  // odd, as in test_arena_guard.cpp

void run(const ModelView& model, const Limits& limits, uint32_t source, const char* kernels, uint8_t* arena, size_t total, uint8_t fill,
         std::vector<bool>* written) {
  std::memset(arena, fill, total + kGuard);
  Session session;
  REQUIRE(session.init_with_kernel_path(model, limits, arena, total, kernels).is_ok());
  const test::WhisperData data = test::whisper_data();
  const std::vector<float> mel = test::whisper_mel(3);
  REQUIRE(data.frames >= 2 * source);
  REQUIRE(mel.size() == data.mel_values());
  REQUIRE(session.encode_features(mel.data(), data.n_mels, 2 * source).is_ok());
  const uint32_t prefix[] = {data.token("<|en|>"), data.token("<|transcribe|>"), data.token("<|notimestamps|>")};
  GenerateOptions o;
  o.beam_size = limits.max_beam;
  o.prefix = TokenSpan{prefix, 3};
  o.min_length = kTarget;
  Result result;
  REQUIRE(session.generate(o, &result).is_ok());
  for (size_t i = 0; i < total + kGuard; ++i)
    if (arena[i] != fill) (*written)[i] = true;
}

}  // namespace

TEST_CASE("whisper arena: encode_features and generate stay inside the plan, and the stem's regions are used") {
  if (!test::have_whisper()) return;
  for (bool int8 : {false, true}) {
    test::OpenWhisper model;
    test::open_whisper("model-f32", int8 ? convert::WeightType::kInt8 : convert::WeightType::kFloat32, &model);
    // 7: one chunk of the stem; 70: conv1's 140 frames in chunks of 64, 64, 12.
    for (uint32_t source : {7u, 70u}) {
    for (KvPrecision kv : {KvPrecision::kFloat32, KvPrecision::kFloat16, KvPrecision::kInt8}) {
      for (uint32_t beam : {1u, 4u}) {
        Limits l;
        l.max_source_length = source;
        l.max_target_length = kTarget;
        l.max_beam = beam;
        l.kv_cache = kv;
        l.self_kv_cache = kv;
        const ArenaPlan plan = plan_arena(model.view->config, l);
        REQUIRE(plan.audio_columns.bytes > 0);
        std::vector<uint8_t> storage(plan.total + kGuard + 64);
        uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
        for (const char* kernels : {kernels::best_kernels().name, "scalar"}) {
          INFO(std::string(int8 ? "int8" : "f32") << " weights, source " << source << ", kv " << std::string(kv_precision_name(kv)) << ", beam " << beam << ", kernels "
                                       << std::string(kernels));
          std::vector<bool> written(plan.total + kGuard, false);
          run(*model.view, l, source, kernels, arena, plan.total, 0xa5, &written);
          run(*model.view, l, source, kernels, arena, plan.total, 0x5a, &written);
          size_t guard_written = 0;
          for (size_t i = plan.total; i < plan.total + kGuard; ++i) guard_written += written[i];
          CHECK(guard_written == 0);
          const ArenaRegion used[] = {plan.audio_columns, plan.wide, plan.x};
          for (const ArenaRegion& r : used) CHECK(written[r.offset + r.bytes - 1]);
          // The encoder's query groups fill the probabilities (with the
          // reference kernels: a SIMD attention may keep short rows in registers).
          if (std::string(kernels) == "scalar") CHECK(written[plan.probs.offset + plan.probs.bytes - 1]);
          if (int8) {
            CHECK(written[plan.quantized.offset + plan.quantized.bytes - 1]);
            CHECK(written[plan.quantized_scales.offset + plan.quantized_scales.bytes - 1]);
          }
        }
      }
    }
    }
  }
}
