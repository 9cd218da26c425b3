#!/usr/bin/env python3
"""A T5 v1.1 / flan-T5 style model whose attention width is not d_model, and
its outputs in float64: the oracle of tests/test_attention_width.cpp.

flan-t5-small attends in 6 heads x 64 = 384 values beside d_model 512; this
model does the same at test size: d_model 64, 4 heads of 24 = 96 (wider than
d_model, so a buffer sized by d_model where the width belongs overflows).

Usage: attention_width_oracle.py REFERENCE_DIR OUT_DIR (REFERENCE_DIR unused:
the calling convention of tests/audio/reference_script.h). Writes
  OUT_DIR/model/    a CTranslate2 model directory (model.bin version 6,
                    config.json, shared_vocabulary.json) as CTranslate2's
                    T5Loader writes flan-T5: fused [3A, d] self-attention
                    projection, [A, d] cross queries, [2A, d] cross keys and
                    values, [d, A] output projections, no head size stored
  OUT_DIR/oracle-f32.txt  float64 forward of those weights
  OUT_DIR/oracle-i8.txt   float64 forward of xattn's int8 semantics: the
                          weights its int8 conversion keeps (per row:
                          scale = 127 / max|w|, q = rint(w * scale) in
                          float32, w = q / scale), and every linear layer's
                          input rounded the same way per row (int8
                          activations, rounding to nearest even)
  OUT_DIR/oracle-kv-f16.txt, oracle-kv-int8.txt  float32 weights, the decoder's
                          KV caches (self and cross) rounded as xattn stores
                          them: IEEE half, or int8 with one scale per row of a
                          head (127 / max|row|, value = q / scale)
Each oracle file holds, per case: "source ids", "target ids" (greedy
decoding, end token included, at most MAX_STEPS) and one "logits" line per
target step (the step's full logit row, teacher-forced on the target).

The forward pass is written from the T5 v1.1 architecture (Raffel et al.;
HF T5ForConditionalGeneration with gated-gelu): RMSNorm (eps 1e-6, no mean,
no beta) before each sublayer, bucketed relative position bias from layer 0
added to every layer's self-attention scores, no score scaling, gated
gelu_new FFN, no biases, untied lm_head, decoder start token 0.
"""
import json
import math
import os
import struct
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

try:
    import numpy as np
except ImportError:
    print("XATTN-SKIP: python3 without numpy")
    sys.exit(0)

D, HEADS, HEAD, FFN, LAYERS, BUCKETS, MAX_DISTANCE = 64, 4, 24, 128, 2, 32, 128
WIDTH = HEADS * HEAD
VOCAB = ["<pad>", "</s>", "<unk>"] + ["t%d" % i for i in range(93)]
V = len(VOCAB)
EOS = 1
MAX_STEPS = 12
SOURCES = [[5, 17, 33, 8, 71, 1], [44, 9, 9, 12, 60, 23, 88, 4, 1], [90, 1], [3, 14, 15, 92, 65, 35, 89, 79, 32, 38, 1]]


def make_weights():
    rng = np.random.default_rng(20261130)
    w = {}

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def gamma():
        return (1 + normal((D,), 0.1)).astype(np.float32)

    w["decoder/embeddings/weight"] = normal((V, D), 1.0)
    for stack in ("encoder", "decoder"):
        for i in range(LAYERS):
            p = "%s/layer_%d/" % (stack, i)
            w[p + "self_attention/layer_norm/gamma"] = gamma()
            w[p + "self_attention/linear_0/weight"] = normal((3 * WIDTH, D), 1 / math.sqrt(D))
            w[p + "self_attention/linear_1/weight"] = normal((D, WIDTH), 1 / math.sqrt(WIDTH))
            if stack == "decoder":
                w[p + "attention/layer_norm/gamma"] = gamma()
                w[p + "attention/linear_0/weight"] = normal((WIDTH, D), 1 / math.sqrt(D))
                w[p + "attention/linear_1/weight"] = normal((2 * WIDTH, D), 1 / math.sqrt(D))
                w[p + "attention/linear_2/weight"] = normal((D, WIDTH), 1 / math.sqrt(WIDTH))
            w[p + "ffn/layer_norm/gamma"] = gamma()
            w[p + "ffn/linear_0/weight"] = normal((FFN, D), 1 / math.sqrt(D))
            w[p + "ffn/linear_0_noact/weight"] = normal((FFN, D), 1 / math.sqrt(D))
            # A dominant last FFN keeps a random model from repeating one token.
            gain = 40 if stack == "decoder" and i == LAYERS - 1 else 1
            w[p + "ffn/linear_1/weight"] = normal((D, FFN), gain / math.sqrt(FFN))
        w[stack + "/layer_0/self_attention/relative_attention_bias"] = normal((BUCKETS, HEADS), 0.5)
        w[stack + "/layer_norm/gamma"] = gamma()
    w["decoder/projection/weight"] = normal((V, D), 0.625)
    return w


