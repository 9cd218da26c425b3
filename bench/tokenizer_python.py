"""Python sentencepiece's encode time per line on the same file as
`xattn-bench --tokenizer spm:FILE --input FILE`, for comparison: median of
N passes over all lines (Debian's python3-sentencepiece).

usage: python3 bench/tokenizer_python.py MODEL.model LINES.txt [--passes N]
"""
import statistics
import sys
import time

import sentencepiece as spm


def main():
    model, path = sys.argv[1], sys.argv[2]
    passes = int(sys.argv[sys.argv.index("--passes") + 1]) if "--passes" in sys.argv else 10
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    sp = spm.SentencePieceProcessor(model_file=model)
    for line in lines[:100]:  # warm up
        sp.encode(line)
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        for line in lines:
            sp.encode(line)
        times.append((time.perf_counter() - start) / len(lines) * 1e6)
    print("python sentencepiece %s: %d lines, %.2f us per line (median of %d passes; min %.2f)" %
          (model, len(lines), statistics.median(times), passes, min(times)))


if __name__ == "__main__":
    main()
