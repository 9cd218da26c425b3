// Whisper conformance against CTranslate2 4.8.1's goldens on the shared
// random Whisper (../shared/data/ct2-families/whisper, README there): each
// mel input encoded (Session::encode_features), then decoded as
// Whisper.generate does it: prompt <|startoftranscript|> <|en|>
// <|transcribe|> <|notimestamps|> (the last three a forced prefix; without
// <|notimestamps|> and with the timestamp rules for the timestamps golden),
// the model file's suppress_ids at every step and suppress_ids_begin at the
// first generated step (config.json's, carried by the converter), at most 40 generated tokens, score = log-probability
// sum / generated tokens (end token not counted). Every line has
// CTranslate2's tokens unless its greedy decision margin is below 1e-3, and
// identical lines have its score within 1e-4; int8 weights with int8
// activations are compared with the dequantized golden at a floor just under
// the measured agreement.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "family_test_support.h"
#include "json.h"
#include "whisper_model_support.h"
#include "xattn/arena.h"
#include "xattn/session.h"
#include "xattn/whisper.h"

using namespace xattn;

namespace {

constexpr uint32_t kNewTokens = 40;  // min(max_length 80 / 2, 80 - 3), the README's generate call
// Share of lines where int8 compute gives the dequantized golden's tokens:
// measured 5 of 20 (x86, AVX2), floor 3 of 20. As in the text families, the
// random model's dominant last FFN (gain 40) makes int8 activation rounding
// flip later tokens; the float goldens agree on every line.
constexpr double kInt8Floor = 0.15;

// The prompt after <|startoftranscript|> (the start token), by name.
std::vector<uint32_t> prompt_prefix(const test::WhisperData& data, bool timestamps) {
  std::vector<uint32_t> prefix = {data.token("<|en|>"), data.token("<|transcribe|>")};
  if (!timestamps) prefix.push_back(data.token("<|notimestamps|>"));
  return prefix;
}

// The vocabulary's Whisper layout: text tokens up to <|endoftext|>, the
// languages between <|startoftranscript|> and <|translate|>.
WhisperTokens token_layout(const test::WhisperData& data) {
  const uint32_t eot = data.token("<|endoftext|>"), sot = data.token("<|startoftranscript|>");
  WhisperTokens layout;
  REQUIRE(whisper_tokens_at(static_cast<uint32_t>(data.vocabulary.size()), eot, data.token("<|translate|>") - sot - 1,
                            true, &layout).is_ok());
  REQUIRE(layout.no_timestamps == data.token("<|notimestamps|>"));
  return layout;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct Agreement {
  size_t identical = 0, excused = 0, lines = 0;
  double max_score_diff = 0.0;
  size_t gold_tokens = 0, prefix_tokens = 0;  // the golden's tokens, and those reproduced before the first difference
};

Agreement run(const char* model_dir, convert::WeightType weights, const char* golden, uint32_t beam,
              const char* margin_file, bool timestamps = false) {
  test::OpenWhisper model;
  test::open_whisper(model_dir, weights, &model);
  const test::WhisperData data = test::whisper_data();
  // The model's own lists (config.json's, carried by the converter: test_whisper_language checks them).
  const IdList& ids = model.view->whisper.suppress;
  const std::vector<uint32_t> suppress_ids(ids.ids, ids.ids + ids.count);
  const IdList& begin = model.view->whisper.suppress_begin;
  const std::vector<uint32_t> suppress_begin(begin.ids, begin.ids + begin.count);
  REQUIRE(!suppress_ids.empty());
  REQUIRE(!suppress_begin.empty());
  std::vector<TokenSpan> suppress;
  for (const uint32_t& id : suppress_ids) suppress.push_back(TokenSpan{&id, 1});

  Limits limits;
  limits.max_source_length = (data.frames - 1) / 2 + 1;
  limits.max_target_length = 3 + kNewTokens;
  limits.max_beam = 4;
  limits.alignment = false;
  std::vector<uint8_t> storage(arena_bytes(model.view->config, limits) + kArenaAlignment);
  void* arena = storage.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(storage.data()) % kArenaAlignment);
  Session session;
  Status s = session.init(*model.view, limits, arena, storage.size() - kArenaAlignment);
  REQUIRE_MESSAGE(s.is_ok(), s.message());

  // Timestamp mode: no <|notimestamps|> in the prompt, and the timestamp
  // rules (xattn/whisper.h) as the hook; suppression stays with the options.
  const std::vector<uint32_t> prefix = prompt_prefix(data, timestamps);
  const uint32_t prefix_length = static_cast<uint32_t>(prefix.size());
  const WhisperTokens layout = token_layout(data);
  WhisperFilterOptions rules;
  rules.suppress_blank = false;
  rules.suppress_tokens = false;
  rules.timestamps = true;
  WhisperLogitFilter filter;
  REQUIRE(filter.init(layout, rules, WhisperTokenList{}, WhisperTokenList{}).is_ok());

  GenerateOptions o;
  o.beam_size = beam;
  o.prefix = TokenSpan{prefix.data(), prefix_length};
  o.max_length = prefix_length + kNewTokens;
  o.min_length = prefix_length + 1;  // CTranslate2's min_length 1 counts generated tokens only
  if (timestamps) o.logit_hook = filter.hook();
  o.suppress = suppress.data();
  o.suppress_count = static_cast<uint32_t>(suppress.size());
  o.suppress_at_start = TokenSpan{suppress_begin.data(), static_cast<uint32_t>(suppress_begin.size())};
  o.length_counts_prefix = false;
  o.length_counts_end = false;

  const std::vector<std::string> gold = read_lines(test::whisper_dir() + "/" + golden);
  const std::vector<std::string> margins = read_lines(test::whisper_dir() + "/" + margin_file);
  REQUIRE(gold.size() == data.inputs);
  Agreement a;
  for (size_t i = 0; i < data.inputs; ++i) {
    const std::vector<float> mel = test::whisper_mel(i);
    REQUIRE(mel.size() == data.mel_values());
    s = session.encode_features(mel.data(), data.n_mels, data.frames);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    Result result;
    s = session.generate(o, &result);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    REQUIRE(result.count == 1);
    const Hypothesis& h = result.hypotheses[0];
    REQUIRE(h.length >= prefix_length);
    std::string ids;
    for (uint32_t j = prefix_length; j < h.length; ++j) ids += (j > prefix_length ? " " : "") + std::to_string(h.tokens[j]);
    const size_t tab = gold[i].find('\t');
    const size_t last_tab = gold[i].rfind('\t');
    REQUIRE(tab != std::string::npos);
    ++a.lines;
    size_t gold_count = 0;
    a.prefix_tokens += test::common_prefix_tokens(ids, gold[i].substr(0, tab), &gold_count);
    a.gold_tokens += gold_count;
    if (ids == gold[i].substr(0, tab)) {
      ++a.identical;
      const double diff = std::fabs(double(h.score) - std::stod(gold[i].substr(last_tab + 1)));
      if (diff > a.max_score_diff) a.max_score_diff = diff;
    } else if (i < margins.size() && std::stod(margins[i]) < 1e-3) {
      ++a.excused;
    } else if (weights == convert::WeightType::kFloat32) {
      MESSAGE("line " << i << ": xattn " << ids << " | CTranslate2 " << gold[i].substr(0, tab));
    }
  }
  return a;
}

void report_and_check(const char* label, const Agreement& a) {
  MESSAGE(std::string(label) << ": identical " << a.identical << "/" << a.lines << ", excused " << a.excused
                             << ", max score diff " << a.max_score_diff);
  CHECK(a.identical + a.excused == a.lines);
  CHECK(a.max_score_diff <= 1e-4);
}

}  // namespace

