// The spoken-date decoding rule (xattn/date_rule.h), against a calendar
// counted day by day from 0001-01-01 (a Monday) to 9999-12-31, and inside
// greedy and beam search on a model with a date vocabulary.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "c_api_session.h"
#include "model_test_support.h"
#include "xattn/date_rule.h"
#include "xattn/session.h"
#include "xattn/xattn.h"

namespace xattn {
namespace {

struct CountedDate {
  char text[kIsoDateLength];
  uint8_t weekday;
};

// Every date from 0001-01-01 to 9999-12-31 in order (so in text order too),
// its weekday counted on from Monday: the oracle shares nothing with the rule
// but the leap-year rule, written out again here.
const std::vector<CountedDate>& every_date() {
  static const std::vector<CountedDate> dates = [] {
    std::vector<CountedDate> out;
    out.reserve(3652059);
    uint8_t weekday = 0;
    for (uint32_t year = 1; year <= 9999; ++year) {
      const bool leap = year % 400 == 0 || (year % 4 == 0 && year % 100 != 0);
      const uint32_t lengths[12] = {31, leap ? 29u : 28u, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      for (uint32_t month = 1; month <= 12; ++month)
        for (uint32_t day = 1; day <= lengths[month - 1]; ++day) {
          CountedDate d;
          char text[16];
          std::snprintf(text, sizeof text, "%04u-%02u-%02u", year, month, day);
          std::memcpy(d.text, text, kIsoDateLength);
          d.weekday = weekday;
          out.push_back(d);
          weekday = static_cast<uint8_t>((weekday + 1) % 7);
        }
    }
    return out;
  }();
  return dates;
}

// The digits that follow `prefix` in the counted dates on `weekday` (or any).
uint32_t oracle_digits(const std::string& prefix, int32_t weekday) {
  const std::vector<CountedDate>& dates = every_date();
  const size_t n = prefix.size();
  auto first = std::lower_bound(dates.begin(), dates.end(), prefix, [n](const CountedDate& d, const std::string& p) {
    return std::memcmp(d.text, p.data(), n) < 0;
  });
  uint32_t bits = 0;
  for (auto it = first; it != dates.end() && std::memcmp(it->text, prefix.data(), n) == 0; ++it)
    if (weekday == kAnyWeekday || it->weekday == weekday) bits |= 1u << (it->text[n] - '0');
  return bits;
}

std::string four_digits(uint32_t year) {
  char text[8];
  std::snprintf(text, sizeof text, "%04u", year);
  return text;
}

TEST_CASE("date rule: weekday_of and days_in_month agree with a day-by-day count over 0001-9999") {
  size_t wrong = 0;
  for (const CountedDate& d : every_date()) {
    const uint32_t year = (d.text[0] - '0') * 1000u + (d.text[1] - '0') * 100u + (d.text[2] - '0') * 10u + (d.text[3] - '0');
    const uint32_t month = (d.text[5] - '0') * 10u + (d.text[6] - '0');
    const uint32_t day = (d.text[8] - '0') * 10u + (d.text[9] - '0');
    wrong += weekday_of(year, month, day) != d.weekday;
    if (day == 1) wrong += days_in_month(year, month == 1 ? 12 : month - 1) == 0;
  }
  CHECK(wrong == 0);
  CHECK(every_date().size() == 3652059);  // datetime.date.max.toordinal()
  CHECK(weekday_of(2026, 12, 4) == 4);    // a Friday
  CHECK(weekday_of(1582, 10, 15) == 4);   // the Gregorian calendar's first day, a Friday
  CHECK(days_in_month(2000, 2) == 29);
  CHECK(days_in_month(1900, 2) == 28);
  CHECK(days_in_month(2024, 13) == 0);
}

TEST_CASE("date rule: the digits allowed after a prefix are exactly those of the real dates that extend it") {
  std::vector<std::string> prefixes = {"", "0", "00", "000", "1", "19", "999", "200"};
  std::vector<uint32_t> years = {1, 2, 4, 99, 100, 400, 1582, 1600, 1700, 1900, 2000, 2023, 2024, 2026, 2100, 2400, 9999};
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) years.push_back(1 + rng() % 9999);
  for (uint32_t year : years) {
    const std::string y = four_digits(year) + "-";
    prefixes.push_back(y);
    prefixes.push_back(y + "0");
    prefixes.push_back(y + "1");
    for (uint32_t month = 1; month <= 12; ++month) {
      const std::string m = y + (month < 10 ? "0" : "") + std::to_string(month) + "-";
      prefixes.push_back(m);
      for (char tens = '0'; tens <= '3'; ++tens) prefixes.push_back(m + tens);
    }
  }
  size_t checked = 0, wrong = 0;
  for (const std::string& p : prefixes) {
    for (int32_t weekday = kAnyWeekday; weekday < 7; ++weekday) {
      const uint32_t want = oracle_digits(p, weekday);
      const uint32_t got = allowed_digits(p.data(), p.size(), weekday);
      if (got != want) {
        ++wrong;
        MESSAGE("prefix '" << p << "' weekday " << weekday << ": got " << got << ", the calendar says " << want);
      }
      ++checked;
      if (p.size() < 5) break;  // a year's digits do not depend on the weekday
    }
  }
  CHECK(checked > 5000);
  CHECK(wrong == 0);
}

// Token ids of date_vocabulary_model: '0'-'9' are 0-9, '-' 10, the
// weekdays 13-19 (Monday first).
constexpr uint32_t kMondayToken = 13;

std::vector<uint32_t> date_tokens(int32_t weekday, const std::string& text) {
  std::vector<uint32_t> out;
  if (weekday != kAnyWeekday) out.push_back(kMondayToken + static_cast<uint32_t>(weekday));
  for (char c : text) out.push_back(c == '-' ? 10u : static_cast<uint32_t>(c - '0'));
  return out;
}

// A tiny text model whose target vocabulary is the date model's: '0'-'9',
// '-', <|endoftext|>, <|startoftranscript|>, then the weekdays (or none),
// then, with `no_date`, <|nodate|> (20 after the weekdays, else 13), its
// output bias raised by `no_date_bias` (a model sure it heard no date), and
// the end's by `end_bias`.
model_test::Bytes date_vocabulary_model(bool weekdays, uint32_t seed, bool no_date = false, float no_date_bias = 0.0f,
                                        float end_bias = 0.0f) {
  xattn::convert::XattnModelContents m = model_test::synthetic_contents();
  m.target_vocab = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "<|endoftext|>", "<|startoftranscript|>"};
  if (weekdays)
    for (const char* w : {"<|monday|>", "<|tuesday|>", "<|wednesday|>", "<|thursday|>", "<|friday|>", "<|saturday|>",
                          "<|sunday|>"})
      m.target_vocab.push_back(w);
  if (no_date) m.target_vocab.push_back("<|nodate|>");
  m.config.target_vocab_size = static_cast<uint32_t>(m.target_vocab.size());
  m.config.target_tokens = SpecialTokens{11, 12, 11, 11};
  m.tensors.clear();
  xattn_test::add_random_tensors(&m, false, seed);
  bool biased = !no_date;
  for (xattn::convert::HostTensor& t : m.tensors) {
    if (no_date && t.id == global_id(GlobalRole::kOutputBias)) {
      t.values.back() += no_date_bias;
      t.values[11] += end_bias;  // <|endoftext|>
      biased = true;
    }
  }
  REQUIRE(biased);
  return model_test::write_model(m);
}

// date_vocabulary_model, opened: the view reads `bytes`, so both live here.
struct OpenedDateModel {
  OpenedDateModel(bool weekdays, uint32_t seed, bool no_date = false, float no_date_bias = 0.0f)
      : bytes(date_vocabulary_model(weekdays, seed, no_date, no_date_bias)), view(model_test::new_view()) {
    REQUIRE(open_model(bytes.data(), bytes.size(), view.get()));
  }
  model_test::AlignedBytes bytes;
  std::unique_ptr<ModelView> view;
};

// The date a hypothesis spells (weekday token left out), and its weekday
// token's day (or -1), read from the token names, apart from the rule's own.
std::string spelled(const ModelView& model, const Hypothesis& h, int32_t* weekday) {
  static const char* const kNames[7] = {"<|monday|>", "<|tuesday|>",  "<|wednesday|>", "<|thursday|>",
                                        "<|friday|>", "<|saturday|>", "<|sunday|>"};
  std::string text;
  *weekday = kAnyWeekday;
  for (uint32_t i = 0; i < h.length; ++i) {
    const TokenText t = model.target_vocab.token(h.tokens[i]);
    const std::string name(t.data, t.size);
    const int32_t day = static_cast<int32_t>(std::find(kNames, kNames + 7, name) - kNames);
    if (day < 7)
      *weekday = day;
    else
      text += name;
  }
  return text;
}

bool real_date(const std::string& s, int32_t weekday) {
  const std::vector<CountedDate>& dates = every_date();
  if (s.size() != kIsoDateLength) return false;
  auto it = std::lower_bound(dates.begin(), dates.end(), s,
                             [](const CountedDate& d, const std::string& p) { return std::memcmp(d.text, p.data(), kIsoDateLength) < 0; });
  return it != dates.end() && std::memcmp(it->text, s.data(), kIsoDateLength) == 0 &&
         (weekday == kAnyWeekday || it->weekday == weekday);
}

TEST_CASE("date rule: a day digit off the weekday heard costs the penalty, once a date") {
  const OpenedDateModel opened(true, 1);
  const ModelView* model = opened.view.get();
  const float penalty = 2.5f;
  DateRule rule, strict;
  REQUIRE(rule.init(*model, penalty));
  REQUIRE(strict.init(*model, INFINITY));
  const size_t vocab = model->config.target_vocab_size;
  // What the rule makes of log-probabilities that are all -1, for a day's
  // first or second digit, against the calendar: 0 added on the weekday
  // heard, -penalty for a digit whose dates are all off it, -inf for no date;
  // once the first digit has left the weekday, its days are free again.
  std::mt19937 rng(11);
  size_t checked = 0, wrong = 0, charged = 0, free_after = 0;
  for (int i = 0; i < 300; ++i) {
    const uint32_t year = 1 + rng() % 9999, month = 1 + rng() % 12;
    const int32_t weekday = static_cast<int32_t>(rng() % 7);
    char head[16];
    std::snprintf(head, sizeof head, "%04u-%02u-", year, month);
    for (char tens = '0'; tens <= '4'; ++tens) {
      const std::string prefix = tens == '4' ? std::string(head) : std::string(head) + tens;
      if (oracle_digits(prefix, kAnyWeekday) == 0) continue;  // no such day ('3' in February)
      const uint32_t on_day = oracle_digits(prefix, weekday), any_day = oracle_digits(prefix, kAnyWeekday);
      const std::vector<uint32_t> sampled = date_tokens(weekday, prefix);
      for (const DateRule* r : {&rule, &strict}) {
        std::vector<float> scores(vocab, -1.0f);
        r->apply(sampled.data(), sampled.size(), scores.data());
        const float cost = r == &rule ? penalty : INFINITY;
        for (uint32_t d = 0; d < 10; ++d) {
          const bool on = on_day == 0 ? (any_day >> d) & 1 : (on_day >> d) & 1;
          const float want = on ? -1.0f : (any_day >> d) & 1 ? -1.0f - cost : -INFINITY;
          wrong += scores[d] != want;
          charged += r == &rule && !on && std::isfinite(want);
          free_after += r == &rule && on_day == 0 && on;
          ++checked;
        }
        for (size_t v = 10; v < vocab; ++v) wrong += !std::isinf(scores[v]);  // no '-', end or weekday here
      }
    }
  }
  CHECK(checked > 10000);
  CHECK(wrong == 0);
  CHECK(charged > 0);
  CHECK(free_after > 0);
  // The issue's own example: "saturday 23 november 2026", a Monday.
  std::vector<float> scores(vocab, -1.0f);
  const std::vector<uint32_t> said = date_tokens(5, "2026-11-2");
  rule.apply(said.data(), said.size(), scores.data());
  CHECK(scores[1] == -1.0f);  // the 21st, a Saturday
  CHECK(scores[3] == -1.0f - penalty);
  const Status negative = rule.init(*model, -1.0f), nan = rule.init(*model, NAN);
  CHECK(!negative);
  CHECK(!nan);
  CHECK(std::string(negative.message()).find("weekday penalty") != std::string::npos);
}

TEST_CASE("date rule: weekday_missed names the weekday heard only for a whole date off it") {
  const OpenedDateModel opened(true, 2);
  const ModelView* model = opened.view.get();
  DateRule rule;
  REQUIRE(rule.init(*model));
  int32_t date_weekday = kAnyWeekday;  // what the last call missed for gave as the date's weekday
  const auto missed = [&](int32_t weekday, const std::string& text) {
    const std::vector<uint32_t> t = date_tokens(weekday, text);
    date_weekday = kAnyWeekday;
    return rule.weekday_missed(t.data(), t.size(), &date_weekday);
  };
  CHECK(missed(5, "2026-11-23") == 5);                    // heard Saturday, said a Monday
  CHECK(date_weekday == 0);
  CHECK(missed(5, "2026-1-123") == kAnyWeekday);          // dashes out of place: not a date the rule made
  CHECK(missed(5, "20261-1-23") == kAnyWeekday);
  CHECK(missed(0, "2026-11-23") == kAnyWeekday);          // on the weekday heard
  CHECK(missed(kAnyWeekday, "2026-11-23") == kAnyWeekday);  // no weekday heard
  CHECK(missed(5, "2026-11-2") == kAnyWeekday);           // not a whole date
  CHECK(missed(5, "2026-02-30") == kAnyWeekday);          // not a real date
  CHECK(missed(6, "0001-01-01") == 6);                    // a Monday
  CHECK(missed(0, "0001-01-01") == kAnyWeekday);
  CHECK(std::string(weekday_name(5)) == "Saturday");
  CHECK(std::string(weekday_name(7)).empty());
  // Every date of a sample against the calendar: missed exactly when its counted weekday is another.
  std::mt19937 rng(5);
  size_t wrong = 0;
  const std::vector<CountedDate>& dates = every_date();
  for (int i = 0; i < 2000; ++i) {
    const CountedDate& d = dates[rng() % dates.size()];
    const int32_t heard = static_cast<int32_t>(rng() % 7);
    const int32_t got = missed(heard, std::string(d.text, kIsoDateLength));
    wrong += got != (heard == d.weekday ? kAnyWeekday : heard);
    wrong += date_weekday != (heard == d.weekday ? kAnyWeekday : d.weekday);
  }
  CHECK(wrong == 0);
}

// Token ids of date_vocabulary_model with weekdays and <|nodate|>.
constexpr uint32_t kEndToken = 11;
constexpr uint32_t kNoDateToken = 20;

TEST_CASE("date rule: <|nodate|> is allowed only first, at the model's own log-probability, and only the end after it") {
  const OpenedDateModel with(true, 3, true), without(true, 3), no_weekdays(false, 3, true);
  DateRule rule, plain, bare;
  REQUIRE(rule.init(*with.view));
  REQUIRE(plain.init(*without.view));
  REQUIRE(bare.init(*no_weekdays.view));
  REQUIRE(with.view->config.target_vocab_size == kNoDateToken + 1);
  CHECK(rule.has_no_date());
  CHECK(!plain.has_no_date());  // a vocabulary without it: the rule as before
  CHECK(bare.has_no_date());
  CHECK(!bare.has_weekdays());
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> value(-9.0f, -0.1f);
  const auto random_row = [&](size_t n) {
    std::vector<float> row(n);
    for (float& v : row) v = value(rng);
    return row;
  };
  const uint32_t none = 0;  // a valid pointer for an empty history

  // The first step: the year's first digit, a weekday or <|nodate|>, each at its own value.
  std::vector<float> in = random_row(kNoDateToken + 1), got = in;
  rule.apply(&none, 0, got.data());
  for (uint32_t v = 0; v <= kNoDateToken; ++v) {
    CAPTURE(v);
    const bool allowed = v < 10 || (v >= kMondayToken && v < kMondayToken + 7) || v == kNoDateToken;
    CHECK(got[v] == (allowed ? in[v] : -INFINITY));
  }
  // Without weekday tokens <|nodate|> is id 13, and allowed first all the same.
  in = random_row(14);
  got = in;
  bare.apply(&none, 0, got.data());
  for (uint32_t v = 0; v < 14; ++v) CHECK(got[v] == (v < 10 || v == 13 ? in[v] : -INFINITY));

  // After it only the end, at its own value; also after anything that follows it.
  for (const std::vector<uint32_t>& after : {std::vector<uint32_t>{kNoDateToken}, std::vector<uint32_t>{kNoDateToken, 2},
                                             std::vector<uint32_t>{kNoDateToken, kMondayToken}}) {
    in = random_row(kNoDateToken + 1);
    got = in;
    rule.apply(after.data(), after.size(), got.data());
    for (uint32_t v = 0; v <= kNoDateToken; ++v) CHECK(got[v] == (v == kEndToken ? in[v] : -INFINITY));
  }

  // Anywhere else (after a weekday, inside or after a date) it is masked, and
  // every other token gets what the rule without <|nodate|> gives it.
  size_t checked = 0, wrong = 0, after_weekday = 0;
  for (int i = 0; i < 400; ++i) {
    const uint32_t year = 1 + rng() % 9999, month = 1 + rng() % 12;
    const uint32_t day = 1 + rng() % days_in_month(year, month);
    char text[48];
    std::snprintf(text, sizeof text, "%04u-%02u-%02u", year, month, day);
    const int32_t weekday = rng() % 2 ? static_cast<int32_t>(rng() % 7) : kAnyWeekday;
    const std::vector<uint32_t> sampled = date_tokens(weekday, std::string(text, rng() % (kIsoDateLength + 1)));
    if (sampled.empty()) continue;  // the first step, checked above
    in = random_row(kNoDateToken + 1);
    got = in;
    std::vector<float> want(in.begin(), in.begin() + kNoDateToken);
    rule.apply(sampled.data(), sampled.size(), got.data());
    plain.apply(sampled.data(), sampled.size(), want.data());
    for (uint32_t v = 0; v < kNoDateToken; ++v) wrong += got[v] != want[v];
    wrong += got[kNoDateToken] != -INFINITY;
    after_weekday += sampled.size() == 1 && weekday != kAnyWeekday;
    ++checked;
  }
  CHECK(checked > 300);
  CHECK(after_weekday > 0);
  CHECK(wrong == 0);
}

TEST_CASE("date rule: is_no_date is <|nodate|> alone, and weekday_missed names no weekday for it") {
  const OpenedDateModel with(true, 4, true), without(true, 4);
  DateRule rule, plain;
  REQUIRE(rule.init(*with.view));
  REQUIRE(plain.init(*without.view));
  const auto no_date = [](const DateRule& r, std::vector<uint32_t> t) { return r.is_no_date(t.data(), t.size()); };
  CHECK(no_date(rule, {kNoDateToken}));
  CHECK(!no_date(rule, {kNoDateToken, kEndToken}));  // a hypothesis' tokens leave the end out
  CHECK(!no_date(rule, {kNoDateToken, 2}));
  CHECK(!no_date(rule, {kMondayToken, kNoDateToken}));
  CHECK(!no_date(rule, {kMondayToken}));
  CHECK(!no_date(rule, {2}));
  CHECK(!no_date(rule, {}));
  CHECK(!no_date(plain, {kNoDateToken}));  // no such token in its vocabulary
  CHECK(!no_date(plain, {kMondayToken + 6}));
  int32_t date_weekday = 42;
  const uint32_t alone = kNoDateToken;
  CHECK(rule.weekday_missed(&alone, 1, &date_weekday) == kAnyWeekday);
  CHECK(date_weekday == 42);  // untouched: nothing was missed
  CHECK(rule.weekday_of_token(kNoDateToken) == kAnyWeekday);
  std::vector<uint32_t> then_date = date_tokens(kAnyWeekday, "2026-11-23");
  then_date.insert(then_date.begin(), kNoDateToken);
  CHECK(rule.weekday_missed(then_date.data(), then_date.size(), &date_weekday) == kAnyWeekday);
  // The weekday rules are the same with it: Saturday heard, a Monday said.
  const std::vector<uint32_t> said = date_tokens(5, "2026-11-23");
  CHECK(rule.weekday_missed(said.data(), said.size(), &date_weekday) == 5);
  CHECK(date_weekday == 0);
}

// A session for `model` in an aligned arena of its exact size, with `source`
// encoded: small limits, a beam of up to 4.
struct EncodedSession {
  std::vector<uint8_t> arena;
  Session session;
  EncodedSession(const ModelView& model, const std::vector<uint32_t>& source) {
    Limits limits;
    limits.max_source_length = 8;
    limits.max_target_length = 16;
    limits.max_beam = 4;
    arena.resize(arena_bytes(model.config, limits) + kArenaAlignment);
    const uintptr_t misalignment = reinterpret_cast<uintptr_t>(arena.data()) % kArenaAlignment;
    uint8_t* base = arena.data() + (kArenaAlignment - misalignment) % kArenaAlignment;
    REQUIRE(session.init(model, limits, base, arena.size() - kArenaAlignment));
    REQUIRE(session.encode(source.data(), source.size()));
  }
  // The best hypothesis under `rule` by a beam of `beam` (1: greedy), held by `result`.
  const Hypothesis& best(const DateRule& rule, uint32_t beam, Result* result) {
    GenerateOptions o;
    o.beam_size = beam;
    o.logit_hook = rule.hook();
    REQUIRE(session.generate(o, result));
    return result->hypotheses[0];
  }
};

TEST_CASE("date rule: greedy and beam search under the strict rule give real dates, on the weekday output first") {
  for (bool weekdays : {false, true}) {
    size_t said_weekday = 0;
    for (uint32_t seed = 1; seed <= 12; ++seed) {
      CAPTURE(weekdays);
      CAPTURE(seed);
      const OpenedDateModel opened(weekdays, seed);
      const ModelView* model = opened.view.get();
      DateRule rule;
      REQUIRE(rule.init(*model, INFINITY));  // never off the weekday
      CHECK(rule.has_weekdays() == weekdays);
      EncodedSession placed(*model, {4, 5, 6, 7, seed % 3});
      for (uint32_t beam : {1u, 4u}) {
        Result result;
        int32_t weekday = kAnyWeekday;
        const std::string date = spelled(*model, placed.best(rule, beam, &result), &weekday);
        CAPTURE(date);
        CHECK(real_date(date, weekday));
        said_weekday += weekday != kAnyWeekday;
      }
    }
    // Random weights choose a weekday token first in some runs (weekday
    // tokens are 7 of the first step's 17 choices): the constrained day is exercised.
    if (weekdays) CHECK(said_weekday > 0);
  }
}

// Records the rows the rule is given, then applies it (a hook on the log-probabilities, as the rule's own).
struct RecordingRule {
  const DateRule* rule;
  std::vector<std::vector<float>>* rows;
  size_t vocab;
  static void apply(const void* context, const uint32_t* sampled, size_t n_sampled, float* scores) {
    const RecordingRule* r = static_cast<const RecordingRule*>(context);
    r->rows->emplace_back(scores, scores + r->vocab);
    r->rule->hook().apply(r->rule, sampled, n_sampled, scores);
  }
  // Greedy options whose hook records each row, then applies the rule.
  GenerateOptions options() const {
    GenerateOptions o;
    o.logit_hook.apply = &RecordingRule::apply;
    o.logit_hook.context = this;
    o.logit_hook.on_log_probs = true;
    return o;
  }
};

TEST_CASE("date rule: a date scores the model's own probability of its tokens, the rule masking after the log-softmax") {
  const OpenedDateModel opened(true, 5);
  const ModelView* model = opened.view.get();
  DateRule rule;
  REQUIRE(rule.init(*model));
  CHECK(rule.hook().on_log_probs);
  EncodedSession placed(*model, {4, 5, 6, 7});
  const size_t vocab = model->config.target_vocab_size;
  std::vector<std::vector<float>> rows;
  const RecordingRule recording{&rule, &rows, vocab};
  Result result;
  REQUIRE(placed.session.generate(recording.options(), &result));
  const Hypothesis& h = result.hypotheses[0];
  REQUIRE(rows.size() == h.length + 1);  // one row a step, the end token's included
  double sum = 0.0, masked_mass = 0.0;
  for (size_t step = 0; step < rows.size(); ++step) {
    double mass = 0.0;  // of the whole vocabulary: the rule sees the log-softmax, not the logits
    for (float v : rows[step]) mass += std::exp(static_cast<double>(v));
    CHECK(mass == doctest::Approx(1.0).epsilon(1e-5));
    const uint32_t token = step < h.length ? h.tokens[step] : model->config.target_tokens.eos;
    sum += rows[step][token];
    // What the rule takes away is not given to the allowed tokens.
    std::vector<float> ruled = rows[step];
    rule.hook().apply(&rule, h.tokens, step, ruled.data());
    for (size_t v = 0; v < vocab; ++v)
      if (std::isinf(ruled[v])) masked_mass += std::exp(static_cast<double>(rows[step][v]));
  }
  CHECK(h.score == doctest::Approx(sum / static_cast<double>(h.length + 1)).epsilon(1e-5));
  CHECK(masked_mass > 0.01);  // random weights put probability on tokens the rule forbids: the score pays for it
  int32_t weekday = kAnyWeekday;
  CHECK(real_date(spelled(*model, h, &weekday), weekday));
}

TEST_CASE("date rule: a model sure it heard no date answers <|nodate|> then the end, scored as any hypothesis") {
  const OpenedDateModel opened(true, 6, true, 30.0f);  // <|nodate|>'s output bias 30 above the random ones
  const ModelView* model = opened.view.get();
  DateRule rule;
  REQUIRE(rule.init(*model));
  EncodedSession placed(*model, {4, 5, 6, 7});
  Session& session = placed.session;
  // Greedy, the rows recorded before the rule: the score is the two tokens' own log-probabilities, averaged.
  std::vector<std::vector<float>> rows;
  const RecordingRule recording{&rule, &rows, model->config.target_vocab_size};
  GenerateOptions o = recording.options();
  Result result;
  REQUIRE(session.generate(o, &result));
  const Hypothesis& greedy = result.hypotheses[0];
  REQUIRE(greedy.length == 1);
  CHECK(greedy.tokens[0] == kNoDateToken);
  CHECK(rule.is_no_date(greedy.tokens, greedy.length));
  REQUIRE(rows.size() == 2);
  const double own = (static_cast<double>(rows[0][kNoDateToken]) + rows[1][kEndToken]) / 2.0;
  CHECK(greedy.score == doctest::Approx(own).epsilon(1e-5));
  CHECK(rows[0][kNoDateToken] > -0.01f);  // the bias made the model sure of it
  // A beam of 4: the same answer, the same score, and the other hypotheses are real dates.
  o.logit_hook = rule.hook();
  o.beam_size = 4;
  o.num_hypotheses = 4;
  REQUIRE(session.generate(o, &result));
  REQUIRE(result.count >= 2);
  CHECK(rule.is_no_date(result.hypotheses[0].tokens, result.hypotheses[0].length));
  CHECK(result.hypotheses[0].score == doctest::Approx(own).epsilon(1e-5));
  for (uint32_t i = 1; i < result.count; ++i) {
    const Hypothesis& h = result.hypotheses[i];
    int32_t weekday = kAnyWeekday;
    const std::string date = spelled(*model, h, &weekday);
    CAPTURE(date);
    CHECK(!rule.is_no_date(h.tokens, h.length));
    CHECK(real_date(date, kAnyWeekday));
    CHECK(h.score < result.hypotheses[0].score);
  }
}

TEST_CASE("date rule: with <|nodate|> in the vocabulary every answer is a real date or <|nodate|> alone") {
  // Random weights, the bias swept: whatever the model prefers, greedy and
  // the beam give one of the two, and both kinds come out.
  size_t no_dates = 0, dates = 0;
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    for (float bias : {0.0f, 2.0f, 4.0f}) {
      CAPTURE(seed);
      CAPTURE(bias);
      const OpenedDateModel opened(true, seed, true, bias);
      const ModelView* model = opened.view.get();
      DateRule rule;
      REQUIRE(rule.init(*model));
      EncodedSession placed(*model, {4, 5, 6, 7, seed % 3});
      for (uint32_t beam : {1u, 4u}) {
        Result result;
        const Hypothesis& h = placed.best(rule, beam, &result);
        bool mentions_no_date = false;
        for (uint32_t i = 0; i < h.length; ++i) mentions_no_date = mentions_no_date || h.tokens[i] == kNoDateToken;
        int32_t weekday = kAnyWeekday;
        const std::string date = spelled(*model, h, &weekday);
        CAPTURE(date);
        if (mentions_no_date) {
          CHECK(h.length == 1);
          CHECK(rule.is_no_date(h.tokens, h.length));
          CHECK(rule.weekday_missed(h.tokens, h.length) == kAnyWeekday);
          ++no_dates;
        } else {
          CHECK(!rule.is_no_date(h.tokens, h.length));
          CHECK(real_date(date, kAnyWeekday));
          ++dates;
        }
      }
    }
  }
  MESSAGE(no_dates << " no-date answers, " << dates << " dates");
  CHECK(no_dates > 0);
  CHECK(dates > 0);
}

