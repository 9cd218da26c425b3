// The decoding rule of spoken-date models (models/datespeech): every output
// is a real YYYY-MM-DD date (years 0001-9999, proleptic Gregorian calendar)
// and, when the model first outputs the weekday it heard (<|monday|> ...
// <|sunday|>), a date on that weekday, or, at a cost, the date as said by a
// speaker who named the wrong weekday; or, from a model that has <|nodate|>,
// the answer that it heard no date.
//
// A digit is allowed at a step only if some such date completes the text so
// far with it; '-' only after the year and the month; the end only after the
// tenth character; a weekday token only as the first token. A model whose
// vocabulary has <|nodate|> may say it heard no date: that token is allowed
// only as the first token, at the model's own log-probability, and only the
// end after it. Greedy decoding then never dead-ends, and a misheard digit
// that would break the date or its weekday gives way to the model's best
// consistent one. A day digit that leaves the weekday (no date on it
// completes the text) stays allowed at kWeekdayPenalty below its
// log-probability, once per date: "saturday, the 23rd of november 2026" (a
// Monday) gives 2026-11-23 when the model is sure of the 23rd, not the
// Saturday before or after. The rule masks the
// log-probabilities, not the logits (LogitHook::on_log_probs): a date scores
// the model's own probability of its tokens. The Python twins are
// models/datespeech/date_rule.py and beam_search.py.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/model.h"
#include "xattn/session.h"
#include "xattn/status.h"

namespace xattn {

// Calendar facts the rule needs (month 1-12, day 1-31; weekday 0 = Monday).
bool is_leap_year(uint32_t year);
uint32_t days_in_month(uint32_t year, uint32_t month);
uint32_t weekday_of(uint32_t year, uint32_t month, uint32_t day);
// "Monday" ... "Sunday" for 0-6, "" otherwise.
const char* weekday_name(int32_t weekday);

constexpr size_t kIsoDateLength = 10;  // YYYY-MM-DD
constexpr int32_t kAnyWeekday = -1;

// The beam a date model decodes with unless told otherwise (xattn transcribe,
// demo --speech, the M55 firmware). With the rule scoring the model's own
// probabilities, a beam can trade a digit the weekday forced for a date heard
// as a whole: when the beam was chosen, on models/datespeech's 3,600 held-out
// clips greedy got 3,298 right, beams of 2, 4 and 8 3,336, 3,342 and 3,347
// (its README, the model before the current one).
constexpr uint32_t kDateRuleBeam = 4;

// What a date off the weekday heard pays in log-probability. Infinity keeps
// every date on it: when the penalty was chosen, of 960 clips of
// models/datespeech's held-out voices naming a weekday that is not the
// date's, 108 (11%) came out as the date said; at 4, 803 (84%), for 2 fewer
// right of its 3,600 held-out clips (3,340 against 3,342), whose weekdays are
// right (its README, "A weekday said wrong"; the model before the current one).
constexpr float kWeekdayPenalty = 4.0f;

// Bit c set when character c ('0'-'9' as 0-9) may follow `date_so_far` (a
// prefix of YYYY-MM-DD, `length` < 10, not at positions 4 and 7, whose
// characters are assumed allowed by the rule) on `weekday` (0-6, or
// kAnyWeekday).
uint32_t allowed_digits(const char* date_so_far, size_t length, int32_t weekday);

class DateRule {
 public:
  // Finds '0'-'9', '-' and the end token (<|endoftext|>) in the model's
  // target vocabulary, the seven weekday tokens if it has them all, and
  // <|nodate|> if it has it.
  // Fails, in one line, for a model without a date vocabulary or a negative
  // (or NaN) penalty.
  Status init(const ModelView& model, float weekday_penalty = kWeekdayPenalty);
  bool has_weekdays() const { return has_weekdays_; }
  // The model may answer that it heard no date (its vocabulary has <|nodate|>).
  bool has_no_date() const { return no_date_ != kNoToken; }
  // A hypothesis (the tokens after the start token, end left out) is the
  // no-date answer: <|nodate|> alone.
  bool is_no_date(const uint32_t* tokens, size_t n) const;
  // Masks (-infinity) every token the rule does not allow after `sampled`,
  // and lowers a day digit off the weekday heard by the penalty.
  void apply(const uint32_t* sampled, size_t n_sampled, float* logits) const;
  float weekday_penalty() const { return weekday_penalty_; }
  // The weekday a hypothesis (the tokens after the start token, end left
  // out) first output when its whole date falls on another one (it paid the
  // penalty), else kAnyWeekday (so for the no-date answer). Then
  // `date_weekday`, if given, receives the weekday the date falls on.
  int32_t weekday_missed(const uint32_t* tokens, size_t n, int32_t* date_weekday = nullptr) const;
  // For GenerateOptions::logit_hook; the rule must outlive the generation.
  LogitHook hook() const;
  // The weekday (0 = Monday) a token names, or kAnyWeekday for a token that
  // is not a weekday (weekday tokens are not part of the date's text).
  int32_t weekday_of_token(uint32_t token) const;

 private:
  // A hypothesis' tokens read as the rule reads them: the weekday first
  // output, or <|nodate|> first, the date's characters so far, and whether
  // every token was a digit or '-' within the date's ten characters (none
  // may follow <|nodate|>).
  struct Hypothesis {
    int32_t weekday = kAnyWeekday;
    bool no_date = false;
    char date[kIsoDateLength] = {};
    size_t length = 0;
    bool valid = true;
  };
  Hypothesis read(const uint32_t* tokens, size_t n) const;

  uint32_t digit_[10] = {};
  uint32_t dash_ = kNoToken;
  uint32_t end_ = kNoToken;
  uint32_t weekday_[7] = {};
  bool has_weekdays_ = false;
  uint32_t no_date_ = kNoToken;  // <|nodate|>, when the vocabulary has it
  uint32_t n_vocab_ = 0;
  float weekday_penalty_ = kWeekdayPenalty;
};

}  // namespace xattn