// Beam search has no margin file: the greedy margins excuse the same inputs.
TEST_CASE("whisper conformance: float32 greedy, CTranslate2 fp32-greedy") {
  if (!test::have_whisper()) return;
  report_and_check("fp32-greedy", run("model-f32", convert::WeightType::kFloat32, "fp32-greedy.txt", 1,
                                      "fp32-greedy.margin.txt"));
}

TEST_CASE("whisper conformance: float32 beam 4, CTranslate2 fp32-beam4") {
  if (!test::have_whisper()) return;
  report_and_check("fp32-beam4", run("model-f32", convert::WeightType::kFloat32, "fp32-beam4.txt", 4,
                                     "fp32-greedy.margin.txt"));
}

TEST_CASE("whisper conformance: float32 greedy with timestamp rules, CTranslate2 fp32-greedy-timestamps") {
  if (!test::have_whisper()) return;
  report_and_check("fp32-greedy-timestamps", run("model-f32", convert::WeightType::kFloat32, "fp32-greedy-timestamps.txt",
                                                 1, "fp32-greedy-timestamps.margin.txt", true));
}

TEST_CASE("whisper conformance: int8 file dequantized, CTranslate2 i8w-fp32-greedy") {
  if (!test::have_whisper()) return;
  report_and_check("i8w-fp32-greedy", run("model-i8", convert::WeightType::kFloat32, "i8w-fp32-greedy.txt", 1,
                                          "i8w-fp32-greedy.margin.txt"));
}

