"""Seeded generator of dates as people type them, paired with ISO 8601.

    make_example(rng) -> ("sat 23 nov 2026", "2026-11-23")

Years are 1950-2049. Numeric forms are day first (23/11/26), except that a
four-digit year may lead (2026-11-23, 2026/11/23, 20261123). Two-digit years
follow one rule: 50-99 -> 1950-1999, 00-49 -> 2000-2049 ('26 is 2026, 75 is
1975). Weekday names are usually the true weekday; one in ten is another day,
so the model learns to read the date, not the weekday.
"""
import datetime
import random

FIRST_YEAR, LAST_YEAR = 1950, 2049
MAX_CHARS = 48  # longer renderings are redrawn; the runtime limit is far above

MONTHS = ["january", "february", "march", "april", "may", "june", "july",
          "august", "september", "october", "november", "december"]
# Abbreviations people use besides the first three letters.
MONTH_EXTRA = {6: ["june"], 7: ["july"], 9: ["sept"]}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAY_EXTRA = {1: ["tues"], 2: ["weds"], 3: ["thur", "thurs"]}

_DAY_COUNT = (datetime.date(LAST_YEAR, 12, 31) - datetime.date(FIRST_YEAR, 1, 1)).days + 1


def two_digit_year(yy):
    """The documented rule: 50-99 -> 19xx, 00-49 -> 20xx."""
    return 1900 + yy if yy >= 50 else 2000 + yy


def ordinal(day, rng):
    if rng.random() < 0.04:  # a common slip: "23th"
        return "%dth" % day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return "%d%s" % (day, suffix)


def month_word(month, rng):
    r = rng.random()
    if r < 0.45:
        return MONTHS[month - 1]
    word = rng.choice([MONTHS[month - 1][:3]] + MONTH_EXTRA.get(month, []))
    return word + "." if r > 0.9 and len(word) < len(MONTHS[month - 1]) else word


def weekday_word(weekday, rng):
    if rng.random() < 0.5:
        return WEEKDAYS[weekday]
    word = rng.choice([WEEKDAYS[weekday][:3]] + WEEKDAY_EXTRA.get(weekday, []))
    return word + "." if rng.random() < 0.1 else word


def year_text(year, rng, short_ok=True):
    r = rng.random()
    if not short_ok or r < 0.75:
        return str(year)
    yy = "%02d" % (year % 100)
    return "'" + yy if r < 0.85 else yy


def day_text(day, rng):
    r = rng.random()
    if r < 0.45:
        return str(day)
    if r < 0.55:
        return "%02d" % day
    if r < 0.9:
        return ordinal(day, rng)
    return "the " + ordinal(day, rng)


def weekday_prefix(date, rng):
    if rng.random() < 0.6:
        return ""
    weekday = date.weekday() if rng.random() < 0.9 else rng.randrange(7)
    return weekday_word(weekday, rng) + rng.choice([" ", ", ", ", ", ",", " - "])


def textual(date, rng):
    """Dates with a month name: day-month-year, month-day-year or year-month-day."""
    month = month_word(date.month, rng)
    day = day_text(date.day, rng)
    order = rng.random()
    if order < 0.45:  # 23 nov 2026, the 23rd of November, 2026, 23-nov-26
        if rng.random() < 0.15:  # 23-nov-26, 23.Nov.2026
            sep = rng.choice(["-", "/", ".", " "])
            day = str(date.day) if rng.random() < 0.7 else "%02d" % date.day
            return weekday_prefix(date, rng) + sep.join([day, month.rstrip("."), year_text(date.year, rng)])
        of = " of " if day.startswith("the") or (day[-1].isalpha() and rng.random() < 0.3) else " "
        comma = rng.choice([" ", ", ", ","]) if rng.random() < 0.4 else " "
        return weekday_prefix(date, rng) + day + of + month + comma + year_text(date.year, rng)
    if order < 0.9:  # November 23rd, 2026, nov 23 '26, sat, nov 23 2026, Nov-23-2026
        if rng.random() < 0.12:
            sep = rng.choice(["-", "/", ".", " "])
            day = str(date.day) if rng.random() < 0.6 else "%02d" % date.day
            return weekday_prefix(date, rng) + sep.join([month.rstrip("."), day, year_text(date.year, rng)])
        if day.startswith("the"):
            day = day[4:]
        comma = rng.choice([", ", ",", " "])
        return weekday_prefix(date, rng) + month + " " + day + comma + year_text(date.year, rng)
    # 2026 nov 23, 2026-Nov-23: the year leads, so it is always written in full
    sep = rng.choice([" ", "-", " "])
    return str(date.year) + sep + month.rstrip(".") + sep + str(date.day if rng.random() < 0.8 else "%02d" % date.day)


