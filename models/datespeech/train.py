"""Trains the spoken-date Whisper on the cached features, evaluates it, and saves an OpenAI checkpoint.

    OMP_WAIT_POLICY=PASSIVE nice -n 19 /usr/bin/python3 models/datespeech/train.py --data /tmp/datespeech

Two worker processes by default (--workers 2, one thread each, the batch split
between them and the gradients averaged): on 2 cores a step is about 1.5x as
fast as one process on two threads. oneDNN runs the step once it is shown to
give PyTorch's own gradients (onednn.py); --precision bf16 makes its products
bfloat16 on CPUs that multiply bfloat16 (mixed_precision.py).

The model is OpenAI's `whisper.model.Whisper(ModelDimensions(...))`, imported
from ../shared/reference/openai-whisper (not a copy), so OpenAI's package and
whisper.cpp's convert-pt-to-ggml.py read the checkpoint as they read any
Whisper. Writes to --data:
  datespeech.pt        {"dims": ..., "model_state_dict": ...}, as OpenAI's checkpoints are
  results.json         the command, sizes, time and every accuracy (per held-out voice, per SNR)
and vocabulary.txt (one token per line, the token id is the line number) beside this script.
"""
import argparse
import dataclasses
import datetime
import json
import math
import mmap
import multiprocessing
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import beam_search  # noqa: E402
import blas_core  # noqa: E402
import date_rule  # noqa: E402
import heap_reuse  # noqa: E402
import mixed_precision  # noqa: E402
import onednn  # noqa: E402
import spoken  # noqa: E402
import voices  # noqa: E402
from features import CLIP_SAMPLES, N_FRAMES, N_MELS, from_u8, import_whisper, log_mel_u8  # noqa: E402

# Tokens: the 11 characters of an ISO date, Whisper's two specials in Whisper's order, the weekdays,
# then the no-date answer (models before the weekday targets have the first 13 only, models without
# the no-date answer the first 20: vocab_of).
VOCAB = list("0123456789-") + ["<|endoftext|>", "<|startoftranscript|>"] + date_rule.WEEKDAY_TOKENS + [
    date_rule.NO_DATE_TOKEN]
EOT, SOT = VOCAB.index("<|endoftext|>"), VOCAB.index("<|startoftranscript|>")
NODATE = VOCAB.index(date_rule.NO_DATE_TOKEN)
TEXT_LEN = 1 + date_rule.DATE_LENGTH  # the weekday heard (when one is said), then YYYY-MM-DD


def dims_for(args):
    whisper = import_whisper()
    return whisper.model.ModelDimensions(
        n_mels=N_MELS, n_audio_ctx=N_FRAMES // 2, n_audio_state=args.d, n_audio_head=args.heads,
        n_audio_layer=args.enc_layers, n_vocab=len(VOCAB) if args.no_date_share > 0 else NODATE,
        n_text_ctx=TEXT_LEN + 2, n_text_state=args.d,
        n_text_head=args.heads, n_text_layer=args.dec_layers)


def new_model(dims, seed, conv_gain=1.0):
    """The initial model of `seed`. One with the no-date answer starts from the very weights (and
    leaves torch's random state as) one without it would: its <|nodate|> row is drawn apart."""
    whisper = import_whisper()
    if dims.n_vocab > NODATE:
        model = new_model(dataclasses.replace(dims, n_vocab=NODATE), seed, conv_gain)
        state = model.state_dict()
        row = torch.empty(1, dims.n_text_state).normal_(0, 0.02, generator=torch.Generator().manual_seed(seed))
        state["decoder.token_embedding.weight"] = torch.cat([state["decoder.token_embedding.weight"], row])
        random_state = torch.get_rng_state()
        model = whisper.model.Whisper(dims)
        model.load_state_dict(state)
        torch.set_rng_state(random_state)
        return model
    torch.manual_seed(seed)
    model = whisper.model.Whisper(dims)
    # Whisper leaves the decoder positions uninitialized (torch.empty) and the token
    # embedding at N(0, 1); small values keep the tied output logits calm at the start.
    with torch.no_grad():
        model.decoder.positional_embedding.normal_(0, 0.02)
        model.decoder.token_embedding.weight.normal_(0, 0.02)
        # PyTorch's default Conv1d init (uniform, +-1/sqrt(fan_in)) makes the conv stem's output
        # ~0.06 std against the fixed sinusoidal positions' 0.63: the encoder output is then ~95%
        # position, the same for every clip (across-clip std 0.05 after ln_post), and the decoder
        # settles on the output prior (a constant date). He-normal convs make the audio content
        # comparable to the positions (across-clip std 0.28) and the decoder starts to read it.
        for conv in (model.encoder.conv1, model.encoder.conv2):
            torch.nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            conv.weight.mul_(conv_gain)
            torch.nn.init.zeros_(conv.bias)
    return model


# Letters of the spoken sentence, for the training-only CTC head on the encoder (index 0 is CTC's blank).
CTC_CHARS = " '-abcdefghijklmnopqrstuvwxyz"


