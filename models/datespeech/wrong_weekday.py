"""A weekday said wrong: held-out voices saying dates with a weekday that is not the date's ("saturday, the 23rd
of november 2026", a Monday, as the issue's own example has it). The answer counted right is the date as said;
the strict date rule (an infinite weekday penalty) can only give a date on the weekday heard. Prints, per
weekday penalty (date_rule.py's WEEKDAY_PENALTY), the dates right and the answers on the weekday said, per SNR.

Each sentence is drawn as the held-out set's are (spoken.py; a held-out voice by the groups in turn, speed
0.85-1.35, pitch 0.15-0.85), redrawn until it names the date's weekday, which is then swapped for another
one; heard as a held-out clip is (augment.test_clip: clean and with white, pink or brown noise by its index at
20, 10 and 5 dB). Decoded as `xattn transcribe` decodes (a beam of 4 under the date rule); with --xattn, what
`xattn transcribe` itself makes of the clips as WAV files (its default penalty).

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 models/datespeech/wrong_weekday.py \\
        --checkpoint models/datespeech/datespeech.pt [--penalty inf 6 ...] [--sentences 240] \\
        [--xattn build/ports/posix/xattn --model models/datespeech/datespeech-int8.xattn]

Synthesis is seeded and cached in --cache.
"""
import argparse
import datetime
import math
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import beam_search  # noqa: E402
import date_rule  # noqa: E402
import spoken  # noqa: E402
import train  # noqa: E402
import voices  # noqa: E402
from evaluate import load_model  # noqa: E402
from make_data import TEST_SNRS, synthesize_one  # noqa: E402
from unheard_synth import heard_clips  # noqa: E402
from xattn_cli import xattn_dates  # noqa: E402


def spec(i):
    """(text, iso, voice, speed, pitch, accent, weekday said) of sentence i."""
    rng = random.Random("wrong-weekday/%d" % i)
    groups = voices.heldout_groups()
    voice = rng.choice(groups[sorted(groups)[i % len(groups)]])
    date = spoken.random_date(rng)
    true_day = spoken.WEEKDAYS[date.weekday()]
    text = spoken.sentence_for(date, rng)
    while true_day not in text:
        text = spoken.sentence_for(date, rng)
    said = rng.choice([w for w in spoken.WEEKDAYS if w != true_day])
    text = text.replace(true_day, said, 1)
    return text, date.isoformat(), voice, rng.uniform(0.85, 1.35), rng.uniform(0.15, 0.85), -1, said


def synthesize(s):
    return synthesize_one(s[:6], 0.0)


def on_weekday(iso, weekday):
    return len(iso) == 10 and datetime.date.fromisoformat(iso).weekday() == spoken.WEEKDAYS.index(weekday)


def report(name, got, rows, specs):
    right = [g == specs[i][1] for g, (i, _) in zip(got, rows)]
    said = [on_weekday(g, specs[i][6]) for g, (i, _) in zip(got, rows)]
    cells = []
    for k, snr in enumerate(TEST_SNRS):
        mine = [r for r, (_, kk) in zip(right, rows) if kk == k]
        cells.append("%s %d/%d" % (augment.snr_label(snr), sum(mine), len(mine)))
    print("%s: the date as said %d / %d (%.1f%%; %s); on the weekday said %d" % (
        name, sum(right), len(right), 100.0 * sum(right) / len(right), ", ".join(cells), sum(said)), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--penalty", type=float, nargs="+", default=[math.inf, date_rule.WEEKDAY_PENALTY])
    ap.add_argument("--sentences", type=int, default=240)
    ap.add_argument("--beam", type=int, default=beam_search.DATE_RULE_BEAM)
    ap.add_argument("--cache", default="/tmp/datespeech-wrong-weekday.npz")
    ap.add_argument("--xattn", default=None)
    ap.add_argument("--model", default=None, help="with --xattn: the .xattn file")
    args = ap.parse_args()
    specs = [spec(i) for i in range(args.sentences)]
    rows, audio, mel = heard_clips(specs, synthesize, args.cache)
    model = load_model(args.checkpoint).eval()
    for penalty in dict.fromkeys(args.penalty):
        report("weekday penalty %g" % penalty, train.decode(model, mel, args.beam, penalty), rows, specs)
    if args.xattn:
        with tempfile.TemporaryDirectory() as folder:
            got = xattn_dates(args.xattn, args.model, [audio[i][k] for i, k in rows], folder)
        report("xattn transcribe " + args.model, got, rows, specs)


if __name__ == "__main__":
    main()
