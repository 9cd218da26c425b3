"""oneDNN for training: on for the whole step once it is shown to give PyTorch's own gradients.

Debian's torch 1.13 runs convolutions, GELU and bfloat16 products through oneDNN while
`torch.backends.mkldnn` is enabled. Its GELU backward reads a non-contiguous incoming gradient as
if it were contiguous: the gradient into the conv stem's last GELU arrives through Whisper's
`permute`, so with oneDNN on the stem's weight gradients came out as garbage (zeros, or 1e10, from
process to process) and training stalled. train.py then kept oneDNN off for everything, GELU
aside (onednn_gelu.py hands its kernels contiguous gradients), which ran the conv stem on
PyTorch's slower kernels (forward and backward of the first conv of 16 clips: 32 ms against 15 ms
through oneDNN on one Zen 5 thread) and left bfloat16 products to an ATen fallback that is slower
than float32.

`install()` routes GELU through onednn_gelu, then runs one forward and backward step of a small
Whisper with oneDNN on and off and keeps it on only if every gradient agrees: a oneDNN kernel that
computes garbage on some CPU, as the GELU backward did, is caught before training, not after an
hour of it.
"""
import copy

import torch
import torch.nn.functional as F

import onednn_gelu
from features import import_whisper


def _step_gradients(model, mel, tokens, enabled):
    model = copy.deepcopy(model)
    with torch.backends.mkldnn.flags(enabled=enabled):
        logits = model.decoder(tokens[:, :-1], model.encoder(mel))
        F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1)).backward()
    return [p.grad for p in model.parameters()]


def step_agrees(tolerance=1e-4):
    """Whether a training step of a small Whisper (conv stem, GELU, attention, MLP, both stacks)
    gives the same gradients with oneDNN on as with PyTorch's own kernels, each tensor within
    `tolerance` of its largest entry."""
    whisper = import_whisper()
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    dims = whisper.model.ModelDimensions(n_mels=80, n_audio_ctx=50, n_audio_state=64, n_audio_head=2,
                                         n_audio_layer=1, n_vocab=20, n_text_ctx=8, n_text_state=64,
                                         n_text_head=2, n_text_layer=1)
    model = whisper.model.Whisper(dims)
    with torch.no_grad():
        model.decoder.positional_embedding.normal_(0, 0.02)
    mel = torch.randn(3, 80, 100, generator=g)
    tokens = torch.randint(0, 20, (3, 8), generator=g)
    on = _step_gradients(model, mel, tokens, True)
    off = _step_gradients(model, mel, tokens, False)
    return all(float((a - b).abs().max()) <= tolerance * float(b.abs().max()) for a, b in zip(on, off))


def install():
    """Turns oneDNN on in this process if its GELU (through onednn_gelu) and a whole step agree with
    PyTorch's own kernels, and off otherwise; returns whether it is on. Call it before the model
    is built (forked workers inherit the choice)."""
    torch.backends.mkldnn.enabled = False
    if not torch.backends.mkldnn.is_available() or not onednn_gelu.install():
        return False
    torch.backends.mkldnn.enabled = step_agrees()
    return torch.backends.mkldnn.enabled
