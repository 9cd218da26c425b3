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
// '-', <|endoftext|>, <|startoftranscript|>, then the weekdays (or none).
model_test::Bytes date_vocabulary_model(bool weekdays, uint32_t seed) {
  xattn::convert::XattnModelContents m = model_test::synthetic_contents();
  m.target_vocab = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "<|endoftext|>", "<|startoftranscript|>"};
  if (weekdays)
    for (const char* w : {"<|monday|>", "<|tuesday|>", "<|wednesday|>", "<|thursday|>", "<|friday|>", "<|saturday|>",
                          "<|sunday|>"})
      m.target_vocab.push_back(w);
  m.config.target_vocab_size = static_cast<uint32_t>(m.target_vocab.size());
  m.config.target_tokens = SpecialTokens{11, 12, 11, 11};
  m.tensors.clear();
  xattn_test::add_random_tensors(&m, false, seed);
  return model_test::write_model(m);
}

// date_vocabulary_model, opened: the view reads `bytes`, so both live here.
struct OpenedDateModel {
  OpenedDateModel(bool weekdays, uint32_t seed) : bytes(date_vocabulary_model(weekdays, seed)), view(model_test::new_view()) {
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
      Limits limits;
      limits.max_source_length = 8;
      limits.max_target_length = 16;
      limits.max_beam = 4;
      std::vector<uint8_t> arena(arena_bytes(model->config, limits) + kArenaAlignment);
      uint8_t* base = arena.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(arena.data()) % kArenaAlignment) % kArenaAlignment;
      Session session;
      REQUIRE(session.init(*model, limits, base, arena.size() - kArenaAlignment));
      const uint32_t source[5] = {4, 5, 6, 7, static_cast<uint32_t>(seed % 3)};
      REQUIRE(session.encode(source, 5));
      for (uint32_t beam : {1u, 4u}) {
        GenerateOptions o;
        o.beam_size = beam;
        o.logit_hook = rule.hook();
        Result result;
        REQUIRE(session.generate(o, &result));
        int32_t weekday = kAnyWeekday;
        const std::string date = spelled(*model, result.hypotheses[0], &weekday);
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
};

TEST_CASE("date rule: a date scores the model's own probability of its tokens, the rule masking after the log-softmax") {
  const OpenedDateModel opened(true, 5);
  const ModelView* model = opened.view.get();
  DateRule rule;
  REQUIRE(rule.init(*model));
  CHECK(rule.hook().on_log_probs);
  Limits limits;
  limits.max_source_length = 8;
  limits.max_target_length = 16;
  Session session;
  std::vector<uint8_t> arena(arena_bytes(model->config, limits) + kArenaAlignment);
  uint8_t* base = arena.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(arena.data()) % kArenaAlignment) % kArenaAlignment;
  REQUIRE(session.init(*model, limits, base, arena.size() - kArenaAlignment));
  const uint32_t source[4] = {4, 5, 6, 7};
  REQUIRE(session.encode(source, 4));
  const size_t vocab = model->config.target_vocab_size;
  std::vector<std::vector<float>> rows;
  RecordingRule recording{&rule, &rows, vocab};
  GenerateOptions o;
  o.logit_hook.apply = &RecordingRule::apply;
  o.logit_hook.context = &recording;
  o.logit_hook.on_log_probs = true;
  Result result;
  REQUIRE(session.generate(o, &result));
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
  int32_t weekday_missed = 0, date_weekday = 0;
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
  if (s == XATTN_OK && xattn_get_hypothesis(session, 0, &best) == XATTN_OK) {
    out->date.clear();
    for (uint32_t i = 0; i < best.length; ++i) {
      char text[16];
      xattn_detokenize(model, XATTN_TARGET, best.tokens + i, 1, text, sizeof text);
      if (text[0] != '<') out->date += text;
    }
    out->heard = best.length > 0 && best.tokens[0] >= kMondayToken ? static_cast<int32_t>(best.tokens[0] - kMondayToken)
                                                                   : kAnyWeekday;
    out->weekday_missed = best.weekday_missed;
    out->date_weekday = best.date_weekday;
    // Without the rule the same session's hypothesis says nothing of weekdays.
    options.date_rule = 0;
    REQUIRE(xattn_generate(session, &options) == XATTN_OK);
    REQUIRE(xattn_get_hypothesis(session, 0, &best) == XATTN_OK);
    CHECK(best.weekday_missed == kAnyWeekday);
    CHECK(best.date_weekday == kAnyWeekday);
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

}  // namespace
}  // namespace xattn
