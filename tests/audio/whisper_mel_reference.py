#!/usr/bin/env python3
"""Writes openai-whisper's log-mel spectrograms of a few signals, as oracles
for the C++ front end (tests/test_audio_whisper.cpp).

usage: whisper_mel_reference.py REFERENCE_DIR OUT_DIR

REFERENCE_DIR holds openai-whisper/ (the released package). OUT_DIR gets, per
case, NAME.pcm (the samples as raw little-endian int16 or float32),
NAME.mel80.f32 and NAME.mel128.f32 (float32 [n_mels][frames]), the filter
banks mel_80.f32 / mel_128.f32 exactly as assets/mel_filters.npz stores them,
and manifest.txt: one line per case, "name format count trailing_zeros frames".
When torch, the package or sox is missing it prints XATTN-SKIP and why.
"""
import os
import shutil
import subprocess
import sys
import types
import wave


def skip(reason):
    print("XATTN-SKIP: " + reason)
    sys.exit(0)


def load_whisper_audio(reference_dir):
    """whisper.audio without the package's __init__ (which needs tqdm,
    tiktoken, numba): only numpy and torch are required."""
    root = os.path.join(reference_dir, "openai-whisper", "whisper")
    if not os.path.isfile(os.path.join(root, "audio.py")):
        skip("openai-whisper absent at " + root)
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        skip("python3 cannot import numpy/torch (" + str(e) + "); apt-get install python3-torch")
    package = types.ModuleType("whisper")
    package.__path__ = [root]
    sys.modules["whisper"] = package
    import importlib
    return importlib.import_module("whisper.audio")


def read_wav_s16(path):
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 16000
        import numpy as np
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    reference_dir, out_dir = sys.argv[1], sys.argv[2]
    whisper_audio = load_whisper_audio(reference_dir)
    import numpy as np
    import torch

    flac = os.path.join(reference_dir, "openai-whisper", "tests", "jfk.flac")
    if not os.path.isfile(flac):
        skip("jfk.flac absent at " + flac)
    if shutil.which("sox") is None:
        skip("sox is not installed (it turns jfk.flac into 16 kHz mono PCM16)")
    os.makedirs(out_dir, exist_ok=True)
    jfk_wav = os.path.join(out_dir, "jfk.wav")
    # whisper's load_audio asks ffmpeg for 16 kHz mono s16; sox does the same here.
    subprocess.run(["sox", "-D", flac, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", jfk_wav],
                   check=True)
    jfk = read_wav_s16(jfk_wav)

    rng = np.random.default_rng(13)
    t = np.arange(24000) / 16000.0
    cases = [
        # name, samples (int16 or float32), trailing zeros, frames kept (None: all)
        ("jfk", jfk, 0, None),
        # as transcribe() does: 30 s of zeros appended, the first 3000 frames kept
        ("jfk-padded", jfk, 480000, 3000),
        ("silence", np.zeros(16000, dtype=np.float32), 0, None),
        ("sine", np.sin(2 * np.pi * 440.0 * t).astype(np.float32), 0, None),
        ("sine-s16", np.round(32767 * np.sin(2 * np.pi * 1234.5 * t)).astype(np.int16), 0, None),
        ("clipped-noise", np.clip(rng.normal(0, 0.9, 32123), -1, 1).astype(np.float32), 0, None),
        ("short", rng.uniform(-0.5, 0.5, 457).astype(np.float32), 0, None),
    ]
    with np.load(os.path.join(reference_dir, "openai-whisper", "whisper", "assets", "mel_filters.npz")) as f:
        for n_mels in (80, 128):
            f["mel_%d" % n_mels].astype("<f4").tofile(os.path.join(out_dir, "mel_%d.f32" % n_mels))
    manifest = []
    for name, samples, padding, keep in cases:
        is_s16 = samples.dtype == np.int16
        samples.astype("<i2" if is_s16 else "<f4").tofile(os.path.join(out_dir, name + ".pcm"))
        audio = torch.from_numpy(samples.astype(np.float32) / 32768.0 if is_s16 else samples)
        frames = None
        for n_mels in (80, 128):
            mel = whisper_audio.log_mel_spectrogram(audio, n_mels=n_mels, padding=padding).numpy()
            if keep is not None:
                mel = mel[:, :keep]
            frames = mel.shape[1]
            np.ascontiguousarray(mel, dtype="<f4").tofile(os.path.join(out_dir, "%s.mel%d.f32" % (name, n_mels)))
        manifest.append("%s %s %d %d %d" % (name, "s16" if is_s16 else "f32", len(samples), padding, frames))
    with open(os.path.join(out_dir, "manifest.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    print("wrote %d cases to %s" % (len(cases), out_dir))


if __name__ == "__main__":
    main()
