"""Synthesizes the spoken-date data set and caches its log-mel features.

    nice -n 19 /usr/bin/python3 models/datespeech/make_data.py --out /tmp/datespeech

Writes to --out:
  bank-{train,heldout,seen}.npz   the clean synthesized sentences (PCM16, trimmed), with text, ISO date, voice
  features-train.npz             --copies augmented clips of every training sentence, as log-mel
  features-heldout.npz           held-out voices, each sentence clean and with noise at 20, 10, 5 dB SNR
  features-seen.npz              new sentences from training voices, clean
  heldout-wav/                   a few held-out clips as WAV files, with index.tsv
With --no-date N (for models with a "no date" answer), also:
  bank-nodate.npz, features-nodate.npz    N training sentences holding no whole date (no_date.py),
                                          said by training voices, and N / 4 clips of noise only
  bank-nodate-heldout.npz, features-nodate-heldout.npz
                                          such sentences said by the held-out voices, as features-heldout
Everything follows from --seed: the sentence, voice, speed and pitch of clip i come
from one seeded stream, and clip i's augmentation from the seed (seed, split, i, copy),
so the result does not depend on --jobs.
"""
import argparse
import functools
import multiprocessing
import os
import random
import sys
import time
import wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accent  # noqa: E402
import augment  # noqa: E402
import date_rule  # noqa: E402
import no_date  # noqa: E402
import spoken  # noqa: E402
import voices  # noqa: E402
from features import CLIP_SAMPLES, log_mel_u8  # noqa: E402

MAX_SPEECH = 3.7  # seconds of speech in the 4 s window; longer sentences are said faster
TEST_SNRS = [None, 20, 10, 5]  # None: clean
SPLIT_IDS = {"train": 1, "heldout": 2, "seen": 3, "nodate": 4, "nodate-heldout": 5}
TRAIN_SPLITS = ("train", "nodate")  # augmented at random; the others are test splits


def specs_for(split, count, seed, flite_share=0.25, festival_share=0.0, accent_share=0.0):
    """(text, iso, voice, speed, pitch, accent) of every clip in a split. accent: the seed of the
    sentence's accent shift (accent.py) for a share of the espeak training sentences, else -1
    (accent_share 0 draws exactly as before accents were added)."""
    rng = random.Random("%d/%s" % (seed, split))
    groups = voices.heldout_groups()
    names = sorted(groups)
    out = []
    for i in range(count):
        text, iso = (no_date.make_sentence(rng), date_rule.NO_DATE) if split.startswith("nodate") else spoken.make_sentence(rng)
        if split.endswith("heldout"):
            voice = rng.choice(groups[names[i % len(names)]])
        else:
            voice = voices.training_voices_sampler(rng, flite_share, festival_share)
        speed, pitch = rng.uniform(0.85, 1.35), rng.uniform(0.15, 0.85)
        shifted = accent_share > 0 and voice.startswith("espeak:") and rng.random() < accent_share
        out.append((text, iso, voice, speed, pitch, rng.randrange(2 ** 31) if shifted else -1))
    return out


def synthesize_one(spec, accent_rate):
    text, _, voice, speed, pitch, accent_seed = spec
    if accent_seed >= 0:  # phoneme input: a training accent's rules, some sounds shifted
        rng = random.Random(accent_seed)
        rules = rng.choice(voices.ESPEAK_TRAIN_BASES)
        text = "[[%s]]" % accent.shift(accent.phonemes(rules, text), rng, accent_rate, accent.lexicon(rules))
    for _ in range(3):
        x = voices.trim_silence(voices.synthesize(voice, text, speed, pitch))
        seconds = len(x) / voices.SAMPLE_RATE
        if 0.3 < seconds <= MAX_SPEECH:
            return np.round(np.clip(x, -1, 1) * 32767).astype(np.int16)
        speed *= seconds / (MAX_SPEECH - 0.15)
    return None


