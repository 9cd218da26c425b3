"""Writes the committed demo clips: short held-out-voice sentences as 16 kHz mono PCM16 WAV files.

    /usr/bin/python3 models/datespeech/make_demos.py --data /tmp/datespeech

Takes, from the held-out bank (voices never trained on), the first short
sentence of a few held-out groups, with 0.15 s of silence around it (one with
pink noise at 10 dB SNR), and writes demo/NN-<voice>.wav and demo/demo.tsv
(file, voice, what was said, the expected date, and the PyTorch model's
output when --checkpoint exists, decoded as `xattn transcribe` decodes: train.decode, a beam of 4). The last clip is a recording as a
user makes one: room noise throughout (pink, 30 dB under the words) and 2.5 s
of it before the words, 4.5 s or more in all, so that heard from its start
the words would run past the 4 s window; its PyTorch output is the model's
on the window the runtime's rule chooses (speech_window.py, the twin). The
one after it is a slow speaker: the first held-out sentence of its group
that names a weekday in 50 characters or more, said again at 0.7x the
default rate, so that the words themselves are longer than the window and
are heard faster to fit (speech_window.window and its stretched log-mel).
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import beam_search  # noqa: E402
import speech_window  # noqa: E402
import train  # noqa: E402
import voices  # noqa: E402
from features import log_mel  # noqa: E402
from make_data import clip, pcm16, write_wav  # noqa: E402

GROUPS = ["flite:awb", "espeak:en-029", "espeak:en-gb-x-gbcwmd", "+f4", "+klatt4", "+grandma", "+m5"]
MAX_SECONDS = 2.0
NOISY = "+klatt4"  # this one gets pink noise at 10 dB SNR
LATE = "+Annie"  # the recording with 2.5 s of room noise before the words
LATE_LEAD_SECONDS = 2.5
SLOW = "+benjamin"  # the slow speaker
SLOW_SPEED = 0.7  # x espeak-ng's default rate (175 words a minute)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def slow_speech(bank):
    """The slow speaker's words: (bank index, audio), said again at SLOW_SPEED with the voice's default pitch."""
    i = next(i for i in range(len(bank["voice"])) if train.group_of(str(bank["voice"][i])) == SLOW and
             len(str(bank["text"][i])) >= 50 and any(d in str(bank["text"][i]) for d in WEEKDAYS))
    said = voices.synthesize(str(bank["voice"][i]), str(bank["text"][i]), SLOW_SPEED, 0.5)
    return i, voices.trim_silence(said).astype(np.float64)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/datespeech")
    ap.add_argument("--checkpoint", default=None, help="default: DATA/datespeech.pt")
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "demo")
    os.makedirs(out, exist_ok=True)
    bank = dict(np.load(os.path.join(args.data, "bank-heldout.npz")))
    ckpt = args.checkpoint or os.path.join(args.data, "datespeech.pt")
    model = None
    if os.path.exists(ckpt):
        state = torch.load(ckpt, map_location="cpu")
        whisper = train.import_whisper()
        model = whisper.model.Whisper(whisper.model.ModelDimensions(**state["dims"]))
        model.load_state_dict(state["model_state_dict"])
    rows = ["file\tvoice\tsaid\texpected\tpytorch"]
    for n, group in enumerate(GROUPS + [LATE, SLOW]):
        late, slow = n == len(GROUPS), n == len(GROUPS) + 1
        if slow:
            i, speech = slow_speech(bank)
        else:
            i = next(i for i in range(len(bank["voice"]))
                     if train.group_of(str(bank["voice"][i])) == group and len(clip(bank, i)) <= MAX_SECONDS * 16000)
            speech = clip(bank, i).astype(np.float64)
        lead, tail = (LATE_LEAD_SECONDS, 0.3) if late else (0.5, 0.5) if slow else (0.15, 0.15)
        x = np.concatenate([np.zeros(int(lead * 16000)), speech, np.zeros(int(tail * 16000))])
        rng = np.random.default_rng([n, 7])
        if group == NOISY or late or slow:
            noise = augment.colored_noise(len(x), "pink", rng)
            x = x + noise * augment.rms(speech) / augment.rms(noise) / 10 ** (0.5 if group == NOISY else 1.5)
        x = augment.finish(x, -20.0, rng)
        name = "%02d-%s%s.wav" % (n + 1, group.replace("espeak:", "").replace("flite:", "").replace("+", ""),
                                   "-late" if late else "-slow" if slow else "")
        write_wav(os.path.join(out, name), x)
        got = ""
        if model is not None:
            mel = speech_window.heard_log_mel(whisper, x, pcm16(x), log_mel)  # as `xattn transcribe` hears it
            got = train.decode(model, torch.as_tensor(mel)[None], beam=beam_search.DATE_RULE_BEAM)[0]
        note = (" +10dB pink noise" if group == NOISY else " +30dB pink room noise, words 2.5 s in" if late else
                " at %.1fx the default rate, words %.1f s, +30dB pink room noise" % (SLOW_SPEED, len(speech) / 16000)
                if slow else "")
        rows.append("\t".join([name, str(bank["voice"][i]) + note,
                               str(bank["text"][i]), str(bank["iso"][i]), got]))
    with open(os.path.join(out, "demo.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
