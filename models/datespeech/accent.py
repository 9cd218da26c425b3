"""Accent augmentation: a sentence's espeak-ng phonemes with some sounds shifted, as accents shift them.

The held-out base voices differ from the training ones less in timbre (the variants and the
vocal-tract warp cover that) than in how they realize the same words: which vowel a word
gets, whether "th" is a stop. espeak-ng writes a sentence's phonemes in its own mnemonics
(`espeak-ng -x`) and speaks phoneme input written as `[[...]]`, so a training sentence can be
said with the letter-to-sound rules of one training accent, some sounds moved, and the
phoneme realizations (formants, durations) of the voice that speaks it.

The shifts are features common across the world's Englishes, chosen for the sounds dates are
made of (TH-stopping is also one of the held-out Caribbean voice's, whose phonemes were looked
at while choosing): monophthong FACE and GOAT ("eight" as [e:t]),
a PRICE towards [OI] or [A:], TRAP/BATH/LOT/STRUT moved between [a a# A: 0 O: U V @],
NURSE towards [E O:], lax or tense final vowels ("twenty" as -[I] or -[i:]), TH-stopping
("three" as [t[r'i:]) and th-fronting ([f]), a plain [t] for the American flap. Within one
sentence a shift is applied to every occurrence (an accent is systematic), each shift with
probability `rate`.
"""
import functools
import subprocess

import spoken

# Per sound, the sounds an accent may say instead (espeak-ng English mnemonics, all in the
# phoneme tables of every English voice).
SHIFTS = {
    "eI": ["e:", "E", "aI"],
    "oU": ["o:", "O:"],
    "aI": ["OI", "A:"],
    "aI2": ["OI", "A:"],
    "a": ["a#", "A:", "E"],
    "a#": ["a", "A:"],
    "0": ["A:", "O:", "a"],
    "V": ["U", "0", "@"],
    "3:": ["O:", "E", "3"],
    "3": ["a#", "@"],
    "@": ["a", "V"],
    "i": ["I", "i:", "e:"],
    "i:": ["I", "i"],
    "I": ["i", "E", "@"],
    "I2": ["i", "E", "@"],
    "E": ["e:", "a", "I"],
    "u:": ["U", "u"],
    "O@": ["O:", "o@"],
    "o@": ["O:", "O@"],
    "T": ["t[", "t", "f"],
    "D": ["d", "d["],
    "t#": ["t", "d"],
}
# Every multi-character mnemonic the date sentences use, so that tokens split where espeak's do
# ("aU" must not read as "a" + "U"); anything else is one character (stress marks included).
MULTI = sorted(set(SHIFTS) | {"aU", "aI@", "aU@", "i@", "i@3", "e@", "U@", "A@", "O2", "O:", "o:", "e:", "A:",
                              "I#", "@2", "@L", "@r", "VR", "IR", "t2", "t[", "d[", "tS", "dZ", "r-", "n-", "_:"},
               key=len, reverse=True)


def phonemes(rules_voice, text):
    """The sentence in espeak-ng's phoneme mnemonics under one voice's rules, clauses joined."""
    out = subprocess.run(["espeak-ng", "-q", "-x", "-v", rules_voice, text], capture_output=True, check=True,
                         text=True).stdout
    return " ".join(out.split())


def tokens(mnemonics):
    out, i = [], 0
    while i < len(mnemonics):
        step = next((m for m in MULTI if mnemonics.startswith(m, i)), mnemonics[i])
        out.append(step)
        i += len(step)
    return out


# The words a date is said with: a shift that makes two of them sound alike ("thirty" said as
# [f'O:ti], "forty") would teach the model one word for two numbers.
DATE_WORDS = sorted(set(spoken.ONES + spoken.TENS[2:] + spoken.ORDINAL_ONES + list(spoken.ORDINAL_TENS.values())
                        + spoken.MONTHS + spoken.WEEKDAYS + ["oh", "hundred", "thousand", "and"]))
STRESS = "',%=_:"  # stress and pause marks: not what tells two words apart


@functools.lru_cache(maxsize=None)
def lexicon(rules_voice):
    """Every date word's phoneme tokens under one voice's rules."""
    return tuple(tuple(tokens(phonemes(rules_voice, word))) for word in DATE_WORDS)


def _sounds(word_tokens, moved):
    return "".join(moved.get(t, t) for t in word_tokens if t not in STRESS)


def draw_shifts(rng, rate, words=None, tries=20):
    """Which sounds move and to what: each sound of SHIFTS with probability `rate`. With `words`
    (lexicon()), a draw that would say two different date words alike is drawn again (after
    `tries` such draws, nothing moves)."""
    for _ in range(tries):
        moved = {}
        for sound in sorted(SHIFTS):
            if rng.random() < rate:
                moved[sound] = rng.choice(SHIFTS[sound])
        if words is None:
            return moved
        said = {}
        if all(said.setdefault(_sounds(w, moved), _sounds(w, {})) == _sounds(w, {}) for w in words):
            return moved
    return {}


def shift(mnemonics, rng, rate=0.35, words=None):
    """`mnemonics` with each sound of SHIFTS moved, everywhere, with probability `rate` (rng: random.Random);
    with `words`, never so that two date words sound alike (draw_shifts)."""
    moved = draw_shifts(rng, rate, words)
    return "".join(moved.get(t, t) for t in tokens(mnemonics))
