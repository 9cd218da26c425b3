"""The voices: which synthesizer voices train the model and which are held out, and the synthesis itself.

Three Debian synthesizers: espeak-ng (formant synthesis; English base voices
combined with its voice variants, "+f3", "+klatt2", ...), flite (CMU
diphone/cluster voices) and festival (diphone and HTS voices). A voice is a
string, "espeak:en-us+f3", "flite:slt" or "festival:ked". Whole base voices, whole variants and one whole flite voice are
held out: no training clip uses any of them.
"""
import os
import subprocess
import tempfile

import numpy as np

SAMPLE_RATE = 16000

ESPEAK_TRAIN_BASES = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-us-nyc"]
ESPEAK_HELDOUT_BASES = ["en-029", "en-gb-x-gbcwmd"]
FLITE_TRAIN = ["kal", "kal16", "rms", "slt"]
FLITE_HELDOUT = ["awb"]
# festival's voices (packages festvox-kdlpc16k, festvox-kallpc16k, festvox-us-slt-hts): in training only with
# make_data.py --festival-share > 0 (the committed model has none: see HISTORY.md), so unheard_synth.py measures
# the model on them as speech from a synthesizer it never heard.
FESTIVAL_VOICES = {"ked": "voice_ked_diphone", "kal": "voice_kal_diphone", "slt": "voice_cmu_us_slt_arctic_hts"}
HELDOUT_VARIANTS = ["f4", "m5", "klatt4", "Annie", "benjamin", "grandma", "edward2", "iven3", "robosoft3",
                    "steph2", "max", "linda"]
# Left out of everything: not speech a date would be said in (whispering, effects), or a name with a space.
EXCLUDED_VARIANTS = {"whisper", "whisperf", "Demonic", "Mr serious"}

_VARIANT_DIRS = ["/usr/lib/x86_64-linux-gnu/espeak-ng-data/voices/!v", "/usr/share/espeak-ng-data/voices/!v"]


def espeak_variants():
    """All installed espeak-ng variants (sorted), minus the excluded ones."""
    for folder in _VARIANT_DIRS:
        if os.path.isdir(folder):
            return sorted(v for v in os.listdir(folder) if v not in EXCLUDED_VARIANTS)
    out = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True).stdout
    names = [line.split()[-1].split("/")[-1] for line in out.splitlines()[1:] if line.strip()]
    return sorted(v for v in names if v not in EXCLUDED_VARIANTS)


def train_variants():
    return [""] + [v for v in espeak_variants() if v not in HELDOUT_VARIANTS]


def training_voices_sampler(rng, flite_share=0.25, festival_share=0.0):
    """Draws one training voice: espeak base + training variant, a training flite voice or a festival voice
    (festival_share 0, the default, draws exactly as before festival was added)."""
    draw = rng.random()
    if draw < flite_share:
        return "flite:" + rng.choice(FLITE_TRAIN)
    if draw < flite_share + festival_share:
        return "festival:" + rng.choice(sorted(FESTIVAL_VOICES))
    variant = rng.choice(train_variants())
    return "espeak:" + rng.choice(ESPEAK_TRAIN_BASES) + ("+" + variant if variant else "")


def heldout_groups():
    """Held-out test groups: name -> list of voices (each group never trained on)."""
    groups = {}
    train_vars = [v for v in train_variants() if v]
    for base in ESPEAK_HELDOUT_BASES:  # a held-out accent, with training variants
        groups["espeak:" + base] = ["espeak:" + base] + ["espeak:%s+%s" % (base, v) for v in train_vars]
    for variant in HELDOUT_VARIANTS:  # a held-out variant, on training accents
        groups["+" + variant] = ["espeak:%s+%s" % (b, variant) for b in ESPEAK_TRAIN_BASES]
    for name in FLITE_HELDOUT:
        groups["flite:" + name] = ["flite:" + name]
    return groups


