"""A byte-level BPE reference written from the published algorithm (GPT-2's
pre-tokenizer pattern, run with the `regex` module; tiktoken's merge rule:
a pre-token that is a token is kept whole, otherwise repeatedly join the
adjacent pair whose concatenation has the lowest rank, leftmost first), and
the exactness test of `xattn tokenize --tiktoken` against it on Whisper's
rank files (multilingual.tiktoken, gpt2.tiktoken) over held-out multilingual
lines (corpus.py). Also checks that `--decode` gives the line back.

usage: byte_bpe_reference.py XATTN_CLI ASSETS_DIR [--lines N]
Prints XATTN-SKIP when the rank files, the regex module or the text are missing.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

import corpus

PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def load_ranks(path):
    ranks = {}
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
    return ranks


def merge(piece, ranks):
    parts = [piece[i:i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best = None
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, i)
        if best is None:
            break
        i = best[1]
        parts[i:i + 2] = [parts[i] + parts[i + 1]]
    return [ranks[p] for p in parts]


def encode(text, ranks, pattern):
    ids = []
    for piece in pattern.findall(text):
        data = piece.encode("utf-8")
        ids.extend([ranks[data]] if data in ranks else merge(data, ranks))
    return ids


def gpt2_byte_chars():
    """GPT-2's printable stand-in for each byte (vocab.json and merges.txt spell tokens with it)."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


def write_vocab_and_merges(ranks, directory):
    """vocab.json + merges.txt equivalent to a rank file: each multi-byte token's
    merge is the split the lower-ranked tokens produce for its bytes."""
    chars = gpt2_byte_chars()
    spell = lambda data: "".join(chars[b] for b in data)
    vocab = {spell(token): rank for token, rank in ranks.items() if token}
    merges = []
    for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
        if len(token) < 2:
            continue
        parts = [token[i:i + 1] for i in range(len(token))]
        while len(parts) > 2:
            best = None
            for i in range(len(parts) - 1):
                r = ranks.get(parts[i] + parts[i + 1])
                if r is not None and r < rank and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            i = best[1]
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        if len(parts) == 2:
            merges.append(spell(parts[0]) + " " + spell(parts[1]))
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    return len(merges)


def run_cli(cli, args, lines):
    text = "".join(line + "\n" for line in lines)
    result = subprocess.run([cli, "tokenize"] + args, input=text.encode("utf-8"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    if result.returncode != 0:
        sys.stderr.write(result.stderr.decode("utf-8", "replace")[:2000])
    return result.stdout.decode("utf-8", "replace").split("\n")[: len(lines)], result.returncode


def main():
    cli, assets = sys.argv[1], sys.argv[2]
    lines_wanted = int(sys.argv[sys.argv.index("--lines") + 1]) if "--lines" in sys.argv else 10000
    try:
        import regex
    except ImportError:
        print("XATTN-SKIP: the Python regex module is not installed (apt-get install python3-regex)")
        return 0
    files = [os.path.join(assets, name) for name in ("multilingual.tiktoken", "gpt2.tiktoken")]
    if not all(os.path.exists(f) for f in files):
        print("XATTN-SKIP: Whisper's rank files are absent from " + assets)
        return 0
    _, held = corpus.split(corpus.decorate(corpus.collect_lines()))
    if len(held) < lines_wanted:
        print("XATTN-SKIP: too little translated text under /usr/share/locale (%d lines)" % len(held))
        return 0
    # Lines whose pre-tokenization tests the rules' corners, then held-out text.
    lines = ["it's they're we've I'm you'll he'd 'S 'x ''s", "  a  b\t\tc ", "x   ", " 123 4,5 ½ ٣",
             "a\u3000\u3000b", "emoji \U0001F468\u200d\U0001F469\u200d\U0001F467!!", "?!... ---"] + held[:lines_wanted]
    pattern = regex.compile(PATTERN)
    failures = 0
    for path in files:
        ranks = load_ranks(path)
        expected = [encode(line, ranks, pattern) for line in lines]
        got, code = run_cli(cli, ["--tiktoken", path], lines)
        mismatches = [i for i in range(len(lines)) if got[i] != " ".join(map(str, expected[i]))]
        decoded, code2 = run_cli(cli, ["--tiktoken", path, "--decode"], [" ".join(map(str, e)) for e in expected])
        decode_mismatches = [i for i in range(len(lines)) if decoded[i] != lines[i]]
        print("%-22s %d lines: %d id mismatches, %d round-trip mismatches" %
              (os.path.basename(path), len(lines), len(mismatches), len(decode_mismatches)))
        for i in mismatches[:3]:
            print("  text:     %r\n  expected: %s\n  got:      %s" % (lines[i], expected[i], got[i]))
        for i in decode_mismatches[:3]:
            print("  text: %r\n  got:  %r" % (lines[i], decoded[i]))
        failures += len(mismatches) + len(decode_mismatches) + (code != 0) + (code2 != 0)
    # The same ranks as GPT-2/BART ship them: vocab.json + merges.txt (written
    # from gpt2.tiktoken) must give the same ids as the rank file.
    with tempfile.TemporaryDirectory() as directory:
        ranks = load_ranks(files[1])
        count = write_vocab_and_merges(ranks, directory)
        expected = [encode(line, ranks, pattern) for line in lines]
        got, code = run_cli(cli, ["--bpe", os.path.join(directory, "vocab.json"),
                                  os.path.join(directory, "merges.txt")], lines)
        mismatches = [i for i in range(len(lines)) if got[i] != " ".join(map(str, expected[i]))]
        print("%-22s %d lines: %d id mismatches (%d merges)" % ("gpt2 vocab+merges", len(lines), len(mismatches), count))
        for i in mismatches[:3]:
            print("  text:     %r\n  expected: %s\n  got:      %s" % (lines[i], expected[i], got[i]))
        failures += len(mismatches) + (code != 0)
    print("all rank files identical" if failures == 0 else "FAILED")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
