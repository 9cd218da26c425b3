"""Seeded generator of things people say that hold no whole date, for the model's "no date" answer.

    make_sentence(rng) -> "half past seven on friday"

Three kinds, drawn 30 / 30 / 40%:
- part of a date: a day and month without the year, a weekday, a year alone, "tomorrow";
- numbers that are not dates: times, amounts, phone and room numbers;
- everyday requests, questions, remarks and made-up statements ("my friend sold the blue jacket").
No sentence holds a day, a month and a year together, so none is one of spoken.py's dates
("november twenty twenty-six" is 2026-11-20 there): a month comes with at most one number
word, other sentences have at most two ("oh" aside) or are a phone number's ten digits said
one by one. confidence.py's sentences without a date are never made, so that they stay
unheard (tests/datespeech/training_helpers.py checks both).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spoken  # noqa: E402

RELATIVE = ["tomorrow", "yesterday", "today", "the day after tomorrow", "the day before yesterday", "next week",
            "last week", "next month", "last year", "in a fortnight", "a week from today", "this weekend",
            "in three days", "two weeks ago", "the end of the month", "early next year"]
DAY_PARTS = ["morning", "afternoon", "evening", "night"]
NOUNS = ["people", "apples", "boxes", "minutes", "kilometres", "tickets", "chairs", "emails", "pages", "steps"]
PLACES = ["room", "platform", "gate", "seat", "bus", "flight", "table", "aisle", "floor", "locker"]
REQUESTS = ["turn on the radio", "open the front door", "play some music", "set a timer", "stop the alarm",
            "call my sister", "read me the news", "close the curtains", "make it warmer", "switch the fan off",
            "add milk to the shopping list", "send a message to john", "find a good restaurant nearby",
            "lower the volume", "show me the map", "take a picture", "start the washing machine"]
QUESTIONS = ["what time is it", "is it going to rain", "how far is the station", "who won the match",
             "what is the capital of france", "how do i get to the airport", "is the shop still open",
             "what is on television tonight", "how tall is that mountain", "where is the nearest pharmacy",
             "did anyone feed the cat", "why is the sky blue", "what is your name", "can i help you"]
REMARKS = ["good morning", "thank you very much", "nice to meet you", "see you later", "that sounds great",
           "i am running a bit late", "the meeting went well", "my phone battery is low", "the coffee is cold",
           "we need more bread", "the children are asleep", "it is very windy outside", "the car will not start",
           "i forgot my umbrella", "this book is really good", "the garden looks lovely", "yes please",
           "no thanks", "just a moment", "i do not know", "sorry, could you say that again", "okay"]
POLITE = ["", "", "please ", "could you ", "can you "]
SUBJECTS = ["i", "we", "my brother", "the neighbours", "she", "they", "our teacher", "the doctor", "my friend",
            "everyone", "the old man", "nobody"]
VERBS = ["found", "lost", "bought", "needed", "forgot", "cleaned", "painted", "borrowed", "sold", "fixed",
         "carried", "opened", "liked", "wanted"]
OBJECTS = ["the red bicycle", "a new computer", "the kitchen table", "some fresh bread", "an old guitar",
           "the blue jacket", "a small dog", "the garden gate", "a heavy suitcase", "the last biscuit",
           "a bunch of flowers", "the big window"]
TAILS = ["", "", " this morning", " at the market", " near the river", " last night", " in the city",
         " after lunch", " yesterday", " again"]


def _hour(rng):
    return spoken.cardinal(rng.randrange(1, 13))


def part_of_a_date(rng):
    r = rng.random()
    day = spoken.ordinal(rng.randrange(1, 32))
    month = rng.choice(spoken.MONTHS)
    weekday = rng.choice(spoken.WEEKDAYS)
    if r < 0.25:  # a day and a month, no year
        return rng.choice(["%s the %s" % (month, day), "the %s of %s" % (day, month), "%s %s" % (month, day),
                           "on the %s of %s" % (day, month)])
    if r < 0.45:  # a weekday, maybe with a day of the month
        return rng.choice(["next %s" % weekday, "on %s" % weekday, "%s %s" % (weekday, rng.choice(DAY_PARTS)),
                           "see you on %s" % weekday, "%s the %s" % (weekday, day), "every %s" % weekday])
    if r < 0.6:  # a year alone
        year = spoken.year_words(rng.randrange(spoken.FIRST_YEAR, spoken.LAST_YEAR + 1), rng)
        return rng.choice(["in %s" % year, "back in %s" % year, year, "since %s" % year])
    if r < 0.75:  # a month alone
        return rng.choice(["in %s" % month, "early %s" % month, "the end of %s" % month, "sometime in %s" % month])
    return rng.choice(RELATIVE)


def numbers(rng):
    r = rng.random()
    n = rng.randrange(2, 100)
    if r < 0.3:  # a time of day
        minutes = rng.choice(["o'clock", "fifteen", "thirty", "forty-five", "oh five", "twenty"])
        return rng.choice(["at %s %s" % (_hour(rng), minutes), "half past %s" % _hour(rng),
                           "quarter to %s" % _hour(rng), "%s %s in the %s" % (_hour(rng), minutes, rng.choice(DAY_PARTS[:3])),
                           "wake me up at %s" % _hour(rng)])
    if r < 0.55:  # an amount
        return rng.choice(["%s %s" % (spoken.cardinal(n), rng.choice(NOUNS)),
                           "%s hundred and %s" % (spoken.cardinal(rng.randrange(1, 10)), spoken.cardinal(n)),
                           "%s dollars and %s cents" % (spoken.cardinal(n), spoken.cardinal(rng.randrange(1, 100))),
                           "about %s percent" % spoken.cardinal(n), "%s thousand" % spoken.cardinal(n)])
    if r < 0.75:  # a phone number, digit by digit
        return ", ".join(" ".join(spoken.ONES[rng.randrange(10)] for _ in range(k)) for k in (3, 3, 4))
    return "%s %s" % (rng.choice(PLACES), spoken.cardinal(n))  # a place


def everyday(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice(POLITE) + rng.choice(REQUESTS)
    if r < 0.45:
        return "%s %s %s%s" % (rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(TAILS))
    if r < 0.7:
        return rng.choice(QUESTIONS)
    return rng.choice(REMARKS)


def make_sentence(rng):
    r = rng.random()
    return part_of_a_date(rng) if r < 0.3 else numbers(rng) if r < 0.6 else everyday(rng)


if __name__ == "__main__":
    import random
    g = random.Random(1)
    for _ in range(30):
        print(make_sentence(g))