def ctc_targets(texts):
    """What was said, as CTC_CHARS ids (digits the synthesizer read itself and commas are dropped)."""
    rows = []
    for t in texts:
        words = [w for w in t.lower().replace(",", " ").split() if not any(c.isdigit() for c in w)]
        rows.append([CTC_CHARS.index(c) + 1 for c in " ".join(words) if c in CTC_CHARS])
    return torch.tensor([i for r in rows for i in r]), torch.tensor([len(r) for r in rows])


def vocab_of(model):
    return VOCAB[:model.dims.n_vocab]


def targets(isos, texts):
    """<|startoftranscript|>, the weekday the sentence names (if it names one), the date, <|endoftext|>
    (<|startoftranscript|>, <|nodate|>, <|endoftext|> for a sentence without a whole date); rows
    padded with -100 (cross_entropy's ignored label; fed to the decoder as <|endoftext|>)."""
    rows = []
    for iso, text in zip(isos, texts):
        if iso == date_rule.NO_DATE:
            rows.append([SOT, NODATE, EOT])
            continue
        weekday = date_rule.spoken_weekday(text)
        rows.append([SOT] + ([SOT + 1 + weekday] if weekday >= 0 else []) + [VOCAB.index(c) for c in iso] + [EOT])
    width = TEXT_LEN + 2
    return torch.tensor([r + [-100] * (width - len(r)) for r in rows])


def spec_augment(mel, rng):
    """Two frequency and two time masks per clip, filled with the clip's mean (in place)."""
    for b in range(mel.shape[0]):
        fill = float(mel[b].mean())
        for _ in range(2):
            w = int(rng.integers(0, 11))
            f0 = int(rng.integers(0, N_MELS - w + 1))
            mel[b, f0:f0 + w, :] = fill
            w = int(rng.integers(0, 21))
            t0 = int(rng.integers(0, N_FRAMES - w + 1))
            mel[b, :, t0:t0 + w] = fill
    return mel


def noise_mel_powers(rng, count=16):
    """Mel power spectra (before the log) of noise clips, computed as whisper's front end does."""
    whisper = import_whisper()
    filters = whisper.audio.mel_filters("cpu", N_MELS)
    out = []
    for i in range(count):
        x = torch.from_numpy(augment.colored_noise(N_FRAMES * 160, augment.NOISE_TYPES[i % 4], rng).astype(np.float32))
        stft = torch.stft(x, 400, 160, window=torch.hann_window(400), return_complex=True)
        out.append(filters @ stft[..., :-1].abs() ** 2)
    return torch.stack(out)


def mix_in_features(mel, noises, rng, share=0.5, snr_range=(0.0, 30.0)):
    """Train-time augmentation on cached log-mel (in place): a gain change (a shift of the
    log-mel, exact since whisper's clamp is relative to the maximum) and, for `share` of the clips,
    more noise added in the power domain at an SNR uniform in `snr_range` (dB), then whisper's log,
    clamp and scale again. The defaults draw exactly as before the options existed."""
    for b in range(mel.shape[0]):
        x = mel[b]
        if rng.random() < share:
            power = 10.0 ** (4.0 * x - 4.0)
            noise = noises[int(rng.integers(len(noises)))]
            snr = rng.uniform(*snr_range)
            power = power + noise * (power.mean() / noise.mean() / 10 ** (snr / 10))
            log_spec = torch.log10(torch.clamp(power, min=1e-10))
            x = (torch.maximum(log_spec, log_spec.max() - 8.0) + 4.0) / 4.0
        mel[b] = x + rng.uniform(-0.75, 0.4)  # -30 to +16 dB
    return mel


def warp_frequencies(mel, rng, amount):
    """Vocal-tract-length perturbation on the log-mel (in place): each clip's mel-bin axis stretched
    by a factor in [1 - amount, 1 + amount] (linear interpolation between bins; the top bin repeats).
    A longer or shorter vocal tract moves every formant by one factor; held-out voices differ from the
    training ones most in exactly that, which the synthesizers' variants cover only coarsely."""
    if amount <= 0:
        return mel
    bins = torch.arange(N_MELS, dtype=torch.float32)
    for b in range(mel.shape[0]):
        where = torch.clamp(bins / float(rng.uniform(1 - amount, 1 + amount)), 0, N_MELS - 1)
        lo = where.floor().long()
        hi = torch.clamp(lo + 1, max=N_MELS - 1)
        w = (where - lo)[:, None]
        mel[b] = mel[b, lo] * (1 - w) + mel[b, hi] * w
    return mel


def speed_up(mel, rng, amount):
    """Tempo perturbation on the log-mel (in place): each clip's time axis compressed by a factor in
    [1, 1 + amount] (linear interpolation between frames), the frames freed at the end filled with the
    clip's quietest level per mel bin (its noise floor). Faster only: slowing down would push the end of
    a long sentence out of the window, and the target would name words no longer heard."""
    if amount <= 0:
        return mel
    t = torch.arange(N_FRAMES, dtype=torch.float32)
    for b in range(mel.shape[0]):
        where = t * float(rng.uniform(1, 1 + amount))
        inside = where <= N_FRAMES - 1
        where = where.clamp(max=N_FRAMES - 1)
        lo = where.floor().long()
        hi = torch.clamp(lo + 1, max=N_FRAMES - 1)
        w = (where - lo)[None, :]
        floor = mel[b].min(dim=1, keepdim=True).values
        mel[b] = torch.where(inside[None, :], mel[b][:, lo] * (1 - w) + mel[b][:, hi] * w, floor)
    return mel


