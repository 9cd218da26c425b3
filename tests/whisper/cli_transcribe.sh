#!/bin/sh
# xattn transcribe end to end on the shared random Whisper
# (../shared/data/ct2-families/whisper): the model converted by the CLI,
# every mel input transcribed through --features and compared with
# CTranslate2's fp32-greedy, fp32-beam4 and fp32-greedy-timestamps ids
# (a line may differ only where the greedy decision margin is below 1e-3);
# --language auto equal to the detected language given explicitly; a WAV
# equal to the log-mel `xattn mel --pad` writes for it; text and timestamp
# segments on a copy of the model with a small SentencePiece tokenizer
# (make_spm_whisper.py) against its ids; and the errors: each one line and a
# non-zero exit.
# usage: cli_transcribe.sh XATTN DATA_DIR TEXT_MODEL [EMULATOR...]
# Prints XATTN-SKIP (ctest: skipped) when the Whisper data is absent.
set -u
xattn=$1 data=$2/ct2-families/whisper text_model=$3
shift 3
emu="$*"  # the emulator and its arguments (none natively)
[ -d "$data/model-f32" ] || { echo "XATTN-SKIP: Whisper data absent at $data"; exit 0; }
out=cli-transcribe
rm -rf "$out" && mkdir -p "$out" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

$emu "$xattn" convert ct2 "$data/model-f32" -o "$out/w.xattn" --weights f32 >/dev/null || fail "convert"
frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' "$data/mel/shape.txt")
[ -n "$frames" ] || fail "no frame count in mel/shape.txt"
features=""
n=0
# Under an emulator the first 6 inputs (each run there is seconds of float
# arithmetic in software); the doctest conformance cases take every input.
limit=1000000
[ -n "$emu" ] && limit=6
while [ "$n" -lt "$limit" ] && [ -f "$data/mel/$(printf 'mel-%03d.f32' $n)" ]; do
  features="$features --features $data/mel/$(printf 'mel-%03d.f32' $n)"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no mel inputs"
# The goldens' generate call: 40 new tokens (README there).
run() { $emu "$xattn" transcribe --model "$out/w.xattn" --max-new-tokens 40 --frames "$frames" --ids $features "$@"; }

# compare GOLDEN MARGINS GOT: every line equal, or excused by a margin < 1e-3.
compare() {
  cut -f1 "$1" > "$out/want"
  awk -v margins="$2" -v want="$out/want" '
    { getline w < want; getline m < margins; split(m, f, "\t")
      if ($0 == w) same++; else if (f[1] + 0 < 1e-3) excused++; else { print "line " NR ": " $0 " | " w; bad++ } }
    END { printf "%d identical, %d excused\n", same, excused; exit bad > 0 }' "$3"
}
run --language en > "$out/greedy" || fail "greedy"
compare "$data/fp32-greedy.txt" "$data/fp32-greedy.margin.txt" "$out/greedy" || fail "fp32-greedy differs"
run --language en --beam 4 > "$out/beam" || fail "beam 4"
compare "$data/fp32-beam4.txt" "$data/fp32-greedy.margin.txt" "$out/beam" || fail "fp32-beam4 differs"
run --language en --timestamps > "$out/timestamps" || fail "timestamps"
compare "$data/fp32-greedy-timestamps.txt" "$data/fp32-greedy-timestamps.margin.txt" "$out/timestamps" ||
  fail "fp32-greedy-timestamps differs"
[ "$(wc -l < "$out/greedy")" -eq "$n" ] || fail "not one line per input"
# Threads give one thread's bits; a float16 cross-attention cache still one line per input.
run --language en --threads 2 > "$out/threads" || fail "--threads 2"
cmp -s "$out/greedy" "$out/threads" || fail "--threads 2 differs from one thread"
run --language en --kv-cache f16 --self-kv-cache f16 > "$out/f16" || fail "--kv-cache f16"
[ "$(wc -l < "$out/f16")" -eq "$n" ] || fail "--kv-cache f16: not one line per input"
compare "$data/fp32-greedy.txt" "$data/fp32-greedy.margin.txt" "$out/f16" ||
  echo "note: float16 caches changed lines above the 1e-3 margin (reported, not failed)"

