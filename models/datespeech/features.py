"""Whisper's log-mel front end at the model's 4-second audio context, and the feature cache's 8-bit form.

The features are exactly `whisper.audio.log_mel_spectrogram` (80 bins) of the
clip padded or trimmed with `whisper.audio.pad_or_trim` to 64,000 samples
(4 s, 400 frames; the encoder's n_audio_ctx is 200). OpenAI's package is
imported from ../shared/reference/openai-whisper, relative to the repository.

The cache stores each clip as uint8 plus its maximum: whisper clamps the
log-mel to [max - 8, max] in log10 units, i.e. a range of exactly 2 after
(x + 4) / 4, so 255 steps of 2/255 cover it (the rounding, 0.004 at most, is
far below the augmentation noise; evaluation uses the same form).
"""
import os
import sys
import types

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHISPER_DIR = os.path.join(REPO, "..", "shared", "reference", "openai-whisper")

SAMPLE_RATE = 16000
CLIP_SECONDS = 4
CLIP_SAMPLES = SAMPLE_RATE * CLIP_SECONDS
N_MELS = 80
N_FRAMES = CLIP_SAMPLES // 160


def import_whisper():
    """OpenAI's whisper package from the reference folder (tiktoken stubbed: only the model and audio are used)."""
    if WHISPER_DIR not in sys.path:
        sys.path.insert(0, WHISPER_DIR)
    if "tiktoken" not in sys.modules:
        try:
            import tiktoken  # noqa: F401
        except ImportError:
            stub = types.ModuleType("tiktoken")
            stub.Encoding = object
            sys.modules["tiktoken"] = stub
    import whisper.audio
    import whisper.model
    return whisper


def log_mel(audio):
    """float32 16 kHz mono -> torch [80, 400] log-mel, as whisper computes it."""
    import torch
    whisper = import_whisper()
    x = whisper.audio.pad_or_trim(torch.as_tensor(np.asarray(audio, np.float32)), CLIP_SAMPLES)
    return whisper.audio.log_mel_spectrogram(x, N_MELS)


def log_mel_u8(audio):
    mel = log_mel(audio).numpy()
    top = float(mel.max())
    q = np.clip(np.round((mel - (top - 2.0)) * 127.5), 0, 255).astype(np.uint8)
    return q, top


def from_u8(q, top):
    """uint8 [..., 80, 400] and maxima [...] -> float32 log-mel."""
    return q.astype(np.float32) / 127.5 + (np.asarray(top, np.float32) - 2.0)[..., None, None]
