"""Exports a trained checkpoint to the committed files and measures xattn against PyTorch on the held-out set.

    /usr/bin/python3 models/datespeech/export.py --data /tmp/datespeech --xattn build/ports/posix/xattn

1. copies DATA/datespeech.pt to models/datespeech/datespeech.pt (OpenAI's checkpoint layout);
2. converts it with whisper.cpp's convert-pt-to-ggml.py (../shared/reference, float32) and then
   `xattn convert ggml --vocabulary vocabulary.txt` into datespeech-int8.xattn (committed) and a
   float32 file (in DATA, for the comparison);
3. runs PyTorch's decoding under the date rule (the beam search of 4, beam_search.py, as `xattn
   transcribe` decodes; --beam 1: greedy) and `xattn transcribe --features` with both files on every
   held-out clip (the cached log-mel,
   written as float32) and on the seen-voice clips, and writes DATA/parity.json: how many
   outputs agree, per model, and the exact-match accuracy of each.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import beam_search  # noqa: E402
import evaluate  # noqa: E402
import train  # noqa: E402
from features import WHISPER_DIR, from_u8  # noqa: E402

CONVERTER = os.path.join(WHISPER_DIR, "..", "whisper.cpp", "models", "convert-pt-to-ggml.py")


def convert(xattn, checkpoint, work):
    subprocess.run([sys.executable, CONVERTER, checkpoint, WHISPER_DIR, work, "use-f32"], check=True,
                   stdout=subprocess.DEVNULL)
    ggml = os.path.join(work, "ggml-model-f32.bin")
    vocab = os.path.join(HERE, "vocabulary.txt")
    out = {}
    for weights in ("int8", "f32"):
        path = os.path.join(HERE, "datespeech-int8.xattn") if weights == "int8" else os.path.join(work, "datespeech-f32.xattn")
        subprocess.run([xattn, "convert", "ggml", ggml, "--vocabulary", vocab, "--weights", weights, "-o", path],
                       check=True, stdout=subprocess.DEVNULL)
        out[weights] = path
    return out


def mel_path(work, i):
    """Where xattn_outputs writes clip i's log-mel (raw float32) in `work`."""
    return os.path.join(work, "mel-%05d.f32" % i)


def xattn_outputs(xattn, model, mels, work, beam, batch=400):
    """`xattn transcribe --features --beam N` on each [80, 400] log-mel; one line per clip."""
    lines = []
    for start in range(0, len(mels), batch):
        args = [xattn, "transcribe", "--model", model, "--frames", str(mels.shape[-1]), "--beam", str(beam)]
        for i in range(start, min(start + batch, len(mels))):
            path = mel_path(work, i)
            if not os.path.exists(path):
                mels[i].astype("<f4").tofile(path)
            args += ["--features", path]
        lines += subprocess.run(args, check=True, capture_output=True, text=True).stdout.split("\n")[:-1]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/datespeech")
    ap.add_argument("--xattn", required=True, help="the xattn tool (a build of this repository)")
    ap.add_argument("--checkpoint", default=None, help="default: DATA/datespeech.pt")
    ap.add_argument("--beam", type=int, default=beam_search.DATE_RULE_BEAM,
                    help="the decoding compared: 1 greedy, else the date-rule beam search")
    args = ap.parse_args()
    torch.set_num_threads(1)
    checkpoint = args.checkpoint or os.path.join(args.data, "datespeech.pt")
    if not os.path.exists(checkpoint):
        sys.exit("no checkpoint at %s: train one (train.py) or pass --checkpoint" % checkpoint)
    committed = os.path.join(HERE, "datespeech.pt")
    if not (os.path.exists(committed) and os.path.samefile(checkpoint, committed)):  # re-measuring the committed one
        shutil.copyfile(checkpoint, committed)
    work = tempfile.mkdtemp(prefix="datespeech-export-", dir=args.data)
    files = convert(args.xattn, os.path.join(HERE, "datespeech.pt"), work)
    model = evaluate.load_model(os.path.join(HERE, "datespeech.pt"))
    report = {"int8_bytes": os.path.getsize(files["int8"])}
    for split in ("heldout", "seen"):
        feats, bank = train.load_split(args.data, split)
        mels = from_u8(feats["mel"], feats["top"])
        want = bank["iso"][feats["sentence"]]
        torch_out = train.decode(model, torch.from_numpy(mels), args.beam)
        row = {"clips": len(mels), "pytorch_right": int(sum(g == w for g, w in zip(torch_out, want)))}
        for weights, path in files.items():
            folder = os.path.join(work, split)
            os.makedirs(folder, exist_ok=True)
            got = xattn_outputs(args.xattn, path, mels, folder, args.beam)
            row[weights + "_same_as_pytorch"] = int(sum(a == b for a, b in zip(got, torch_out)))
            row[weights + "_right"] = int(sum(g == w for g, w in zip(got, want)))
        report[split] = row
        print(split, row, flush=True)
    with open(os.path.join(args.data, "parity.json"), "w") as f:
        json.dump(report, f, indent=1)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