def is_heldout(voice):
    engine, name = voice.split(":", 1)
    if engine == "flite":
        return name in FLITE_HELDOUT
    if engine == "festival":
        return False
    base, _, variant = name.partition("+")
    return base in ESPEAK_HELDOUT_BASES or variant in HELDOUT_VARIANTS


def _wav_samples(data):
    """float32 samples and rate of a PCM16 mono WAV given as bytes (espeak's stdout has no sizes)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV stream")
    pos, rate = 12, None
    while pos + 8 <= len(data):
        tag, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if tag == b"fmt ":
            channels = int.from_bytes(data[pos + 10:pos + 12], "little")
            rate = int.from_bytes(data[pos + 12:pos + 16], "little")
            bits = int.from_bytes(data[pos + 22:pos + 24], "little")
            if channels != 1 or bits != 16:
                raise ValueError("expected 16-bit mono")
        if tag == b"data":
            body = data[pos + 8:]
            body = body[:len(body) // 2 * 2]
            return np.frombuffer(body, "<i2").astype(np.float32) / 32768.0, rate
        pos += 8 + size + (size & 1)
    raise ValueError("WAV stream without data")


def resample(x, rate_in, rate_out=SAMPLE_RATE):
    """Band-limited resampling by FFT (fine for a short clip that starts and ends in silence)."""
    if rate_in == rate_out:
        return x
    n_out = int(round(len(x) * rate_out / rate_in))
    spec = np.fft.rfft(x)
    keep = n_out // 2 + 1
    spec = spec[:keep] if len(spec) >= keep else np.pad(spec, (0, keep - len(spec)))
    return (np.fft.irfft(spec, n_out) * (n_out / len(x))).astype(np.float32)


def synthesize(voice, text, speed, pitch):
    """16 kHz float32 audio of `text`. speed: 1 = the voice's default rate; pitch: 0-1 (0.5 = default)."""
    engine, name = voice.split(":", 1)
    if engine == "espeak":
        cmd = ["espeak-ng", "-v", name, "-s", str(int(round(175 * speed))), "-p", str(int(round(pitch * 99))),
               "--stdout", text]
    elif engine == "flite":
        mean = {"awb": 110, "rms": 110, "slt": 180}.get(name, 100) * (0.75 + 0.5 * pitch)
        cmd = ["flite", "-voice", name, "--setf", "duration_stretch=%.3f" % (1.0 / speed),
               "--setf", "int_f0_target_mean=%.1f" % mean, "-t", text, "-o", "/dev/stdout"]
    elif engine == "festival":
        return _festival(FESTIVAL_VOICES[name], text, speed, pitch)
    else:
        raise ValueError("unknown engine " + engine)
    data = subprocess.run(cmd, capture_output=True, check=True).stdout
    x, rate = _wav_samples(data)
    return resample(x, rate)


def _festival(voice, text, speed, pitch):
    """festival's text2wave, then sox for the rate, the speed (tempo) and the pitch (+-300 cents);
    -D: no dither (sox's is random when the rate changes), so the same clip comes out every time."""
    with tempfile.TemporaryDirectory() as folder:
        raw = os.path.join(folder, "said.wav")
        subprocess.run(["text2wave", "-eval", "(%s)" % voice, "-o", raw], input=text.encode(),
                       capture_output=True, check=True)
        cents = int(round((pitch - 0.5) * 600))
        data = subprocess.run(["sox", "-D", raw, "-t", "wav", "-r", str(SAMPLE_RATE), "-b", "16", "-c", "1", "-",
                               "tempo", "-s", "%.3f" % speed, "pitch", str(cents)],
                              capture_output=True, check=True).stdout
    x, rate = _wav_samples(data)
    return resample(x, rate)


def trim_silence(x, threshold=0.01, margin=0.03):
    """Cuts the synthesizer's leading and trailing silence (keeps `margin` seconds)."""
    loud = np.nonzero(np.abs(x) > threshold * max(1e-6, np.abs(x).max()))[0]
    if len(loud) == 0:
        return x[:0]
    pad = int(margin * SAMPLE_RATE)
    return x[max(0, loud[0] - pad):loud[-1] + pad]
