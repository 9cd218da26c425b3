#!/usr/bin/env python3
"""Checks that Whisper's decoder is the generic Transformer decoder of ct2_numpy_forward.py.

Runs CTranslate2's Whisper decoder rules on the encoder output CTranslate2
wrote for mel-000 (whisper/encoder-out-000.f32) and compares with line 0 of
fp32-greedy.txt: the prompt is fed as decoder steps 0..3, `suppress_ids` are
set to -inf at every step and `suppress_ids_begin` at the first generated
step (before log_softmax), at most 40 tokens are generated, and the score is
the sum of log-probabilities (end token included) over the number of
generated tokens (end token not counted).

Usage: whisper_decoder_check.py WHISPER_FAMILY_DIR
"""
import json
import os
import sys

import numpy as np

import ct2_numpy_forward as oracle
from ct2_model_dir import Weights, read_model_bin

PROMPT = ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]


def main(folder):
    model_dir = os.path.join(folder, "model-f32")
    _, _, variables, aliases = read_model_bin(os.path.join(model_dir, "model.bin"))
    config = json.load(open(os.path.join(model_dir, "config.json")))
    vocabulary = json.load(open(os.path.join(model_dir, "vocabulary.json")))
    decoder = oracle.Decoder(Weights(variables, aliases), config.get("layer_norm_epsilon"))
    d_model = decoder.embeddings.shape[1]
    memory = np.fromfile(os.path.join(folder, "encoder-out-000.f32"), "<f4").reshape(-1, d_model)
    prompt = [vocabulary.index(token) for token in PROMPT]
    eos = vocabulary.index("<|endoftext|>")
    caches = [{"self": {}, "cross": {}} for _ in decoder.layers]
    for step, token in enumerate(prompt[:-1]):
        decoder.step(token, step, memory, caches)
    token, generated, score = prompt[-1], [], 0.0
    for i in range(40):
        logits = decoder.step(token, len(prompt) - 1 + i, memory, caches)
        logits[config["suppress_ids"]] = -np.inf
        if i == 0:
            logits[config["suppress_ids_begin"]] = -np.inf
        shifted = logits - logits.max()
        log_probs = shifted - np.float32(np.log(np.sum(np.exp(shifted.astype(np.float64)))))
        token = int(np.argmax(log_probs))
        score += float(log_probs[token])
        if token == eos:
            break
        generated.append(token)
    score /= len(generated)
    want = open(os.path.join(folder, "fp32-greedy.txt")).readline().rstrip("\n").split("\t")
    same = [str(t) for t in generated] == want[0].split()
    print("whisper decoder line 0: tokens %s, score %.9g (golden %s, diff %.2g)"
          % ("identical" if same else "DIFFER", score, want[2], abs(score - float(want[2]))))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
