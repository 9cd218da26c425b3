// KV-cache precision (Limits::kv_cache for the static encoder cache,
// Limits::self_kv_cache for the self-attention cache) on the shared aren
// model: the arena shrinks by exactly the cache bytes saved and is still
// exact (one byte short fails) for every pair of precisions, the CTranslate2
// table still holds with float16 caches, and float16 and int8 caches agree
// with float32 caches on many inputs: the rate of identical outputs and the
// largest score difference are reported, and floors are asserted.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "test_support.h"
#include "xattn/session.h"

namespace xattn {
namespace {

const KvPrecision kAll[] = {KvPrecision::kFloat32, KvPrecision::kFloat16, KvPrecision::kInt8};

Limits limits_with(KvPrecision cross, KvPrecision self = KvPrecision::kFloat32) {
  Limits l = test::small_limits(4);
  l.kv_cache = cross;
  l.self_kv_cache = self;
  return l;
}

// The shared data's known inputs, then letter strings drawn like the model's
// names (1..12 letters), as test_conformance.cpp draws them.
std::vector<std::string> inputs(size_t count) {
  std::vector<std::string> words = {"آ ت ز م و ن", "آ ز ا", "أ و ل ي س س"};
  const char* letters[] = {"ا", "ي", "و", "ر", "ن", "ل", "س", "ت", "ب", "ك", "م", "د", "ف", "ه", "ح", "ع", "ش", "ج", "ق", "ز"};
  std::mt19937 rng(31);
  while (words.size() < count) {
    std::string w;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int j = 0; j < n; ++j) w += std::string(j ? " " : "") + letters[rng() % 20];
    words.push_back(w);
  }
  return words;
}

struct Agreement {
  int same = 0, total = 0;
  double max_score_diff = 0;  // over inputs with identical outputs
};

// Greedy for three inputs in four, beam 4 for the rest: float32 caches
// against `limits`. `table` runs the other session on another kernel path
// (null: the best).
Agreement agreement(const std::string& variant, convert::WeightType weights, const Limits& limits,
                    const std::vector<std::string>& words, const kernels::KernelTable* table = nullptr) {
  auto base = test::load_variant(variant, weights, limits_with(KvPrecision::kFloat32));
  auto other = test::load_variant(variant, weights, limits, table);
  Agreement a;
  for (size_t i = 0; i < words.size(); ++i) {
    posix::TranslateRequest r;
    r.beam_size = i % 4 == 3 ? 4 : 1;
    posix::TranslateOutput x, y;
    REQUIRE(base->translate(words[i], r, &x).empty());
    REQUIRE(other->translate(words[i], r, &y).empty());
    ++a.total;
    if (x.ids != y.ids) continue;
    ++a.same;
    const double diff = std::fabs(double(x.score) - double(y.score));
    if (diff > a.max_score_diff) a.max_score_diff = diff;
  }
  return a;
}

}  // namespace

