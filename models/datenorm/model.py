"""A character-level Transformer that computes exactly what xattn runs, and
its export to a CTranslate2 model.bin (binary version 6, "TransformerSpec").

xattn's architecture (models/FORMAT.md): pre-norm layers x + f(LayerNorm(x))
with a final LayerNorm per stack (eps 1e-5); fused self-attention Q,K,V rows;
cross-attention Q, then fused K,V rows on the encoder output; ReLU FFN;
embeddings times sqrt(d_model) plus sinusoidal positions starting at 1,
channels concat(sin, cos), timescale exp(-j ln(10000) / (d/2 - 1)); an output
projection with bias; attention scaled by 1/sqrt(head size).
"""
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ["<blank>", "<s>", "</s>", "<unk>"]
# Printable ASCII (space included), the typographic apostrophe and en dash.
SOURCE_VOCAB = SPECIALS + [chr(c) for c in range(0x20, 0x7F)] + ["\u2019", "\u2013"]
TARGET_VOCAB = SPECIALS + list("0123456789-")


def encode_source(text):
    ids = {t: i for i, t in enumerate(SOURCE_VOCAB)}
    return [ids.get(c, UNK) for c in text]


def encode_target(text):
    ids = {t: i for i, t in enumerate(TARGET_VOCAB)}
    return [ids[c] for c in text]


def decode_target(ids):
    return "".join(TARGET_VOCAB[i] for i in ids if i > UNK)


def positions(length, d):
    half = d // 2
    p = torch.arange(1, length + 1, dtype=torch.float32)[:, None]
    scales = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000.0) / (half - 1)))
    return torch.cat([torch.sin(p * scales), torch.cos(p * scales)], dim=1)


class Attention(nn.Module):
    def __init__(self, d, heads, cross):
        super().__init__()
        self.heads, self.cross = heads, cross
        self.norm = nn.LayerNorm(d, eps=1e-5)
        if cross:
            self.q, self.kv = nn.Linear(d, d), nn.Linear(d, 2 * d)
        else:
            self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)

    def split(self, x):  # [B, T, d] -> [B, heads, T, head size]
        b, t, d = x.shape
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x, memory=None, mask=None):
        """Returns (x + attention, attention weights [B, heads, T, S])."""
        h = self.norm(x)
        if self.cross:
            q = self.q(h)
            k, v = self.kv(memory).chunk(2, dim=-1)
        else:
            q, k, v = self.qkv(h).chunk(3, dim=-1)
        q, k, v = self.split(q), self.split(k), self.split(v)
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        weights = scores.softmax(dim=-1)
        y = (weights @ v).transpose(1, 2).reshape(x.shape)
        return x + self.out(y), weights


class FeedForward(nn.Module):
    def __init__(self, d, ffn):
        super().__init__()
        self.norm = nn.LayerNorm(d, eps=1e-5)
        self.inner, self.outer = nn.Linear(d, ffn), nn.Linear(ffn, d)

    def forward(self, x):
        return x + self.outer(F.relu(self.inner(self.norm(x))))


