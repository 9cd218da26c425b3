#!/usr/bin/env python3
"""NumPy development oracle for CTranslate2 Transformer model directories.

Reads a CTranslate2 model directory (model.bin, config.json, vocabulary) of any
encoder-decoder family the CTranslate2 Transformers converter writes (T5 v1.0 /
v1.1 / flan-T5, BART, mBART-50 / cc25, Marian OPUS-MT, M2M100 / NLLB) and runs
greedy decoding with the semantics CTranslate2 4.8.1 computes, in float32.
Int8 files are dequantized at load (w = q / scale), as CTranslate2 does with
compute_type float32.

It is a development aid for the C++ implementation, not a correctness reference
in itself: the references are CTranslate2's golden outputs next to each model.
tests/families/SEMANTICS.md describes every rule implemented here and where in
CTranslate2's sources it comes from.

Usage:
  ct2_numpy_forward.py MODEL_DIR INPUTS [--prefix TARGET_PREFIX_FILE]
                       [--golden GOLDEN --margin MARGIN] [--max-length 40]
"""
import argparse
import json
import math
import os
import struct
import sys

# One BLAS thread: the matrices are tiny and threads only contend on a shared machine.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

# CTranslate2 DataType ids (model.bin binary version >= 4).
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
# ops::ActivationType enum order.
RELU, GELU_TANH, SWISH, GELU, GELU_SIGMOID, TANH, SIGMOID = range(7)
# Spec options this oracle does not implement: present in model.bin => refuse.
UNSUPPORTED_SUFFIXES = ("rotary_dim", "num_heads_kv", "relative_position_keys",
                        "relative_asymmetric_position_keys", "q_norm", "k_norm", "v_norm",
                        "input_layer_norm", "shared_layer_norm", "project_in", "memory_kv",
                        "sliding_window", "final_logit_softcapping", "layer_norm_use_residual",
                        "head_dim", "multi_query", "embeddings_1/weight")


def read_model_bin(path):
    """Returns (spec, revision, {name: ndarray}, {alias: target})."""
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        value = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return value[0]

    def string():
        nonlocal pos
        n = take("<H")
        text = data[pos:pos + n].split(b"\0")[0].decode()
        pos += n
        return text

    version = take("<I")
    if version < 4:
        raise SystemExit("binary version %d: this oracle reads versions >= 4" % version)
    spec, revision = string(), take("<I")
    variables = {}
    for _ in range(take("<I")):
        name = string()
        shape = [take("<I") for _ in range(take("<B"))]
        dtype = DTYPES[take("<B")]
        nbytes = take("<I")
        variables[name] = np.frombuffer(data, dtype, nbytes // np.dtype(dtype).itemsize,
                                        pos).reshape(shape)
        pos += nbytes
    aliases = {}
    for _ in range(take("<I")):
        alias = string()
        aliases[alias] = string()
    if pos != len(data):
        raise SystemExit("trailing bytes in " + path)
    return spec, revision, variables, aliases


class Weights:
    """Variable lookup with aliases resolved and int8/float16 converted to float32."""

    def __init__(self, variables, aliases):
        self.raw = dict(variables)
        for alias, target in aliases.items():
            self.raw[alias] = variables[target]
            # CTranslate2 aliases the scale of an aliased quantized weight too.
            if target + "_scale" in variables:
                self.raw[alias + "_scale"] = variables[target + "_scale"]
        for name in self.raw:
            for suffix in UNSUPPORTED_SUFFIXES:
                if name.endswith(suffix) and not self._is_false_flag(name):
                    raise SystemExit("unsupported spec option: " + name)

    def _is_false_flag(self, name):
        value = self.raw[name]
        return value.ndim == 0 and value.dtype == np.int8 and int(value) == 0

    def has(self, name):
        return name in self.raw

    def scalar(self, name, default=None):
        if name not in self.raw:
            return default
        return self.raw[name].reshape(()).item()

    def get(self, name):
        value = self.raw[name]
        scale = self.raw.get(name + "_scale")
        if value.dtype in (np.int8, np.int16) and scale is not None:
            scale = np.asarray(scale, np.float32)
            return (value.astype(np.float32) / scale.reshape(-1, 1)).astype(np.float32)
        return value.astype(np.float32)

    def opt(self, name):
        return self.get(name) if name in self.raw else None


