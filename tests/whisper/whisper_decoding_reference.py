#!/usr/bin/env python3
"""Runs openai-whisper's own decoding rules (whisper/decoding.py's
SuppressBlank, SuppressTokens, ApplyTimestampRules, _get_suppress_tokens,
detect_language; whisper/tokenizer.py's special tokens, sot sequences and
non_speech_tokens) on random logits and token histories, as oracles for the
C++ rules (tests/test_whisper_decoding.cpp).

usage: whisper_decoding_reference.py REFERENCE_DIR OUT_DIR

tiktoken is not installable here, so the module is stubbed with a minimal
Encoding built from tiktoken's documented behaviour: byte-level BPE over the
ranks in assets/*.tiktoken (lowest-ranked adjacent pair merged first) after
splitting with the pattern tokenizer.py passes, and special tokens by name.
Everything else is openai-whisper's code, unchanged.

Layouts: multilingual (51865), english (51864, gpt2 ranks), large-v3
(51866, 100 languages), small (300: 200 text tokens, 4 languages, the
timestamps cut short, as the shared CTranslate2 test model has).

OUT_DIR gets manifest.txt ("layout cases" per line) and per layout:
  NAME.layout.txt  token ids and prompts, as text (see write_layout)
  NAME.logits.i16  [cases][n_vocab] int16; logit = value / 1024
  NAME.cases.txt   per case: options, timestamp shift, sampled tokens
  NAME.mask.bits   per case n_vocab bits (numpy packbits, big-endian bit
                   order, each case padded to a byte): 1 = logit is -inf
                   after the filters (all others were checked unchanged)
  NAME.lang.txt    per case (multilingual layouts): best language index,
                   its probability, every language's probability
Prints XATTN-SKIP and why when torch or the reference package is missing.
"""
import base64
import os
import random
import struct
import sys
import types


def skip(reason):
    print("XATTN-SKIP: " + reason)
    sys.exit(0)


def bpe_pieces(ranks, piece):
    """tiktoken's byte pair merge: repeatedly merge the adjacent pair whose
    concatenation has the lowest rank."""
    parts = [bytes([b]) for b in piece]
    while len(parts) > 1:
        best, best_rank = None, None
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (best_rank is None or r < best_rank):
                best, best_rank = i, r
        if best is None:
            break
        parts[best:best + 2] = [parts[best] + parts[best + 1]]
    return [ranks[p] for p in parts]


class MinimalEncoding:
    """The parts of tiktoken.Encoding that tokenizer.py uses."""

    def __init__(self, name, explicit_n_vocab, pat_str, mergeable_ranks, special_tokens):
        import regex
        self.name = name
        self.n_vocab = explicit_n_vocab
        self.pattern = regex.compile(pat_str)
        self.ranks = mergeable_ranks
        self.special = dict(special_tokens)
        self.special_tokens_set = set(special_tokens)
        self.eot_token = self.special["<|endoftext|>"]
        self.by_id = {v: k for k, v in mergeable_ranks.items()}
        self.by_id.update({v: k.encode() for k, v in self.special.items()})

    def encode_single_token(self, text):
        return self.special[text]

    def encode(self, text, **kwargs):
        ids = []
        for piece in self.pattern.findall(text):
            ids.extend(bpe_pieces(self.ranks, piece.encode("utf-8")))
        return ids

    def decode(self, ids, **kwargs):
        return b"".join(self.by_id[i] for i in ids).decode("utf-8", errors="replace")


def load_whisper(reference_dir):
    root = os.path.join(reference_dir, "openai-whisper", "whisper")
    if not os.path.isfile(os.path.join(root, "decoding.py")):
        skip("openai-whisper absent at " + root)
    try:
        import numpy  # noqa: F401
        import regex  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        skip("python3 cannot import numpy/torch/regex (" + str(e) + "); apt-get install python3-torch python3-regex")
    stub = types.ModuleType("tiktoken")
    stub.Encoding = MinimalEncoding
    sys.modules["tiktoken"] = stub
    package = types.ModuleType("whisper")  # without __init__ (needs numba, tqdm)
    package.__path__ = [root]
    sys.modules["whisper"] = package
    import importlib
    return importlib.import_module("whisper.decoding"), importlib.import_module("whisper.tokenizer")


def small_encoding(tok):
    """200 single-byte text tokens (' ' is id 120), 4 languages, 300 ids."""
    byte_values = [b for b in range(33, 256) if b != 32][:199]
    byte_values.insert(120, 32)
    ranks = {bytes([b]): i for i, b in enumerate(byte_values)}
    specials = ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|de|>", "<|es|>", "<|fr|>",
                "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
                "<|notimestamps|>"]
    specials += ["<|%.2f|>" % (i * 0.02) for i in range(300 - 200 - len(specials))]
    pat = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
    return MinimalEncoding("small", 300, pat, ranks, {s: 200 + i for i, s in enumerate(specials)})