class DateNormalizer(nn.Module):
    def __init__(self, d=64, heads=4, ffn=128, encoder_layers=2, decoder_layers=2):
        super().__init__()
        self.d, self.heads = d, heads
        self.src_embed = nn.Embedding(len(SOURCE_VOCAB), d)
        self.tgt_embed = nn.Embedding(len(TARGET_VOCAB), d)
        for e in (self.src_embed, self.tgt_embed):  # times sqrt(d) below: keep the positions audible
            nn.init.normal_(e.weight, std=d ** -0.5)
        self.enc = nn.ModuleList(nn.ModuleList([Attention(d, heads, False), FeedForward(d, ffn)])
                                 for _ in range(encoder_layers))
        self.dec = nn.ModuleList(nn.ModuleList([Attention(d, heads, False), Attention(d, heads, True),
                                                FeedForward(d, ffn)]) for _ in range(decoder_layers))
        self.enc_norm, self.dec_norm = nn.LayerNorm(d, eps=1e-5), nn.LayerNorm(d, eps=1e-5)
        self.project = nn.Linear(d, len(TARGET_VOCAB))

    def embed(self, table, ids):
        return table(ids) * math.sqrt(self.d) + positions(ids.shape[1], self.d)

    def encode(self, src):
        pad = (src == PAD)[:, None, None, :]
        x = self.embed(self.src_embed, src)
        for attention, ffn in self.enc:
            x = ffn(attention(x, mask=pad)[0])
        return self.enc_norm(x), pad

    def decode(self, tgt_in, memory, pad):
        """Logits [B, T, Vt] and the cross-attention weights of every layer."""
        t = tgt_in.shape[1]
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        x = self.embed(self.tgt_embed, tgt_in)
        cross = []
        for self_attention, cross_attention, ffn in self.dec:
            x = self_attention(x, mask=causal)[0]
            x, w = cross_attention(x, memory, mask=pad)
            cross.append(w)
            x = ffn(x)
        return self.project(self.dec_norm(x)), cross

    def forward(self, src, tgt_in):
        memory, pad = self.encode(src)
        return self.decode(tgt_in, memory, pad)[0]

    @torch.no_grad()
    def greedy(self, src, steps=11):
        memory, pad = self.encode(src)
        out = torch.full((src.shape[0], 1), BOS, dtype=torch.long)
        for _ in range(steps):
            logits = self.decode(out, memory, pad)[0]
            out = torch.cat([out, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        return out[:, 1:]


# --- CTranslate2 model.bin writer -------------------------------------------------


def ct2_variables(model):
    """(name, tensor) pairs in CTranslate2's TransformerSpec names."""
    v = [("encoder/embeddings/weight", model.src_embed.weight), ("decoder/embeddings/weight", model.tgt_embed.weight)]

    def linear(prefix, layer):
        v.extend([(prefix + "/weight", layer.weight), (prefix + "/bias", layer.bias)])

    def norm(prefix, layer):
        v.extend([(prefix + "/gamma", layer.weight), (prefix + "/beta", layer.bias)])

    for i, (attention, ffn) in enumerate(model.enc):
        p = "encoder/layer_%d/" % i
        norm(p + "self_attention/layer_norm", attention.norm)
        linear(p + "self_attention/linear_0", attention.qkv)
        linear(p + "self_attention/linear_1", attention.out)
        norm(p + "ffn/layer_norm", ffn.norm)
        linear(p + "ffn/linear_0", ffn.inner)
        linear(p + "ffn/linear_1", ffn.outer)
    for i, (self_attention, cross, ffn) in enumerate(model.dec):
        p = "decoder/layer_%d/" % i
        norm(p + "self_attention/layer_norm", self_attention.norm)
        linear(p + "self_attention/linear_0", self_attention.qkv)
        linear(p + "self_attention/linear_1", self_attention.out)
        norm(p + "attention/layer_norm", cross.norm)
        linear(p + "attention/linear_0", cross.q)
        linear(p + "attention/linear_1", cross.kv)
        linear(p + "attention/linear_2", cross.out)
        norm(p + "ffn/layer_norm", ffn.norm)
        linear(p + "ffn/linear_0", ffn.inner)
        linear(p + "ffn/linear_1", ffn.outer)
    norm("encoder/layer_norm", model.enc_norm)
    norm("decoder/layer_norm", model.dec_norm)
    linear("decoder/projection", model.project)
    return v


def write_ct2_model_bin(model, path, alignment_layer=-1):
    def string(s):
        b = s.encode() + b"\0"
        return struct.pack("<H", len(b)) + b

    records = []
    for name, t in ct2_variables(model):
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        records.append(string(name) + struct.pack("<B", t.dim()) + struct.pack("<%dI" % t.dim(), *t.shape) +
                       struct.pack("<BI", 0, len(data)) + data)  # dtype 0: float32
    scalars = [("encoder/num_heads", model.heads), ("decoder/num_heads", model.heads),
               ("encoder/pre_norm", 1), ("decoder/pre_norm", 1), ("encoder/activation", 0),
               ("decoder/activation", 0), ("decoder/alignment_layer", alignment_layer), ("decoder/alignment_heads", 1)]
    for name, value in scalars:  # rank-0 int32 config variables
        records.append(string(name) + struct.pack("<BBI", 0, 3, 4) + struct.pack("<i", value))
    with open(path, "wb") as f:
        f.write(struct.pack("<I", 6) + string("TransformerSpec") + struct.pack("<I", 7))
        f.write(struct.pack("<I", len(records)) + b"".join(records) + struct.pack("<I", 0))
