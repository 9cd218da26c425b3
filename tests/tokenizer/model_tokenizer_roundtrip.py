"""Tokenizers carried inside a model file, end to end: trains a small
SentencePiece unigram (source) and BPE (target) model with Debian's
python3-sentencepiece on multilingual text (corpus.py), writes a copy of the
Marian test model (../shared/data/ct2-families/marian, random weights) whose
source and target vocabularies are those pieces in a different order than
SentencePiece's (as real Marian vocabularies are), converts it with
`--source-tokenizer` / `--target-tokenizer`, and checks that
`xattn tokenize --model FILE --side S` gives sentencepiece's ids mapped by
string to the model's vocabulary, that `--decode` gives sentencepiece's
decode, that `xattn inspect` names both tokenizers, and that a tokenizer
with a piece the vocabulary lacks is refused with the piece's name; and
that `xattn translate` on plain text gives what `translate --pieces` on
sentencepiece's pieces gives, decoded by sentencepiece.

usage: model_tokenizer_roundtrip.py XATTN_CLI MARIAN_DIR WORK_DIR [--lines N]
Prints XATTN-SKIP (ctest: skipped) when sentencepiece or the data is missing.
"""
import json
import os
import re
import random
import shutil
import subprocess
import sys

import corpus

VOCAB_SIZE = 300  # the Marian test model's vocabulary