def activation(kind, x):
    if kind == RELU:
        return np.maximum(x, 0)
    if kind == GELU:  # exact erf form
        erf = np.vectorize(math.erf, otypes=[np.float64])
        return (0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))).astype(np.float32)
    if kind == GELU_TANH:
        return (0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))).astype(np.float32)
    if kind == GELU_SIGMOID:
        return (x / (1 + np.exp(-1.702 * x))).astype(np.float32)
    if kind == SWISH:
        return (x / (1 + np.exp(-x))).astype(np.float32)
    if kind == TANH:
        return np.tanh(x)
    if kind == SIGMOID:
        return (1 / (1 + np.exp(-x))).astype(np.float32)
    raise SystemExit("unknown activation %d" % kind)


class Norm:
    """LayerNorm (gamma + beta, eps 1e-5) or RMSNorm (gamma only, eps 1e-6)."""

    def __init__(self, w, scope, epsilon):
        self.gamma = w.get(scope + "/gamma")
        self.beta = w.opt(scope + "/beta")
        self.eps = epsilon if epsilon is not None else (1e-5 if self.beta is not None else 1e-6)

    def __call__(self, x):
        x = x.astype(np.float32)
        if self.beta is None:
            inv_rms = 1 / np.sqrt(np.mean(x * x, -1, keepdims=True) + np.float32(self.eps))
            return (x * inv_rms * self.gamma).astype(np.float32)
        mean = np.mean(x, -1, keepdims=True)
        var = np.maximum(np.mean(x * x, -1, keepdims=True) - mean * mean, 0)
        return ((x - mean) / np.sqrt(var + np.float32(self.eps)) * self.gamma + self.beta).astype(np.float32)


def optional_norm(w, scope, eps):
    return Norm(w, scope, eps) if w.has(scope + "/gamma") else None


class Linear:
    def __init__(self, w, scope):
        self.weight = w.get(scope + "/weight")  # [out, in]
        self.bias = w.opt(scope + "/bias")

    def __call__(self, x):
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y


def relative_buckets(bidirectional, q_len, k_len, num_buckets, max_distance, q_offset):
    """T5 bucketing as CTranslate2 computes it (float32 log, truncation toward zero)."""
    if bidirectional:
        num_buckets //= 2
    max_exact = num_buckets // 2
    log_ratio = np.float32(math.log(np.float32(max_distance) / np.float32(max_exact)))
    out = np.zeros((q_len, k_len), np.int64)
    for i in range(q_len):
        for j in range(k_len):
            rel = j - (i + q_offset)
            bucket = 0
            if bidirectional:
                if rel > 0:
                    bucket += num_buckets
                else:
                    rel = abs(rel)
            else:
                rel = -min(rel, 0)
            if rel >= max_exact:
                large = (np.float32(max_exact) + np.float32(math.log(np.float32(rel) / np.float32(max_exact)))
                         / log_ratio * np.float32(num_buckets - max_exact))
                rel = min(int(np.float32(large)), num_buckets - 1)
            out[i, j] = bucket + rel
    return out


