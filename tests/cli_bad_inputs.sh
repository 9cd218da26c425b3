#!/bin/sh
# The xattn command line on bad inputs: every case must exit non-zero with
# exactly one line on stderr, and never abort, print a stack trace or a
# sanitizer report. Run by ctest (cli_bad_inputs) as
#   sh tests/cli_bad_inputs.sh XATTN_BINARY DATA_DIR [RUNNER...]
# RUNNER (optional) prefixes every run, e.g. an emulator or valgrind.
# Cases that need the shared models are skipped (saying so) when they are absent.
set -u
XATTN=$1
DATA=$2/ct2-aren-transliteration
shift 2
RUN="$*"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xattn-cli-bad.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
cases=0

# check NAME STDIN_FILE ARGS...: expects a non-zero exit and one clean stderr line.
check() {
  name=$1
  input=$2
  shift 2
  cases=$((cases + 1))
  $RUN "$XATTN" "$@" <"$input" >"$WORK/out" 2>"$WORK/err"
  code=$?
  lines=$(wc -l <"$WORK/err")
  problem=""
  if [ "$code" -eq 0 ]; then problem="exit code 0"; fi
  if [ "$code" -ge 128 ]; then problem="killed by signal $((code - 128))"; fi
  if [ "$lines" -ne 1 ]; then problem="$problem; $lines lines on stderr"; fi
  if grep -qiE "terminate|abort|core dumped|stack trace|AddressSanitizer|runtime error|LeakSanitizer|^==[0-9]+==" "$WORK/err"; then
    problem="$problem; crash text on stderr"
  fi
  if [ -n "$problem" ]; then
    failures=$((failures + 1))
    echo "FAIL $name: $problem"
    sed 's/^/    stderr: /' "$WORK/err" | head -20
  else
    echo "ok   $name: exit $code: $(cat "$WORK/err")"
  fi
}

# ok NAME STDIN_FILE ARGS...: must succeed (hostile but valid input).
ok() {
  name=$1
  input=$2
  shift 2
  cases=$((cases + 1))
  if $RUN "$XATTN" "$@" <"$input" >"$WORK/out" 2>"$WORK/err"; then
    echo "ok   $name: exit 0, $(wc -l <"$WORK/out") output lines"
  else
    failures=$((failures + 1))
    echo "FAIL $name: exit $?"
    sed 's/^/    stderr: /' "$WORK/err" | head -20
  fi
}

