"""Where `xattn transcribe` hears a recording with a model of its own tokens: the Python twin of
the runtime's speech_window_start (runtime/include/xattn/audio.h), for PCM16 samples.

Block energies (sums of squares over 10 ms blocks, as integers), less twice the energy of the
quietest tenth of them (the noise floor); the 4 s window with the most of that energy, and of the
windows within 1% of it next to it, the one that starts the words 0.25 s in (or the first of them
if that is later); 0 when the recording's start is one of them and the choice is within 0.25 s of
it, or when nothing stands above the floor.
"""
import numpy as np

HOP = 160
WINDOW = 400 * HOP
LEAD = 4000


def start(pcm16, window=WINDOW, hop=HOP, lead=LEAD):
    """pcm16: int16 samples -> the first sample of the window the runtime hears."""
    x = np.asarray(pcm16, np.int64)
    if len(x) == 0:
        return 0
    n = (len(x) + hop - 1) // hop
    padded = np.zeros(n * hop, np.int64)
    padded[:len(x)] = x
    blocks = (padded.reshape(n, hop) ** 2).sum(1)
    noise = 2 * np.partition(blocks, n // 10)[n // 10]
    above = np.maximum(blocks - noise, 0)
    span = window // hop
    prefix = np.concatenate([[0], np.cumsum(above)])
    s = np.arange(n)
    energy = prefix[np.minimum(s + span, n)] - prefix[s]
    best = int(np.argmax(energy))  # the first of the loudest, as the runtime's sweep
    if energy[best] <= 0:
        return 0
    near = 0.99 * float(energy[best])
    first = last = best
    while first > 0 and float(energy[first - 1]) >= near:
        first -= 1
    while last + 1 < n and float(energy[last + 1]) >= near:
        last += 1
    lead_blocks = lead // hop
    chosen = last - lead_blocks if last > first + lead_blocks else first
    return 0 if first == 0 and chosen <= lead_blocks else chosen * hop