def int8_roundtrip(w):
    """The weights as xattn's int8 conversion keeps them (quantize.cpp)."""
    out = dict(w)
    for name, value in w.items():
        if value.ndim != 2 or "relative_attention_bias" in name:
            continue
        amax = np.abs(value).max(axis=1).astype(np.float32)
        scale = np.where(amax > 0, np.float32(127) / amax, np.float32(1)).astype(np.float32)
        q = np.clip(np.rint(value * scale[:, None]), -127, 127).astype(np.float32)
        out[name] = (q / scale[:, None]).astype(np.float32)
    return out


def write_model_dir(path, w):
    os.makedirs(path, exist_ok=True)
    variables = []  # (name, array)
    for name in sorted(w):
        variables.append((name, w[name]))
    scalars = {
        "encoder/num_heads": np.int16(HEADS), "decoder/num_heads": np.int16(HEADS),
        "encoder/pre_norm": np.int8(1), "decoder/pre_norm": np.int8(1),
        "encoder/activation": np.int8(1), "decoder/activation": np.int8(1),  # GELUTanh (gelu_new)
        "encoder/scale_embeddings": np.int8(0), "decoder/scale_embeddings": np.int8(0),
        "encoder/embeddings_merge": np.int8(0), "encoder/multi_query_attention": np.int8(0),
        "decoder/alignment_heads": np.int16(1), "decoder/alignment_layer": np.int16(-1),
        "decoder/start_from_zero_embedding": np.int8(0), "decoder/alibi": np.int8(0),
        "decoder/alibi_use_positive_positions": np.int8(0), "decoder/scale_alibi": np.int8(0),
    }
    for stack in ("encoder", "decoder"):
        for i in range(LAYERS):
            p = "%s/layer_%d/" % (stack, i)
            scalars[p + "self_attention/queries_scale"] = np.float32(1.0)
            scalars[p + "self_attention/relative_attention_max_distance"] = np.int32(MAX_DISTANCE)
            if stack == "decoder":
                scalars[p + "attention/queries_scale"] = np.float32(1.0)
    for name, value in scalars.items():
        variables.append((name, np.asarray(value)))
    variables.sort(key=lambda v: v[0])
    aliases = {"encoder/embeddings_0/weight": "decoder/embeddings/weight"}
    for stack in ("encoder", "decoder"):
        for i in range(1, LAYERS):
            aliases["%s/layer_%d/self_attention/relative_attention_bias" % (stack, i)] = \
                "%s/layer_0/self_attention/relative_attention_bias" % stack
    dtype_id = {np.dtype(np.float32): 0, np.dtype(np.int8): 1, np.dtype(np.int16): 2, np.dtype(np.int32): 3}

    def string(s):
        b = s.encode() + b"\0"
        return struct.pack("<H", len(b)) + b

    out = [struct.pack("<I", 6), string("TransformerSpec"), struct.pack("<I", 7), struct.pack("<I", len(variables))]
    for name, value in variables:
        raw = np.ascontiguousarray(value).tobytes()
        out += [string(name), struct.pack("<B", value.ndim)] + [struct.pack("<I", n) for n in value.shape]
        out += [struct.pack("<B", dtype_id[value.dtype]), struct.pack("<I", len(raw)), raw]
    out.append(struct.pack("<I", len(aliases)))
    for alias, target in aliases.items():
        out += [string(alias), string(target)]
    with open(os.path.join(path, "model.bin"), "wb") as f:
        f.write(b"".join(out))
    config = {"add_source_bos": False, "add_source_eos": False, "bos_token": "<pad>", "decoder_start_token": "<pad>",
              "eos_token": "</s>", "layer_norm_epsilon": None, "multi_query_attention": False, "unk_token": "<unk>"}
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(path, "shared_vocabulary.json"), "w") as f:
        json.dump(VOCAB, f, indent=2)


# ---- the float64 forward ----

QUANTIZE_INPUTS = False  # int8 semantics: linear inputs rounded to int8 per row
KV_ROUNDING = None       # "f16" or "int8": the decoder's cached keys and values


def round_kv(x):
    """x [heads, T, head size] as a KV cache of KV_ROUNDING stores it."""
    if KV_ROUNDING == "f16":
        return x.astype(np.float16).astype(np.float64)
    if KV_ROUNDING == "int8":
        amax = np.abs(x).max(axis=-1, keepdims=True)
        scale = np.where(amax > 0, 127 / np.where(amax > 0, amax, 1), 1)
        return np.clip(np.rint(x * scale), -127, 127) / scale
    return x


def linear(x, weight):
    if QUANTIZE_INPUTS:
        amax = np.abs(x).max(axis=-1, keepdims=True)
        scale = np.where(amax > 0, 127 / np.where(amax > 0, amax, 1), 1)
        x = np.clip(np.rint(x * scale), -127, 127) / scale
    return x @ weight.T