# patch FILE OFFSET OCTAL_BYTE: overwrites one byte in place.
patch() { printf "\\$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

: >"$WORK/empty"
printf 'آ ت ز م و ن\n' >"$WORK/word"
printf 'not a model at all, just some text that is longer than sixty-four bytes........\n' >"$WORK/text.xattn"

check "model file missing" "$WORK/word" translate --model "$WORK/missing.xattn"
check "model file empty" "$WORK/word" translate --model "$WORK/empty"
check "model is a directory" "$WORK/word" translate --model "$WORK"
check "model is text" "$WORK/word" translate --model "$WORK/text.xattn"
check "inspect: model missing" "$WORK/empty" inspect "$WORK/missing.xattn"
check "translate: no --model" "$WORK/word" translate
check "translate: unknown option" "$WORK/word" translate --model "$WORK/text.xattn" --frobnicate
check "translate: --beam 0" "$WORK/word" translate --model "$WORK/text.xattn" --beam 0
check "translate: --kv-cache f8" "$WORK/word" translate --model "$WORK/text.xattn" --kv-cache f8
check "inspect: --kv-cache int4" "$WORK/empty" inspect "$WORK/text.xattn" --kv-cache int4
check "translate: --self-kv-cache f64" "$WORK/word" translate --model "$WORK/text.xattn" --self-kv-cache f64
check "translate: --self-kv-cache without value" "$WORK/word" translate --model "$WORK/text.xattn" --self-kv-cache
check "inspect: --self-kv-cache F16" "$WORK/empty" inspect "$WORK/text.xattn" --self-kv-cache F16
check "translate: --beam 65" "$WORK/word" translate --model "$WORK/text.xattn" --beam 65
check "translate: --beam -1" "$WORK/word" translate --model "$WORK/text.xattn" --beam -1
check "translate: --beam 99999999999999999999" "$WORK/word" translate --model "$WORK/text.xattn" --beam 99999999999999999999
check "translate: --max-length 0" "$WORK/word" translate --model "$WORK/text.xattn" --max-length 0
check "translate: --length-penalty nan" "$WORK/word" translate --model "$WORK/text.xattn" --length-penalty nan
check "translate: --length-penalty without value" "$WORK/word" translate --model "$WORK/text.xattn" --length-penalty
check "convert: no such directory" "$WORK/empty" convert ct2 "$WORK/none" -o "$WORK/x.xattn"
check "convert: unknown format" "$WORK/empty" convert onnx "$WORK" -o "$WORK/x.xattn"

if [ ! -f "$DATA/v2-aren-transliteration/model.bin" ]; then
  echo "XATTN-SKIP: shared models absent at $DATA: the model cases did not run"
  echo "$cases cases, $failures failures"
  [ "$failures" -eq 0 ]
  exit
fi

M="$WORK/aren.xattn"
$RUN "$XATTN" convert ct2 "$DATA/v2-aren-transliteration-i8" -o "$M" --weights int8 >/dev/null || { echo "FAIL: convert"; exit 1; }
size=$(wc -c <"$M")

# Corrupted model files: truncated at each section boundary and inside, a bit
# flip, a future version, an unknown dtype (checksum left stale: caught first).
for cut in 1 63 64 191 192 193 1000 4096 $((size / 2)) $((size - 1)); do
  head -c "$cut" "$M" >"$WORK/cut.xattn"
  check "model truncated to $cut bytes" "$WORK/word" translate --model "$WORK/cut.xattn"
done
cp "$M" "$WORK/long.xattn" && printf 'x' >>"$WORK/long.xattn"
check "model with a trailing byte" "$WORK/word" translate --model "$WORK/long.xattn"
cp "$M" "$WORK/flip.xattn" && patch "$WORK/flip.xattn" $((size / 2)) 125
check "model with a flipped byte (checksum)" "$WORK/word" translate --model "$WORK/flip.xattn"
cp "$M" "$WORK/version.xattn" && patch "$WORK/version.xattn" 8 002
check "model of a future format version" "$WORK/word" translate --model "$WORK/version.xattn"
check "inspect: future format version" "$WORK/empty" inspect "$WORK/version.xattn"
cp "$M" "$WORK/magic.xattn" && patch "$WORK/magic.xattn" 0 131
check "model with a bad magic" "$WORK/word" translate --model "$WORK/magic.xattn"

# Inputs and options beyond the limits.
check "source longer than --max-source" "$WORK/word" translate --model "$M" --max-source 4
check "--max-source beyond the model's positions" "$WORK/word" translate --model "$M" --max-source 2000
check "--max-length beyond the model's positions" "$WORK/word" translate --model "$M" --max-length 5000
check "prefix longer than --max-length" "$WORK/word" translate --model "$M" --max-length 2 --prefix "a t s"
check "--min-length above --max-length" "$WORK/word" translate --model "$M" --max-length 3 --min-length 5
check "--num-hypotheses above --beam" "$WORK/word" translate --model "$M" --beam 2 --num-hypotheses 3
check "unknown --end-token" "$WORK/word" translate --model "$M" --end-token QQ
check "two tokens as --end-token" "$WORK/word" translate --model "$M" --end-token "a b"
check "unknown --suppress token" "$WORK/word" translate --model "$M" --suppress "a QQ"
check "empty --suppress" "$WORK/word" translate --model "$M" --suppress ""
check "--alignment-layer beyond the decoder" "$WORK/word" translate --model "$M" --alignment --alignment-layer 40
check "beam over half the vocabulary" "$WORK/word" translate --model "$M" --beam 30
printf 'آ ز ا\n%s\n' "آ آ آ آ آ آ آ آ آ آ" >"$WORK/two"
check "the second line too long" "$WORK/two" translate --model "$M" --max-source 8
check "inspect: --beam 0" "$WORK/empty" inspect "$M" --beam 0
# Limits whose arena (1.2 GB here) the machine cannot give: an error, not std::bad_alloc.
# (Only where an address-space limit works: not under ASan or valgrind.)
if (ulimit -v 600000 && $RUN "$XATTN" --help >/dev/null 2>&1) 2>/dev/null; then
  before=$failures
  (ulimit -v 600000; check "arena larger than memory allows" "$WORK/word" translate --model "$M" --beam 64 \
    --max-source 1024 --max-length 1024; [ "$failures" -eq "$before" ]) || failures=$((failures + 1))
  cases=$((cases + 1))
else
  echo "skip arena larger than memory allows: ulimit -v does not work with this build or runner"
fi

# Hostile but valid: unknown characters, invalid UTF-8, NUL bytes, empty and blank lines.
printf 'QQ \377\376 \000x\n\n   \n\t\n' >"$WORK/weird"
ok "unknown tokens, invalid UTF-8, NUL, blank lines" "$WORK/weird" translate --model "$M" --beam 4 --scores

# A CTranslate2 directory with problems.
for what in truncated emptytoken novocab; do
  mkdir -p "$WORK/ct2-$what"
  cp "$DATA/v2-aren-transliteration-i8/"* "$WORK/ct2-$what/"
  chmod u+w "$WORK/ct2-$what/"*
done
head -c 100000 "$DATA/v2-aren-transliteration-i8/model.bin" >"$WORK/ct2-truncated/model.bin"
printf '<blank>\n<s>\n</s>\n\nb\n' >"$WORK/ct2-emptytoken/target_vocabulary.txt"
rm "$WORK/ct2-novocab/source_vocabulary.txt"
check "convert: truncated model.bin" "$WORK/empty" convert ct2 "$WORK/ct2-truncated" -o "$WORK/x.xattn"
check "convert: empty vocabulary entry" "$WORK/empty" convert ct2 "$WORK/ct2-emptytoken" -o "$WORK/x.xattn"
check "convert: no source vocabulary" "$WORK/empty" convert ct2 "$WORK/ct2-novocab" -o "$WORK/x.xattn"
check "convert: --weights int3" "$WORK/empty" convert ct2 "$DATA/v2-aren-transliteration-i8" -o "$WORK/x.xattn" --weights int3
check "convert: --weights int4 --layout row-major" "$WORK/empty" convert ct2 "$DATA/v2-aren-transliteration-i8" -o "$WORK/x.xattn" --weights int4 --layout row-major
check "convert: --layout diagonal" "$WORK/empty" convert ct2 "$DATA/v2-aren-transliteration-i8" -o "$WORK/x.xattn" --layout diagonal
check "convert: --layout without a value" "$WORK/empty" convert ct2 "$DATA/v2-aren-transliteration-i8" -o "$WORK/x.xattn" --layout
check "convert synth: --layout diagonal" "$WORK/empty" convert synth --preset aren --layout diagonal -o "$WORK/x.xattn"
check "convert: output not writable" "$WORK/empty" convert ct2 "$DATA/v2-aren-transliteration-i8" -o "$WORK/none/x.xattn"

echo "$cases cases, $failures failures"
[ "$failures" -eq 0 ]
