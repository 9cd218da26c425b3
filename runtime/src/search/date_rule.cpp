// The spoken-date decoding rule (xattn/date_rule.h).
#include "xattn/date_rule.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace xattn {

namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();
constexpr const char* kWeekdayTokens[7] = {"<|monday|>", "<|tuesday|>",  "<|wednesday|>", "<|thursday|>",
                                           "<|friday|>", "<|saturday|>", "<|sunday|>"};
constexpr uint32_t kAllDigits = (1u << 10) - 1;

uint32_t find_token(const ModelView& model, const char* text) {
  return model.target_vocab.find(text, std::strlen(text), kNoToken);
}

uint32_t number(const char* digits, size_t count) {
  uint32_t n = 0;
  for (size_t i = 0; i < count; ++i) n = n * 10 + static_cast<uint32_t>(digits[i] - '0');
  return n;
}

void apply_rule(const void* context, const uint32_t* sampled, size_t n_sampled, float* logits) {
  static_cast<const DateRule*>(context)->apply(sampled, n_sampled, logits);
}

}  // namespace

bool is_leap_year(uint32_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

uint32_t days_in_month(uint32_t year, uint32_t month) {
  static const uint8_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return kDays[month - 1] + (month == 2 && is_leap_year(year) ? 1 : 0);
}

uint32_t weekday_of(uint32_t year, uint32_t month, uint32_t day) {
  // Days since a Monday, counted in whole 400-year cycles (146,097 days, a
  // multiple of 7) from 1 March of year 0, so that leap days fall at the
  // end of a counted year.
  const uint32_t y = month < 3 ? year - 1 + 400 : year + 400;  // + 400: never below zero for year 1
  const uint32_t m = month < 3 ? month + 9 : month - 3;          // March = 0
  const uint32_t days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1;
  return (days + 2) % 7;  // 1 March of year 0 (proleptic Gregorian) was a Wednesday
}

const char* weekday_name(int32_t weekday) {
  static const char* const kNames[7] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  return weekday >= 0 && weekday < 7 ? kNames[weekday] : "";
}

uint32_t allowed_digits(const char* s, size_t length, int32_t weekday) {
  if (length < 4) return length == 3 && std::memcmp(s, "000", 3) == 0 ? kAllDigits & ~1u : kAllDigits;
  if (length == 5) return 0x3;                              // month 0x or 1x
  if (length == 6) return s[5] == '0' ? kAllDigits & ~1u : 0x7;  // 01-09, 10-12
  if (length != 8 && length != 9) return 0;
  const uint32_t year = number(s, 4), month = number(s + 5, 2);
  uint32_t bits = 0;
  for (uint32_t day = 1; day <= days_in_month(year, month); ++day) {
    if (weekday != kAnyWeekday && weekday_of(year, month, day) != static_cast<uint32_t>(weekday)) continue;
    if (length == 8)
      bits |= 1u << (day / 10);
    else if (day / 10 == static_cast<uint32_t>(s[8] - '0'))
      bits |= 1u << (day % 10);
  }
  return bits;
}

Status DateRule::init(const ModelView& model, float weekday_penalty) {
  if (std::isnan(weekday_penalty) || weekday_penalty < 0.0f)
    return Status::error(StatusCode::kInvalidArgument).add("date rule: the weekday penalty must be 0 or more (inf: never off the weekday)");
  weekday_penalty_ = weekday_penalty;
  char digit[2] = {'0', '\0'};
  for (uint32_t i = 0; i < 10; ++i, ++digit[0]) digit_[i] = find_token(model, digit);
  dash_ = find_token(model, "-");
  end_ = find_token(model, "<|endoftext|>");
  bool found = dash_ != kNoToken && end_ != kNoToken;
  for (uint32_t i = 0; i < 10; ++i) found = found && digit_[i] != kNoToken;
  if (!found)
    return Status::error(StatusCode::kInvalidArgument)
        .add("date rule: the model's vocabulary has no '0'-'9', '-' and <|endoftext|> (not a date model)");
  has_weekdays_ = true;
  for (uint32_t i = 0; i < 7; ++i) {
    weekday_[i] = find_token(model, kWeekdayTokens[i]);
    has_weekdays_ = has_weekdays_ && weekday_[i] != kNoToken;
  }
  no_date_ = find_token(model, "<|nodate|>");  // kNoToken in models made before it
  n_vocab_ = model.config.target_vocab_size;
  return Status::ok();
}

int32_t DateRule::weekday_of_token(uint32_t token) const {
  for (int32_t d = 0; has_weekdays_ && d < 7; ++d)
    if (weekday_[d] == token) return d;
  return kAnyWeekday;
}

DateRule::Hypothesis DateRule::read(const uint32_t* tokens, size_t n) const {
  Hypothesis h;
  for (size_t i = 0; i < n && h.valid; ++i) {
    const uint32_t t = tokens[i];
    if (i == 0 && (h.weekday = weekday_of_token(t)) != kAnyWeekday) continue;
    if (i == 0 && (h.no_date = has_no_date() && t == no_date_)) continue;
    char c = t == dash_ ? '-' : '\0';
    for (uint32_t d = 0; d < 10; ++d)
      if (digit_[d] == t) c = static_cast<char>('0' + d);
    h.valid = !h.no_date && c != '\0' && h.length < kIsoDateLength;
    if (h.valid) h.date[h.length++] = c;
  }
  return h;
}

bool DateRule::is_no_date(const uint32_t* tokens, size_t n) const {
  return has_no_date() && n == 1 && tokens[0] == no_date_;
}

int32_t DateRule::weekday_missed(const uint32_t* tokens, size_t n, int32_t* date_weekday) const {
  const Hypothesis h = read(tokens, n);
  if (h.weekday == kAnyWeekday || !h.valid || h.length != kIsoDateLength || h.date[4] != '-' || h.date[7] != '-')
    return kAnyWeekday;
  for (size_t i = 0; i < kIsoDateLength; ++i)
    if (i != 4 && i != 7 && h.date[i] == '-') return kAnyWeekday;  // not a date the rule made
  const uint32_t year = number(h.date, 4), month = number(h.date + 5, 2), day = number(h.date + 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return kAnyWeekday;
  const int32_t on = static_cast<int32_t>(weekday_of(year, month, day));
  if (on == h.weekday) return kAnyWeekday;
  if (date_weekday != nullptr) *date_weekday = on;
  return h.weekday;
}

void DateRule::apply(const uint32_t* sampled, size_t n_sampled, float* logits) const {
  const Hypothesis h = read(sampled, n_sampled);  // the date so far

  // What may come next: kept aside, every logit masked, then put back (a
  // day digit off the weekday heard less the penalty). At most the first
  // step's ten digits, seven weekdays and <|nodate|>.
  uint32_t keep[10 + 7 + 1];
  float cost[10 + 7 + 1] = {};
  size_t n_keep = 0;
  if (!h.valid || h.length == kIsoDateLength || h.no_date) {
    keep[n_keep++] = end_;  // a hypothesis the rule did not make, or the no-date answer, can only end
  } else if (h.length == 4 || h.length == 7) {
    keep[n_keep++] = dash_;
  } else {
    const uint32_t any_day = allowed_digits(h.date, h.length, kAnyWeekday);
    uint32_t on_day = h.weekday == kAnyWeekday ? any_day : allowed_digits(h.date, h.length, h.weekday);
    if (on_day == 0) on_day = any_day;  // already off the weekday, its one penalty paid
    const uint32_t off_day = std::isinf(weekday_penalty_) ? 0 : any_day & ~on_day;
    for (uint32_t d = 0; d < 10; ++d) {
      if ((on_day | off_day) & (1u << d)) {
        cost[n_keep] = off_day & (1u << d) ? weekday_penalty_ : 0.0f;
        keep[n_keep++] = digit_[d];
      }
    }
  }
  if (n_sampled == 0 && has_weekdays_)
    for (uint32_t d = 0; d < 7; ++d) keep[n_keep++] = weekday_[d];
  if (n_sampled == 0 && has_no_date()) keep[n_keep++] = no_date_;  // its own probability: no cost, no bonus
  float kept[10 + 7 + 1];
  for (size_t i = 0; i < n_keep; ++i) kept[i] = logits[keep[i]] - cost[i];
  for (uint32_t v = 0; v < n_vocab_; ++v) logits[v] = kMasked;
  for (size_t i = 0; i < n_keep; ++i) logits[keep[i]] = kept[i];
}

LogitHook DateRule::hook() const {
  LogitHook h;
  h.apply = &apply_rule;
  h.context = this;
  h.on_log_probs = true;  // a date scores the model's own probability of it (see LogitHook)
  return h;
}

}  // namespace xattn