class LogSoftmaxProbe:
    """Stands in for torch.nn.functional inside decoding.py: the same
    functions, but remembers the last log_softmax (the timestamp rule's)."""

    def __init__(self, functional):
        self.functional = functional
        self.last = None

    def __getattr__(self, name):
        return getattr(self.functional, name)

    def log_softmax(self, *args, **kwargs):
        self.last = self.functional.log_softmax(*args, **kwargs)
        return self.last


class FakeModel:
    """What detect_language needs of a model: dims, and logits for [sot]."""

    def __init__(self, logits):
        self.dims = types.SimpleNamespace(n_audio_ctx=1, n_audio_state=1)
        self.row = logits

    def logits(self, tokens, audio_features):
        return self.row.reshape(1, 1, -1).clone()


def random_history(rng, tokenizer, timestamps, n):
    tb, n_vocab = tokenizer.timestamp_begin, tokenizer.encoding.n_vocab
    seq, t = [], tb + rng.randrange(0, 20)
    arbitrary = rng.random() < 0.3
    for _ in range(n):
        if timestamps and rng.random() < 0.35:
            if arbitrary:
                seq.append(rng.randrange(tb, n_vocab))
            else:
                t = min(n_vocab - 1, t + rng.choice([0, 0, 1, 3, 10]))
                seq.append(t)
        else:
            seq.append(rng.randrange(0, tokenizer.eot))
    return seq


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    reference_dir, out_dir = sys.argv[1], sys.argv[2]
    decoding, tok = load_whisper(reference_dir)
    import numpy as np
    import torch
    probe = LogSoftmaxProbe(decoding.F)
    decoding.F = probe
    os.makedirs(out_dir, exist_ok=True)

    layouts = [
        ("multilingual", lambda: tok.get_encoding("multilingual", 99), 99, True, 90),
        ("english", lambda: tok.get_encoding("gpt2", 99), 99, False, 60),
        ("large-v3", lambda: tok.get_encoding("multilingual", 100), 100, True, 60),
        ("small", lambda: small_encoding(tok), 4, True, 600),
    ]
    rng = random.Random(20250625)
    manifest = []
    for name, make_encoding, n_languages, multilingual, n_cases in layouts:
        encoding = make_encoding()
        tokenizer = tok.Tokenizer(encoding=encoding, num_languages=n_languages,
                                  language="en" if multilingual else None,
                                  task="transcribe" if multilingual else None)
        n_vocab = encoding.n_vocab
        blank = tokenizer.encode(" ")
        if name == "small":
            # non_speech_tokens needs the real BPE; a random set stands in.
            non_speech = sorted(rng.sample(range(tokenizer.eot), 25))
        else:
            non_speech = list(tokenizer.non_speech_tokens)
        write_layout(out_dir, name, tok, encoding, n_languages, multilingual, tokenizer, blank, non_speech,
                     decoding)

        logits_out = open(os.path.join(out_dir, name + ".logits.i16"), "wb")
        mask_out = open(os.path.join(out_dir, name + ".mask.bits"), "wb")
        cases_out = open(os.path.join(out_dir, name + ".cases.txt"), "w")
        lang_out = open(os.path.join(out_dir, name + ".lang.txt"), "w")
        stats = {"timestamp rule fired": 0, "near ties": 0}
        tb = tokenizer.timestamp_begin
        for case in range(n_cases):
            timestamps = rng.random() < 0.6
            opts = {
                "suppress_blank": rng.random() < 0.8,
                "suppress_tokens": rng.random() < 0.8,
                "max_initial": rng.choice([1.0, 1.0, 0.5, None]),
            }
            prompt = (tokenizer.sot_sequence if timestamps else tokenizer.sot_sequence_including_notimestamps)
            n_sampled = 0 if rng.random() < 0.25 else rng.randrange(1, 14)
            history = random_history(rng, tokenizer, timestamps, n_sampled)
            scale = rng.choice([1.0, 3.0, 6.0])
            values = np.clip(np.round(np.random.default_rng(case * 7919 + len(name)).normal(0, scale, n_vocab) * 1024),
                             -32767, 32767).astype("<i2")
            values[tb:] += np.int16(rng.randrange(-6, 3) * 1024)
            base = torch.from_numpy(values.astype(np.float32) / np.float32(1024))

            max_initial_index = None
            if opts["max_initial"] is not None:
                max_initial_index = round(opts["max_initial"] / (30 / 1500))  # CHUNK_LENGTH / n_audio_ctx

            def run(shift):
                logits = base.clone().unsqueeze(0)
                logits[0, tb:] += torch.tensor(shift, dtype=torch.float32)
                tokens = torch.tensor([list(prompt) + history])
                filters = []
                if opts["suppress_blank"]:
                    filters.append(decoding.SuppressBlank(tokenizer, len(prompt)))
                if opts["suppress_tokens"]:
                    task = types.SimpleNamespace(options=types.SimpleNamespace(suppress_tokens="-1"),
                                                 tokenizer=tokenizer)
                    task.tokenizer = types.SimpleNamespace(**{k: getattr(tokenizer, k) for k in (
                        "transcribe", "translate", "sot", "sot_prev", "sot_lm", "no_speech")},
                        non_speech_tokens=non_speech)
                    filters.append(decoding.SuppressTokens(decoding.DecodingTask._get_suppress_tokens(task)))
                if timestamps:
                    filters.append(decoding.ApplyTimestampRules(tokenizer, len(prompt), max_initial_index))
                before = logits.clone()
                probe.last = None
                for f in filters:
                    f.apply(logits, tokens)
                margin = None
                if timestamps:
                    lp = probe.last[0]
                    margin = (lp[tb:].logsumexp(-1) - lp[:tb].max()).item()
                return before[0], logits[0], margin

            shift = 0.0
            before, after, margin = run(shift)
            if margin is not None and np.isfinite(margin) and rng.random() < 0.3:
                # a near tie, decided by at least 1e-4 either way
                delta = rng.choice([-1, 1]) * 10 ** rng.uniform(-4, -2)
                shift = float(np.float32(-margin + delta))
                before, after, margin = run(shift)
                stats["near ties"] += 1
            if margin is not None and np.isfinite(margin) and abs(margin) < 1e-4:
                shift = float(np.float32(shift + 1e-3))  # too close to call in float32
                before, after, margin = run(shift)
            if margin is not None and margin > 0 and n_sampled > 0:
                stats["timestamp rule fired"] += 1

            masked = torch.isinf(after) & (after < 0)
            assert torch.equal(after[~masked].view(torch.int32), before[~masked].view(torch.int32)), "unmasked changed"
            assert not torch.isinf(before).any()
            logits_out.write(values.tobytes())
            mask_out.write(np.packbits(masked.numpy().astype(np.uint8)).tobytes())
            shift_bits = struct.unpack("<I", struct.pack("<f", shift))[0]
            cases_out.write("%d %d %d %d %08x %d %s\n" % (
                int(opts["suppress_blank"]), int(opts["suppress_tokens"]), int(timestamps),
                -1 if max_initial_index is None else max_initial_index, shift_bits, n_sampled,
                " ".join(map(str, history))))

            if multilingual:
                model = FakeModel(base)
                lang_token, probs = decoding.detect_language(model, torch.zeros(1, 1), tokenizer)
                # token order (the small layout's are en de es fr, as the shared test model's)
                codes = [tokenizer.decode([i]).strip("<|>") for i in sorted(tokenizer.all_language_tokens)]
                assert sorted(probs) == sorted(codes), (probs, codes)
                # the token detect_language returns (argmax: the first on ties) is the
                # one written into the prompt; max() over the dict follows a set's order
                best = codes[sorted(tokenizer.all_language_tokens).index(lang_token.item())]
                assert probs[best] == max(probs.values())
                lang_out.write("%d %.9g %s\n" % (codes.index(best), probs[best],
                                                 " ".join("%.9g" % probs[c] for c in codes)))
        for f in (logits_out, mask_out, cases_out, lang_out):
            f.close()
        manifest.append("%s %d" % (name, n_cases))
        print(name, n_vocab, n_cases, "cases;", ", ".join("%s: %d" % kv for kv in stats.items()))
    with open(os.path.join(out_dir, "manifest.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")


def write_layout(out_dir, name, tok, encoding, n_languages, multilingual, tokenizer, blank, non_speech, decoding):
    """Line 1: n_vocab eot n_languages multilingual sot first_language
    translate transcribe sot_lm sot_prev no_speech no_timestamps
    timestamp_begin; then 'blank ids...', 'non_speech ids...', 'languages
    code:token...', and 'prompt CODE TASK TIMESTAMPS ids...' lines."""
    t = tokenizer
    # all_language_tokens follows a set's order (tiktoken's special_tokens_set): sort by id
    langs = sorted(t.all_language_tokens)
    lines = ["%d %d %d %d %d %d %d %d %d %d %d %d %d" % (
        encoding.n_vocab, t.eot, n_languages, int(multilingual), t.sot, langs[0], t.translate, t.transcribe,
        t.sot_lm, t.sot_prev, t.no_speech, t.no_timestamps, t.timestamp_begin)]
    lines.append("blank " + " ".join(map(str, blank)))
    lines.append("non_speech " + " ".join(map(str, non_speech)))
    lines.append("languages " + " ".join("%s:%d" % (t.decode_with_timestamps([i]).strip("<|>"), i) for i in langs))
    codes = list(tok.LANGUAGES.keys())[:n_languages]
    for code in ["en", codes[-1], codes[len(codes) // 2]]:
        for task in ["transcribe", "translate"]:
            other = tok.Tokenizer(encoding=encoding, num_languages=n_languages,
                                  language=code if multilingual else None, task=task if multilingual else None)
            if multilingual and other.sot_sequence[1] != other.to_language_token(code):
                continue  # tokenizer.py assumes the first n codes; the small layout has en de es fr
            lines.append("prompt %s %s 1 %s" % (code, task, " ".join(map(str, other.sot_sequence))))
            lines.append("prompt %s %s 0 %s" % (code, task, " ".join(map(str, other.sot_sequence_including_notimestamps))))
    with open(os.path.join(out_dir, name + ".layout.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