# --language auto (the default): one "language: xx (p=...)" line per input,
# and each transcript the one its detected language gives explicitly.
run > "$out/auto" 2> "$out/auto.err" || fail "auto"
[ "$(grep -c '^language: [a-z]* (p=[01]\.[0-9][0-9])$' "$out/auto.err")" -eq "$n" ] || fail "language lines: $(cat "$out/auto.err")"
# One explicit run per detected language, over every input.
sed 's/^language: \([a-z]*\).*/\1/' "$out/auto.err" > "$out/detected"
for lang in $(sort -u "$out/detected"); do
  run --language "$lang" > "$out/explicit" 2> "$out/explicit.err" || fail "explicit $lang"
  [ -s "$out/explicit.err" ] && fail "an explicit language was reported as detected"
  paste -d '|' "$out/detected" "$out/auto" "$out/explicit" |
    awk -F'|' -v lang="$lang" '$1 == lang && $2 != $3 { print "input " NR - 1 ": auto differs from --language " lang; bad = 1 }
                               END { exit bad }' || fail "auto against explicit"
done
echo "ok: --language auto = the detected language given explicitly on $n inputs (detected: $(sort "$out/detected" | uniq -c | tr -s ' \n' ' '))"

# A WAV (1.5 s of a 440 Hz tone, 16 kHz PCM16) against the features xattn mel writes for it.
python=$(command -v python3 || true)
if [ -n "$python" ]; then
  "$python" - "$out" "$frames" <<'PY' || fail "making the WAV"
