"""How `xattn transcribe --min-confidence P` sorts answers: the README's table, measured again for any model.

    /usr/bin/python3 models/datespeech/confidence.py --data D --xattn build/ports/posix/xattn \\
        [--model models/datespeech/datespeech-int8.xattn] [--thresholds 0.8 0.85 0.9 0.95]

For each threshold P, the tool itself is run with --min-confidence P and the clips it calls unsure (its
note on stderr) are counted among:
- the held-out clips (make_data.py's cached log-mel through --features, as export.py feeds them), split
  into right and wrong dates;
- 13 noise-only recordings: white, pink and brown noise and mains hum (50 Hz and two harmonics) at RMS
  levels of -50, -35 and -20 dBFS, and digital silence, 4 s each (seeded);
- 21 sentences with no date in them, said by espeak-ng en-us and flite slt and awb, 0.15 s of silence
  around each.
Then, at P = 1 (every answer gets the note, with its confidence to two decimals), the range of confidences
of the noise and of the sentences without a date; and how many answers of each group are "no date" (a model
with that answer: date_rule.py).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import augment  # noqa: E402
import date_rule  # noqa: E402
import train  # noqa: E402
import voices  # noqa: E402
from export import mel_path, xattn_outputs  # noqa: E402
from features import CLIP_SAMPLES, from_u8  # noqa: E402
from make_data import write_wav  # noqa: E402

NO_DATE = ["hello, how are you today", "please turn the lights off in the kitchen",
           "the train leaves from platform two", "I would like a cup of tea with milk",
           "can you call me back when you are free", "the weather is lovely this afternoon",
           "where did you put the keys"]
NO_DATE_VOICES = ["espeak:en-us", "flite:slt", "flite:awb"]
NOTE = re.compile(r"^(.*): unsure: confidence ([0-9.]+), under ")


def noise_clips(seed=1):
    """(name, 4 s of audio) for each kind of noise at each level, and digital silence."""
    rng = np.random.default_rng(seed)
    t = np.arange(CLIP_SAMPLES) / voices.SAMPLE_RATE
    out = []
    for kind in ("white", "pink", "brown", "hum"):
        for dbfs in (-50, -35, -20):
            x = (sum(np.sin(2 * np.pi * 50.0 * k * t) / k for k in (1, 2, 3)) if kind == "hum"
                 else augment.colored_noise(CLIP_SAMPLES, kind, rng))
            out.append(("%s %d dBFS" % (kind, dbfs), x * 10 ** (dbfs / 20) / augment.rms(x)))
    out.append(("digital silence", np.zeros(CLIP_SAMPLES)))
    return out


def no_date_clips():
    pad = np.zeros(int(0.15 * voices.SAMPLE_RATE))
    out = []
    for v in NO_DATE_VOICES:
        for text in NO_DATE:
            x = voices.trim_silence(voices.synthesize(v, text, 1.0, 0.5))
            out.append(("%s: %s" % (v, text), np.concatenate([pad, x, pad])))
    return out


def transcribe(xattn, model, paths, threshold, extra=()):
    """`xattn transcribe --min-confidence threshold` on `paths`: the line it prints for each, in order, and
    {path: confidence} of those it notes as unsure (the threshold changes the notes, not the lines)."""
    run = subprocess.run([xattn, "transcribe", "--model", model, "--min-confidence", repr(threshold)] + list(extra) +
                         [a for p in paths for a in (["--features", p] if p.endswith(".f32") else [p])],
                         check=True, capture_output=True, text=True)
    notes = (NOTE.match(line) for line in run.stderr.splitlines())
    return run.stdout.split("\n")[:len(paths)], {m.group(1): float(m.group(2)) for m in notes if m}


def unsure(xattn, model, paths, threshold, extra=()):
    """{path: confidence} of the inputs `xattn transcribe --min-confidence threshold` notes as unsure."""
    return transcribe(xattn, model, paths, threshold, extra)[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/datespeech", help="make_data.py's --out (the held-out features)")
    ap.add_argument("--xattn", required=True, help="the xattn tool (a build of this repository)")
    ap.add_argument("--model", default=os.path.join(HERE, "datespeech-int8.xattn"))
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.8, 0.85, 0.9, 0.95])
    args = ap.parse_args()
    feats, bank = train.load_split(args.data, "heldout")
    mels = from_u8(feats["mel"], feats["top"])
    want = bank["iso"][feats["sentence"]]
    with tempfile.TemporaryDirectory(prefix="confidence-") as work:
        got = xattn_outputs(args.xattn, args.model, mels, work, beam=4)  # writes every clip's log-mel
        mel_paths = [mel_path(work, i) for i in range(len(mels))]
        right = {p for p, g, w in zip(mel_paths, got, want) if g == w}
        groups = {}
        for name, clips in (("noise", noise_clips()), ("no date", no_date_clips())):
            groups[name] = []
            for k, (label, x) in enumerate(clips):
                path = os.path.join(work, "%s-%02d.wav" % (name.replace(" ", "-"), k))
                write_wav(path, x)
                groups[name].append((path, label))
        n_right = len(right)
        print("held-out clips %d: %d right, %d wrong (%s, %s)" % (len(mels), n_right, len(mels) - n_right,
                                                                 os.path.basename(args.model), args.xattn))
        print("| threshold | right dates called unsure (of %d) | wrong dates called unsure (of %d) | noise-only clips "
              "| sentences without a date |" % (n_right, len(mels) - n_right))
        print("|---|---|---|---|---|")
        for p in args.thresholds:
            held = {}
            for first in range(0, len(mel_paths), 400):
                held.update(unsure(args.xattn, args.model, mel_paths[first:first + 400], p, ["--frames", "400"]))
            cells = [sum(q in right for q in held), sum(q not in right for q in held)]
            for name in ("noise", "no date"):
                paths = [q for q, _ in groups[name]]
                cells.append("%d of %d" % (len(unsure(args.xattn, args.model, paths, p)), len(paths)))
            print("| %.2f | %d | %d | %s | %s |" % (p, *cells), flush=True)
        said = {}  # each clip's answer, from the same run that gives its confidence
        for name in ("noise", "no date"):
            said[name], conf = transcribe(args.xattn, args.model, [q for q, _ in groups[name]], 1.0)
            print("%s: confidences %.2f-%.2f; %s" % (name, min(conf.values()), max(conf.values()), ", ".join(
                "%s %.2f" % (label, conf[q]) for q, label in groups[name])))
        print("answered no date: %d of %d held-out dates (%d right dates), %s" % (
            sum(g == date_rule.NO_DATE for g in got), len(got), n_right, ", ".join(
                "%d of %d %s" % (sum(a == date_rule.NO_DATE for a in said[name]), len(said[name]), name)
                for name in groups)))
        for name in groups:
            heard = [(label, a) for (_, label), a in zip(groups[name], said[name]) if a != date_rule.NO_DATE]
            if heard:
                print("  %s heard as a date: %s" % (name, "; ".join("%s -> %s" % h for h in heard)))


if __name__ == "__main__":
    main()
