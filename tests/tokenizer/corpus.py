"""Multilingual text for the tokenizer exactness tests, from files every
Debian system here has: the translated messages (.mo catalogues) under
/usr/share/locale, e.g. iso-codes' country and language names (LGPL-2.1+),
glib, gtk and coreutils messages (LGPL-2.1+ / GPL-3+). Lines are the
translations (msgstr), split at newlines, deduplicated and shuffled with a
fixed seed; a fixed share is then decorated with emoji and mixed whitespace
(tabs, doubled spaces, no-break and ideographic spaces, leading/trailing
blanks), which the catalogues rarely hold.
"""
import glob
import hashlib
import random
import struct

EMOJI = ["\U0001F600", "\U0001F602", "\U0001F44D", "\U0001F44D\U0001F3FD", "\u2764\ufe0f", "\U0001F680",
         "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\U0001F1EB\U0001F1F7", "\u2615", "\U0001F914",
         "\U0001F30D", "\u2705", "\U0001F389", "\U0001F436", "\U0001F9D1\u200d\U0001F4BB"]
SPACES = ["  ", "\t", "\u00a0", "\u3000", " \t ", "   ", "\u2009"]


def mo_messages(path):
    """The translated strings of one GNU .mo catalogue."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 28:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">" if magic == 0xDE120495 else None
    if order is None:
        return []
    _, count, _, table = struct.unpack(order + "4I", data[4:20])
    out = []
    for i in range(count):
        length, offset = struct.unpack(order + "2I", data[table + 8 * i: table + 8 * i + 8])
        out.append(data[offset: offset + length])
    return out


def collect_lines():
    lines = set()
    for path in sorted(glob.glob("/usr/share/locale/*/LC_MESSAGES/*.mo")):
        try:
            messages = mo_messages(path)
        except (OSError, struct.error):
            continue
        for message in messages:
            try:
                text = message.decode("utf-8")
            except UnicodeDecodeError:
                continue
            for part in text.replace("\x00", "\n").split("\n"):
                part = part.replace("\r", "").strip()
                if len(part) >= 2 and "Content-Type:" not in part and not part.startswith("Project-Id"):
                    lines.add(part)
    lines = sorted(lines)
    random.Random(12).shuffle(lines)
    return lines


def decorate(lines):
    rng = random.Random(34)
    out = []
    for line in lines:
        roll = rng.random()
        if roll < 0.15:
            words = line.split(" ")
            at = rng.randrange(len(words) + 1)
            words.insert(at, rng.choice(EMOJI))
            line = " ".join(words)
        elif roll < 0.30:
            line = line.replace(" ", rng.choice(SPACES), 1)
            if rng.random() < 0.5:
                line = rng.choice([" ", "  ", "\t"]) + line + rng.choice(["", " ", "  "])
        out.append(line)
    return out


def split(lines, held_out_share=5):
    """Training and held-out lines, by a hash of the line (stable across runs)."""
    train, held = [], []
    for line in lines:
        h = int(hashlib.sha1(line.encode("utf-8")).hexdigest()[:8], 16)
        (held if h % held_out_share == 0 else train).append(line)
    return train, held


if __name__ == "__main__":
    import sys
    lines = decorate(collect_lines())
    train, held = split(lines)
    if "--write-held-out" in sys.argv:  # FILE N: the first N held-out lines, for bench/
        path, count = sys.argv[sys.argv.index("--write-held-out") + 1], int(sys.argv[-1])
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in held[:count]))
        sys.exit(0)
    print(len(lines), "lines;", len(train), "train;", len(held), "held out")
    import unicodedata
    scripts = {}
    for line in held:
        for ch in line:
            name = unicodedata.name(ch, "?").split(" ")[0]
            scripts[name] = scripts.get(name, 0) + 1
    print(sorted(scripts.items(), key=lambda kv: -kv[1])[:40])
