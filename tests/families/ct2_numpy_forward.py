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
  ct2_numpy_forward.py --family FAMILY_DIR      (model-f32 and model-i8 vs goldens)
  ct2_numpy_forward.py --family FAMILY_DIR --dump LINE OUT_DIR
"""
import argparse
import json
import math
import os
import sys

# One BLAS thread: the matrices are tiny and threads only contend on a shared machine.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from ct2_model_dir import Weights, load_vocabulary, read_model_bin, token_ids  # noqa: E402

# ops::ActivationType enum order.
RELU, GELU_TANH, SWISH, GELU, GELU_SIGMOID, TANH, SIGMOID = range(7)


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
        # The output projection's columns: heads x head size, which need not
        # be d_model (flan-t5-small: 6 x 64 = 384 of 512).
        self.d_head = self.linear[-1].weight.shape[1] // num_heads
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

    def translate(self, source_tokens, prefix_tokens=(), max_length=40, min_length=1, trace=None):
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
        self.last_memory = memory
        caches = [{"self": {}, "cross": {}} for _ in self.decoder.layers]
        hypothesis, score, token, margins = [], 0.0, start_id, []
        for step in range(max_length):  # return_prefix: max_length bounds prefix + generated
            logits = self.decoder.step(token, step, memory, caches).astype(np.float32)
            if trace is not None:
                trace.append(logits.copy())
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


def read_lines(path):
    return [line.rstrip("\n") for line in open(path, encoding="utf-8")] if path else None


def check(model, sources, prefixes, golden, margins, max_length, label):
    """Greedy-decodes every source; compares with a golden file if given."""
    same = excused = differ = 0
    worst = 0.0
    for n, (source, prefix) in enumerate(zip(sources, prefixes)):
        tokens, score, _ = model.translate(source, prefix, max_length)
        if golden is None:
            print("%s\t%.9g" % (" ".join(tokens), score))
            continue
        want_tokens, want_score = golden[n].split("\t")[0].split(), float(golden[n].split("\t")[1])
        if tokens == want_tokens:
            same += 1
            worst = max(worst, abs(score - want_score))
        elif margins is not None and float(margins[n].split("\t")[0]) < 1e-3:
            excused += 1
        else:
            differ += 1
            print("line %d differs:\n  got  %s %.6f\n  want %s %.6f" % (n, " ".join(tokens), score,
                                                                      " ".join(want_tokens), want_score))
    if golden is not None:
        print("%s: identical %d / %d, excused (margin < 1e-3) %d, differ %d, max score diff %.3g"
              % (label, same, len(sources), excused, differ, worst))
    return differ


def dump(model, source, prefix, max_length, out_dir):
    """Writes the encoder output and every step's logits (float32, little-endian) for one line."""
    os.makedirs(out_dir, exist_ok=True)
    steps = []
    tokens, score, _ = model.translate(source, prefix, max_length, trace=steps)
    model.last_memory.astype("<f4").tofile(os.path.join(out_dir, "encoder-out.f32"))
    np.stack(steps).astype("<f4").tofile(os.path.join(out_dir, "logits.f32"))
    print("encoder-out.f32 %s, logits.f32 %s (raw decoder logits per step, before masking)"
          % (model.last_memory.shape, (len(steps), steps[0].shape[0])))
    print("%s\t%.9g" % (" ".join(tokens), score))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir", help="a CTranslate2 model directory, or with --family a family folder")
    parser.add_argument("inputs", nargs="?", help="source lines (default with --family: inputs.txt)")
    parser.add_argument("--family", action="store_true",
                        help="model_dir is a folder with model-f32/, model-i8/, inputs.txt and goldens: "
                             "check fp32-greedy and i8w-fp32-greedy")
    parser.add_argument("--prefix", help="target prefix lines")
    parser.add_argument("--golden", help="golden lines: tokens TAB score")
    parser.add_argument("--margin", help="the golden's margin file (lines under 1e-3 may differ)")
    parser.add_argument("--max-length", type=int, default=40)
    parser.add_argument("--limit", type=int, default=0, help="only the first N lines")
    parser.add_argument("--dump", nargs=2, metavar=("LINE", "DIR"),
                        help="write encoder output and per-step logits of one line to DIR")
    args = parser.parse_args()
    if args.family:
        folder = args.model_dir
        inputs = os.path.join(folder, "inputs.txt")
        prefix = os.path.join(folder, "target_prefix.txt")
        runs = [("model-f32", "fp32-greedy"), ("model-i8", "i8w-fp32-greedy")]
    else:
        folder, inputs, prefix = "", args.inputs, args.prefix
        runs = [(args.model_dir, None)]
    sources = [line.split() for line in read_lines(inputs)]
    prefix_lines = read_lines(prefix if prefix and os.path.exists(prefix) else None)
    prefixes = [line.split() for line in prefix_lines] if prefix_lines else [[]] * len(sources)
    if args.limit:
        sources = sources[:args.limit]
    failures = 0
    for model_dir, golden_name in runs:
        model = Model(os.path.join(folder, model_dir))
        if args.dump:
            n = int(args.dump[0])
            dump(model, sources[n], prefixes[n], args.max_length, args.dump[1])
            return 0
        if golden_name:
            golden = read_lines(os.path.join(folder, golden_name + ".txt"))
            margins = read_lines(os.path.join(folder, golden_name + ".margin.txt"))
        else:
            golden, margins = read_lines(args.golden), read_lines(args.margin)
        failures += check(model, sources, prefixes, golden, margins, args.max_length,
                          os.path.join(folder, model_dir))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
