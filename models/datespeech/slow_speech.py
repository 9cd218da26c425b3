"""Slow speakers: held-out sentences said at 0.6-1.0x espeak-ng's default rate (the data set's range is 0.85-1.35x,
and make_data.py says a sentence longer than 3.7 s faster), so a long date runs past the 4 s window, as a slow
speaker's does ("Wednesday, the twenty-third of November, two thousand and twenty-six" takes 4.5 s at the default
rate). Each is a recording with 0.2-1.5 s of silence before the words and 0.2-1.0 s after, clean and with white,
pink or brown noise. Prints, per condition, the dates right for the sentences whose words are longer than 3.6 s and
for the others, heard as `xattn transcribe` heard them before (the loudest 4 s, speech_window.start) and as it hears
them now (words that do not fit heard faster, speech_window.window and stretched_log_mel).

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 models/datespeech/slow_speech.py --checkpoint models/datespeech/datespeech.pt \\
        [--sentences 1000] [--beam 4] [--xattn build/ports/posix/xattn --model models/datespeech/datespeech-int8.xattn]

--xattn also runs `xattn transcribe` on every recording as a WAV file (the stretched rule only: the runtime's).
Synthesis (espeak-ng, flite) is seeded and cached in --cache.
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
import speech_window  # noqa: E402
import spoken  # noqa: E402
import train  # noqa: E402
import voices  # noqa: E402
from features import import_whisper, log_mel  # noqa: E402
from make_data import pcm16  # noqa: E402
from synth_cache import cached_speech  # noqa: E402
from xattn_cli import xattn_dates  # noqa: E402

CONDITIONS = [None, ("white", 20), ("pink", 10), ("brown", 10), ("white", 5)]
LONG_SECONDS = 3.6  # words longer than the window's room (4 s less the 0.25 s lead and 0.15 s tail)


def spec(i):
    """(text, iso, voice, speed, pitch) of slow sentence i: a held-out voice group in turn."""
    rng = random.Random("slow/%d" % i)
    groups = voices.heldout_groups()
    names = sorted(groups)
    text, iso = spoken.make_sentence(rng)
    return text, iso, rng.choice(groups[names[i % len(names)]]), rng.uniform(0.6, 1.0), rng.uniform(0.15, 0.85)


def synthesize(s):
    return voices.trim_silence(voices.synthesize(s[2], s[0], s[3], s[4]))


def recording(speech, i, condition):
    rng = np.random.default_rng([i, 11])
    x = np.concatenate([np.zeros(int(rng.uniform(0.2, 1.5) * 16000)), speech.astype(np.float64),
                        np.zeros(int(rng.uniform(0.2, 1.0) * 16000))])
    if condition:
        noise = augment.colored_noise(len(x), condition[0], rng)
        x = x + noise * augment.rms(speech) / augment.rms(noise) / 10 ** (condition[1] / 20)
    return augment.finish(x, -20.0, rng)


def heard(whisper, x, stretched):
    """The log-mel the model hears of recording x: the old rule (the loudest 4 s) or the runtime's."""
    p = pcm16(x)
    if not stretched:
        return torch.as_tensor(log_mel(x[speech_window.start(p):].astype(np.float32)))
    return torch.as_tensor(speech_window.heard_log_mel(whisper, x, p, log_mel))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--sentences", type=int, default=1000)
    ap.add_argument("--beam", type=int, default=1, help="1: greedy under the date rule (fast); 4: as xattn decodes")
    ap.add_argument("--cache", default="/tmp/datespeech-slow.npz")
    ap.add_argument("--xattn", default=None)
    ap.add_argument("--model", default=None, help="with --xattn: the .xattn file")
    args = ap.parse_args()
    specs = [spec(i) for i in range(args.sentences)]
    clips = cached_speech(specs, synthesize, args.cache, chunksize=8)
    whisper = import_whisper()
    saved = torch.load(args.checkpoint, map_location="cpu")
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**saved["dims"]))
    model.load_state_dict(saved["model_state_dict"])
    model.eval()
    want = [s[1] for s in specs]
    long = np.array([len(c) / 16000 > LONG_SECONDS for c in clips])
    print("%d sentences, %d with words longer than %.1f s" % (len(clips), long.sum(), LONG_SECONDS))

    def tally(right, mask):
        return "%d/%d" % (sum(r for r, m in zip(right, mask) if m), mask.sum())

    for condition in CONDITIONS:
        recordings = [recording(c, i, condition) for i, c in enumerate(clips)]
        row = "%-12s" % ("clean" if condition is None else "%s %s" % (condition[0], augment.snr_label(condition[1])))
        for stretched in (False, True):
            got = train.decode(model, torch.stack([heard(whisper, x, stretched) for x in recordings]), args.beam)
            right = [g == w for g, w in zip(got, want)]
            row += " | %s: long %s, others %s" % ("stretched" if stretched else "loudest 4 s", tally(right, long),
                                                   tally(right, ~long))
        if args.xattn:
            with tempfile.TemporaryDirectory() as folder:
                right = [g == w for g, w in zip(xattn_dates(args.xattn, args.model, recordings, folder), want)]
            row += " | xattn: long %s, others %s" % (tally(right, long), tally(right, ~long))
        print(row, flush=True)


if __name__ == "__main__":
    main()
