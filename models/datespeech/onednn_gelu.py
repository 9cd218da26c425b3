"""GELU through oneDNN for training, fed contiguous gradients.

Debian's torch 1.13 computes the exact (erf) GELU with oneDNN's kernel when oneDNN is enabled and
with ATen's own otherwise, and ATen's is slow in that build: in the encoder's MLP (16 clips x 200
positions x 512) it took 9-10 ms a call against about 1 ms (Intel Xeon model 207, one thread), and
GELU was a fifth of a training step. But oneDNN's backward, as ATen calls it, reads a
non-contiguous incoming gradient as if it were contiguous (a permuted gradient came back as zeros
on an AMD Zen 5), and Whisper's conv stem hands its last GELU exactly such a gradient; that
garbled the stem's weight gradients (onednn.py). `install()` replaces torch.nn.functional.gelu in
this process, which whisper's encoder (F.gelu) and its MLP (nn.GELU) both call, by a function that
runs oneDNN's forward and backward kernels on contiguous tensors. The model is unchanged; the
checkpoint is evaluated and converted with the stock function.
"""
import torch
import torch.nn.functional as F

_aten_gelu = F.gelu


class _OneDnnGelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with torch.backends.mkldnn.flags(enabled=True):
            return torch.ops.aten.gelu(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with torch.backends.mkldnn.flags(enabled=True):
            return torch.ops.aten.gelu_backward(grad.contiguous(), x)


def gelu(x, approximate="none"):
    # A torch built without oneDNN runs ATen's kernel under the same flag.
    if approximate != "none":
        return _aten_gelu(x, approximate=approximate)
    return _OneDnnGelu.apply(x)


def agrees_with_aten(tolerance=1e-5):
    """Whether this GELU, with oneDNN on, and ATen's, with it off, agree, values and gradients, on a
    spread of inputs and a non-contiguous gradient: a oneDNN that computes garbage on some CPU is
    caught before training."""
    x = torch.linspace(-12, 12, 4096).reshape(8, 512).requires_grad_()
    # Transposed, as Whisper's permute hands the conv stem's GELU its gradient.
    grad = torch.linspace(-1, 1, 4096).reshape(512, 8).t()
    with torch.backends.mkldnn.flags(enabled=False):
        want = _aten_gelu(x)
        (want_grad,) = torch.autograd.grad(want, x, grad)
    with torch.backends.mkldnn.flags(enabled=True):
        got = gelu(x)
        (got_grad,) = torch.autograd.grad(got, x, grad)
    return bool((got - want).abs().max() <= tolerance and (got_grad - want_grad).abs().max() <= tolerance)


def install():
    """Routes torch.nn.functional.gelu through oneDNN in this process if it agrees with ATen's;
    returns whether it does (otherwise ATen's GELU stays)."""
    if not agrees_with_aten():
        return False
    F.gelu = gelu
    return True