def tilt_spectrum(mel, rng, db):
    """A random smooth equalizer on the log-mel (in place): each clip's mel bins get a gain curve
    sum_k a_k cos(pi k (f + 1/2) / 80), k = 1..3, a_k uniform in [-db/3, db/3] dB, so at most db dB
    either way, then whisper's clamp to the clip's maximum - 8 (log10) again. Voices and microphones
    differ in spectral tilt and broad resonances that the vocal-tract warp (a stretch) does not make."""
    if db <= 0:
        return mel
    f = torch.arange(N_MELS, dtype=torch.float32)
    basis = torch.stack([torch.cos(math.pi * k * (f + 0.5) / N_MELS) for k in (1, 2, 3)])
    for b in range(mel.shape[0]):
        a = torch.from_numpy(rng.uniform(-db / 3, db / 3, 3).astype(np.float32))
        x = mel[b] + (a @ basis)[:, None] / 40.0  # 1 unit of the scaled log-mel is 40 dB
        mel[b] = torch.maximum(x, x.max() - 2.0)
    return mel


def date_text(vocab, tokens):
    """The date a decoded token row spells: the weekday token (when the model outputs one) and the
    end token are not part of it; the no-date answer is date_rule.NO_DATE."""
    if len(tokens) and tokens[0] == NODATE:
        return date_rule.NO_DATE
    return "".join(vocab[t] for t in tokens if t != EOT and vocab[t] not in date_rule.WEEKDAY_TOKENS)


@torch.no_grad()
def greedy(model, mel, batch=200, weekday_penalty=date_rule.WEEKDAY_PENALTY):
    """Greedy decoding as `xattn transcribe` does it: from <|startoftranscript|>, the argmax over the
    tokens date_rule allows at each step, until <|endoftext|>; the text is the date (the weekday
    token, when the model outputs one, is not part of it)."""
    model.eval()
    vocab = vocab_of(model)
    out = []
    for i in range(0, len(mel), batch):
        audio = model.embed_audio(mel[i:i + batch])
        # The audio's cross-attention keys and values projected once, not again at every step (the
        # same bits).
        cache = beam_search.prefix_cache(beam_search.cross_keys_values(model, audio))
        tokens = torch.full((len(audio), 1), SOT)
        done = torch.zeros(len(audio), dtype=torch.bool)
        while not bool(done.all()):
            logits = model.decoder(tokens, audio, kv_cache=cache)[:, -1, :].float()
            mask = torch.full_like(logits, float("-inf"))
            for row, generated in enumerate(tokens[:, 1:].tolist()):
                if not done[row]:
                    scores = date_rule.token_scores(vocab, generated, weekday_penalty)
                    mask[row, list(scores)] = torch.tensor(list(scores.values()))
            step = torch.where(done, torch.full_like(done, EOT, dtype=torch.long), (logits + mask).argmax(-1))
            done |= step == EOT
            tokens = torch.cat([tokens, step[:, None]], 1)
        out += [date_text(vocab, row[1:]) for row in tokens.tolist()]
    model.train()
    return out


def decode(model, mel, beam=1, weekday_penalty=date_rule.WEEKDAY_PENALTY):
    """The dates `xattn transcribe` makes of log-mel [clips, 80, frames]: greedy under the date rule for
    beam 1, else the date-rule beam search (beam_search.py; the runtime's default is 4)."""
    if beam == 1:
        return greedy(model, mel, weekday_penalty=weekday_penalty)
    vocab = vocab_of(model)
    rows = beam_search.decode(model, mel, beam, vocab, SOT, EOT, weekday_penalty=weekday_penalty)
    return [date_text(vocab, row) for row in rows]


def run_forked(target, args, what):
    """target(*args[0]) in this process and target(*a) for every later a in args in forked
    processes started first; returns this process's result once all have ended, and stops with
    one line naming `what` when a forked one failed."""
    fork = multiprocessing.get_context("fork")
    helpers = [fork.Process(target=target, args=a) for a in args[1:]]
    for h in helpers:
        h.start()
    result = target(*args[0])
    for h in helpers:
        h.join()
    if any(h.exitcode != 0 for h in helpers):
        sys.exit("%s failed in a forked process (exit codes %s)" % (what, [h.exitcode for h in helpers]))
    return result


