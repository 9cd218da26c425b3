// Determinism: the same input gives the same tokens and bit-identical scores
// and alignments whatever was translated before it in the same session, in a
// second session whose arena starts full of NaN bytes, and in a session with
// other limits (other strides, other arena layout). Greedy and beam 4, float32
// and int8, on 50 inputs translated in order, shuffled, and reversed.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "test_support.h"
#include "xattn/session.h"

namespace xattn {
namespace {

struct Output {
  uint32_t count = 0;
  std::vector<uint32_t> bits;  // per hypothesis: length, tokens, score bits, alignment bits

  bool operator==(const Output& o) const { return count == o.count && bits == o.bits; }
};

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

class Runner {
 public:
  Runner(const ModelView& model, const Limits& limits, uint8_t fill) : storage_(arena_bytes(model.config, limits) + 64, fill) {
    uint8_t* arena = storage_.data() + (64 - reinterpret_cast<uintptr_t>(storage_.data()) % 64) % 64;
    const Status s = session_.init(model, limits, arena, storage_.size() - 64);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
  }

  Output run(const std::vector<uint32_t>& source, uint32_t beam) {
    REQUIRE(session_.encode(source.data(), source.size()));
    GenerateOptions o;
    o.beam_size = beam;
    o.num_hypotheses = beam;
    o.return_alignment = true;
    Result r;
    const Status s = session_.generate(o, &r);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    Output out;
    out.count = r.count;
    for (uint32_t i = 0; i < r.count; ++i) {
      const Hypothesis& h = r.hypotheses[i];
      out.bits.push_back(h.length);
      out.bits.insert(out.bits.end(), h.tokens, h.tokens + h.length);
      out.bits.push_back(bits_of(h.score));
      for (size_t k = 0; k < size_t(h.length) * r.source_length; ++k) out.bits.push_back(bits_of(h.alignment[k]));
    }
    return out;
  }

  // Translates inputs[order[0]], inputs[order[1]], ...; results by input index.
  std::vector<Output> run_all(const std::vector<std::vector<uint32_t>>& inputs, const std::vector<size_t>& order,
                              uint32_t beam) {
    std::vector<Output> out(inputs.size());
    for (size_t i : order) out[i] = run(inputs[i], beam);
    return out;
  }

 private:
  std::vector<uint8_t> storage_;
  Session session_;
};

// 50 inputs of 1..12 source tokens (ids past <blank>, <s>, </s>; <unk> included).
std::vector<std::vector<uint32_t>> make_inputs(uint32_t vocab) {
  std::mt19937 rng(12345);
  std::vector<std::vector<uint32_t>> inputs(50);
  for (auto& input : inputs) {
    input.resize(1 + rng() % 12);
    for (uint32_t& id : input) id = 3 + rng() % (vocab - 3);
  }
  return inputs;
}

void check_determinism(convert::WeightType weights) {
  auto t = test::load_variant(weights == convert::WeightType::kInt8 ? "v2-aren-transliteration-i8"
                                                                    : "v2-aren-transliteration",
                              weights, test::small_limits(4));
  const ModelView& m = t->model();
  const auto inputs = make_inputs(m.config.source_vocab_size);
  std::vector<size_t> order(inputs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<size_t> shuffled = order;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  std::vector<size_t> reversed(order.rbegin(), order.rend());

  Limits limits;
  limits.max_source_length = 16;
  limits.max_target_length = 24;
  limits.max_beam = 4;
  limits.alignment = true;
  Limits other = limits;  // other strides and layout: the results must not change
  other.max_source_length = 40;
  other.max_target_length = 33;
  other.max_beam = 7;
  for (uint32_t beam : {1u, 4u}) {
    CAPTURE(beam);
    Runner a(m, limits, 0x00);
    const std::vector<Output> first = a.run_all(inputs, order, beam);
    const std::vector<Output> again = a.run_all(inputs, shuffled, beam);
    Runner b(m, limits, 0xff);  // a fresh session whose arena starts as NaN bytes
    const std::vector<Output> fresh = b.run_all(inputs, reversed, beam);
    Runner c(m, other, 0x7f);
    const std::vector<Output> wider = c.run_all(inputs, shuffled, beam);
    size_t nonempty = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      CAPTURE(i);
      CHECK(first[i] == again[i]);
      CHECK(first[i] == fresh[i]);
      CHECK(first[i] == wider[i]);
      CHECK(first[i].count == beam);
      nonempty += first[i].bits.size() > 3 ? 1 : 0;
    }
    CHECK(nonempty > 40);  // real outputs, not 50 empty ones
  }
}

TEST_CASE("determinism: 50 inputs in order, shuffled, reversed, across sessions and limits (float32)") {
  if (!test::have_shared_models()) return;
  check_determinism(convert::WeightType::kFloat32);
}

TEST_CASE("determinism: 50 inputs in order, shuffled, reversed, across sessions and limits (int8)") {
  if (!test::have_shared_models()) return;
  check_determinism(convert::WeightType::kInt8);
}

}  // namespace
}  // namespace xattn