TEST_CASE("date rule: a model without '0'-'9', '-' and <|endoftext|> is refused in one line") {
  const model_test::Bytes file = model_test::synthetic_model();
  model_test::AlignedBytes bytes(file);
  auto model = model_test::new_view();
  REQUIRE(open_model(bytes.data(), bytes.size(), model.get()));
  DateRule rule;
  const Status s = rule.init(*model);
  CHECK(!s);
  CHECK(std::string(s.message()).find("not a date model") != std::string::npos);
  CHECK(std::string(s.message()).find('\n') == std::string::npos);
}

// The C API's date_rule option on a model's bytes: the status, and the
// generated date (weekday token left out) and hypothesis when it succeeds.
struct CApiDate {
  std::string date, message;
  int32_t heard = kAnyWeekday;  // the weekday token generated first, if any
  int32_t weekday_missed = 0, date_weekday = 0, no_date = -1;
  std::vector<uint32_t> tokens, raw_tokens;  // the hypothesis', and without the rule
};

xattn_status c_api_date(const model_test::Bytes& file, float weekday_penalty, CApiDate* out) {
  model_test::AlignedBytes bytes(file);
  xattn_limits limits = xattn_default_limits();
  limits.max_source_length = 8;
  limits.max_target_length = 16;
  limits.max_beam = 1;
  const xattn_test::CApiSession c(bytes.data(), bytes.size(), limits);
  xattn_model* model = c.model;
  xattn_session* session = c.session;
  const uint32_t source[3] = {4, 5, 6};
  REQUIRE(xattn_encode(session, source, 3) == XATTN_OK);
  xattn_generate_options options = xattn_default_options();
  CHECK(options.date_rule == 0);
  CHECK(options.weekday_penalty == kWeekdayPenalty);
  options.date_rule = 1;
  options.weekday_penalty = weekday_penalty;
  const xattn_status s = xattn_generate(session, &options);
  out->message = xattn_session_message(session);
  xattn_hypothesis best;
  std::memset(&best, 0x55, sizeof best);  // every field must be written
  if (s == XATTN_OK && xattn_get_hypothesis(session, 0, &best) == XATTN_OK) {
    out->date.clear();
    for (uint32_t i = 0; i < best.length; ++i) {
      char text[16];
      xattn_detokenize(model, XATTN_TARGET, best.tokens + i, 1, text, sizeof text);
      if (text[0] != '<') out->date += text;
    }
    out->heard = best.length > 0 && best.tokens[0] >= kMondayToken && best.tokens[0] < kMondayToken + 7
                     ? static_cast<int32_t>(best.tokens[0] - kMondayToken)
                     : kAnyWeekday;
    out->weekday_missed = best.weekday_missed;
    out->date_weekday = best.date_weekday;
    out->no_date = best.no_date;
    out->tokens.assign(best.tokens, best.tokens + best.length);
    // Without the rule the same session's hypothesis says nothing of weekdays.
    options.date_rule = 0;
    REQUIRE(xattn_generate(session, &options) == XATTN_OK);
    REQUIRE(xattn_get_hypothesis(session, 0, &best) == XATTN_OK);
    CHECK(best.weekday_missed == kAnyWeekday);
    CHECK(best.date_weekday == kAnyWeekday);
    CHECK(best.no_date == 0);
    out->raw_tokens.assign(best.tokens, best.tokens + best.length);
  }
  return s;
}

