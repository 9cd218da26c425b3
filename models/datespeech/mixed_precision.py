"""bfloat16 matrix products for training, on CPUs that multiply bfloat16 in hardware.

A training step is mostly matrix products, and on a CPU with AVX512-BF16 (AMD Zen 4 and 5, Intel
Cooper Lake and later) oneDNN multiplies bfloat16 several times as fast as OpenBLAS multiplies
float32 (a 3,200 x 128 x 512 product on one Zen 5 thread: 425 against 94 GFLOPS). With
`--precision bf16` the forward pass runs under torch.autocast: products and convolutions in
bfloat16 through oneDNN (which onednn.install() must have turned on), weights, norms, softmax and
losses in float32, and the backward pass follows it. The model and its checkpoint are float32 as
before; only the training's arithmetic changes. Without bfloat16 in the CPU, oneDNN would emulate
it and torch's own fallback is slower than float32, so `available()` says no there.
"""
import torch
import torch.nn.functional as F

import blas_core

# /proc/cpuinfo flags of bfloat16 dot products in hardware.
NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


def cpu_has_native_bf16(flags=None):
    return bool(NATIVE_BF16_FLAGS & (blas_core.cpu_flags() if flags is None else flags))


def agrees_with_float(tolerance=1e-2):
    """Whether a linear layer under bfloat16 autocast gives its output and its gradients within
    `tolerance` (relative to the largest entry) of float64 on the same bfloat16-rounded numbers:
    bfloat16 keeps 8 bits, so a right kernel is within 0.4%; garbage is caught before training."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(48, 128, generator=g).bfloat16().float().requires_grad_()
    w = torch.randn(96, 128, generator=g).bfloat16().float().requires_grad_()
    up = torch.randn(48, 96, generator=g).bfloat16().float()
    with autocast(True):
        y = F.linear(x, w)
    got = [y.float()] + list(torch.autograd.grad(y, (x, w), up))
    x64, w64 = x.detach().double().requires_grad_(), w.detach().double().requires_grad_()
    y64 = F.linear(x64, w64)
    want = [y64] + list(torch.autograd.grad(y64, (x64, w64), up.double()))
    return all(float((a.double() - b).abs().max()) <= tolerance * float(b.abs().max()) for a, b in zip(got, want))


def available():
    """Whether bfloat16 training is fast and right here: oneDNN on (onednn.install()), bfloat16
    arithmetic in the CPU, and the products agreeing with float64."""
    return torch.backends.mkldnn.enabled and cpu_has_native_bf16() and agrees_with_float()


def autocast(enabled):
    """The context a training forward pass runs in: bfloat16 products when enabled, else nothing."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)
