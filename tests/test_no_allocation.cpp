// Invariant 1, measured: from session creation through encode and generate
// (greedy and beam 4), the runtime makes no heap allocation. Global operator
// new/delete and malloc are replaced for this test binary and count calls
// while a window is open.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "allocation_counter.h"
#include "test_support.h"
#include "whisper_model_support.h"
#include "xattn/whisper.h"
#include "xattn/session.h"
#include "xattn/text.h"

namespace xattn {
namespace {

struct CountingWindow {
  CountingWindow() { posix::allocation_window_open(); }
  ~CountingWindow() { posix::allocation_window_close(); }
  long count() const { return posix::allocation_window_close(); }
};

// Pointers stored here escape, so the compiler cannot elide the pairs below.
void* volatile g_escape[2];

TEST_CASE("no allocation: the counter itself sees allocations") {
  CountingWindow window;
  int* p = new int(3);
  void* q = std::malloc(16);
  g_escape[0] = p;
  g_escape[1] = q;
  const long seen = window.count();
  delete p;
  std::free(q);
  CHECK(seen == (posix::allocation_counter_sees_malloc() ? 3 : 1));  // new (which mallocs), and malloc
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
      uint32_t ids[64];
      // One round per KV-cache precision (both caches), the session placed anew.
      for (KvPrecision precision : {KvPrecision::kFloat32, KvPrecision::kFloat16, KvPrecision::kInt8}) {
        limits.kv_cache = limits.self_kv_cache = precision;
        REQUIRE(session.init(model, limits, arena, arena_capacity));
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

TEST_CASE("no allocation: a Whisper session's encode_features and generate (timestamp rules included) allocate nothing") {
  if (!test::have_whisper()) return;
  for (auto weights : {convert::WeightType::kFloat32, convert::WeightType::kInt8}) {
    test::OpenWhisper opened;
    test::open_whisper("model-f32", weights, &opened);  // converted before the window opens
    const test::WhisperData data = test::whisper_data();
    std::vector<float> mel = test::whisper_mel(data.inputs - 1);
    REQUIRE(mel.size() == data.mel_values());
    Limits limits;
    limits.max_source_length = (data.frames - 1) / 2 + 1;
    limits.max_target_length = 43;
    limits.max_beam = 4;
    std::vector<uint8_t> storage(arena_bytes(opened.view->config, limits) + 64);
    uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    const uint32_t prefix[] = {data.token("<|en|>"), data.token("<|transcribe|>")};
    const uint32_t sot = data.token("<|startoftranscript|>");
    const uint32_t languages = data.token("<|translate|>") - sot - 1;
    long allocations = -1;
    size_t produced = 0;
    {
      CountingWindow window;
      ModelView model;
      REQUIRE(open_model(opened.bytes->data(), opened.bytes->size(), &model));
      WhisperTokens layout;
      REQUIRE(whisper_tokens_at(model.config.target_vocab_size, data.token("<|endoftext|>"), languages, true, &layout));
      WhisperFilterOptions rules;
      rules.suppress_blank = rules.suppress_tokens = false;
      rules.timestamps = true;
      WhisperLogitFilter filter;
      REQUIRE(filter.init(layout, rules, WhisperTokenList{}, WhisperTokenList{}));
      Session session;
      REQUIRE(session.init(model, limits, arena, storage.size() - 64));
      REQUIRE(session.encode_features(mel.data(), data.n_mels, data.frames));
      for (uint32_t beam : {1u, 4u}) {
        GenerateOptions options;
        options.beam_size = beam;
        options.prefix = TokenSpan{prefix, 2};
        options.logit_hook = filter.hook();
        Result result;
        REQUIRE(session.generate(options, &result));
        produced += result.hypotheses[0].length;
      }
      // WhisperDecoder from the file's lists, language detected, timestamps on.
      WhisperDecoder decoder;
      REQUIRE(decoder.init(model));
      WhisperDecodeOptions whisper;
      whisper.timestamps = true;
      whisper.max_new_tokens = 40;
      Result result;
      WhisperDecodeInfo info;
      REQUIRE(decoder.generate(session, whisper, &result, &info));
      CHECK(info.detected);
      produced += result.hypotheses[0].length;
      allocations = window.count();
    }
    CHECK(produced > 0);
    CHECK(allocations == 0);
  }
}

}  // namespace
}  // namespace xattn
