"""Evaluates a spoken-date Whisper checkpoint on the cached test sets: exact match per held-out voice and SNR, and
per form (month named, or numbers only; a weekday said, or none); and per held-out voice group, which part of the
date its misses got wrong; for a model with the no-date answer, also how often it gives it to held-out speech
without a whole date (make_data.py --no-date's split) and to the dates (it should not). --placement: the held-out sentences again, clean and at 10 dB, with the words at several
places in the 4 s window (the test clips start them 0.1-0.4 s in); with --xattn, also what `xattn transcribe` makes of
those clips as WAV files, choosing where its window starts as it does for a user's recording.

    OMP_WAIT_POLICY=PASSIVE nice -n 19 /usr/bin/python3 models/datespeech/evaluate.py \
        --data /tmp/datespeech --checkpoint /tmp/datespeech/datespeech.pt

The checkpoint is OpenAI's layout ({"dims", "model_state_dict"}), loaded into
whisper.model.Whisper from ../shared/reference/openai-whisper; decoding is
the date-rule beam search of 4 (beam_search.py), as `xattn transcribe` decodes; --beam 1 gives train.py's
greedy decoding and the figures train.py reports.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import beam_search  # noqa: E402
import date_rule  # noqa: E402
import make_data  # noqa: E402
import train  # noqa: E402
from features import CLIP_SAMPLES, from_u8, import_whisper, log_mel_u8  # noqa: E402
from xattn_cli import xattn_dates  # noqa: E402

LEADS = [0.25, 0.75, 1.25, "at the end"]  # seconds of lead-in, or the words ending 0.1 s before the window does
NOISY_ROWS = [(lead, 10, kind) for lead in (0.25, "at the end") for kind in augment.NOISE_TYPES[:3]]


def load_model(path):
    whisper = import_whisper()
    ckpt = torch.load(path, map_location="cpu")
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**ckpt["dims"]))
    model.load_state_dict(ckpt["model_state_dict"])
    return model


def placed_clips(bank, lead, snr, kind):
    """The held-out sentences with their words `lead` s into a 4 s clip, clean or with `kind` noise at `snr` dB:
    [(sentence, audio)] (a sentence too long for the lead is left out)."""
    out = []
    for i in range(len(bank["offsets"]) - 1):
        x = make_data.clip(bank, i).astype(np.float64)
        room = (CLIP_SAMPLES - len(x)) / augment.SAMPLE_RATE
        seconds = room - 0.1 if lead == LEADS[-1] else lead
        if seconds > room:
            continue
        rng = np.random.default_rng(i)
        y, _ = augment.place(x, CLIP_SAMPLES, rng, lead=max(seconds, 0.0))
        if snr is not None:
            noise = augment.colored_noise(CLIP_SAMPLES, kind, rng)
            y = y + noise * augment.rms(x) / augment.rms(noise) / 10 ** (snr / 20)
        out.append((i, augment.finish(y, -22.0, rng).astype(np.float32)))
    return out


def placement(model, data, xattn=None, model_file=None, beam=1):
    """Exact matches of the held-out sentences per place of the words in the window, clean (and at 10 dB):
    {row: [right, clips]} from PyTorch on the clip as placed, and with xattn, {row: [right, clips]} from
    `xattn transcribe` on the clip as a WAV file."""
    bank = dict(np.load(os.path.join(data, "bank-heldout.npz")))
    out, cli = {}, {}
    work = tempfile.mkdtemp(prefix="placement-", dir=data)
    for lead, snr, kind in [(lead, None, None) for lead in LEADS] + NOISY_ROWS:
        clips = placed_clips(bank, lead, snr, kind)
        want = [bank["iso"][i] for i, _ in clips]
        mels = [torch.from_numpy(from_u8(*log_mel_u8(audio))) for _, audio in clips]
        got = train.decode(model, torch.stack(mels), beam)
        row = ("after %s s" % lead if lead != LEADS[-1] else lead) + ("" if snr is None else ", %d dB %s" % (snr, kind))
        out[row] = [int(sum(g == w for g, w in zip(got, want))), len(want)]
        if xattn:
            folder = os.path.join(work, str(len(cli)))
            os.makedirs(folder)
            got = xattn_dates(xattn, model_file, [audio for _, audio in clips], folder)
            cli[row] = [int(sum(g == w for g, w in zip(got, want))), len(want)]
    shutil.rmtree(work)
    return out, cli


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/datespeech", help="make_data.py's --out")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--beam", type=int, default=beam_search.DATE_RULE_BEAM,
                    help="1: greedy under the date rule (train.py's figures); else the date-rule beam search "
                         "(beam_search.py), 4 as `xattn transcribe` decodes a date model")
    ap.add_argument("--weekday-penalty", type=float, default=date_rule.WEEKDAY_PENALTY,
                    help="log-probability a date off the weekday heard pays (inf: never off it; date_rule.py)")
    ap.add_argument("--json", help="also write the full report (with the first errors) here")
    ap.add_argument("--placement", action="store_true", help="also the held-out sentences at several leads")
    ap.add_argument("--xattn", help="with --placement: also `xattn transcribe` (this tool) on the placed clips as WAVs")
    ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "datespeech-int8.xattn"),
                    help="the .xattn file --xattn runs (default: the committed int8 model)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint)
    report = {}
    for split, title in [("heldout", "held-out voices"), ("seen", "seen voices, clean")]:
        feats, bank = train.load_split(args.data, split)
        r = report[split] = train.evaluate(model, feats, bank, beam=args.beam, weekday_penalty=args.weekday_penalty)
        print("%s: %s" % (title, train.pct(r["all"])))
        train.print_breakdown(r, held_out=split == "heldout")
        if model.dims.n_vocab > train.NODATE:
            print("  answered no date: %d" % r["no_date_answers"])
    if model.dims.n_vocab > train.NODATE:
        feats, bank = train.load_split(args.data, "nodate-heldout")
        r = report["nodate-heldout"] = train.evaluate_no_date(model, feats, bank, beam=args.beam)
        print("held-out voices, speech without a whole date, answered no date: %s" % train.pct(r["all"]))
        for k, v in r["by_snr"].items():
            print("  %-24s %s" % (k, train.pct(v)))
    if args.placement:
        report["placement"], report["placement_xattn"] = placement(model, args.data, args.xattn, args.model, args.beam)
        print("held-out sentences by where the words start: PyTorch on the clip%s" % (
            "; xattn transcribe on it as a WAV" if args.xattn else ""))
        for row, v in report["placement"].items():
            print("  %-32s %s%s" % (row, train.pct(v), "   " + train.pct(report["placement_xattn"][row]) if args.xattn else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
