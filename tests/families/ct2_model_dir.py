"""Reading a CTranslate2 model directory: model.bin variables and aliases, vocabularies.

Variables come back as NumPy arrays; Weights resolves aliases (including the
implied `<alias>_scale`) and dequantizes int8/int16 weights (w = q / scale per
row), as CTranslate2 does when it loads an int8 file with compute_type float32.
"""
import json
import os
import struct

import numpy as np

# CTranslate2 DataType ids (model.bin binary version >= 4).
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
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
