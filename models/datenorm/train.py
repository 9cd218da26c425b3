"""Trains the date normalizer, exports it to xattn, and writes the test references.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 models/datenorm/train.py \\
        --xattn build/ports/posix/xattn

Writes, in models/datenorm/ (--out):
  datenorm-int8.xattn, datenorm-f32.xattn   the model (via `xattn convert ct2 --text characters`)
  source_vocabulary.txt, target_vocabulary.txt
  heldout.tsv      the held-out set (input TAB expected), regenerated from the seed
  parity.txt       PyTorch greedy outputs and logits of every decoding step, for tests/test_datenorm.cpp
  manifest.json    how the model was made: command, seed, sizes, accuracies
and the CTranslate2 intermediate (model.bin, vocabularies, config.json) in --ct2-dir.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dates  # noqa: E402
from model import (BOS, EOS, PAD, SOURCE_VOCAB, TARGET_VOCAB, DateNormalizer, decode_target,  # noqa: E402
                   encode_source, encode_target, write_ct2_model_bin)

HELDOUT_SEED_OFFSET = 1000  # the held-out stream is seeded with seed + this

# Parity inputs: the README's examples and a few harder ones.
PARITY_INPUTS = ["sat 23 nov 2026", "Saturday, 23 November 2026", "November 23rd, 2026", "nov 23, 2026",
                 "23rd november 2026", "23/11/26", "20261123", "1 jan 1950", "31.12.2049", "29 Feb 2000",
                 "THU, 4 JULY '76", "the 2nd of march, 49", "2026-11-23", "Mon 7/6/99", "sept 9 1999",
                 "12 Oct 50", "nov 23 \u201926", "23 nov 2026 \u00e9"]


def batch_tensors(pairs):
    src = [encode_source(s) for s, _ in pairs]
    width = max(len(s) for s in src)
    src = torch.tensor([s + [PAD] * (width - len(s)) for s in src])
    tgt = torch.tensor([encode_target(t) + [EOS] for _, t in pairs])
    return src, tgt


def accuracy(model, pairs, batch=500):
    model.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, len(pairs), batch):
            chunk = pairs[i:i + batch]
            src, _ = batch_tensors(chunk)
            out = model.greedy(src)
            right += sum(until_eos(row) == t for row, (_, t) in zip(out, chunk))
    model.train()
    return right / len(pairs)


def until_eos(row):
    ids = row.tolist()
    return decode_target(ids[:ids.index(EOS)] if EOS in ids else ids)


def train(args, heldout):
    torch.manual_seed(args.seed)
    model = DateNormalizer(args.d_model, args.heads, args.ffn, args.encoder_layers, args.decoder_layers)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    rng = random.Random(args.seed)
    exclude = {s for s, _ in heldout}
    start = time.time()
    for step in range(1, args.steps + 1):
        lr = args.lr * min(1.0, step / args.warmup) * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        for group in optimizer.param_groups:
            group["lr"] = lr
        pairs = []
        while len(pairs) < args.batch:
            example = dates.make_example(rng)
            if example[0] not in exclude:
                pairs.append(example)
        src, tgt = batch_tensors(pairs)
        tgt_in = torch.cat([torch.full((tgt.shape[0], 1), BOS), tgt[:, :-1]], dim=1)
        logits = model(src, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % args.report == 0 or step == args.steps:
            print("step %5d  loss %.4f  lr %.5f  held-out[:500] %.3f  %.0f s" %
                  (step, loss.item(), lr, accuracy(model, heldout[:500]), time.time() - start), flush=True)
    return model, time.time() - start


def write_parity(model, path):
    """Per input: its greedy output, then the logits of each decoding step (teacher-forced on that output)."""
    model.eval()
    lines = ["# PyTorch reference for tests/test_datenorm.cpp: 'case' TAB input TAB greedy output,",
             "# then one line of %d logits per decoding step (the output's characters, then </s>)." %
             len(TARGET_VOCAB)]
    with torch.no_grad():
        for text in PARITY_INPUTS:
            src = torch.tensor([encode_source(text)])
            out = model.greedy(src)[0].tolist()
            steps = out[:out.index(EOS) + 1] if EOS in out else out
            logits = model(src, torch.tensor([[BOS] + steps[:-1]]))[0]
            lines.append("case\t%s\t%s" % (text, decode_target(steps)))
            lines.extend(" ".join("%.9g" % x for x in row.tolist()) for row in logits)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def sharpest_layer(model, pairs):
    """The decoder layer whose head-averaged cross-attention peaks highest: the alignment xattn reports."""
    model.eval()
    with torch.no_grad():
        src, tgt = batch_tensors(pairs)
        memory, pad = model.encode(src)
        tgt_in = torch.cat([torch.full((tgt.shape[0], 1), BOS), tgt[:, :-1]], dim=1)
        cross = model.decode(tgt_in, memory, pad)[1]
        peaks = [w.mean(dim=1).max(dim=-1).values.mean().item() for w in cross]
    print("mean peak of the head-averaged cross-attention per decoder layer:", ["%.3f" % p for p in peaks])
    return max(range(len(peaks)), key=lambda i: peaks[i])


def write_ct2_dir(model, directory, alignment_layer):
    os.makedirs(directory, exist_ok=True)
    write_ct2_model_bin(model, os.path.join(directory, "model.bin"), alignment_layer)
    for name, vocab in (("source_vocabulary.txt", SOURCE_VOCAB), ("target_vocabulary.txt", TARGET_VOCAB)):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write("".join(token + "\n" for token in vocab))
    with open(os.path.join(directory, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>", "decoder_start_token": "<s>",
                   "add_source_bos": False, "add_source_eos": False, "layer_norm_epsilon": 1e-5}, f, indent=1)


def xattn_accuracy(xattn, model_file, heldout):
    inputs = "".join(s + "\n" for s, _ in heldout)
    run = subprocess.run([xattn, "translate", "--model", model_file], input=inputs, capture_output=True,
                         encoding="utf-8", check=True)
    outputs = run.stdout.split("\n")
    return sum(o == t for o, (_, t) in zip(outputs, heldout)) / len(heldout)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=128)
    p.add_argument("--encoder-layers", type=int, default=2)
    p.add_argument("--decoder-layers", type=int, default=2)
    p.add_argument("--heldout", type=int, default=2000)
    p.add_argument("--report", type=int, default=250)
    p.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    p.add_argument("--ct2-dir", default="/tmp/datenorm-ct2")
    p.add_argument("--load", help="a checkpoint (CT2_DIR/datenorm.pt) to export instead of training")
    p.add_argument("--xattn", help="the xattn tool: convert to .xattn files and measure their accuracy")
    args = p.parse_args()
    torch.set_num_threads(1)

    heldout = dates.make_set(args.seed + HELDOUT_SEED_OFFSET, args.heldout)
    checkpoint = os.path.join(args.ct2_dir, "datenorm.pt")
    if args.load:  # re-export a trained model without training again
        model = DateNormalizer(args.d_model, args.heads, args.ffn, args.encoder_layers, args.decoder_layers)
        model.load_state_dict(torch.load(args.load))
        seconds = json.load(open(os.path.join(args.out, "manifest.json")))["training"]["seconds"]
    else:
        model, seconds = train(args, heldout)
        os.makedirs(args.ct2_dir, exist_ok=True)
        torch.save(model.state_dict(), checkpoint)
    torch_accuracy = accuracy(model, heldout)
    print("PyTorch fp32 held-out exact match: %.4f (%d inputs), trained in %.0f s" %
          (torch_accuracy, len(heldout), seconds))

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "heldout.tsv"), "w", encoding="utf-8") as f:
        f.write("".join("%s\t%s\n" % pair for pair in heldout))
    write_parity(model, os.path.join(args.out, "parity.txt"))
    alignment_layer = sharpest_layer(model, heldout[:200])
    write_ct2_dir(model, args.ct2_dir, alignment_layer)
    for name in ("source_vocabulary.txt", "target_vocabulary.txt"):
        with open(os.path.join(args.ct2_dir, name), encoding="utf-8") as src, \
                open(os.path.join(args.out, name), "w", encoding="utf-8") as dst:
            dst.write(src.read())

    manifest = {
        "model": "datenorm: free-form English dates -> ISO 8601, character level",
        "command": "OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 models/datenorm/train.py " +
                   " ".join(a for a in sys.argv[1:] if not a.endswith(".pt") and a != "--load"),
        "torch": torch.__version__, "seed": args.seed,
        "architecture": {"d_model": args.d_model, "heads": args.heads, "ffn": args.ffn,
                         "encoder_layers": args.encoder_layers, "decoder_layers": args.decoder_layers,
                         "parameters": sum(t.numel() for t in model.parameters()),
                         "source_vocab": len(SOURCE_VOCAB), "target_vocab": len(TARGET_VOCAB),
                         "alignment_layer": alignment_layer},
        "training": {"steps": args.steps, "batch": args.batch, "examples_seen": args.steps * args.batch,
                     "lr": args.lr, "warmup": args.warmup, "schedule": "linear warmup, cosine decay",
                     "optimizer": "AdamW(0.9, 0.98), weight decay 0.01, clip 1.0", "seconds": round(seconds)},
        "heldout": {"size": len(heldout), "seed": args.seed + HELDOUT_SEED_OFFSET,
                    "excluded_from_training": True},
        "accuracy": {"pytorch_fp32": torch_accuracy},
    }
    if args.xattn:
        for weights in ("f32", "int8"):
            target = os.path.join(args.out, "datenorm-%s.xattn" % weights)
            subprocess.run([args.xattn, "convert", "ct2", args.ct2_dir, "-o", target, "--weights", weights,
                            "--text", "characters"], check=True)
            manifest["accuracy"]["xattn_" + weights] = xattn_accuracy(args.xattn, target, heldout)
            manifest[weights + "_bytes"] = os.path.getsize(target)
    print(json.dumps(manifest["accuracy"]))
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
