"""Seeded generator of dates as people say them, paired with ISO 8601.

    make_sentence(rng) -> ("saturday, the twenty-third of november, twenty twenty-six", "2026-11-23")

The sentence is what a speech synthesizer reads. Years are 1950-2049, as in
the text model (models/datenorm): a two-digit year follows the same rule,
50-99 -> 1950-1999, 00-49 -> 2000-2049 ("seventy-six" is 1976, "oh four" is
2004). Numeric dates are day first ("twenty-three eleven twenty-six"). Most
numbers are written as words so that every voice says the same thing; a few
are left as digits ("the 1st of March 2020") for the synthesizer's own reading.
"""
import datetime

FIRST_YEAR, LAST_YEAR = 1950, 2049

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINAL_ONES = ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
                "sixteenth", "seventeenth", "eighteenth", "nineteenth"]
ORDINAL_TENS = {2: "twentieth", 3: "thirtieth"}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
LEADS = ["it's", "on", "the date is", "today is", "i was born on", "due on", "that's"]

_DAY_COUNT = (datetime.date(LAST_YEAR, 12, 31) - datetime.date(FIRST_YEAR, 1, 1)).days + 1


def cardinal(n):
    """0-99 in words: 'twenty-three'."""
    if n < 20:
        return ONES[n]
    return TENS[n // 10] + ("" if n % 10 == 0 else "-" + ONES[n % 10])


def ordinal(n):
    """1-31 in words: 'twenty-third'."""
    if n < 20:
        return ORDINAL_ONES[n]
    if n % 10 == 0:
        return ORDINAL_TENS[n // 10]
    return TENS[n // 10] + "-" + ORDINAL_ONES[n % 10]


def ordinal_digits(n):
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return "%d%s" % (n, suffix)


def two_digits(n, rng):
    """A two-digit group as said in a year or a numeric date: 'seventy-six', 'oh four'."""
    if n >= 10:
        return cardinal(n)
    return rng.choice(["oh ", "oh ", "zero "]) + ONES[n]


def year_words(year, rng):
    """A four-digit year as people say it."""
    century, rest = divmod(year, 100)
    r = rng.random()
    if year >= 2000 and (rest < 10 or r < 0.35):
        # 'two thousand', 'two thousand and four', 'two thousand twenty-six'
        if rest == 0:
            return "two thousand"
        return "two thousand " + ("and " if rng.random() < 0.5 else "") + cardinal(rest)
    if year < 2000 and r < 0.03:
        return "nineteen hundred and " + cardinal(rest)
    if rest == 0:
        return cardinal(century) + " hundred"
    return cardinal(century) + " " + two_digits(rest, rng)


def year_spoken(year, rng, short_ok=True):
    """Year in words, as a two-digit year, or as digits for the synthesizer to read."""
    r = rng.random()
    if r < 0.12:
        return str(year)
    if short_ok and r < 0.24 and year % 100:
        return two_digits(year % 100, rng)
    return year_words(year, rng)


def day_spoken(day, rng, allow_cardinal):
    r = rng.random()
    if r < 0.1:
        return ordinal_digits(day)
    if allow_cardinal and r < 0.35:
        return cardinal(day)
    return ordinal(day)


def weekday_prefix(date, rng):
    if rng.random() < 0.6:
        return ""
    return WEEKDAYS[date.weekday()] + rng.choice([", ", " ", ", the " if rng.random() < 0.2 else ", "])


def comma(rng, p=0.6):
    return ", " if rng.random() < p else " "


def said_month_first(date):
    """Whether a numeric date is said month first, as in the US ("eleven twenty-three twenty-six"):
    half the dates whose day cannot be a month (over 12), so the order is never ambiguous. Chosen from
    the date, not drawn, so that every other sentence's draws stay as they were before the form."""
    return date.day > 12 and date.toordinal() % 2 == 0


def sentence_for(date, rng):
    """One way of saying `date`."""
    month = MONTHS[date.month - 1]
    form = rng.random()
    prefix = weekday_prefix(date, rng)
    if form < 0.3:  # (the) twenty-third of november, twenty twenty-six
        the = "the " if not prefix.endswith("the ") and rng.random() < 0.7 else ""
        text = prefix + the + day_spoken(date.day, rng, False) + " of " + month + comma(rng) + \
            year_spoken(date.year, rng)
    elif form < 0.45:  # twenty-third november twenty twenty-six / 23 November 2026
        text = prefix + day_spoken(date.day, rng, True) + " " + month + comma(rng, 0.3) + \
            year_spoken(date.year, rng)
    elif form < 0.8:  # november (the) twenty-third, twenty twenty-six
        the = "the " if rng.random() < 0.2 else ""
        text = prefix.replace(", the ", ", ") + month + " " + the + \
            day_spoken(date.day, rng, not the) + comma(rng) + year_spoken(date.year, rng)
    elif form < 0.92:  # numeric, day first: twenty-three eleven twenty-six (or month first, below)
        day = cardinal(date.day) if date.day >= 10 or rng.random() < 0.5 else two_digits(date.day, rng)
        mon = cardinal(date.month) if date.month >= 10 or rng.random() < 0.5 else two_digits(date.month, rng)
        year = two_digits(date.year % 100, rng) if rng.random() < 0.6 else year_words(date.year, rng)
        sep = rng.choice([" ", ", "])
        if said_month_first(date):
            day, mon = mon, day
        text = prefix.replace(", the ", ", ") + day + sep + mon + sep + year
    else:  # year first: twenty twenty-six, november twenty-third
        text = prefix.replace(", the ", ", ") + year_words(date.year, rng) + ", " + month + " " + \
            day_spoken(date.day, rng, True)
    if rng.random() < 0.08:
        text = rng.choice(LEADS) + " " + text
    return text


def random_date(rng):
    return datetime.date(FIRST_YEAR, 1, 1) + datetime.timedelta(days=rng.randrange(_DAY_COUNT))


def make_sentence(rng):
    date = random_date(rng)
    return sentence_for(date, rng), date.isoformat()


if __name__ == "__main__":
    import random
    r = random.Random(1)
    for _ in range(30):
        print("%s\t%s" % make_sentence(r)[::-1])
