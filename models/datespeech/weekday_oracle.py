"""How much a spoken weekday could correct: beam search on a checkpoint, with and without keeping
only dates that fall on the weekday the clip's sentence says (HISTORY.md, "Where a third of the misses
were: the weekday").

    OMP_WAIT_POLICY=PASSIVE nice -n 19 /usr/bin/python3 models/datespeech/weekday_oracle.py \
        --data /tmp/datespeech --checkpoint models/datespeech/datespeech.pt

On the held-out clips whose sentence names exactly one weekday, prints exact matches for greedy
decoding (train.py's), a beam search that keeps the YYYY-MM-DD shape, and the same beam search
whose last digit may only complete a real date on that weekday. The weekday is read from the
sentence's text: an oracle standing in for a model that would output the weekday it hears, so
the figure bounds what such a model and decoder could gain, and is not an accuracy of this one.
It measured the models before the weekday targets (13 tokens, no weekday tokens: the beam search
starts with the year); train.py's greedy decoding is now under date_rule.py.
"""
import argparse
import datetime
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate  # noqa: E402
import train  # noqa: E402
from date_rule import spoken_weekday  # noqa: E402

DIGITS = [train.VOCAB.index(str(i)) for i in range(10)]
DASH = train.VOCAB.index("-")


def last_digits(prefix, weekday):
    """Token ids of the digits that complete 'YYYY-MM-D' into a real date on `weekday` (-1: any)."""
    out = []
    for i, token in enumerate(DIGITS):
        try:
            date = datetime.date.fromisoformat(prefix + str(i))
        except ValueError:
            continue
        if weekday < 0 or date.weekday() == weekday:
            out.append(token)
    return out


def beam_search(model, audio, weekdays, beam):
    """The best YYYY-MM-DD of each clip: `beam` hypotheses, '-' forced at positions 4 and 7,
    digits elsewhere; weekdays[i] >= 0 restricts clip i's last digit to dates on that weekday.
    Hypotheses end with <|endoftext|>'s log-probability added."""
    n = len(audio)
    audio = audio.repeat_interleave(beam, 0)
    tokens = torch.full((n * beam, 1), train.SOT)
    score = torch.full((n, beam), -1e9)
    score[:, 0] = 0.0
    for position in range(10):
        logp = torch.log_softmax(model.logits(tokens, audio)[:, -1, :].float(), -1).view(n, beam, -1)
        mask = torch.full_like(logp, -1e9)
        for i in range(n):
            for b in range(beam):
                if position in (4, 7):
                    allowed = [DASH]
                elif position == 9:
                    prefix = "".join(train.VOCAB[t] for t in tokens[i * beam + b, 1:].tolist())
                    allowed = last_digits(prefix, weekdays[i])
                else:
                    allowed = DIGITS
                mask[i, b, allowed] = 0.0
        total = (score[:, :, None] + logp + mask).view(n, -1)
        top = total.topk(beam, -1)
        score = top.values
        rows = (torch.arange(n)[:, None] * beam + top.indices // logp.shape[-1]).view(-1)
        tokens = torch.cat([tokens[rows], (top.indices % logp.shape[-1]).view(-1, 1)], 1)
    end = torch.log_softmax(model.logits(tokens, audio)[:, -1, :].float(), -1)[:, train.EOT].view(n, beam)
    best = (score + end).argmax(-1).tolist()
    return ["".join(train.VOCAB[t] for t in tokens[i * beam + b, 1:].tolist()) for i, b in enumerate(best)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/datespeech", help="make_data.py's --out")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--beam", type=int, default=8)
    ap.add_argument("--limit", type=int, default=0, help="the first N such clips only (0: all)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = evaluate.load_model(args.checkpoint).eval()
    feats = dict(np.load(os.path.join(args.data, "features-heldout.npz")))
    bank = dict(np.load(os.path.join(args.data, "bank-heldout.npz")))
    sentences = feats["sentence"]
    chosen = [i for i in range(len(sentences)) if spoken_weekday(str(bank["text"][sentences[i]])) >= 0]
    if args.limit:
        chosen = chosen[:args.limit]
    right = {"greedy": 0, "beam": 0, "beam, the spoken weekday": 0}
    with torch.no_grad():
        for start in range(0, len(chosen), 100):
            batch = chosen[start:start + 100]
            mel = torch.from_numpy(train.from_u8(feats["mel"][batch], feats["top"][batch]))
            want = [str(bank["iso"][sentences[i]]) for i in batch]
            weekdays = [spoken_weekday(str(bank["text"][sentences[i]])) for i in batch]
            audio = model.embed_audio(mel)
            got = {"greedy": train.greedy(model, mel),
                   "beam": beam_search(model, audio, [-1] * len(batch), args.beam),
                   "beam, the spoken weekday": beam_search(model, audio, weekdays, args.beam)}
            for name, dates in got.items():
                right[name] += sum(g == w for g, w in zip(dates, want))
            done = start + len(batch)
            print("%d clips: " % done + ", ".join("%s %d (%.1f%%)" % (k, v, 100.0 * v / done)
                                                  for k, v in right.items()), flush=True)


if __name__ == "__main__":
    main()
