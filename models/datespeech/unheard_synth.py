"""Speech from a synthesizer the model never heard: festival's voices (ked and kal, diphone voices; slt, an
HTS voice), which no training clip of the committed model uses (make_data.py's --festival-share is 0).
flite's kal and slt are the same speakers through another engine; ked is a speaker of its own. Each
sentence is drawn as the held-out set's are (spoken.py, speed 0.85-1.35, pitch 0.15-0.85, said faster when
longer than 3.7 s) and heard as a held-out clip is (augment.test_clip: clean and with white, pink or brown
noise by its index at 20, 10 and 5 dB). Prints the dates right per voice and per SNR for each checkpoint,
decoded as `xattn transcribe` decodes (a beam of 4 under the date rule), and with --xattn what `xattn
transcribe` itself makes of the same clips as WAV files.

    sudo apt-get install -y festival festvox-kdlpc16k festvox-kallpc16k festvox-us-slt-hts
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 models/datespeech/unheard_synth.py \\
        --checkpoint models/datespeech/datespeech.pt [OTHER.pt ...] [--sentences 60] [--beam 4] \\
        [--xattn build/ports/posix/xattn --model models/datespeech/datespeech-int8.xattn]

Synthesis is seeded and cached in --cache.
"""
import argparse
import os
import random
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import beam_search  # noqa: E402
import spoken  # noqa: E402
import train  # noqa: E402
import voices  # noqa: E402
from evaluate import load_model  # noqa: E402
from features import CLIP_SAMPLES, from_u8, log_mel_u8  # noqa: E402
from make_data import TEST_SNRS, synthesize_one  # noqa: E402
from synth_cache import cached_speech  # noqa: E402
from xattn_cli import xattn_dates  # noqa: E402

VOICES = ["festival:" + name for name in sorted(voices.FESTIVAL_VOICES)]


def spec(i):
    """(text, iso, voice, speed, pitch, accent) of sentence i, the voices in turn (no accent shift)."""
    rng = random.Random("festival/%d" % i)
    text, iso = spoken.make_sentence(rng)
    return text, iso, VOICES[i % len(VOICES)], rng.uniform(0.85, 1.35), rng.uniform(0.15, 0.85), -1


def synthesize(s):
    return synthesize_one(s, 0.0)


def clips_of(speech, i):
    """The sentence's test clips (4 s of audio), one per SNR of TEST_SNRS, as the held-out set's are made."""
    x = speech.astype(np.float32) / 32768.0
    return [augment.test_clip(x, CLIP_SAMPLES, np.random.default_rng([i, k, 13]), snr, augment.test_noise(i))
            for k, snr in enumerate(TEST_SNRS)]


def heard_clips(specs, synthesize, cache):
    """The specs' sentences synthesized by synthesize(spec) (cached in `cache`) and heard as held-out clips:
    rows [(sentence, SNR index)], audio {sentence: [4 s clip per SNR]} and the rows' log-mel [rows, 80,
    frames], as PyTorch reads the held-out set's cache (8-bit log-mel, features.py)."""
    speech = cached_speech(specs, synthesize, cache)
    kept = [i for i, s in enumerate(speech) if s is not None]
    if len(kept) < len(specs):
        print("%d sentences not said within the window even faster: left out" % (len(specs) - len(kept)))
    rows = [(i, k) for i in kept for k in range(len(TEST_SNRS))]
    audio = {i: clips_of(speech[i], i) for i in kept}
    mel = torch.stack([torch.as_tensor(from_u8(*log_mel_u8(audio[i][k]))) for i, k in rows])
    return rows, audio, mel


def report(name, right, rows, specs):
    print("%s: %d / %d right (%.1f%%)" % (name, sum(right), len(right), 100.0 * sum(right) / len(right)))
    for voice in VOICES:
        cells = []
        for k, snr in enumerate(TEST_SNRS):
            mine = [r for r, (i, kk) in zip(right, rows) if kk == k and specs[i][2] == voice]
            cells.append("%s %d/%d" % (augment.snr_label(snr), sum(mine), len(mine)))
        print("  %-16s %s" % (voice, ", ".join(cells)), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", nargs="+", required=True)
    ap.add_argument("--sentences", type=int, default=60, help="per voice")
    ap.add_argument("--beam", type=int, default=beam_search.DATE_RULE_BEAM)
    ap.add_argument("--cache", default="/tmp/datespeech-festival.npz")
    ap.add_argument("--xattn", default=None)
    ap.add_argument("--model", default=None, help="with --xattn: the .xattn file")
    args = ap.parse_args()
    specs = [spec(i) for i in range(args.sentences * len(VOICES))]
    rows, audio, mel = heard_clips(specs, synthesize, args.cache)
    want = [specs[i][1] for i, _ in rows]
    for path in args.checkpoint:
        got = train.decode(load_model(path).eval(), mel, args.beam)
        report(path, [g == w for g, w in zip(got, want)], rows, specs)
    if args.xattn:
        with tempfile.TemporaryDirectory() as folder:
            got = xattn_dates(args.xattn, args.model, [audio[i][k] for i, k in rows], folder)
        report("xattn transcribe " + args.model, [g == w for g, w in zip(got, want)], rows, specs)


if __name__ == "__main__":
    main()