import array, math, struct, sys, wave
out, frames = sys.argv[1], int(sys.argv[2])
with wave.open(out + "/tone.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(struct.pack("<24000h", *[int(8000 * math.sin(2 * math.pi * 440 * i / 16000)) for i in range(24000)]))
PY
  $emu "$xattn" mel "$out/tone.wav" --pad -o "$out/tone-full.f32" > /dev/null || fail "xattn mel"
  "$python" - "$out" "$frames" <<'PY' || fail "cutting the window"
import array, sys
out, frames = sys.argv[1], int(sys.argv[2])
a = array.array("f"); a.frombytes(open(out + "/tone-full.f32", "rb").read())
total = len(a) // 80
b = array.array("f")
for row in range(80):
    b.extend(a[row * total: row * total + frames])
open(out + "/tone.f32", "wb").write(b.tobytes())
PY
  for opts in "--language en" "--language en --timestamps" ""; do
    # shellcheck disable=SC2086
    $emu "$xattn" transcribe --model "$out/w.xattn" $opts --ids "$out/tone.wav" > "$out/wav" 2>/dev/null || fail "WAV $opts"
    # shellcheck disable=SC2086
    $emu "$xattn" transcribe --model "$out/w.xattn" $opts --ids --frames "$frames" --features "$out/tone.f32" \
      > "$out/feat" 2>/dev/null || fail "features $opts"
    [ -s "$out/wav" ] && cmp -s "$out/wav" "$out/feat" || fail "WAV and its xattn mel features differ ($opts)"
  done
  echo "ok: a WAV transcribes as the features xattn mel writes for it"
  # Longer than the window (2 x the encoder positions in frames): the first window, and a note.
  "$python" -c "
import wave
with wave.open('$out/long.wav', 'wb') as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(b'\\1\\0' * 16000 * 40)" || fail "long WAV"
  $emu "$xattn" transcribe --model "$out/w.xattn" --language en --ids "$out/long.wav" > "$out/long" 2> "$out/long.err" ||
    fail "long WAV: $(cat "$out/long.err")"
  grep -q "only the first .* s are transcribed" "$out/long.err" || fail "no note for a long WAV: $(cat "$out/long.err")"
  [ "$(wc -l < "$out/long")" -eq 1 ] || fail "long WAV: not one line"
  echo "ok: $(cat "$out/long.err")"
else
  echo "note: no python3, WAV case skipped"
fi

# Text output: a copy of the model whose text tokens are a small
# SentencePiece model's pieces (make_spm_whisper.py), converted with it as
# the tokenizer. Each line must be the pieces of the --ids line (id i reads
# w{i-3}); with --timestamps, transcribe.py's segments of the ids (cut after
# each pair of consecutive timestamps and at a single timestamp ending; a
# tail with text after the last pair runs to the window's end) as
# [mm:ss.mmm --> mm:ss.mmm] text, written here independently of the C++.
if [ -n "$python" ]; then
  "$python" "$(dirname "$0")/make_spm_whisper.py" "$data/model-f32" "$out/spm" || fail "making the SentencePiece Whisper"
  $emu "$xattn" convert ct2 "$out/spm" -o "$out/ws.xattn" --weights f32 --tokenizer "$out/spm/words.model" >/dev/null ||
    fail "convert with a tokenizer"
  for opts in "" "--timestamps"; do
    # shellcheck disable=SC2086
    $emu "$xattn" transcribe --model "$out/ws.xattn" --max-new-tokens 40 --frames "$frames" --language en $opts \
      $features > "$out/text" || fail "text $opts"
    # shellcheck disable=SC2086
    $emu "$xattn" transcribe --model "$out/ws.xattn" --max-new-tokens 40 --frames "$frames" --language en $opts \
      --ids $features > "$out/text-ids" || fail "text ids $opts"
    "$python" - "$out" "$frames" "$opts" <<'PY' || fail "text output $opts"
import json, sys
out, frames, timestamps = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "--timestamps"
vocab = json.load(open(out + "/spm/vocabulary.json"))
eot, ts_begin = vocab.index("<|endoftext|>"), vocab.index("<|0.00|>")
def text(ids):
    return " ".join("w%d" % (i - 3) for i in ids if 3 <= i < eot)
def stamp(seconds):  # utils.py format_timestamp
    ms = round(seconds * 1000.0)
    h, ms = divmod(ms, 3600000); m, ms = divmod(ms, 60000); s, ms = divmod(ms, 1000)
    return ("%02d:" % h if h else "") + "%02d:%02d.%03d" % (m, s, ms)
want = []
for line in open(out + "/text-ids"):
    ids = [int(x) for x in line.split()]
    if any(i < 3 for i in ids): sys.exit("an id without a word piece: the check would need SentencePiece's rules")
    if not timestamps:
        want.append(text(ids)); continue
    ts = [i >= ts_begin for i in ids]
    t = lambda i: (ids[i] - ts_begin) * 0.02
    cuts = [i + 1 for i in range(len(ids) - 1) if ts[i] and ts[i + 1]]
    if cuts:
        if ts[-2:] == [False, True]: cuts.append(len(ids))
        last = 0
        for c in cuts:
            want.append("[%s --> %s] %s" % (stamp(t(last)), stamp(t(c - 1)), text(ids[last:c]))); last = c
        if any(i < eot for i in ids[last:]):
            want.append("[%s --> %s] %s" % (stamp(t(last - 1)), stamp(frames * 0.01), text(ids[last:])))
    else:
        stamps = [i for i in range(len(ids)) if ts[i]]
        end = t(stamps[-1]) if stamps and ids[stamps[-1]] != ts_begin else frames * 0.01
        want.append("[%s --> %s] %s" % (stamp(0.0), stamp(end), text(ids)))
got = open(out + "/text").read().split("\n")[:-1]
if got != want:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w: sys.exit("line %d: %r, expected %r" % (i, g, w))
    sys.exit("%d lines, expected %d" % (len(got), len(want)))
print("ok: %d text lines%s as the ids say" % (len(got), " (timestamp segments)" if timestamps else ""))
PY
  done
fi

# Errors: one line on stderr, non-zero exit.
expect_error() {  # expect_error PATTERN COMMAND...
  pattern=$1
  shift
  "$@" > "$out/stdout" 2> "$out/stderr" && fail "accepted: $*"
  [ "$(wc -l < "$out/stderr")" -eq 1 ] || fail "not one line: $(cat "$out/stderr")"
  grep -q -- "$pattern" "$out/stderr" || fail "unexpected error: $(cat "$out/stderr") (wanted $pattern)"
  echo "ok: $(cat "$out/stderr")"
}
one="--frames $frames --features $data/mel/mel-000.f32"
# shellcheck disable=SC2086
expect_error "not an audio model" $emu "$xattn" transcribe --model "$text_model" $one
# shellcheck disable=SC2086
expect_error "missing.xattn" $emu "$xattn" transcribe --model "$out/missing.xattn" $one
expect_error "missing.f32" $emu "$xattn" transcribe --model "$out/w.xattn" --frames "$frames" --features "$out/missing.f32"
expect_error "missing.wav" $emu "$xattn" transcribe --model "$out/w.xattn" "$out/missing.wav"
if mkfifo "$out/fifo" 2>/dev/null; then
  # shellcheck disable=SC2086
  expect_error "FIFO" $emu "$xattn" transcribe --model "$out/fifo" $one
  expect_error "FIFO" $emu "$xattn" transcribe --model "$out/w.xattn" --frames "$frames" --features "$out/fifo"
  expect_error "FIFO" $emu "$xattn" transcribe --model "$out/w.xattn" "$out/fifo"
fi
# shellcheck disable=SC2086
expect_error "language xx" $emu "$xattn" transcribe --model "$out/w.xattn" --language xx $one
expect_error "expected" $emu "$xattn" transcribe --model "$out/w.xattn" --frames $((frames + 1)) \
  --features "$data/mel/mel-000.f32"
# shellcheck disable=SC2086
expect_error "--task dance: expected transcribe or translate" $emu "$xattn" transcribe --model "$out/w.xattn" --task dance $one
# shellcheck disable=SC2086
expect_error "--language needs a language code" $emu "$xattn" transcribe --model "$out/w.xattn" --language "" $one
expect_error "an input file name is empty" $emu "$xattn" transcribe --model "$out/w.xattn" --frames "$frames" --features ""
expect_error "an input file name is empty" $emu "$xattn" transcribe --model "$out/w.xattn" ""
expect_error "an audio model has no source text" $emu "$xattn" tokenize --model "$out/w.xattn" --side source
# shellcheck disable=SC2086
expect_error "--kv-cache" $emu "$xattn" transcribe --model "$out/w.xattn" --kv-cache f8 $one
expect_error "--frames" $emu "$xattn" transcribe --model "$out/w.xattn" --features "$data/mel/mel-000.f32"
# shellcheck disable=SC2086
expect_error "--min-confidence: for models with their own output tokens" $emu "$xattn" transcribe \
  --model "$out/w.xattn" --min-confidence 0.5 $one
if [ -n "$python" ]; then
  # Other rates are resampled (tests/audio/cli_mel.sh); a compressed format is refused.
  "$python" -c "
import struct
body = b'\xd5' * 8000  # A-law silence
fmt = struct.pack('<HHIIHH', 6, 1, 8000, 8000, 1, 8)
with open('$out/alaw.wav', 'wb') as f:
    f.write(b'RIFF' + struct.pack('<I', 4 + 24 + 8 + len(body)) + b'WAVEfmt ' + struct.pack('<I', 16) + fmt
            + b'data' + struct.pack('<I', len(body)) + body)" || fail "A-law WAV"
  expect_error "A-law samples" $emu "$xattn" transcribe --model "$out/w.xattn" "$out/alaw.wav"
  "$python" -c "
import wave
with wave.open('$out/empty.wav', 'wb') as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)" || fail "empty WAV"
  expect_error "empty.wav: WAV: no samples" $emu "$xattn" transcribe --model "$out/w.xattn" "$out/empty.wav"
fi
if [ -w /dev/full ]; then
  # shellcheck disable=SC2086
  $emu "$xattn" transcribe --model "$out/w.xattn" --language en $one > /dev/full 2> "$out/stderr"
  [ $? -eq 1 ] || fail "a failed write did not exit 1"
  grep -q "cannot write" "$out/stderr" || fail "failed write: $(cat "$out/stderr")"
  echo "ok: $(cat "$out/stderr")"
fi
echo "PASS"