TEST_CASE("date rule: the C API's date_rule gives real dates, and refuses a model that does not spell dates") {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    CApiDate got;
    REQUIRE(c_api_date(date_vocabulary_model(true, seed), kWeekdayPenalty, &got) == XATTN_OK);
    CAPTURE(got.date);
    CHECK(real_date(got.date, kAnyWeekday));
  }
  CApiDate got;
  CHECK(c_api_date(model_test::synthetic_model(), kWeekdayPenalty, &got) == XATTN_INVALID_ARGUMENT);
  CHECK(got.message.find("not a date model") != std::string::npos);
  for (float bad : {-1.0f, NAN}) {
    CHECK(c_api_date(date_vocabulary_model(true, 1), bad, &got) == XATTN_INVALID_ARGUMENT);
    CHECK(got.message.find("weekday penalty") != std::string::npos);
  }
}

TEST_CASE("date rule: the C API's weekday_penalty, and the hypothesis naming a weekday said wrong") {
  // Random weights: at no penalty the day follows the model, not the
  // weekday it output first; at infinity the date always falls on it. The
  // hypothesis names the miss exactly when the calendar says so.
  size_t heard = 0, missed = 0, wrong = 0;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    for (float penalty : {0.0f, INFINITY}) {
      CApiDate got;
      REQUIRE(c_api_date(date_vocabulary_model(true, seed), penalty, &got) == XATTN_OK);
      CAPTURE(got.date);
      CHECK(real_date(got.date, kAnyWeekday));
      if (got.heard == kAnyWeekday) {
        wrong += got.weekday_missed != kAnyWeekday || got.date_weekday != kAnyWeekday;
        continue;
      }
      heard += penalty == 0.0f;
      const bool on_heard = real_date(got.date, got.heard);
      if (std::isinf(penalty)) wrong += !on_heard;
      if (on_heard) {
        wrong += got.weekday_missed != kAnyWeekday || got.date_weekday != kAnyWeekday;
      } else {
        missed += 1;
        wrong += got.weekday_missed != got.heard || !real_date(got.date, got.date_weekday) || got.date_weekday == got.heard;
      }
    }
  }
  CHECK(wrong == 0);
  CHECK(heard > 3);
  CHECK(missed > 0);  // a weekday heard, a date off it: the fields were exercised
}