def run(cli, args, lines=None):
    text = "".join(line + "\n" for line in lines) if lines is not None else ""
    result = subprocess.run([cli] + args, input=text.encode("utf-8"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace"), result.returncode


def model_vocabulary(sp, seed):
    """Marian's layout: </s>, <unk>, then the pieces (shuffled), padded to the model's size."""
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    normal = [p for p in pieces if p not in ("<unk>", "<s>", "</s>")]
    random.Random(seed).shuffle(normal)
    vocab = ["</s>", "<unk>"] + normal
    assert len(vocab) <= VOCAB_SIZE, len(vocab)
    return vocab + ["<extra_%d>" % i for i in range(VOCAB_SIZE - len(vocab))]


def main():
    try:
        import sentencepiece as spm
    except ImportError:
        print("XATTN-SKIP: python3-sentencepiece is not installed (apt-get install python3-sentencepiece)")
        return 0
    cli, marian, work = sys.argv[1], sys.argv[2], sys.argv[3]
    lines_wanted = int(sys.argv[sys.argv.index("--lines") + 1]) if "--lines" in sys.argv else 1000
    if not os.path.exists(os.path.join(marian, "model.bin")):
        print("XATTN-SKIP: %s is missing" % marian)
        return 0
    os.makedirs(work, exist_ok=True)
    train, held = corpus.split(corpus.decorate(corpus.collect_lines()))
    if len(held) < lines_wanted or len(train) < 5000:
        print("XATTN-SKIP: too little translated text under /usr/share/locale (%d held-out lines)" % len(held))
        return 0
    held = held[:lines_wanted]
    # A 300-entry vocabulary holds no more than a Latin alphabet: train on
    # Latin-script lines; the held-out lines keep every script (unknown pieces).
    train = [line for line in train if all(ord(c) < 0x250 for c in line)]
    models = {}
    for side, options in (("source", dict(model_type="unigram", vocab_size=250)),
                          ("target", dict(model_type="bpe", vocab_size=250))):
        prefix = os.path.join(work, side)
        spm.SentencePieceTrainer.train(sentence_iterator=iter(train[:10000]), model_prefix=prefix, num_threads=1,
                                       character_coverage=0.98, hard_vocab_limit=False, minloglevel=2,
                                       normalization_rule_name="nmt_nfkc", **options)
        models[side] = spm.SentencePieceProcessor(model_file=prefix + ".model")
    model_dir = os.path.join(work, "marian")
    shutil.rmtree(model_dir, ignore_errors=True)
    os.makedirs(model_dir)
    for name in ("config.json", "model.bin"):
        shutil.copy(os.path.join(marian, name), os.path.join(model_dir, name))
    vocabs = {"source": model_vocabulary(models["source"], 1), "target": model_vocabulary(models["target"], 2)}
    for side in ("source", "target"):
        with open(os.path.join(model_dir, side + "_vocabulary.json"), "w", encoding="utf-8") as f:
            json.dump(vocabs[side], f, ensure_ascii=False)
    failures = 0
    xattn_file = os.path.join(work, "marian.xattn")
    out, err, code = run(cli, ["convert", "ct2", model_dir, "-o", xattn_file, "--source-tokenizer",
                               os.path.join(work, "source.model"), "--target-tokenizer",
                               "spm:" + os.path.join(work, "target.model")])
    if code != 0:
        print("convert failed: " + err)
        return 1
    out, err, code = run(cli, ["inspect", xattn_file])
    if code != 0 or "source: SentencePiece unigram" not in out or "target: SentencePiece BPE" not in out:
        print("inspect does not show both tokenizers:\n" + out + err)
        failures += 1
    # The arena grows by the source tokenizer's scratch for --max-text bytes
    # (tokenizer.h's formula for unigram: normalized text, 8-aligned, then 12
    # bytes per lattice node) and the ids (--max-source, default 64), each
    # region 64-aligned.
    out0, err0, code0 = run(cli, ["inspect", xattn_file])
    out, err, code = run(cli, ["inspect", xattn_file, "--max-text", "1000"])
    expansion = re.search(r"source: SentencePiece unigram.*expansion (\d+)", out)
    arena = [re.search(r"^arena +(\d+) bytes", o, re.M) for o in (out0, out)]
    r64, r8 = (lambda n: (n + 63) // 64 * 64), (lambda n: (n + 7) // 8 * 8)
    normalized = 1000 * int(expansion.group(1)) + 3 if expansion else 0
    scratch = r8(normalized) + 12 * (normalized + 1)
    if (code or code0 or not all(arena) or "text in %d for 1000 bytes" % (scratch + 64 * 4) not in out
            or int(arena[1].group(1)) - int(arena[0].group(1)) != r64(scratch) + r64(64 * 4)):
        print("inspect --max-text does not show the text scratch the planner must reserve:\n" + out0 + out + err)
        failures += 1
    for side in ("source", "target"):
        sp, index = models[side], {p: i for i, p in enumerate(vocabs[side])}
        expected = [[index[sp.id_to_piece(i)] for i in sp.encode(line)] for line in held]
        out, err, code = run(cli, ["tokenize", "--model", xattn_file, "--side", side], held)
        got = out.split("\n")[: len(held)]
        mismatches = [i for i in range(len(held)) if got[i] != " ".join(map(str, expected[i]))]
        decode_in = [" ".join(map(str, ids)) for ids in expected]
        out, err2, code2 = run(cli, ["tokenize", "--model", xattn_file, "--side", side, "--decode"], decode_in)
        decoded = out.split("\n")[: len(held)]
        decode_mismatches = [i for i in range(len(held)) if decoded[i] != sp.decode(sp.encode(held[i]))]
        print("%s side (%s): %d lines, %d id mismatches, %d decode mismatches" %
              (side, "unigram" if side == "source" else "BPE", len(held), len(mismatches), len(decode_mismatches)))
        for i in mismatches[:3]:
            print("  text: %r\n  expected: %s\n  got:      %s" % (held[i], expected[i], got[i]))
        for i in decode_mismatches[:3]:
            print("  expected: %r\n  got:      %r" % (sp.decode(sp.encode(held[i])), decoded[i]))
        failures += len(mismatches) + len(decode_mismatches) + (code != 0) + (code2 != 0)
        # SentencePiece's rule at the start of the text: lone "▁" pieces before
        # the first word (as a translation may begin) are dropped until text appears.
        space = sp.piece_to_id("\u2581")
        if space != sp.unk_id() and sp.id_to_piece(space) in index:
            starts = [[space] * (1 + i % 3) + sp.encode(held[i]) for i in range(50)]
            out, err3, code3 = run(cli, ["tokenize", "--model", xattn_file, "--side", side, "--decode"],
                                   [" ".join(str(index[sp.id_to_piece(t)]) for t in ids) for ids in starts])
            got_starts = out.split("\n")[:50]
            start_mismatches = [i for i in range(50) if got_starts[i] != sp.decode(starts[i])]
            print("%s side: 50 lines after 1-3 lone \"\u2581\" pieces, %d decode mismatches" % (side, len(start_mismatches)))
            for i in start_mismatches[:3]:
                print("  expected: %r\n  got:      %r" % (sp.decode(starts[i]), got_starts[i]))
            failures += len(start_mismatches) + (code3 != 0)
    # translate on plain text = translate --pieces on sentencepiece's pieces
    # plus </s>, its output pieces decoded by sentencepiece (tokens that are
    # no piece of the target model, the vocabulary's padding, left out).
    lines = held[:40]
    pieces_in = [" ".join(models["source"].encode(line, out_type=str) + ["</s>"]) for line in lines]
    common = ["translate", "--model", xattn_file, "--max-length", "16"]
    out, err, code = run(cli, common + ["--pieces"], pieces_in)
    piece_out = out.split("\n")[: len(lines)]
    out, err2, code2 = run(cli, common, lines)
    text_out = out.split("\n")[: len(lines)]
    target = models["target"]
    expected = [target.decode([target.piece_to_id(p) for p in line.split(" ")
                               if p and target.piece_to_id(p) != target.unk_id() or p == "<unk>"])
                for line in piece_out]
    translate_mismatches = [i for i in range(len(lines)) if text_out[i] != expected[i]]
    print("translate: %d lines, %d mismatches between text and pieces modes" % (len(lines), len(translate_mismatches)))
    for i in translate_mismatches[:3]:
        print("  pieces: %r\n  expected: %r\n  got:      %r" % (piece_out[i], expected[i], text_out[i]))
    failures += len(translate_mismatches) + (code != 0) + (code2 != 0) + (len(set(text_out)) < 2)
    # The target model's pieces are not all in the source vocabulary: refused, naming one.
    os.remove(os.path.join(model_dir, "target_vocabulary.json"))
    os.rename(os.path.join(model_dir, "source_vocabulary.json"), os.path.join(model_dir, "shared_vocabulary.json"))
    out, err, code = run(cli, ["convert", "ct2", model_dir, "-o", os.path.join(work, "bad.xattn"), "--tokenizer",
                               os.path.join(work, "target.model")])
    if code != 1 or "is not in the model vocabulary" not in err or "tokenizer piece '" not in err:
        print("a missing piece was not refused by name: status %d, %r" % (code, err))
        failures += 1
    print("FAILED: %d" % failures if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
