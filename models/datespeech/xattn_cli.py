"""`xattn transcribe` on recordings written as 16 kHz WAV files: the dates a user's recordings would give (the
CLI chooses where its window starts, and hears words longer than it faster). The measurement scripts'
one way of asking the runtime."""
import os
import subprocess

from make_data import write_wav


def xattn_dates(xattn, model, recordings, folder, batch=200):
    """One line of `xattn transcribe --model MODEL` per recording (float32 audio at 16 kHz), in order; the
    WAV files go to `folder`, `batch` of them per run of the tool. Stops on the tool's failure."""
    paths = []
    for k, x in enumerate(recordings):
        paths.append(os.path.join(folder, "%04d.wav" % k))
        write_wav(paths[-1], x)
    out = []
    for first in range(0, len(paths), batch):
        part = paths[first:first + batch]
        run = subprocess.run([xattn, "transcribe", "--model", model, "--min-confidence", "0"] + part,
                             check=True, capture_output=True, text=True)
        out += run.stdout.split("\n")[:len(part)]
    return out
