# A copy of a CTranslate2 Whisper directory whose text tokens are the pieces
# of a small SentencePiece model written here (no sentencepiece package
# needed: the ModelProto is a few protobuf fields): <unk>, <s>, </s>, then
# "\u2581w0", "\u2581w1", ... up to <|endoftext|>, so that `convert ct2
# --tokenizer words.model` gives a Whisper model with a tokenizer and id i
# (3 <= i < eot) reads "w{i-3}".
# usage: make_spm_whisper.py SOURCE_DIR DEST_DIR
import json, os, shutil, struct, sys
src, dst = sys.argv[1], sys.argv[2]
def varint(n):
    out = b""
    while True:
        b = n & 0x7f; n >>= 7
        if n: out += bytes([b | 0x80])
        else: return out + bytes([b])
def field(num, wire, payload):
    key = varint(num << 3 | wire)
    if wire == 2: return key + varint(len(payload)) + payload
    return key + payload
vocab = json.load(open(src + "/vocabulary.json"))
eot = vocab.index("<|endoftext|>")
pieces = [("<unk>", 2), ("<s>", 3), ("</s>", 3)] + [("\u2581w%d" % i, 1) for i in range(eot - 3)]
model = b""
for i, (text, kind) in enumerate(pieces):
    p = field(1, 2, text.encode()) + field(2, 5, struct.pack("<f", -float(i))) + field(3, 0, varint(kind))
    model += field(1, 2, p)
model += field(2, 2, field(3, 0, varint(1)))  # trainer_spec: unigram
os.makedirs(dst, exist_ok=True)
for name in ("model.bin", "config.json"):
    shutil.copy(src + "/" + name, dst + "/" + name)
json.dump([t for t, _ in pieces] + vocab[eot:], open(dst + "/vocabulary.json", "w"))
open(dst + "/words.model", "wb").write(model)
