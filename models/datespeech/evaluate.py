"""Evaluates a spoken-date Whisper checkpoint on the cached test sets: exact match per held-out voice and SNR, and
per form (month named, or numbers only; a weekday said, or none); and per held-out voice group, which part of the
date its misses got wrong.

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

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402
from features import import_whisper  # noqa: E402


def load_model(path):
    whisper = import_whisper()
    ckpt = torch.load(path, map_location="cpu")
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**ckpt["dims"]))
    model.load_state_dict(ckpt["model_state_dict"])
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/datespeech", help="make_data.py's --out")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="also write the full report (with the first errors) here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint)
    report = {}
    for split, title in [("heldout", "held-out voices"), ("seen", "seen voices, clean")]:
        feats, bank = train.load_split(args.data, split)
        r = report[split] = train.evaluate(model, feats, bank)
        print("%s: %s" % (title, train.pct(r["all"])))
        train.print_breakdown(r, held_out=split == "heldout")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