TEST_CASE("date rule: the C API's no_date is 1 exactly for the no-date answer under date_rule") {
  CApiDate got;
  REQUIRE(c_api_date(date_vocabulary_model(true, 6, true, 30.0f), kWeekdayPenalty, &got) == XATTN_OK);
  CHECK(got.tokens == std::vector<uint32_t>{kNoDateToken});
  CHECK(got.no_date == 1);
  CHECK(got.date.empty());
  CHECK(got.weekday_missed == kAnyWeekday);
  CHECK(got.date_weekday == kAnyWeekday);
  // The end as sure after it: the model's raw choice is <|nodate|> alone too,
  // but only an answer under date_rule is said to be the no-date answer.
  REQUIRE(c_api_date(date_vocabulary_model(true, 6, true, 30.0f, 30.1f), kWeekdayPenalty, &got) == XATTN_OK);
  CHECK(got.no_date == 1);
  CHECK(got.raw_tokens == std::vector<uint32_t>{kNoDateToken});  // c_api_date checked its no_date is 0
  // Models without the token, and models with it (its bias raised by 1, so
  // that some choose it and some a date): 1 exactly for the token alone.
  size_t with_token = 0;
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    REQUIRE(c_api_date(date_vocabulary_model(true, seed), kWeekdayPenalty, &got) == XATTN_OK);
    CHECK(got.no_date == 0);
    CHECK(real_date(got.date, kAnyWeekday));
    REQUIRE(c_api_date(date_vocabulary_model(true, seed, true, 1.0f), kWeekdayPenalty, &got) == XATTN_OK);
    const bool alone = got.tokens == std::vector<uint32_t>{kNoDateToken};
    CHECK(got.no_date == (alone ? 1 : 0));
    if (!alone) CHECK(real_date(got.date, kAnyWeekday));
    with_token += alone;
  }
  MESSAGE(with_token << " of 12 random models with <|nodate|> chose it");
  CHECK(with_token > 0);
  CHECK(with_token < 12);
}

}  // namespace
}  // namespace xattn
