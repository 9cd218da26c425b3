"""Evaluates a spoken-date Whisper checkpoint on the cached test sets: exact match per held-out voice and SNR, and
per form (month named, or numbers only; a weekday said, or none); and per held-out voice group, which part of the
date its misses got wrong. --placement: the held-out sentences again, clean, with the words at several places in
the 4 s window (the test clips start them 0.1-0.4 s in).

    OMP_WAIT_POLICY=PASSIVE nice -n 19 /usr/bin/python3 models/datespeech/evaluate.py \
        --data /tmp/datespeech --checkpoint /tmp/datespeech/datespeech.pt

The checkpoint is OpenAI's layout ({"dims", "model_state_dict"}), loaded into
whisper.model.Whisper from ../shared/reference/openai-whisper; decoding is
train.py's greedy decoding, so the figures are the ones train.py reports.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import make_data  # noqa: E402
import train  # noqa: E402
from features import CLIP_SAMPLES, from_u8, import_whisper, log_mel_u8  # noqa: E402

LEADS = [0.25, 0.75, 1.25, "at the end"]  # seconds of lead-in, or the words ending 0.1 s before the window does


def load_model(path):
    whisper = import_whisper()
    ckpt = torch.load(path, map_location="cpu")
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**ckpt["dims"]))
    model.load_state_dict(ckpt["model_state_dict"])
    return model


def placement(model, data):
    """Exact matches of the clean held-out sentences per place of the words in the window: {lead: [right, clips]}
    (a sentence too long for a lead is left out of its row)."""
    bank = dict(np.load(os.path.join(data, "bank-heldout.npz")))
    out = {}
    for lead in LEADS:
        mels, want = [], []
        for i in range(len(bank["offsets"]) - 1):
            x = make_data.clip(bank, i).astype(np.float64)
            room = (CLIP_SAMPLES - len(x)) / augment.SAMPLE_RATE
            seconds = room - 0.1 if lead == LEADS[-1] else lead
            if seconds > room:
                continue
            rng = np.random.default_rng(i)
            y, _ = augment.place(x, CLIP_SAMPLES, rng, lead=max(seconds, 0.0))
            q, top = log_mel_u8(augment.finish(y, -22.0, rng).astype(np.float32))
            mels.append(torch.from_numpy(from_u8(q, top)))
            want.append(bank["iso"][i])
        got = train.greedy(model, torch.stack(mels))
        out[str(lead)] = [int(sum(g == w for g, w in zip(got, want))), len(want)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/datespeech", help="make_data.py's --out")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="also write the full report (with the first errors) here")
    ap.add_argument("--placement", action="store_true", help="also the clean held-out sentences at several leads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint)
    report = {}
    for split, title in [("heldout", "held-out voices"), ("seen", "seen voices, clean")]:
        feats, bank = train.load_split(args.data, split)
        r = report[split] = train.evaluate(model, feats, bank)
        print("%s: %s" % (title, train.pct(r["all"])))
        train.print_breakdown(r, held_out=split == "heldout")
    if args.placement:
        report["placement"] = placement(model, args.data)
        print("held-out sentences, clean, by where the words start:")
        for k, v in report["placement"].items():
            print("  %-24s %s" % (k if k == LEADS[-1] else "after %s s" % k, train.pct(v)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
