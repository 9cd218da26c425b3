"""Waveform augmentation: the clean synthesized sentence -> a 4-second clip as a microphone might give it.

Level, reverberation (a synthetic decaying room response), band limiting
(telephone band or a low-pass), where the speech sits in the window, noise at
a chosen signal-to-noise ratio (white, pink, brown, mains hum, or babble made
of other sentences), clipping, and PCM16 rounding. Sometimes the clip ends
early and the rest of the window is digital silence, as when a short
recording is zero-padded to the model's audio context.
"""
import numpy as np

SAMPLE_RATE = 16000
NOISE_TYPES = ["white", "pink", "brown", "hum", "babble"]
TEST_NOISES = ["white", "pink", "brown"]  # a test sentence's noise, by its index (test_noise)


def test_noise(sentence):
    """The kind of noise make_data.py mixes into every noisy clip of test sentence `sentence`."""
    return TEST_NOISES[sentence % len(TEST_NOISES)]


def colored_noise(n, kind, rng):
    if kind == "white":
        return rng.standard_normal(n)
    if kind == "hum":
        t = np.arange(n) / SAMPLE_RATE
        f0 = rng.choice([50.0, 60.0])
        return sum(rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3))
                   for k in range(1, 8)) + 0.05 * rng.standard_normal(n)
    spec = np.fft.rfft(rng.standard_normal(n))
    freqs = np.maximum(np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE), 20.0)
    spec /= np.sqrt(freqs) if kind == "pink" else freqs  # pink 1/f power, brown 1/f^2
    return np.fft.irfft(spec, n)


def babble(n, bank, rng):
    out = np.zeros(n)
    for _ in range(rng.integers(2, 5)):
        other = bank[rng.integers(len(bank))].astype(np.float64)
        other = other / (np.sqrt(np.mean(other ** 2)) + 1e-9)
        start = rng.integers(-len(other) // 2, n)
        lo, hi = max(0, start), min(n, start + len(other))
        if hi > lo:
            out[lo:hi] += other[lo - start:hi - start]
    return out


def reverberate(x, rng):
    rt60 = rng.uniform(0.1, 0.7)
    n = int(rt60 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    rir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    rir[0] = rng.uniform(2.0, 8.0)  # the direct path
    size = 1 << (len(x) + n - 1).bit_length()  # a power of two: FFTs of awkward sizes are slow
    wet = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(rir, size), size)[:len(x)]
    return wet * np.sqrt(np.mean(x ** 2) / (np.mean(wet ** 2) + 1e-12))


def band_limit(x, rng):
    spec = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1.0 / SAMPLE_RATE)
    if rng.random() < 0.5:
        lo, hi = rng.uniform(200, 400), rng.uniform(3000, 3600)  # telephone
    else:
        lo, hi = 0.0, rng.uniform(2500, 6000)
    spec[(freqs < lo) | (freqs > hi)] = 0
    return np.fft.irfft(spec, len(x))


def rms(x):
    return np.sqrt(np.mean(x ** 2) + 1e-20)


def place(speech, n_samples, rng, lead=None, uniform=False):
    """The speech in an n_samples window: after `lead` seconds, else at a random start, uniform over
    the room the window leaves or (uniform=False, the older draw) skewed to the start, which puts
    only 1% of the clips' words against the window's end."""
    out = np.zeros(n_samples)
    room = max(0, n_samples - len(speech))
    if lead is not None:
        start = int(lead * SAMPLE_RATE)
    elif uniform:
        start = int(rng.integers(0, room + 1))
    else:
        start = int(rng.integers(0, room + 1) * rng.random() ** 0.5)
    start = min(start, room)
    out[start:start + len(speech)] = speech[:n_samples]
    return out, start + min(len(speech), n_samples)


def finish(x, level_db, rng, clip_chance=0.0):
    """Scales to a level (dB of the window's RMS); a peak above full scale is scaled down, or clipped."""
    x = x * (10 ** (level_db / 20) / max(rms(x), 1e-9))
    peak = np.abs(x).max()
    if peak > 0.99 and rng.random() >= clip_chance:
        x = x * (0.99 / peak)
    return np.round(np.clip(x, -1.0, 32767 / 32768) * 32768) / 32768


def augment(speech, n_samples, rng, bank, uniform_lead=False):
    """A training clip: every effect drawn at random (uniform_lead: see place)."""
    x = speech.astype(np.float64)
    if rng.random() < 0.3:
        x = reverberate(x, rng)
    if rng.random() < 0.25:
        x = band_limit(x, rng)
    speech_rms = rms(x)
    x, end = place(x, n_samples, rng, uniform=uniform_lead)
    if rng.random() < 0.8:
        kind = NOISE_TYPES[rng.integers(len(NOISE_TYPES))]
        noise = babble(n_samples, bank, rng) if kind == "babble" else colored_noise(n_samples, kind, rng)
        snr = rng.uniform(-2, 35)
        noise *= speech_rms / rms(noise) / 10 ** (snr / 20)
        if rng.random() < 0.3:  # the recording ended; zero padding follows
            noise[min(n_samples, end + int(rng.integers(0, 8000))):] = 0
        x = x + noise
    # Level: from faint to loud, now and then clipped.
    return finish(x, rng.uniform(-45, -10), rng, clip_chance=0.15).astype(np.float32)


def noise_only(n_samples, rng, bank):
    """A training clip with no speech in it: noise of a random kind (babble from `bank`) at a random
    level, or, one time in ten, digital silence."""
    if rng.random() < 0.1:
        return np.zeros(n_samples, np.float32)
    kind = NOISE_TYPES[rng.integers(len(NOISE_TYPES))]
    x = babble(n_samples, bank, rng) if kind == "babble" else colored_noise(n_samples, kind, rng)
    return finish(x, rng.uniform(-60, -15), rng).astype(np.float32)


def snr_label(snr):
    """How reports name a test SNR: "clean" (None, as test_clip takes it) or "N dB"."""
    return "clean" if snr is None else "%d dB" % snr


def test_clip(speech, n_samples, rng, snr, kind):
    """A test clip: speech after a short lead-in, noise of one kind at a fixed SNR (None: clean)."""
    x, _ = place(speech.astype(np.float64), n_samples, rng, lead=rng.uniform(0.1, 0.4))
    if snr is not None:
        noise = colored_noise(n_samples, kind, rng)
        x = x + noise * rms(speech) / rms(noise) / 10 ** (snr / 20)
    return finish(x, rng.uniform(-30, -15), rng).astype(np.float32)
