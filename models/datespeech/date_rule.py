"""The decoding rule for the spoken-date model: every output is a real YYYY-MM-DD date, and when the
model first outputs the weekday it heard, a date on that weekday, or, at a cost of `weekday_penalty` to
its log-probability, the date as said when the speaker named the wrong weekday.

The model's targets are an optional weekday token, then the ten characters of the date. A digit is
allowed at a step only if some real date (years 0001-9999, the proleptic Gregorian calendar, as
Python's datetime) completes the text so far with it, on the weekday output first if there is one;
'-' only at positions 4 and 7, the end only after the tenth character. So greedy decoding never
dead-ends and a misheard digit that breaks the date or its weekday is replaced by the model's best
consistent one. A day digit that leaves the weekday (no date on it completes the text) is allowed
too, WEEKDAY_PENALTY below the model's own log-probability, once per date: "saturday, the 23rd of
november 2026" (a Monday) gives 2026-11-23 when the model is sure of the 23, not the 21st or 28th.
A model whose vocabulary has NO_DATE_TOKEN may answer that the speech holds no whole date: the
token only as the first one, at the model's own log-probability, and then only the end.
xattn applies the same rule (runtime/src/search/date_rule.cpp); train.greedy, beam_search.py and
export.py's parity check use this twin.
"""
import calendar
import datetime
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spoken import WEEKDAYS  # noqa: E402

WEEKDAY_TOKENS = ["<|%s|>" % w for w in WEEKDAYS]
NO_DATE_TOKEN = "<|nodate|>"
NO_DATE = "no date"  # the answer's text, as xattn transcribe prints it
# The log-probability a date off the weekday heard pays: runtime/include/xattn/date_rule.h's
# kWeekdayPenalty (README.md, "A weekday said wrong"). math.inf: never off the weekday.
WEEKDAY_PENALTY = 4.0
DATE_LENGTH = 10  # YYYY-MM-DD
END = None  # stands for the end token in allowed_next


def spoken_weekday(text):
    """The weekday (0 = Monday) a sentence names, or -1 for none or several."""
    hits = [i for i, w in enumerate(WEEKDAYS) if w in text.lower()]
    return hits[0] if len(hits) == 1 else -1


def _day_digits(year, month, typed, weekday):
    """Digits that may follow `typed` (the day's first digit, or nothing) in a real day of the month."""
    out = set()
    for day in range(1, calendar.monthrange(year, month)[1] + 1):
        text = "%02d" % day
        if text.startswith(typed) and (weekday < 0 or datetime.date(year, month, day).weekday() == weekday):
            out.add(text[len(typed)])
    return out


def allowed_next(date_so_far, weekday=-1):
    """The characters that may come next after `date_so_far` (a prefix of YYYY-MM-DD): a set of
    digits, {'-'} or {END}. weekday: 0-6 (Monday first) when the model output one, else -1."""
    p = len(date_so_far)
    if p == DATE_LENGTH:
        return {END}
    if p in (4, 7):
        return {"-"}
    digits = set("0123456789")
    if p < 4:
        return digits - {"0"} if date_so_far == "000" else digits  # year 0000 does not exist
    if p == 5:
        return {"0", "1"}
    if p == 6:
        return set("123456789") if date_so_far[5] == "0" else {"0", "1", "2"}
    return _day_digits(int(date_so_far[:4]), int(date_so_far[5:7]), date_so_far[8:], weekday)


def token_scores(vocab, generated, weekday_penalty=WEEKDAY_PENALTY):
    """{token id: what the rule adds to its log-probability} for the tokens allowed after `generated` (the
    ids after the start token) for a model whose vocabulary is `vocab` (weekday tokens optional), with
    '<|endoftext|>' as the end: 0, or -weekday_penalty for a day digit that leaves the weekday heard."""
    if generated and vocab[generated[0]] == NO_DATE_TOKEN:
        return {vocab.index("<|endoftext|>"): 0.0}
    weekday = -1
    chars = ""
    for t in generated:
        name = vocab[t]
        if name in WEEKDAY_TOKENS:
            weekday = WEEKDAY_TOKENS.index(name)
        else:
            chars += name
    on_day = allowed_next(chars, weekday)
    any_day = allowed_next(chars) if weekday >= 0 else on_day
    if not on_day:  # already off the weekday (its one penalty paid): the date goes on as said
        on_day = any_day
    off_day = any_day - on_day if weekday_penalty < math.inf else set()

    def index(c):
        return vocab.index("<|endoftext|>") if c is END else vocab.index(c)
    out = {index(c): 0.0 for c in on_day}
    out.update({index(c): -weekday_penalty for c in off_day})
    if not generated:  # the weekday, if the model has weekday tokens, comes first or not at all
        out.update({i: 0.0 for i, name in enumerate(vocab) if name in WEEKDAY_TOKENS or name == NO_DATE_TOKEN})
    return out