class Attention:
    def __init__(self, w, scope, num_heads, pre_norm, self_attention, eps):
        self.norm = optional_norm(w, scope + "/layer_norm", eps)
        self.pre_norm = pre_norm
        self.heads = num_heads
        self.self_attention = self_attention
        self.linear = [Linear(w, "%s/linear_%d" % (scope, i)) for i in range(2 if self_attention else 3)]
        d_model = self.linear[-1].weight.shape[0]
        self.d_head = d_model // num_heads
        self.scale = np.float32(w.scalar(scope + "/queries_scale", 1 / math.sqrt(self.d_head)))
        self.rel_bias = w.opt(scope + "/relative_attention_bias")  # [buckets, heads]
        self.max_distance = w.scalar(scope + "/relative_attention_max_distance", 0)

    def split(self, x):  # [T, d] -> [H, T, dh]
        return x.reshape(x.shape[0], self.heads, self.d_head).transpose(1, 0, 2)

    def position_bias(self, q_len, k_len, is_decoder, q_offset):
        buckets = relative_buckets(not is_decoder, q_len, k_len, self.rel_bias.shape[0],
                                   self.max_distance, q_offset)
        return self.rel_bias[buckets].transpose(2, 0, 1)  # [H, q, k]

    def __call__(self, x, memory=None, cache=None, bias_slot=None, is_decoder=False, mask_future=False):
        h = self.norm(x) if (self.norm and self.pre_norm) else x
        if self.self_attention:
            q, k, v = np.split(self.linear[0](h), 3, axis=-1)
            k, v = self.split(k), self.split(v)
            if cache is not None:
                if "k" in cache:
                    k = np.concatenate([cache["k"], k], 1)
                    v = np.concatenate([cache["v"], v], 1)
                cache["k"], cache["v"] = k, v
        else:
            q = self.linear[0](h)
            if cache is not None and "k" in cache:
                k, v = cache["k"], cache["v"]
            else:
                k, v = np.split(self.linear[1](memory), 2, axis=-1)
                k, v = self.split(k), self.split(v)
                if cache is not None:
                    cache["k"], cache["v"] = k, v
        q = self.split(q)
        scores = (q @ k.transpose(0, 2, 1)) * self.scale
        if self.rel_bias is not None:
            # Computed by the first layer that has a bias table, then reused by every layer.
            if bias_slot.get("bias") is None:
                offset = k.shape[1] - 1 if cache is not None else 0
                bias_slot["bias"] = self.position_bias(q.shape[1], k.shape[1], is_decoder, offset)
            scores = scores + bias_slot["bias"]
        if mask_future:
            t = scores.shape[1]
            scores = np.where(np.tril(np.ones((t, scores.shape[2]), bool), scores.shape[2] - t),
                              scores, -np.inf)
        scores = scores - scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs = probs / probs.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(1, 0, 2).reshape(x.shape[0], -1)
        out = self.linear[-1](ctx) + x
        if self.norm and not self.pre_norm:
            out = self.norm(out)
        return out.astype(np.float32)


class FeedForward:
    def __init__(self, w, scope, pre_norm, act, eps):
        self.norm = optional_norm(w, scope + "/layer_norm", eps)
        self.pre_norm, self.act = pre_norm, act
        self.linear_0 = Linear(w, scope + "/linear_0")
        self.gate = Linear(w, scope + "/linear_0_noact") if w.has(scope + "/linear_0_noact/weight") else None
        self.linear_1 = Linear(w, scope + "/linear_1")

    def __call__(self, x):
        h = self.norm(x) if (self.norm and self.pre_norm) else x
        inner = activation(self.act, self.linear_0(h))
        if self.gate is not None:
            inner = inner * self.gate(h)
        out = self.linear_1(inner) + x
        if self.norm and not self.pre_norm:
            out = self.norm(out)
        return out.astype(np.float32)


def embeddings_scale(w, scope, d_model):
    """scale_embeddings: int8 flag (true => sqrt(d)) or a float32 value (1.0 => none)."""
    if not w.has(scope + "/scale_embeddings"):
        return np.float32(math.sqrt(d_model))
    raw = w.raw[scope + "/scale_embeddings"]
    if raw.dtype == np.int8:
        return np.float32(math.sqrt(d_model)) if int(raw) else None
    value = np.float32(raw.reshape(()))
    return value if value != 1 else None


