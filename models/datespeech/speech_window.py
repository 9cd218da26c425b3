"""Where `xattn transcribe` hears a recording with a model of its own tokens: the Python twin of
the runtime's speech_window_start and speech_window (runtime/include/xattn/audio.h), for PCM16
samples, and of its stretched log-mel (log_mel_spectrogram_stretched).

Block energies (sums of squares over 10 ms blocks, as integers), less twice the energy of the
quietest tenth of them (the noise floor); the 4 s window with the most of that energy, and of the
windows within 1% of it next to it, the one that starts the words 0.25 s in (or the first of them
if that is later); 0 when the recording's start is one of them and the choice is within 0.25 s of
it, or when nothing stands above the floor.

window(): when the recording is longer than the window and its words (their core from where the
energy above the floor, summed, passes 2% of its total to where it reaches 98%, with 0.15 s before
and 0.3 s after) do not fit in it less the 0.25 s lead and a 0.15 s tail, they are heard faster,
in thousandths rounded up, at most 2x, the lead before them; stretched_log_mel() reads frame j at
source frame j * stretch / 1000, linearly between frames.
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


TAIL = 2400
MAX_STRETCH = 2000
CORE = (0.02, 0.98)        # the words' core: where the energy above the floor passes 2% and reaches 98%
MARGINS = (0.15, 0.3)      # seconds added before and after the core (quiet onsets, a final "s")


def _above_floor(x, hop):
    n = (len(x) + hop - 1) // hop
    padded = np.zeros(n * hop, np.int64)
    padded[:len(x)] = x
    blocks = (padded.reshape(n, hop) ** 2).sum(1)
    noise = 2 * np.partition(blocks, n // 10)[n // 10]
    return np.maximum(blocks - noise, 0)


def words_span(pcm16, hop=HOP, core=CORE, margins=MARGINS):
    """Blocks [first, last) that hold the words, as the runtime's words_span finds them; (0, 0) when
    nothing stands above the floor."""
    above = _above_floor(np.asarray(pcm16, np.int64), hop)
    total = int(above.sum())
    if total <= 0:
        return 0, 0
    cumulative = np.cumsum(above)
    first = int(np.argmax(cumulative.astype(np.float64) > core[0] * float(total)))
    last = int(np.argmax(cumulative.astype(np.float64) >= core[1] * float(total))) + 1
    before, after = int(round(margins[0] * 16000)) // hop, int(round(margins[1] * 16000)) // hop  # 15, 30 blocks
    return max(0, first - before), min(len(above), last + after)


def window(pcm16, window=WINDOW, hop=HOP, lead=LEAD, tail=TAIL, **span_args):
    """(first sample, stretch in thousandths) of the runtime's speech_window: start() and 1000 when the
    recording fits the window or its words fit with the lead and tail; else the words heard faster."""
    x = np.asarray(pcm16, np.int64)
    begin = start(x, window, hop, lead)
    if len(x) <= window or window <= lead + tail:
        return begin, 1000
    first, last = words_span(x, hop, **span_args)
    words, room = (last - first) * hop, window - lead - tail
    if words <= room:
        return begin, 1000
    stretch = min((words * 1000 + room - 1) // room, MAX_STRETCH)
    lead_in, at = lead * stretch // 1000, first * hop
    return (at - lead_in if at > lead_in else 0), stretch


def heard_log_mel(whisper, x, pcm16, log_mel):
    """The log-mel `xattn transcribe` makes of a recording (x: float samples, pcm16: the same as PCM16): from
    where window() places it, at its own pace through log_mel (the model's front end), or heard faster."""
    begin, stretch = window(pcm16)
    if stretch == 1000:
        return log_mel(x[begin:].astype(np.float32))
    return stretched_log_mel(whisper, pcm16[begin:].astype(np.float32) / 32768.0, WINDOW // HOP, stretch)


def stretched_log_mel(whisper, audio, frames, stretch):
    """The runtime's log_mel_spectrogram_stretched: whisper's log10 mel of `audio` (float32, 16 kHz, padded
    with 30 s of zeros), frame j read at j * stretch / 1000 (linear between frames: ((1000 - part) a + part b) / 1000
    in float64, then float32),
    then whisper's clamp to the maximum of these frames less 8 and (x + 4) / 4."""
    import torch
    padded = torch.nn.functional.pad(torch.as_tensor(audio, dtype=torch.float32), (0, 30 * 16000))
    stft = torch.stft(padded, 400, 160, window=torch.hann_window(400), return_complex=True)
    power = stft[..., :-1].abs() ** 2
    filters = whisper.audio.mel_filters(power.device, 80)
    log_spec = torch.clamp(filters @ power, min=1e-10).log10().numpy().astype(np.float64)
    at = np.arange(frames, dtype=np.int64) * stretch
    lo, part = at // 1000, (at % 1000).astype(np.float64)
    # The runtime's arithmetic: both products exact in float64, one rounding of their sum, then / 1000.
    mixed = (((1000.0 - part) * log_spec[:, lo] + part * log_spec[:, lo + 1]) / 1000.0).astype(np.float32)
    mixed = np.maximum(mixed, mixed.max() - 8.0)
    return torch.from_numpy((mixed + 4.0) / 4.0)
