"""Makes sure OpenBLAS runs its AVX2 or AVX-512 kernels on a CPU it does not know.

Debian's OpenBLAS (0.3.21) picks its kernels by CPU model number. On a model newer
than itself (an Intel Xeon of model 207 was one) it falls back to `Prescott`, its
SSE3 kernels: PyTorch's matrix products then run at a quarter of the speed
(25 against 103 GFLOPS single-threaded for a 1024 x 1024 product there) and a
training step takes twice as long. OPENBLAS_CORETYPE overrides the choice, but
only before the library loads, so a process that finds itself on a fallback core
starts itself again with it set.
"""
import ctypes
import os
import sys

# OpenBLAS cores that predate AVX2: where it lands on a CPU it does not recognize.
PRE_AVX2_CORES = {"Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Core2", "Penryn", "Dunnington",
                  "Nehalem", "Atom", "Sandybridge", "Athlon", "Opteron", "Opteron(SSE3)", "Barcelona", "Bobcat",
                  "Bulldozer", "Piledriver", "Steamroller", "Excavator"}
AVX512_FLAGS = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}


def loaded_core():
    """The core name of the OpenBLAS this process has loaded (None without one)."""
    try:
        name = ctypes.CDLL("libopenblas.so.0").openblas_get_corename
    except (OSError, AttributeError):
        return None
    name.restype = ctypes.c_char_p
    return name().decode()


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            return next((set(line.split(":", 1)[1].split()) for line in f if line.startswith("flags")), set())
    except OSError:
        return set()


def better_core(core, flags):
    """The core to ask for instead of `core` on a CPU with these flags (None: keep it)."""
    if core not in PRE_AVX2_CORES:
        return None
    if AVX512_FLAGS <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


def ensure_fast_blas():
    """Restarts this process with OPENBLAS_CORETYPE set when OpenBLAS fell back below the CPU's level.
    Call it after numpy or torch is imported, before any work; OPENBLAS_CORETYPE set by the user wins."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    core = loaded_core()
    better = better_core(core, cpu_flags())
    if better is None:
        return
    print("OpenBLAS does not know this CPU and chose its %s kernels; restarting with OPENBLAS_CORETYPE=%s" % (
        core, better), file=sys.stderr, flush=True)
    os.environ["OPENBLAS_CORETYPE"] = better
    os.execv(sys.executable, [sys.executable] + sys.argv)
