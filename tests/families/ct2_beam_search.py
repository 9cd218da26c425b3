#!/usr/bin/env python3
"""CTranslate2's beam search (src/decoding.cc BeamSearch::search) over the NumPy oracle.

Rules reproduced: the first step expands the single start beam; each step takes
the top 2 x beam candidates over beam x vocabulary of cumulative log-probs;
while a target prefix is forced every candidate becomes the prefix token with
score 0 for the first and -1e10 for the others (all from beam 0), and at the
first free step an end token on any candidate but the first becomes id 0 with
-1e10; a candidate among the first `beam` that is the end token (or any on the
last step) is registered as a hypothesis and replaced by the next non-end
secondary candidate; decoding stops when `beam` hypotheses are registered
(patience 1, length penalty != 0) or at the length limit; the best of score /
N^length_penalty wins (N counts the end token and the returned prefix).

Usage: ct2_beam_search.py FAMILY_DIR GOLDEN(fp32-beam4|fp32-beam4-lp06) LENGTH_PENALTY [--limit N]
"""
import argparse
import os
import sys

import numpy as np

import ct2_numpy_forward as oracle


def beam_search(model, source_tokens, prefix_tokens, beam=4, length_penalty=1.0, max_length=40,
                min_length=1):
    unk = model.target_ids[model.config.get("unk_token", "<unk>")]
    start = model.config.get("decoder_start_token")
    ids = [model.target_ids.get(t, unk) for t in ([start] if start is not None else []) + list(prefix_tokens)]
    start_id, prefix = ids[0], ids[1:]
    eos = model.target_ids[model.config.get("eos_token", "</s>")]
    src = [model.source_ids.get(t, model.source_ids[model.config.get("unk_token", "<unk>")])
           for t in source_tokens]
    memory = model.encoder(np.array(src))
    cross = [{} for _ in model.decoder.layers]
    # Active beams: (token to feed, cumulative score, sequence so far, self-attention caches).
    beams = [(start_id, np.float32(0), [], [{} for _ in model.decoder.layers])]
    hypotheses = []
    candidates = 2 * beam
    for step in range(max_length):
        rows, caches = [], []
        for token, score, _, self_caches in beams:
            layer_caches = [{"self": dict(s), "cross": c} for s, c in zip(self_caches, cross)]
            logits = model.decoder.step(token, step, memory, layer_caches)
            if step < min_length:
                logits[eos] = -np.inf
            shifted = logits - logits.max()
            log_probs = shifted - np.float32(np.log(np.sum(np.exp(shifted.astype(np.float64)))))
            rows.append((log_probs + score).astype(np.float32))
            caches.append([c["self"] for c in layer_caches])
        flat = np.concatenate(rows)
        order = np.argsort(-flat, kind="stable")[:candidates]
        vocab = rows[0].size
        picked = [[int(i // vocab), int(i % vocab), flat[i]] for i in order]
        if step < len(prefix):
            picked = [[0, prefix[step], np.float32(0 if k == 0 else -1e10)] for k in range(candidates)]
        elif step == len(prefix) and prefix:
            for k in range(1, candidates):
                if picked[k][1] == eos:
                    picked[k][1], picked[k][2] = 0, np.float32(-1e10)
        last = step + 1 == max_length
        next_beams, secondary = [], beam
        for k in range(beam):
            origin, token, score = picked[k]
            if (token == eos and step >= len(prefix)) or last:
                hypotheses.append((score, beams[origin][2] + [token]))
                for j in range(secondary, candidates):
                    if picked[j][1] != eos:
                        origin, token, score = picked[j]
                        secondary = j + 1
                        break
            next_beams.append((token, score, beams[origin][2] + [token], caches[origin]))
        if last or len(hypotheses) >= beam:
            break
        beams = next_beams
    best = max(hypotheses, key=lambda h: h[0] / len(h[1]) ** length_penalty)
    tokens = best[1][:-1] if best[1] and best[1][-1] == eos else best[1]
    return [model.target_vocab[i] for i in tokens], float(best[0] / len(best[1]) ** length_penalty)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("family_dir")
    parser.add_argument("golden")
    parser.add_argument("length_penalty", type=float)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    model = oracle.Model(os.path.join(args.family_dir, "model-f32"))
    sources = [line.split() for line in oracle.read_lines(os.path.join(args.family_dir, "inputs.txt"))]
    prefix_path = os.path.join(args.family_dir, "target_prefix.txt")
    prefixes = ([line.split() for line in oracle.read_lines(prefix_path)] if os.path.exists(prefix_path)
                else [[]] * len(sources))
    golden = oracle.read_lines(os.path.join(args.family_dir, args.golden + ".txt"))
    n_lines = args.limit or len(sources)
    same, worst = 0, 0.0
    for n in range(n_lines):
        tokens, score = beam_search(model, sources[n], prefixes[n], length_penalty=args.length_penalty)
        want, want_score = golden[n].split("\t")[0].split(), float(golden[n].split("\t")[1])
        if tokens == want:
            same += 1
            worst = max(worst, abs(score - want_score))
        else:
            print("line %d differs:\n  got  %s %.6f\n  want %s %.6f" % (n, " ".join(tokens), score,
                                                                      " ".join(want), want_score))
    print("%s %s: identical %d / %d, max score diff %.3g" % (args.family_dir, args.golden, same, n_lines, worst))
    return 0 if same == n_lines else 1


if __name__ == "__main__":
    sys.exit(main())