def make_bank(path, split, count, seed, pool, flite_share, festival_share, accent_share, accent_rate):
    if os.path.exists(path):
        return dict(np.load(path))
    specs = specs_for(split, count, seed, flite_share, festival_share, accent_share if split == "train" else 0.0)
    start = time.time()
    clips = []
    for clip_audio in pool.imap(functools.partial(synthesize_one, accent_rate=accent_rate), specs, chunksize=16):
        clips.append(clip_audio)
        if len(clips) % 1000 == 0:
            print("  %s: %d sentences, %.0f s" % (split, len(clips), time.time() - start), flush=True)
    keep = [i for i, c in enumerate(clips) if c is not None]
    if split == "nodate":  # clips of noise only (no speech: empty audio), a quarter as many
        specs += [("", date_rule.NO_DATE, "none", 1.0, 0.5, -1)] * (count // 4)
        clips += [np.zeros(0, np.int16)] * (count // 4)
        keep += range(count, count + count // 4)
    audio = [clips[i] for i in keep]
    bank = {
        "audio": np.concatenate(audio),
        "offsets": np.cumsum([0] + [len(a) for a in audio]),
        "text": np.array([specs[i][0] for i in keep]),
        "iso": np.array([specs[i][1] for i in keep]),
        "voice": np.array([specs[i][2] for i in keep]),
        "speed": np.array([specs[i][3] for i in keep], np.float32),
        "pitch": np.array([specs[i][4] for i in keep], np.float32),
        "accent": np.array([specs[i][5] for i in keep], np.int64),
    }
    np.savez(path, **bank)
    noise_only = count // 4 if split == "nodate" else 0
    print("%s: %d of %d sentences synthesized in %.0f s (%.1f h of speech)%s" % (
        split, len(keep) - noise_only, count, time.time() - start, len(bank["audio"]) / 16000 / 3600,
        ", and %d clips of noise only" % noise_only if noise_only else ""), flush=True)
    return bank


def clip(bank, i):
    return bank["audio"][bank["offsets"][i]:bank["offsets"][i + 1]].astype(np.float32) / 32768.0


_BANK = None


def _init_worker(bank_path):
    global _BANK
    import torch
    torch.set_num_threads(1)
    _BANK = dict(np.load(bank_path))
    _BANK["babble"] = [c for c in (clip(_BANK, j) for j in range(0, len(_BANK["offsets"]) - 1, 7)) if len(c)]


def train_features(job):
    seed, split, i, copies, uniform_lead = job
    speech = clip(_BANK, i)
    out = []
    for c in range(copies):
        rng = np.random.default_rng([seed, SPLIT_IDS[split], i, c])
        out.append(log_mel_u8(augment.augment(speech, CLIP_SAMPLES, rng, _BANK["babble"], uniform_lead) if len(speech)
                              else augment.noise_only(CLIP_SAMPLES, rng, _BANK["babble"])))
    return out


def test_features(job):
    seed, split, i, snrs = job
    speech = clip(_BANK, i)
    out = []
    for k, snr in enumerate(snrs):
        rng = np.random.default_rng([seed, SPLIT_IDS[split], i, k])
        x = augment.test_clip(speech, CLIP_SAMPLES, rng, snr, augment.test_noise(i))
        out.append((log_mel_u8(x), x if i < 400 else None))
    return out


def pcm16(x):
    """float samples in [-1, 1) -> int16, as the WAV files hold them."""
    return np.round(np.clip(x, -1, 32767 / 32768) * 32768).astype("<i2")


def write_wav(path, x):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(voices.SAMPLE_RATE)
        w.writeframes(pcm16(x).tobytes())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/datespeech")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--train", type=int, default=40000, help="training sentences")
    ap.add_argument("--copies", type=int, default=1, help="augmented clips per training sentence")
    ap.add_argument("--heldout-per-group", type=int, default=60)
    ap.add_argument("--seen", type=int, default=400)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--flite-share", type=float, default=0.25, help="training sentences said by flite voices")
    ap.add_argument("--festival-share", type=float, default=0.0,
                    help="training sentences said by festival voices (needs festival and its voices: README.md)")
    ap.add_argument("--accent-share", type=float, default=0.5,
                    help="espeak training sentences said with shifted sounds (accent.py; 0: none, as before)")
    ap.add_argument("--accent-rate", type=float, default=0.2,
                    help="the chance of each of accent.py's shifts in a shifted sentence")
    ap.add_argument("--no-date", type=int, default=0,
                    help="training sentences holding no whole date (no_date.py), for a model with a no-date answer")
    ap.add_argument("--no-date-heldout-per-group", type=int, default=20,
                    help="with --no-date: such sentences per held-out voice group")
    ap.add_argument("--lead", choices=["early", "uniform"], default="early",
                    help="where a training clip's words start in the window: anywhere it leaves room, "
                         "uniformly, or skewed to the start (the committed model's data)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    n_groups = len(voices.heldout_groups())
    counts = {"train": args.train, "heldout": args.heldout_per_group * n_groups, "seen": args.seen,
              "nodate": args.no_date, "nodate-heldout": args.no_date_heldout_per_group * n_groups}
    splits = ["heldout", "seen", "train"] + (["nodate-heldout", "nodate"] if args.no_date > 0 else [])
    with multiprocessing.Pool(args.jobs) as pool:
        for split in splits:
            make_bank(os.path.join(args.out, "bank-%s.npz" % split), split, counts[split], args.seed, pool,
                      args.flite_share, args.festival_share, args.accent_share, args.accent_rate)

    for split in splits:
        path = os.path.join(args.out, "features-%s.npz" % split)
        if os.path.exists(path):
            continue
        bank_path = os.path.join(args.out, "bank-%s.npz" % split)
        bank = dict(np.load(bank_path))
        n = len(bank["offsets"]) - 1
        start = time.time()
        snrs = TEST_SNRS if split.endswith("heldout") else [None]
        per_sentence = args.copies if split in TRAIN_SPLITS else len(snrs)
        mel, top = None, np.zeros(n * per_sentence, np.float32)  # filled in order, no list of clips
        kept_rows = []  # held-out: the first sentences' audio, for the WAV files
        with multiprocessing.Pool(args.jobs, _init_worker, (bank_path,)) as pool:
            if split in TRAIN_SPLITS:
                rows = pool.imap(train_features, [(args.seed, split, i, args.copies, args.lead == "uniform")
                                                  for i in range(n)], chunksize=32)
            else:
                rows = pool.imap(test_features, [(args.seed, split, i, snrs) for i in range(n)], chunksize=32)
            for i, row in enumerate(rows):
                for c, clip_features in enumerate(row):
                    m, t = clip_features if split in TRAIN_SPLITS else clip_features[0]
                    if mel is None:
                        mel = np.zeros((n * per_sentence,) + m.shape, m.dtype)
                    mel[i * per_sentence + c], top[i * per_sentence + c] = m, t
                if split == "heldout" and i < 3 * n_groups:
                    kept_rows.append(row)
        sentence = np.repeat(np.arange(n), per_sentence)
        snr = np.full(n * per_sentence, -1) if split in TRAIN_SPLITS else np.tile([-1 if s is None else s for s in snrs], n)
        if split == "heldout":
            write_heldout_wavs(args.out, bank, kept_rows, snrs, n_groups)
        np.savez(path, mel=mel, top=top, sentence=sentence, snr=snr)
        print("%s features: %d clips in %.0f s" % (split, len(top), time.time() - start), flush=True)


def write_heldout_wavs(out, bank, rows, snrs, n_groups):
    """The first three sentences of every held-out group, clean and at 10 dB SNR, as WAV files."""
    folder = os.path.join(out, "heldout-wav")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "index.tsv"), "w") as index:
        index.write("file\tvoice\tsnr\tsaid\texpected\n")
        for i in range(min(len(rows), 3 * n_groups)):
            for k, snr in enumerate(snrs):
                if snr not in (None, 10):
                    continue
                name = "%03d-%s.wav" % (i, "clean" if snr is None else "snr%d" % snr)
                write_wav(os.path.join(folder, name), rows[i][k][1])
                index.write("%s\t%s\t%s\t%s\t%s\n" % (name, bank["voice"][i], "clean" if snr is None else snr,
                                                      bank["text"][i], bank["iso"][i]))


if __name__ == "__main__":
    main()