def numeric(date, rng):
    """All-digit dates: day first (23/11/26, 3.1.2026) or a leading four-digit year."""
    r = rng.random()
    if r < 0.12:
        return "%04d%02d%02d" % (date.year, date.month, date.day)
    pad = rng.random() < 0.5
    day = "%02d" % date.day if pad or rng.random() < 0.2 else str(date.day)
    month = "%02d" % date.month if pad or rng.random() < 0.2 else str(date.month)
    if r < 0.3:  # 2026-11-23, 2026/11/23, 1970-1-1
        sep = rng.choice(["-", "-", "/", "."])
        return sep.join([str(date.year), month, day] if rng.random() < 0.3 else
                        ["%04d" % date.year, "%02d" % date.month, "%02d" % date.day])
    sep = rng.choice(["/", "/", ".", "-", " "])
    if sep != " " and rng.random() < 0.08:  # 23 / 11 / 2026
        sep = " " + sep + " "
    year = str(date.year) if rng.random() < 0.5 else "%02d" % (date.year % 100)
    return weekday_prefix(date, rng) + sep.join([day, month, year])


def recase(text, rng):
    r = rng.random()
    if r < 0.4:
        return text.lower()
    if r < 0.6:
        return text.title()  # also gives "23Rd": shift keys are random too
    if r < 0.75:
        return text.upper()
    if r < 0.8:
        return "".join(c.upper() if rng.random() < 0.5 else c for c in text)
    # as a careful writer would: capitalized names
    words = MONTHS + WEEKDAYS + [w[:3] for w in MONTHS + WEEKDAYS] + ["sept", "tues", "weds", "thur", "thurs"]
    return " ".join(w.capitalize() if w.lower().strip(".,") in words else w for w in text.split(" "))


def respace(text, rng):
    """Stray spaces: doubled or tripled inside, a few before or after."""
    if rng.random() < 0.1:
        words = text.split(" ")
        if len(words) > 1:
            at = rng.randrange(1, len(words))
            text = " ".join(words[:at]) + " " * rng.randint(2, 3) + " ".join(words[at:])
    if rng.random() < 0.05:
        text = " " * rng.randint(1, 3) + text
    if rng.random() < 0.05:
        text = text + " " * rng.randint(1, 3)
    return text


# Phones type typographic marks: ’ for ', – for -. Other characters outside
# the vocabulary (é, °, ...) become <unk>; a few examples carry one, so a
# stray symbol is ignored rather than derailing the output.
STRAYS = "\u00e9\u00b0\u00b7\u00a7\u00fc\u2022"


def typographic(text, rng):
    if "'" in text and rng.random() < 0.3:
        text = text.replace("'", "\u2019")
    if "-" in text and rng.random() < 0.1:
        text = text.replace("-", "\u2013")
    if rng.random() < 0.02:
        stray = rng.choice(STRAYS)
        r = rng.random()
        text = stray + text if r < 0.3 else text + stray if r < 0.6 else text.replace(" ", " " + stray + " ", 1)
    return text


def random_date(rng):
    return datetime.date(FIRST_YEAR, 1, 1) + datetime.timedelta(days=rng.randrange(_DAY_COUNT))


def make_example(rng):
    while True:
        date = random_date(rng)
        text = textual(date, rng) if rng.random() < 0.7 else numeric(date, rng)
        text = typographic(respace(recase(text, rng), rng), rng)
        if len(text) <= MAX_CHARS:
            return text, date.isoformat()


def make_set(seed, count, exclude=frozenset()):
    """`count` distinct examples from `seed`, none of whose inputs is in `exclude`."""
    rng = random.Random(seed)
    seen, out = set(exclude), []
    while len(out) < count:
        text, iso = make_example(rng)
        if text not in seen:
            seen.add(text)
            out.append((text, iso))
    return out


if __name__ == "__main__":
    for text, iso in make_set(1, 40):
        print("%-40r -> %s" % (text, iso))