TEST_CASE("kv precision: the arena shrinks by the cache bytes saved and stays exact") {
  if (!test::have_shared_models()) return;
  auto t = test::load_variant("v2-aren-transliteration", convert::WeightType::kFloat32, test::small_limits(4));
  const ModelView& m = t->model();
  const ModelConfig& c = m.config;
  const size_t rows = size_t(c.decoder_layers) * 2 * 32;  // K and V rows at max_source_length 32
  const size_t f32 = arena_bytes(c, limits_with(KvPrecision::kFloat32));
  const size_t f16 = arena_bytes(c, limits_with(KvPrecision::kFloat16));
  const size_t i8 = arena_bytes(c, limits_with(KvPrecision::kInt8));
  CHECK(f32 - f16 == rows * c.d_model * 2);
  // int8 adds one float scale per row and head (for head size 4, as many bytes as the values).
  CHECK(f32 - i8 == rows * c.d_model * 3 - rows * c.num_heads * 4);
  // The self-attention cache: K and V rows of 4 beams x 32 positions, plus
  // the reorder scratch (4 x 32 rows of values, or of scales when larger).
  const size_t self_rows = size_t(c.decoder_layers) * 2 * 4 * 32, scratch_rows = 4 * 32;
  const size_t self_f16 = arena_bytes(c, limits_with(KvPrecision::kFloat32, KvPrecision::kFloat16));
  const size_t self_i8 = arena_bytes(c, limits_with(KvPrecision::kFloat32, KvPrecision::kInt8));
  CHECK(f32 - self_f16 == (self_rows + scratch_rows) * c.d_model * 2);
  const size_t scale_row = c.num_heads * 4, int8_scratch_row = c.d_model > scale_row ? c.d_model : scale_row;
  CHECK(f32 - self_i8 == self_rows * (c.d_model * 3 - scale_row) + scratch_rows * (c.d_model * 4 - int8_scratch_row));
  const size_t both_i8 = arena_bytes(c, limits_with(KvPrecision::kInt8, KvPrecision::kInt8));
  CHECK(f32 - both_i8 == (f32 - i8) + (f32 - self_i8));
  MESSAGE("aren arena at 32/32/beam 4: f32 " << f32 << ", f16 " << f16 << ", int8 " << i8
                                             << " bytes; self-attention cache f16 " << self_f16 << ", int8 " << self_i8
                                             << "; both int8 " << both_i8);
  for (KvPrecision p : kAll)
    for (KvPrecision q : kAll) {
      const Limits limits = limits_with(p, q);
      const size_t need = arena_bytes(c, limits);
      std::vector<uint8_t> storage(need + 64);
      uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
      Session s;
      INFO(kv_precision_name(p) << " cross, " << kv_precision_name(q) << " self");
      CHECK(s.init(m, limits, arena, need - 1).code() == StatusCode::kArenaTooSmall);
      REQUIRE(s.init(m, limits, arena, need));
      // The whole arena is usable: a long input at full beam fills every region.
      std::vector<uint32_t> ids(32, 5);
      REQUIRE(s.encode(ids.data(), ids.size()));
      GenerateOptions o;
      o.beam_size = 4;
      o.return_alignment = true;
      Result r;
      CHECK(s.generate(o, &r));
    }
  std::vector<uint8_t> storage(f32 + 64);
  uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  Session s;
  Limits bad = limits_with(KvPrecision::kFloat32);
  bad.kv_cache = static_cast<KvPrecision>(7);
  CHECK(s.init(m, bad, arena, f32).code() == StatusCode::kInvalidArgument);
  bad = limits_with(KvPrecision::kFloat32);
  bad.self_kv_cache = static_cast<KvPrecision>(3);
  CHECK(s.init(m, bad, arena, f32).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("kv precision: float16 caches keep CTranslate2's expected outputs") {
  if (!test::have_shared_models()) return;
  auto t = test::load_variant("v2-aren-transliteration", convert::WeightType::kFloat32,
                              limits_with(KvPrecision::kFloat16, KvPrecision::kFloat16));
  posix::TranslateOutput out;
  posix::TranslateRequest beam4;
  beam4.beam_size = 4;
  REQUIRE(t->translate("آ ت ز م و ن", posix::TranslateRequest(), &out).empty());
  CHECK(out.text == "a t z m o n");
  REQUIRE(t->translate("آ ت ز م و ن", beam4, &out).empty());
  CHECK(out.text == "a t z m o n");
  REQUIRE(t->translate("آ ز ا", beam4, &out).empty());
  CHECK(out.text == "a z z a");
}

// Floors a few points under what was measured (README, "KV-cache
// precision"). With float32 weights the cache precision is the only
// difference. With int8 weights any perturbation of the attention output can
// flip the rounding of an int8 activation downstream, so every smaller cache
// agrees less; the scalar path alone (sums in another order) agreed on 998.
TEST_CASE("kv precision: float16 and int8 caches agree with float32 on 1000 inputs") {
  if (!test::have_shared_models()) return;
  const std::vector<std::string> words = inputs(1000);
  struct Caches {
    const char* label;
    KvPrecision cross, self;
  };
  const KvPrecision f32 = KvPrecision::kFloat32, f16 = KvPrecision::kFloat16, i8 = KvPrecision::kInt8;
  const Caches caches[] = {{"cross f16", f16, f32}, {"cross int8", i8, f32}, {"self f16", f32, f16},
                           {"self int8", f32, i8},  {"both f16", f16, f16},  {"both int8", i8, i8}};
  struct Case {
    const char* variant;
    convert::WeightType weights;
    const char* label;
    int floor[6];          // identical outputs of 1000, per entry of `caches`
    double max_score[6];   // largest score difference of identical outputs
  };
  const Case cases[] = {
      // Measured 999, 984, 1000, 992, 1000, 982; scores moved by 5.0e-4, 4.8e-3, 3.7e-4, 2.9e-3, 6.1e-4, 6.7e-3.
      {"v2-aren-transliteration", convert::WeightType::kFloat32, "float32 weights",
       {990, 960, 990, 980, 990, 960}, {2e-3, 2e-2, 2e-3, 2e-2, 2e-3, 2e-2}},
      // Measured 947, 954, 956, 951, 959, 941; scores moved by at most 0.063 (both int8).
      {"v2-aren-transliteration-i8", convert::WeightType::kInt8, "CTranslate2's int8 weights",
       {920, 920, 920, 920, 920, 910}, {0.1, 0.1, 0.1, 0.1, 0.1, 0.1}}};
  for (const Case& c : cases) {
    // For scale: the same float32 caches on the scalar path (float sums in another order).
    const Agreement paths = agreement(c.variant, c.weights, limits_with(f32), words, &kernels::reference_kernels());
    MESSAGE(std::string(c.label) << ": scalar vs " << std::string(kernels::best_kernels().name)
                                 << " path, both f32: " << paths.same << "/" << paths.total);
    for (size_t i = 0; i < 6; ++i) {
      const Agreement a = agreement(c.variant, c.weights, limits_with(caches[i].cross, caches[i].self), words);
      MESSAGE(std::string(c.label) << ", " << std::string(caches[i].label) << ": outputs identical to float32 caches': " << a.same
                                   << "/" << a.total << " (max score difference " << a.max_score_diff << ")");
      INFO(std::string(c.label) << ", " << std::string(caches[i].label));
      CHECK(a.same >= c.floor[i]);
      CHECK(a.max_score_diff <= c.max_score[i]);
    }
  }
}

}  // namespace xattn