def rms_norm(x, g):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-6) * g


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def bucket(relative, bidirectional):
    """T5's relative_position_bucket for key position - query position."""
    n = BUCKETS
    b = 0
    if bidirectional:
        n //= 2
        if relative > 0:
            b = n
        relative = abs(relative)
    else:
        relative = -min(relative, 0)
    exact = n // 2
    if relative < exact:
        return b + relative
    large = exact + int(math.log(relative / exact) / math.log(MAX_DISTANCE / exact) * (n - exact))
    return b + min(large, n - 1)


def position_bias(table, q_len, k_len, bidirectional):
    idx = np.array([[bucket(j - i, bidirectional) for j in range(k_len)] for i in range(q_len)])
    return table[idx].transpose(2, 0, 1)  # [heads, q, k]


def attend(q, k, v, bias, causal, cached=False):
    """q [Tq, WIDTH], k and v [Tk, WIDTH] -> [Tq, WIDTH]; scores unscaled (T5).
    cached: k and v come from a decoder KV cache (the encoder reads its own
    float32 projections)."""
    split = lambda x: x.reshape(x.shape[0], HEADS, HEAD).transpose(1, 0, 2)
    q, k, v = split(q), split(k), split(v)
    if cached:
        k, v = round_kv(k), round_kv(v)
    s = q @ k.transpose(0, 2, 1)
    if bias is not None:
        s = s + bias
    if causal:
        s = np.where(np.tril(np.ones(s.shape[1:], bool)), s, -np.inf)
    s = np.exp(s - s.max(-1, keepdims=True))
    p = s / s.sum(-1, keepdims=True)
    return (p @ v).transpose(1, 0, 2).reshape(q.shape[1], WIDTH)


def ffn(w, p, x):
    h = rms_norm(x, w[p + "ffn/layer_norm/gamma"])
    inner = gelu_new(linear(h, w[p + "ffn/linear_0/weight"])) * linear(h, w[p + "ffn/linear_0_noact/weight"])
    return x + linear(inner, w[p + "ffn/linear_1/weight"])


def encode(w, ids):
    x = w["decoder/embeddings/weight"][ids]
    bias = position_bias(w["encoder/layer_0/self_attention/relative_attention_bias"], len(ids), len(ids), True)
    for i in range(LAYERS):
        p = "encoder/layer_%d/" % i
        h = rms_norm(x, w[p + "self_attention/layer_norm/gamma"])
        q, k, v = np.split(linear(h, w[p + "self_attention/linear_0/weight"]), 3, axis=-1)
        x = x + linear(attend(q, k, v, bias, False), w[p + "self_attention/linear_1/weight"])
        x = ffn(w, p, x)
    return rms_norm(x, w["encoder/layer_norm/gamma"])


def decode_logits(w, memory, inputs):
    """Logits after each of `inputs` (the start token, then target tokens)."""
    x = w["decoder/embeddings/weight"][inputs]
    bias = position_bias(w["decoder/layer_0/self_attention/relative_attention_bias"], len(inputs), len(inputs), False)
    for i in range(LAYERS):
        p = "decoder/layer_%d/" % i
        h = rms_norm(x, w[p + "self_attention/layer_norm/gamma"])
        q, k, v = np.split(linear(h, w[p + "self_attention/linear_0/weight"]), 3, axis=-1)
        x = x + linear(attend(q, k, v, bias, True, True), w[p + "self_attention/linear_1/weight"])
        h = rms_norm(x, w[p + "attention/layer_norm/gamma"])
        q = linear(h, w[p + "attention/linear_0/weight"])
        k, v = np.split(linear(memory, w[p + "attention/linear_1/weight"]), 2, axis=-1)
        x = x + linear(attend(q, k, v, None, False, True), w[p + "attention/linear_2/weight"])
        x = ffn(w, p, x)
    return linear(rms_norm(x, w["decoder/layer_norm/gamma"]), w["decoder/projection/weight"])


def write_oracle(path, w32):
    w = {name: value.astype(np.float64) for name, value in w32.items()}
    with open(path, "w") as f:
        for source in SOURCES:
            memory = encode(w, np.array(source))
            target = []
            while len(target) < MAX_STEPS and (not target or target[-1] != EOS):
                logits = decode_logits(w, memory, np.array([0] + target))
                target.append(int(np.argmax(logits[-1])))
            logits = decode_logits(w, memory, np.array([0] + target[:-1]))
            f.write("source %s\n" % " ".join(map(str, source)))
            f.write("target %s\n" % " ".join(map(str, target)))
            for row in logits:
                f.write("logits %s\n" % " ".join("%.17g" % v for v in row))


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    w = make_weights()
    write_model_dir(os.path.join(out, "model"), w)
    write_oracle(os.path.join(out, "oracle-f32.txt"), w)
    global QUANTIZE_INPUTS, KV_ROUNDING
    for KV_ROUNDING in ("f16", "int8"):
        write_oracle(os.path.join(out, "oracle-kv-%s.txt" % KV_ROUNDING), w)
    KV_ROUNDING = None
    QUANTIZE_INPUTS = True
    write_oracle(os.path.join(out, "oracle-i8.txt"), int8_roundtrip(w))


if __name__ == "__main__":
    main()