def sinusoidal_table(rows, depth):
    """CTranslate2's built-in table (no encodings variable): position i+1 in row i."""
    inc = math.log(10000.0) / (depth // 2 - 1)
    scales = np.exp(-inc * np.arange(depth // 2, dtype=np.float32)).astype(np.float32)
    t = (np.arange(1, rows + 1, dtype=np.float32)[:, None] * scales[None, :]).astype(np.float32)
    return np.concatenate([np.sin(t), np.cos(t)], 1).astype(np.float32)


class Stack:
    """Embedding front end shared by encoder and decoder."""

    def __init__(self, w, scope, emb_name, eps):
        self.embeddings = w.get(emb_name)
        d_model = self.embeddings.shape[1]
        self.scale = embeddings_scale(w, scope, d_model)
        self.heads = int(w.scalar(scope + "/num_heads", 8))
        self.pre_norm = bool(w.scalar(scope + "/pre_norm", 1))
        self.act = int(w.scalar(scope + "/activation", RELU))
        self.layernorm_embedding = optional_norm(w, scope + "/layernorm_embedding", eps)
        self.output_norm = optional_norm(w, scope + "/layer_norm", eps)
        self.has_rel_bias = w.has(scope + "/layer_0/self_attention/relative_attention_bias")
        if self.has_rel_bias:
            self.positions = None
        elif w.has(scope + "/position_encodings/encodings"):
            self.positions = w.get(scope + "/position_encodings/encodings")
        else:
            self.positions = sinusoidal_table(4096, d_model)
        self.num_layers = 0
        while w.has("%s/layer_%d/ffn/linear_0/weight" % (scope, self.num_layers)):
            self.num_layers += 1

    def embed(self, ids, first_position, zero=False):
        x = self.embeddings[ids].astype(np.float32)
        if zero:
            x = np.zeros_like(x)
        elif self.scale is not None:
            x = x * self.scale
        if self.positions is not None:
            end = first_position + len(ids)
            if end > self.positions.shape[0]:
                raise SystemExit("no position encoding for position %d" % (end - 1))
            x = x + self.positions[first_position:end]
        if self.layernorm_embedding:
            x = self.layernorm_embedding(x)
        return x.astype(np.float32)


class Encoder(Stack):
    def __init__(self, w, eps):
        name = "encoder/embeddings_0/weight" if w.has("encoder/embeddings_0/weight") else "encoder/embeddings/weight"
        super().__init__(w, "encoder", name, eps)
        self.layers = [(Attention(w, "encoder/layer_%d/self_attention" % i, self.heads, self.pre_norm, True, eps),
                        FeedForward(w, "encoder/layer_%d/ffn" % i, self.pre_norm, self.act, eps))
                       for i in range(self.num_layers)]

    def __call__(self, ids):
        x = self.embed(ids, 0)
        bias = {}
        for attn, ffn in self.layers:
            x = ffn(attn(x, bias_slot=bias))
        return self.output_norm(x) if self.output_norm else x


class Decoder(Stack):
    def __init__(self, w, eps):
        super().__init__(w, "decoder", "decoder/embeddings/weight", eps)
        self.zero_start = bool(w.scalar("decoder/start_from_zero_embedding", 0))
        self.layers = [(Attention(w, "decoder/layer_%d/self_attention" % i, self.heads, self.pre_norm, True, eps),
                        Attention(w, "decoder/layer_%d/attention" % i, self.heads, self.pre_norm, False, eps),
                        FeedForward(w, "decoder/layer_%d/ffn" % i, self.pre_norm, self.act, eps))
                       for i in range(self.num_layers)]
        self.outputs_scale = w.scalar("decoder/scale_outputs")
        self.projection = Linear(w, "decoder/projection")

    def step(self, token, step, memory, caches):
        x = self.embed(np.array([token]), step, zero=(self.zero_start and step == 0))
        bias = {}
        for (self_attn, cross_attn, ffn), cache in zip(self.layers, caches):
            x = self_attn(x, cache=cache["self"], bias_slot=bias, is_decoder=True)
            x = cross_attn(x, memory=memory, cache=cache["cross"])
            x = ffn(x)
        if self.output_norm:
            x = self.output_norm(x)
        if self.outputs_scale is not None:
            x = x * np.float32(self.outputs_scale)
        return self.projection(x)[0].astype(np.float32)


def load_vocabulary(model_dir, kind):
    for name in (kind + "_vocabulary.json", "shared_vocabulary.json", kind + "_vocabulary.txt",
                 "shared_vocabulary.txt", "vocabulary.json", "vocabulary.txt"):
        path = os.path.join(model_dir, name)
        if os.path.exists(path):
            if name.endswith(".json"):
                return json.load(open(path, encoding="utf-8"))
            return [line.rstrip("\n") for line in open(path, encoding="utf-8")]
    raise SystemExit("no %s vocabulary in %s" % (kind, model_dir))


def token_ids(vocabulary):
    ids = {}
    for i, token in enumerate(vocabulary):
        ids.setdefault(token, i)  # duplicated names (T5 extra ids): the first id wins
    return ids


class Model:
    def __init__(self, model_dir):
        spec, revision, variables, aliases = read_model_bin(os.path.join(model_dir, "model.bin"))
        if spec != "TransformerSpec":
            raise SystemExit("unsupported spec " + spec)
        self.config = json.load(open(os.path.join(model_dir, "config.json")))
        if self.config.get("multi_query_attention"):
            raise SystemExit("unsupported: multi_query_attention")
        w = Weights(variables, aliases)
        for flag in ("decoder/alibi",):
            if w.scalar(flag, 0):
                raise SystemExit("unsupported spec option: " + flag)
        eps = self.config.get("layer_norm_epsilon")
        self.encoder, self.decoder = Encoder(w, eps), Decoder(w, eps)
        self.source_vocab = load_vocabulary(model_dir, "source")
        self.target_vocab = load_vocabulary(model_dir, "target")
        self.source_ids, self.target_ids = token_ids(self.source_vocab), token_ids(self.target_vocab)

    def translate(self, source_tokens, prefix_tokens=(), max_length=40, min_length=1):
        """Greedy decoding; returns (tokens, score) as translate_batch does with return_scores."""
        unk = self.config.get("unk_token", "<unk>")
        src = [self.source_ids.get(t, self.source_ids[unk]) for t in source_tokens]
        tgt_unk = self.target_ids[unk]
        start = self.config.get("decoder_start_token")
        start_tokens = ([start] if start is not None else []) + list(prefix_tokens)
        ids = [self.target_ids.get(t, tgt_unk) for t in start_tokens]
        start_id, prefix = ids[0], ids[1:]
        eos = self.target_ids[self.config.get("eos_token", "</s>")]
        memory = self.encoder(np.array(src))
        caches = [{"self": {}, "cross": {}} for _ in self.decoder.layers]
        hypothesis, score, token, margins = [], 0.0, start_id, []
        for step in range(max_length):  # return_prefix: max_length bounds prefix + generated
            logits = self.decoder.step(token, step, memory, caches).astype(np.float32)
            if step < min_length:
                logits[eos] = -np.inf
            shifted = logits - logits.max()
            log_probs = shifted - np.log(np.sum(np.exp(shifted.astype(np.float64)))).astype(np.float32)
            if step < len(prefix):
                token, token_score = prefix[step], 0.0
            else:
                top2 = np.sort(logits)[-2:]
                margins.append(float(top2[1] - top2[0]))
                token = int(np.argmax(log_probs))
                token_score = float(log_probs[token])
            score += token_score
            hypothesis.append(token)
            if token == eos and step >= len(prefix):
                break
        score /= len(hypothesis)  # length penalty 1; the end token counts
        if hypothesis and hypothesis[-1] == eos:
            hypothesis.pop()
        return [self.target_vocab[i] for i in hypothesis], score, min(margins) if margins else 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("inputs")
    parser.add_argument("--prefix")
    parser.add_argument("--golden")
    parser.add_argument("--margin")
    parser.add_argument("--max-length", type=int, default=40)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    model = Model(args.model_dir)
    sources = [line.split() for line in open(args.inputs, encoding="utf-8")]
    prefixes = [line.split() for line in open(args.prefix, encoding="utf-8")] if args.prefix else [[]] * len(sources)
    golden = [line.rstrip("\n").split("\t") for line in open(args.golden, encoding="utf-8")] if args.golden else None
    margins = [float(line.split("\t")[0]) for line in open(args.margin)] if args.margin else None
    if args.limit:
        sources = sources[:args.limit]
    same = excused = differ = 0
    worst = 0.0
    for n, (source, prefix) in enumerate(zip(sources, prefixes)):
        tokens, score, _ = model.translate(source, prefix, args.max_length)
        if golden is None:
            print("%s\t%.9g" % (" ".join(tokens), score))
            continue
        want_tokens, want_score = golden[n][0].split(), float(golden[n][1])
        if tokens == want_tokens:
            same += 1
            worst = max(worst, abs(score - want_score))
        elif margins is not None and margins[n] < 1e-3:
            excused += 1
        else:
            differ += 1
            print("line %d differs:\n  got  %s %.6f\n  want %s %.6f" % (n, " ".join(tokens), score,
                                                                      " ".join(want_tokens), want_score))
    if golden is not None:
        print("%s: identical %d / %d, excused (margin < 1e-3) %d, differ %d, max score diff %.3g"
              % (args.model_dir, same, len(sources), excused, differ, worst))
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