// int8 weights with int8 activations (CTranslate2's int8 compute is not
// comparable on the AVX2 host its goldens came from: README): agreement with
// the dequantized golden is reported and held at a floor (measured - 2).
TEST_CASE("whisper conformance: int8 compute agreement with i8w-fp32-greedy") {
  if (!test::have_whisper()) return;
  const Agreement a = run("model-i8", convert::WeightType::kInt8, "i8w-fp32-greedy.txt", 1, "i8w-fp32-greedy.margin.txt");
  MESSAGE("int8 compute vs i8w-fp32-greedy: identical " << a.identical << "/" << a.lines);
  CHECK(double(a.identical) >= kInt8Floor * double(a.lines));
}

// int4 weights quantized from model-f32 (groups of 32; the conv stem's 80 x 3
// columns stay int8) against fp32-greedy: measured 0 of 20 lines, 17 of 758
// golden tokens before each line's first difference; floor 15 tokens. The
// random model's dominant last FFN flips int4's tokens early, as int8's later.
TEST_CASE("whisper conformance: int4 weights agreement with fp32-greedy") {
  if (!test::have_whisper()) return;
  const Agreement a = run("model-f32", convert::WeightType::kInt4, "fp32-greedy.txt", 1, "fp32-greedy.margin.txt");
  MESSAGE("int4 weights vs fp32-greedy: identical " << a.identical << "/" << a.lines << ", golden tokens before the first difference "
                                                    << a.prefix_tokens << "/" << a.gold_tokens);
  CHECK(a.prefix_tokens >= 15);
}

TEST_CASE("whisper conformance: start suppression and what the score's length counts") {
  if (!test::have_whisper()) return;
  test::OpenWhisper model;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &model);
  Limits limits;
  const test::WhisperData data = test::whisper_data();
  const std::vector<uint32_t> prefix = prompt_prefix(data, false);
  limits.max_source_length = (data.frames - 1) / 2 + 1;
  limits.max_target_length = 3 + kNewTokens;
  limits.max_beam = 1;
  std::vector<uint8_t> storage(arena_bytes(model.view->config, limits) + kArenaAlignment);
  void* arena = storage.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(storage.data()) % kArenaAlignment);
  Session session;
  REQUIRE(session.init(*model.view, limits, arena, storage.size() - kArenaAlignment).is_ok());
  const std::vector<float> mel = test::whisper_mel(2);
  REQUIRE(session.encode_features(mel.data(), data.n_mels, data.frames).is_ok());
  GenerateOptions o;
  o.prefix = TokenSpan{prefix.data(), 3};
  Result plain;
  REQUIRE(session.generate(o, &plain).is_ok());
  REQUIRE(plain.hypotheses[0].length > 4);
  const uint32_t first = plain.hypotheses[0].tokens[3];
  const uint32_t second = plain.hypotheses[0].tokens[4];
  const float score_all = plain.hypotheses[0].score;
  const uint32_t length = plain.hypotheses[0].length;
  const bool ended = length < 3 + kNewTokens;

  // Counting neither the prefix nor the end token rescales the same sum.
  o.length_counts_prefix = false;
  o.length_counts_end = false;
  Result generated_only;
  REQUIRE(session.generate(o, &generated_only).is_ok());
  REQUIRE(generated_only.hypotheses[0].length == length);
  const double sum = double(score_all) * (length + (ended ? 1 : 0));
  CHECK(double(generated_only.hypotheses[0].score) == doctest::Approx(sum / (length - 3)).epsilon(1e-5));

  // The first generated token is suppressed at that step only: it may come back later.
  o.suppress_at_start = TokenSpan{&first, 1};
  Result suppressed;
  REQUIRE(session.generate(o, &suppressed).is_ok());
  REQUIRE(suppressed.hypotheses[0].length > 3);
  CHECK(suppressed.hypotheses[0].tokens[3] != first);
  o.suppress_at_start = TokenSpan{&second, 1};  // the second step is not the start: unchanged
  Result later;
  REQUIRE(session.generate(o, &later).is_ok());
  if (second != first) CHECK(later.hypotheses[0].tokens[4] == second);
}