def clean_train_features(data, seed, workers=1):
    """Every training sentence clean (no noise, reverberation or band limit; a 0.1-0.4 s lead),
    as cached uint8 log-mel: the curriculum's easy start. Sentence i's rendering depends on i alone
    (its own random stream), so `workers` forked processes, each filling a contiguous share of one
    shared-memory array, give the same bytes as one process; they share the rendering, not the
    reading of bank-train.npz (78 s of loading against 113 s on one process, HISTORY.md)."""
    import make_data
    bank = dict(np.load(os.path.join(data, "bank-train.npz")))
    n = len(bank["offsets"]) - 1
    if n < 1:
        sys.exit("%s has no training sentences: run make_data.py again" % os.path.join(data, "bank-train.npz"))
    # Anonymous shared mappings, which forked processes write into: unlike torch's share_memory_(),
    # not files in /dev/shm, which is 64 MiB in a default Docker container.
    mel = np.frombuffer(mmap.mmap(-1, n * N_MELS * N_FRAMES), np.uint8).reshape(n, N_MELS, N_FRAMES)
    top = np.frombuffer(mmap.mmap(-1, 4 * n), np.float32)

    def render(begin, end):
        for i in range(begin, end):
            mel[i], top[i] = log_mel_u8(augment.test_clip(make_data.clip(bank, i), CLIP_SAMPLES,
                                                          np.random.default_rng([seed, 7, i]), None, "white"))

    bounds = [n * w // workers for w in range(workers + 1)]
    run_forked(render, [(bounds[w], bounds[w + 1]) for w in range(workers)], "rendering the clean training clips")
    return {"mel": mel, "top": top, "sentence": np.arange(n)}


def load_split(data, split):
    feats = np.load(os.path.join(data, "features-%s.npz" % split))
    bank = np.load(os.path.join(data, "bank-%s.npz" % split))
    return {k: feats[k] for k in feats.files}, {k: bank[k] for k in ["text", "iso", "voice"]}


def group_of(voice):
    """The held-out group a voice belongs to (as voices.heldout_groups names them)."""
    engine, name = voice.split(":", 1)
    if engine == "flite":
        return voice
    base, _, variant = name.partition("+")
    return "espeak:" + base if base in voices.ESPEAK_HELDOUT_BASES else "+" + variant


def is_numeric(text):
    """Whether a sentence says its date in numbers only ("six twelve twenty-eight"), naming no month."""
    return not any(month in text.lower() for month in spoken.MONTHS)


def sampling_weights(texts, numeric_weight):
    """Each training clip's chance of being drawn: numeric-form sentences numeric_weight times as
    likely as the others (None when 1: the plain uniform draw, the one earlier models were trained on)."""
    if numeric_weight == 1:
        return None
    w = np.array([numeric_weight if is_numeric(t) else 1.0 for t in texts])
    return w / w.sum()


def by_snr(snrs, right):
    """{"clean" (SNR -1) or "N dB": [clips right, clips]} for each SNR in `snrs`, in order."""
    return {augment.snr_label(None if snr < 0 else snr): [int(right[snrs == snr].sum()), int((snrs == snr).sum())]
            for snr in sorted(set(snrs.tolist()))}


def evaluate(model, feats, bank, limit=None, beam=1, weekday_penalty=date_rule.WEEKDAY_PENALTY):
    idx = np.arange(len(feats["mel"]))[:limit]
    mel = torch.from_numpy(from_u8(feats["mel"][idx], feats["top"][idx]))
    got = decode(model, mel, beam, weekday_penalty)
    want = bank["iso"][feats["sentence"][idx]]
    right = np.array([g == w for g, w in zip(got, want)])
    snrs = feats["snr"][idx]
    report = {"all": [int(right.sum()), len(right)], "by_snr": by_snr(snrs, right), "by_noise": {}, "by_voice": {},
              "by_form": {}, "wrong_fields": {}}
    noise = np.array([augment.test_noise(int(i)) for i in feats["sentence"][idx]])
    for snr in sorted(s for s in set(snrs.tolist()) if s >= 0):  # each noisy SNR per kind of noise
        for kind in augment.TEST_NOISES:
            k = (snrs == snr) & (noise == kind)
            report["by_noise"]["%d dB %s" % (snr, kind)] = [int(right[k].sum()), int(k.sum())]
    groups = np.array([group_of(v) for v in bank["voice"][feats["sentence"][idx]]])
    for g in sorted(set(groups.tolist())):
        m = groups == g
        report["by_voice"][g] = [int(right[m].sum()), int(m.sum())]
        report["wrong_fields"][g] = wrong_fields([got[i] for i in np.flatnonzero(m)], want[m])
    texts = [str(t) for t in bank["text"][feats["sentence"][idx]]]
    numeric = np.array([is_numeric(t) for t in texts])
    month_first = numeric & np.array([spoken.said_month_first(datetime.date.fromisoformat(w)) for w in want])
    weekday = np.array([date_rule.spoken_weekday(t) >= 0 for t in texts])
    for name, m in (("month named", ~numeric), ("numbers only", numeric), ("numbers only, month first", month_first),
                    ("a weekday said", weekday), ("no weekday said", ~weekday)):
        report["by_form"][name] = [int(right[m].sum()), int(m.sum())]
    report["no_date_answers"] = int(sum(g == date_rule.NO_DATE for g in got))
    report["errors"] = [[str(bank["voice"][feats["sentence"][i]]), str(bank["text"][feats["sentence"][i]]),
                         int(feats["snr"][i]), g, w] for i, g, w, r in zip(idx, got, want, right) if not r][:40]
    return report


def evaluate_no_date(model, feats, bank, limit=None, beam=1):
    """How often the model answers "no date" to speech that holds none (make_data.py --no-date's
    held-out split: held-out voices, clean and at 20, 10, 5 dB), in all and per SNR."""
    idx = np.arange(len(feats["mel"]))[:limit]
    got = decode(model, torch.from_numpy(from_u8(feats["mel"][idx], feats["top"][idx])), beam)
    right = np.array([g == date_rule.NO_DATE for g in got])
    report = {"all": [int(right.sum()), len(right)], "by_snr": by_snr(feats["snr"][idx], right)}
    report["misses"] = [[str(bank["text"][feats["sentence"][i]]), g] for i, g, r in zip(idx, got, right) if not r][:20]
    return report


WRONG_FIELDS = ["misses", "year", "month", "day", "-teen/-ty only"]


def wrong_fields(got, want):
    """Of the misses, how many have the year, the month, the day wrong (a miss may count in several), and
    how many differ only by a -teen/-ty swap ("thirty" heard as "thirteen": 30 <-> 13 ... 90 <-> 19 in the
    year's last two digits or the day; the century may differ, as "sixty" and "sixteen" give 1960 and 2016)."""
    swaps = {(10 + x, 10 * x) for x in range(3, 10)}
    swaps |= {(b, a) for a, b in swaps}
    out = dict.fromkeys(WRONG_FIELDS, 0)
    for g, w in zip(got, want):
        if g == w:
            continue
        out["misses"] += 1
        if len(g) != len(w):
            continue
        for field, (a, b) in (("year", (0, 4)), ("month", (5, 7)), ("day", (8, 10))):
            out[field] += g[a:b] != w[a:b]
        pairs = [(g[a:b], w[a:b]) for a, b in ((2, 4), (8, 10)) if g[a:b] != w[a:b]]
        if g[5:7] == w[5:7] and all(x.isdigit() and (int(x), int(y)) in swaps for x, y in pairs):
            out["-teen/-ty only"] += 1
    return out


def save_checkpoint(path, dims, model):
    """OpenAI's checkpoint layout: the dimensions as a dict and the state dict."""
    torch.save({"dims": dataclasses.asdict(dims), "model_state_dict": model.state_dict()}, path)


def print_breakdown(report, held_out=True):
    """A report's exact matches per form (month named or not, weekday said or not); for held-out voices
    also per SNR, per SNR and kind of noise, per voice group, and which part of the date each group's
    misses got wrong (train.py and evaluate.py print the same rows)."""
    rows = list(report["by_form"].items())
    if held_out:
        rows = list(report["by_snr"].items()) + list(report["by_noise"].items()) + list(report["by_voice"].items()) + rows
    for k, v in rows:
        print("  %-24s %s" % (k, pct(v)))
    if held_out:
        print("  misses per group: %s" % ", ".join(WRONG_FIELDS))
        for k, v in report["wrong_fields"].items():
            print("  %-24s %s" % (k, " / ".join(str(v[f]) for f in WRONG_FIELDS)))


def pct(pair):
    return "%d/%d (%.1f%%)" % (pair[0], pair[1], 100.0 * pair[0] / max(1, pair[1]))


def trainable(model, ctc_head, args):
    """The parameters the optimizer updates: the model's, and the CTC head's when it is used."""
    return list(model.parameters()) + (list(ctc_head.parameters()) if args.ctc_weight > 0 else [])


def average_gradients(params, world, rank, exchange):
    """The mean of every worker's gradients, in place: with each worker on its share of the batch,
    the result is the whole batch's gradient. Each worker writes its gradients, flat, to its row of
    `exchange` (shared memory, one row per worker), waits at a barrier and sums the rows, so every
    worker computes the same bits (gloo's all-reduce over TCP took 20 ms of a 0.42 s step for these
    4 MB). A row is next written after the next step's loss all-reduce, which no worker passes
    before every worker has read this step's rows."""
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    torch.cat([g.reshape(-1) for g in grads], out=exchange[rank])
    dist.barrier()
    flat = exchange.sum(0)
    flat /= world
    offset = 0
    for p, g in zip(params, grads):
        p.grad = flat[offset:offset + g.numel()].view_as(p).clone()
        offset += g.numel()


def train_worker(rank, world, store_path, exchange, args, data, start):
    """The training loop of one worker. With --workers W each of the W processes takes batch / W
    clips of every step (its own draws, from its own seed) and the gradients are averaged before
    the one shared update, so the weights stay the same in every worker; rank 0 evaluates, logs
    and saves. Returns the model and its history in rank 0."""
    (train, train_bank, heldout, heldout_bank, seen, seen_bank, clean,
     nodate, nodate_bank, nodate_heldout, nodate_heldout_bank) = data
    torch.set_num_threads(args.threads)
    if world > 1:
        # A worker that dies makes the others fail within minutes instead of waiting forever.
        dist.init_process_group("gloo", init_method="file://" + store_path, rank=rank, world_size=world,
                                timeout=datetime.timedelta(minutes=10))
    n_train = len(train["mel"])
    clean_steps = int(args.clean_share * args.steps)
    dims = dims_for(args)
    model = new_model(dims, args.seed, args.conv_gain)
    if args.init:  # warm start: continue from an earlier checkpoint of the same dimensions
        model.load_state_dict(torch.load(args.init, map_location="cpu")["model_state_dict"])
    bf16 = args.precision == "bf16"
    if rank == 0:
        print("dims", dataclasses.asdict(dims), "parameters", sum(p.numel() for p in model.parameters()), flush=True)
    ctc_head = torch.nn.Linear(args.d, len(CTC_CHARS) + 1)
    params = trainable(model, ctc_head, args)
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    warmup = max(1, args.warmup if args.warmup is not None else min(100, args.steps // 15))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (
        1 + math.cos(math.pi * min(1.0, s / args.steps))))
    # One worker draws exactly as the single-process training always has; the others from their own seeds.
    rng = np.random.default_rng(args.seed if rank == 0 else [args.seed, rank])
    noises = noise_mel_powers(np.random.default_rng([args.seed, 99]))
    all_targets = targets(train_bank["iso"][train["sentence"]].tolist(), train_bank["text"][train["sentence"]].tolist())
    weights = sampling_weights(train_bank["text"][train["sentence"]].tolist(), args.numeric_weight)
    # Clips without a date come on top of the batch, drawn and augmented from a stream of their own, so
    # the date clips and their augmentation are the very ones the same seed gives without them.
    nd_rng = np.random.default_rng([args.seed, rank, 4])
    if nodate is not None:
        nodate_targets = targets(nodate_bank["iso"][nodate["sentence"]].tolist(),
                                 nodate_bank["text"][nodate["sentence"]].tolist())
        nodate_texts = nodate_bank["text"][nodate["sentence"]]
    share = args.batch // world
    history = []
    ema = [p.detach().clone() for p in model.parameters()] if args.ema > 0 else None
    loss_sum = ce_sum = 0.0
    skipped = 0
    for step in range(1, args.steps + 1):
        idx = np.sort(rng.choice(n_train, share, replace=False, p=weights))
        mel = torch.from_numpy(from_u8(train["mel"][idx], train["top"][idx]))
        mel = torch.from_numpy(spec_augment(mix_in_features(mel, noises, rng, args.mix_share, args.mix_snr).numpy(), rng))
        # Curriculum: clean clips first (the attention has to find the words before it can
        # find them in noise), then mostly augmented clips with some clean ones kept.
        easy = np.ones(len(idx), bool) if step <= clean_steps else rng.random(len(idx)) < 0.25
        sent = train["sentence"][idx[easy]]
        mel[torch.from_numpy(easy)] = torch.from_numpy(from_u8(clean["mel"][sent], clean["top"][sent]))
        mel = tilt_spectrum(speed_up(warp_frequencies(mel, rng, args.warp), rng, args.tempo), rng, args.tilt)
        tok = all_targets[idx]
        texts = train_bank["text"][train["sentence"][idx]].tolist()
        n_nd = int(nd_rng.binomial(share, args.no_date_share)) if nodate is not None else 0
        if n_nd:  # --no-date-share: clips holding no whole date, augmented as the others are
            nd = np.sort(nd_rng.choice(len(nodate["mel"]), n_nd, replace=False))
            extra = torch.from_numpy(from_u8(nodate["mel"][nd], nodate["top"][nd]))
            extra = torch.from_numpy(spec_augment(mix_in_features(extra, noises, nd_rng, args.mix_share,
                                                                  args.mix_snr).numpy(), nd_rng))
            extra = tilt_spectrum(speed_up(warp_frequencies(extra, nd_rng, args.warp), nd_rng, args.tempo), nd_rng,
                                  args.tilt)
            mel = torch.cat([mel, extra])
            tok = torch.cat([tok, nodate_targets[nd]])
            texts += nodate_texts[nd].tolist()
        with mixed_precision.autocast(bf16):
            audio = model.encoder(mel)
            logits = model.decoder(tok[:, :-1].clamp(min=0) + (tok[:, :-1] < 0) * EOT, audio)
        loss = ce = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tok[:, 1:].reshape(-1))
        if args.ctc_weight > 0:
            # Joint CTC on the encoder (a training aid only: the head is not saved, the model stays
            # Whisper): the letters said are a far denser signal than the ten digits of the date, so
            # the encoder learns the words, which the decoder's cross-attention then reads.
            flat, lengths = ctc_targets(texts)
            with mixed_precision.autocast(bf16):
                ctc_logits = ctc_head(audio)
            log_probs = F.log_softmax(ctc_logits.float(), -1).transpose(0, 1)
            ctc = F.ctc_loss(log_probs, flat, torch.full((len(tok),), audio.shape[1]), lengths, zero_infinity=True)
            loss = (1 - args.ctc_weight) * loss + args.ctc_weight * ctc
        opt.zero_grad()
        # Every worker skips a batch any worker's loss overflowed on (rare, and counted), so all stay in step.
        finite = bool(torch.isfinite(loss))
        stats = torch.tensor([loss.item() if finite else 0.0, ce.item() if finite else 0.0, float(finite)])
        if world > 1:
            dist.all_reduce(stats)
        if stats[2] < world:
            skipped += 1
            if rank == 0:
                print("step %d: non-finite loss (input finite: %s), batch skipped" % (
                    step, bool(torch.isfinite(mel).all())), flush=True)
            continue
        loss.backward()
        if world > 1:
            average_gradients(params, world, rank, exchange)
        if not torch.isfinite(torch.nn.utils.clip_grad_norm_(params, 1.0)):
            skipped += 1
            if rank == 0:
                print("step %d: non-finite gradient, batch skipped" % step, flush=True)
            continue
        opt.step()
        sched.step()
        if ema is not None:
            with torch.no_grad():
                for e, p in zip(ema, model.parameters()):
                    e.mul_(args.ema).add_(p, alpha=1 - args.ema)
        loss_sum += float(stats[0]) / world
        ce_sum += float(stats[1]) / world
        if rank != 0:
            continue
        if step % 50 == 0:
            print("step %d loss %.4f (decoder cross-entropy %.4f) lr %.2e %.0f s, %d skipped" % (
                step, loss_sum / 50, ce_sum / 50, sched.get_last_lr()[0], time.time() - start, skipped), flush=True)
            loss_sum = ce_sum = 0.0
        if step % args.eval_every == 0 and step < args.steps:
            torch.set_num_threads(args.threads * world)  # the other workers wait meanwhile
            h = evaluate(model, heldout, heldout_bank, limit=600)
            s = evaluate(model, seen, seen_bank, limit=200)
            n = evaluate_no_date(model, nodate_heldout, nodate_heldout_bank, limit=200) if nodate is not None else None
            torch.set_num_threads(args.threads)
            history.append({"step": step, "heldout": h["all"], "seen": s["all"], "seconds": time.time() - start,
                            "no_date": n and n["all"]})
            print("  held-out %s, seen clean %s%s" % (pct(h["all"]), pct(s["all"]),
                                                   ", no date heard as none %s" % pct(n["all"]) if n else ""), flush=True)
            save_checkpoint(os.path.join(args.data, args.name + ".pt"), dims, model)
    if world > 1:
        dist.destroy_process_group()
    return model, dims, ema, history, skipped


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/datespeech", help="make_data.py's --out; the checkpoint goes here too")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--d", type=int, default=160)
    ap.add_argument("--heads", type=int, default=5)
    ap.add_argument("--enc-layers", type=int, default=2)
    ap.add_argument("--dec-layers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=9600)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=None,
                    help="steps of linear learning-rate warm-up (default: min(100, steps / 15), 100 at the default steps)")
    ap.add_argument("--conv-gain", type=float, default=2.0, help="scale on the He-normal conv stem at init")
    ap.add_argument("--ctc-weight", type=float, default=0.3,
                    help="weight of the training-only CTC loss on the encoder (0: off)")
    ap.add_argument("--clean-share", type=float, default=0.4,
                    help="the first this share of the steps trains on clean clips only; after it, 25%% of clips stay clean")
    ap.add_argument("--mix-share", type=float, default=0.5,
                    help="share of training clips that get more noise mixed into their log-mel")
    ap.add_argument("--mix-snr", type=float, nargs=2, default=[0.0, 30.0], metavar=("LO", "HI"),
                    help="that noise's SNR range in dB (uniform)")
    ap.add_argument("--tempo", type=float, default=0.0,
                    help="tempo perturbation: each clip's log-mel sped up by a factor in [1, 1 + TEMPO] (0: off)")
    ap.add_argument("--tilt", type=float, default=0.0,
                    help="random smooth equalizer: each clip's mel bins get a gain curve of up to TILT dB either "
                         "way (0: off)")
    ap.add_argument("--warp", type=float, default=0.12,
                    help="vocal-tract-length perturbation: mel axis stretched by up to this factor either way")
    ap.add_argument("--numeric-weight", type=float, default=3.0,
                    help="draw sentences that say the date in numbers only this many times as often (1: uniform)")
    ap.add_argument("--ema", type=float, default=0.0,
                    help="also keep an exponential moving average of the weights with this decay (0: off); "
                         "it is evaluated at the end and saved as NAME-ema.pt")
    ap.add_argument("--workers", type=int, default=2,
                    help="training processes, each on batch / workers clips of every step, gradients averaged")
    ap.add_argument("--threads", type=int, default=1, help="threads per worker")
    ap.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                    help="the training's matrix products: bf16 (oneDNN, on CPUs with bfloat16 arithmetic), "
                         "fp32, or auto (bf16 where the CPU has it); the model is float32 either way")
    ap.add_argument("--no-date-share", type=float, default=0.0,
                    help="clips holding no whole date (make_data.py --no-date's), with the no-date answer as "
                         "target, added to each batch: this share of its size on average (0: a model without "
                         "that answer)")
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--name", default="datespeech")
    ap.add_argument("--init", default=None, help="start from this checkpoint (same dimensions)")
    args = ap.parse_args()
    if args.workers < 1 or args.batch % args.workers:
        ap.error("--batch %d does not split over --workers %d" % (args.batch, args.workers))
    splits = ("train", "heldout", "seen") + (("nodate", "nodate-heldout") if args.no_date_share > 0 else ())
    needed = ["%s-%s.npz" % (kind, split) for split in splits for kind in ("features", "bank")]
    if not 0 <= args.no_date_share <= 1:
        ap.error("--no-date-share %g: expected a share from 0 to 1" % args.no_date_share)
    missing = [f for f in needed if not os.path.exists(os.path.join(args.data, f))]
    if missing:
        ap.error("%s has no %s: run make_data.py --out %s%s first" % (
            args.data, missing[0], args.data, " --no-date 4000" if "nodate" in missing[0] else ""))
    blas_core.ensure_fast_blas()
    if not heap_reuse.install():
        print("could not keep freed memory in the process (not glibc?); steps may be slower", flush=True)
    # One thread until the workers are forked: a forked child cannot use a parent's OpenMP pool.
    torch.set_num_threads(args.threads if args.workers == 1 else 1)
    # oneDNN for convolutions, GELU and bfloat16 products, once a step through it is shown to give
    # PyTorch's own gradients (its GELU backward needs contiguous gradients: onednn.py).
    if not onednn.install():
        print("oneDNN is off (absent, or its gradients disagree with PyTorch's on this CPU): slower steps, "
              "float32 only", flush=True)
    if args.precision != "fp32":
        bf16_here = mixed_precision.available()
        if args.precision == "bf16" and not bf16_here:
            ap.error("--precision bf16: this CPU or torch has no bfloat16 products through oneDNN (or they "
                     "disagree with float64); use --precision fp32")
        if args.precision == "auto":
            args.precision = "bf16" if bf16_here else "fp32"
            print("matrix products in %s (--precision auto: this CPU %s bfloat16 arithmetic)" % (
                args.precision, "has" if bf16_here else "has no usable"), flush=True)
    start = time.time()

    train, train_bank = load_split(args.data, "train")
    heldout, heldout_bank = load_split(args.data, "heldout")
    seen, seen_bank = load_split(args.data, "seen")
    nodate = nodate_bank = nodate_heldout = nodate_heldout_bank = None
    if args.no_date_share > 0:
        nodate, nodate_bank = load_split(args.data, "nodate")
        nodate_heldout, nodate_heldout_bank = load_split(args.data, "nodate-heldout")
    n_train = len(train["mel"])
    rendering = time.time()
    clean = clean_train_features(args.data, args.seed, args.workers)
    print("train %d clips (%d sentences), held-out %d, seen %d; loaded in %.0f s, %.0f s of it rendering the "
          "clean clips (%d processes)" % (n_train, len(train_bank["iso"]), len(heldout["mel"]), len(seen["mel"]),
                                           time.time() - start, time.time() - rendering, args.workers), flush=True)

    data = (train, train_bank, heldout, heldout_bank, seen, seen_bank, clean, nodate, nodate_bank, nodate_heldout,
            nodate_heldout_bank)
    # The workers are forked after the data is loaded (numpy arrays, shared copy-on-write, and no
    # thread pool started yet); the parent is rank 0.
    store = tempfile.NamedTemporaryFile(prefix="datespeech-workers-", delete=False).name
    os.unlink(store)
    # The workers' gradients meet here (average_gradients); made before the fork, so it is shared.
    n_trainable = sum(p.numel() for p in trainable(new_model(dims_for(args), args.seed),
                                                      torch.nn.Linear(args.d, len(CTC_CHARS) + 1), args))
    exchange = torch.zeros(args.workers, n_trainable).share_memory_()
    model, dims, ema, history, skipped = run_forked(
        train_worker, [(r, args.workers, store, exchange, args, data, start) for r in range(args.workers)],
        "training")
    if os.path.exists(store):
        os.unlink(store)
    n_params = sum(p.numel() for p in model.parameters())
    torch.set_num_threads(args.workers * args.threads)  # the evaluation below has every core
    train_seconds = time.time() - start

    ckpt = os.path.join(args.data, args.name + ".pt")
    save_checkpoint(ckpt, dims, model)
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "vocabulary.txt"), "w") as f:
        f.write("\n".join(vocab_of(model)) + "\n")

    h = evaluate(model, heldout, heldout_bank)
    s = evaluate(model, seen, seen_bank)
    print("held-out voices: %s (greedy; evaluate.py gives the beam of 4 xattn decodes with)" % pct(h["all"]))
    print_breakdown(h)
    print("  answered no date: %d" % h["no_date_answers"])
    print("seen voices, clean: %s" % pct(s["all"]))
    n = None
    if nodate is not None:
        n = evaluate_no_date(model, nodate_heldout, nodate_heldout_bank)
        print("held-out voices, speech without a whole date, answered no date: %s" % pct(n["all"]))
        for k, v in n["by_snr"].items():
            print("  %-24s %s" % (k, pct(v)))
        for m in n["misses"][:10]:
            print("  miss", m)
    print_breakdown(s, held_out=False)
    for e in h["errors"][:15]:
        print("  miss", e)
    ema_results = None
    if ema is not None:  # the averaged weights, evaluated the same way (the raw ones stay NAME.pt)
        with torch.no_grad():
            for e, p in zip(ema, model.parameters()):
                p.copy_(e)
        save_checkpoint(os.path.join(args.data, args.name + "-ema.pt"), dims, model)
        he = evaluate(model, heldout, heldout_bank)
        se = evaluate(model, seen, seen_bank)
        print("EMA weights (decay %g): held-out voices %s, seen voices clean %s" % (args.ema, pct(he["all"]), pct(se["all"])))
        print_breakdown(he)
        ema_results = {"heldout": he, "seen_clean": se}
    results = {"command": " ".join(sys.argv), "args": vars(args), "dims": dataclasses.asdict(dims),
               "parameters": n_params, "train_clips": n_train, "skipped_batches": skipped, "train_seconds": round(train_seconds),
               "torch": torch.__version__, "checkpoint": ckpt, "heldout": h, "seen_clean": s, "no_date_heldout": n, "history": history,
               "ema": ema_results}
    with open(os.path.join(args.data, args.name + "-results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print("checkpoint %s, %.0f s of training" % (ckpt, train_seconds))


if __name__ == "__main__":
    main()
