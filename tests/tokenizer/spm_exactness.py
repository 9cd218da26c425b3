"""Exactness of xattn's SentencePiece tokenizers against Debian's
python3-sentencepiece: trains small unigram and BPE models (nmt_nfkc,
nmt_nfkc_cf, identity normalization, byte fallback, user-defined symbols) on
multilingual text (see corpus.py), then compares `xattn tokenize --spm` ids
with sentencepiece's on held-out lines, and `xattn tokenize --decode` text
with sentencepiece's decode of the same ids.

usage: spm_exactness.py XATTN_CLI WORK_DIR [--lines N] [--reuse (keep models already trained)]
Prints XATTN-SKIP (ctest: skipped) when sentencepiece or the text is missing.
"""
import os
import subprocess
import sys

import corpus

MODELS = [
    # name, trainer options
    ("unigram-nfkc", dict(model_type="unigram", vocab_size=8000, normalization_rule_name="nmt_nfkc")),
    ("unigram-identity-bytes", dict(model_type="unigram", vocab_size=4000, normalization_rule_name="identity",
                                    byte_fallback=True)),
    ("unigram-nfkc_cf-user", dict(model_type="unigram", vocab_size=6000, normalization_rule_name="nmt_nfkc_cf",
                                  user_defined_symbols=["<sep>", "%s", "http://", "\U0001F642", "..."])),
    ("unigram-nfkc-spaces-kept", dict(model_type="unigram", vocab_size=4000, normalization_rule_name="nmt_nfkc",
                                      add_dummy_prefix=False, remove_extra_whitespaces=False)),
    ("bpe-nfkc", dict(model_type="bpe", vocab_size=8000, normalization_rule_name="nmt_nfkc")),
    ("bpe-identity-bytes-user", dict(model_type="bpe", vocab_size=4000, normalization_rule_name="identity",
                                     byte_fallback=True, user_defined_symbols=["<sep>", "%s", "\U0001F642"])),
]


def run_cli(cli, args, lines):
    text = "".join(line + "\n" for line in lines)
    result = subprocess.run([cli, "tokenize"] + args, input=text.encode("utf-8"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    if result.returncode != 0:
        sys.stderr.write(result.stderr.decode("utf-8", "replace")[:2000])
    out = result.stdout.decode("utf-8", "replace").split("\n")
    return out[: len(lines)], result.returncode


def main():
    try:
        import sentencepiece as spm
    except ImportError:
        print("XATTN-SKIP: python3-sentencepiece is not installed (apt-get install python3-sentencepiece)")
        return 0
    cli, work = sys.argv[1], sys.argv[2]
    lines_wanted = int(sys.argv[sys.argv.index("--lines") + 1]) if "--lines" in sys.argv else 10000
    os.makedirs(work, exist_ok=True)
    lines = corpus.decorate(corpus.collect_lines())
    train, held = corpus.split(lines)
    if len(held) < lines_wanted or len(train) < 20000:
        print("XATTN-SKIP: too little translated text under /usr/share/locale (%d held-out lines)" % len(held))
        return 0
    # 20,000 training lines: vocabularies of 4,000-8,000 pieces still fill up,
    # and training the six models stays under a minute on one core.
    train, held = train[:20000], held[:lines_wanted]
    failures = 0
    for name, options in MODELS:
        prefix = os.path.join(work, name)
        if "--reuse" not in sys.argv or not os.path.exists(prefix + ".model"):
            spm.SentencePieceTrainer.train(sentence_iterator=iter(train), model_prefix=prefix, num_threads=1,
                                           character_coverage=0.9995, minloglevel=2, **options)
        sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
        expected = [sp.encode(line) for line in held]
        got, code = run_cli(cli, ["--spm", prefix + ".model"], held)
        mismatches = [i for i in range(len(held)) if got[i] != " ".join(map(str, expected[i]))]
        decode_in = [" ".join(map(str, ids)) for ids in expected]
        decoded, code2 = run_cli(cli, ["--spm", prefix + ".model", "--decode"], decode_in)
        decode_mismatches = [i for i in range(len(held)) if decoded[i] != sp.decode(expected[i])]
        pieces, code3 = run_cli(cli, ["--spm", prefix + ".model", "--pieces"], held)
        piece_mismatches = [i for i in range(len(held))
                            if pieces[i] != " ".join(sp.id_to_piece(id) for id in expected[i])]
        print("%-26s %d lines: %d id mismatches, %d decode mismatches, %d piece mismatches" %
              (name, len(held), len(mismatches), len(decode_mismatches), len(piece_mismatches)))
        for i in mismatches[:3]:
            print("  text:     %r\n  expected: %s\n  got:      %s" % (held[i], expected[i], got[i]))
        for i in decode_mismatches[:3]:
            print("  ids: %s\n  expected: %r\n  got:      %r" % (expected[i], sp.decode(expected[i]), decoded[i]))
        failures += len(mismatches) + len(decode_mismatches) + len(piece_mismatches) + (code != 0) + (code2 != 0) + (code3 != 0)
    # Invalid UTF-8 is a one-line error naming the line, and the next line still encodes.
    result = subprocess.run([cli, "tokenize", "--spm", prefix + ".model"], input=b"ok\n\xff\xfe\nok\n",
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    outputs = result.stdout.decode().split("\n")
    if result.returncode != 1 or b"line 2: tokenizer: invalid UTF-8 at byte 0" not in result.stderr or \
            outputs[0] != outputs[2] or outputs[1] != "":
        print("invalid UTF-8: expected exit 1, an error for line 2 and the other lines encoded; got %d, %r, %r" %
              (result.returncode, result.stderr, outputs))
        failures += 1
    print("all models identical" if failures == 0 else "FAILED")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
