#!/bin/sh
# The xattn command line against a hostile but realistic user: paths that are
# not files (FIFOs, devices, the converter's own input), stray carriage
# returns, full disks, malformed and repeated options, --help everywhere,
# limits a session would refuse, a model truncated while in use, control
# bytes in alignment plots. Each case checks the exit status and what was
# said; errors must be one line on stderr. Run by ctest (cli_hostile) as
#   sh tests/cli_hostile.sh XATTN_BINARY DATA_DIR DATENORM_MODEL [RUNNER...]
# Cases that need the shared models are skipped (saying so) when they are absent.
set -u
XATTN=$1
DATA=$2/ct2-aren-transliteration
DN=$3
shift 3
RUN="$*"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xattn-cli-hostile.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
cases=0
# A case that hangs (a FIFO opened before it is checked) fails instead of blocking the suite.
if command -v timeout >/dev/null 2>&1; then LIMIT="timeout 60"; else LIMIT=""; fi

fail() {
  failures=$((failures + 1))
  echo "FAIL $1"
  [ -f "$WORK/err" ] && sed 's/^/    stderr: /' "$WORK/err" | head -10
}

# refused NAME PATTERN STDIN ARGS...: a non-zero exit (not a signal, not a
# timeout) and one stderr line matching the extended regex PATTERN.
refused() {
  name=$1
  pattern=$2
  input=$3
  shift 3
  cases=$((cases + 1))
  $LIMIT $RUN "$XATTN" "$@" <"$input" >"${STDOUT:-$WORK/out}" 2>"$WORK/err"
  code=$?
  lines=$(wc -l <"$WORK/err")
  if [ "$code" -eq 0 ] || [ "$code" -ge 124 ]; then
    fail "$name: exit $code"
  elif [ "$lines" -ne 1 ]; then
    fail "$name: $lines lines on stderr"
  elif ! grep -qE -- "$pattern" "$WORK/err"; then
    fail "$name: stderr does not say /$pattern/"
  else
    echo "ok   $name: exit $code: $(cat "$WORK/err")"
  fi
}

# works NAME STDIN ARGS...: exit 0 (stdout kept in $WORK/out).
works() {
  name=$1
  input=$2
  shift 2
  cases=$((cases + 1))
  $LIMIT $RUN "$XATTN" "$@" <"$input" >"$WORK/out" 2>"$WORK/err"
  code=$?
  if [ "$code" -eq 0 ]; then
    echo "ok   $name"
    return 0
  fi
  fail "$name: exit $code"
  return 1
}

# same NAME FILE_A FILE_B: the two outputs are identical.
same() {
  cases=$((cases + 1))
  if cmp -s "$2" "$3"; then echo "ok   $1"; else fail "$1: outputs differ"; diff "$2" "$3" | head -6; fi
}

# holds NAME CONDITION...: a shell test that must hold.
holds() {
  name=$1
  shift
  cases=$((cases + 1))
  if "$@"; then echo "ok   $name"; else fail "$name"; fi
}

: >"$WORK/empty"
printf 'sat 23 nov 2026\n' >"$WORK/date"
mkfifo "$WORK/fifo"

# 1. Paths that are not regular files are refused at once, never opened for reading.
refused "translate: a FIFO as --model" "FIFO" "$WORK/date" translate --model "$WORK/fifo"
refused "inspect: a FIFO" "FIFO" "$WORK/empty" inspect "$WORK/fifo"
refused "demo: a FIFO as --model" "FIFO" "$WORK/empty" demo --model "$WORK/fifo"
refused "convert embed: a FIFO as the model" "FIFO" "$WORK/empty" convert embed "$WORK/fifo" -o "$WORK/m.c"
refused "translate: a character device as --model" "character device" "$WORK/date" translate --model /dev/zero
refused "translate: a directory as --model" "directory" "$WORK/date" translate --model "$WORK"

# 2. Outputs that are not regular files, or are inputs, are refused and left alone.
refused "convert synth: a FIFO as -o" "FIFO: the output must be a regular file" "$WORK/empty" \
  convert synth --preset aren --weights int8 -o "$WORK/fifo"
holds "the FIFO is still a FIFO" test -p "$WORK/fifo"
# A device node of our own (as root only): a regression must never replace a real /dev entry.
if mknod "$WORK/null" c 1 3 2>/dev/null; then
  refused "convert synth: a device as -o" "character device" "$WORK/empty" convert synth --preset aren -o "$WORK/null"
  holds "the device is still a device" test -c "$WORK/null"
else
  echo "skip convert to a device node: mknod needs root"
fi
cp "$DN" "$WORK/dn.xattn"
refused "convert embed: -o the model itself" "one of the inputs" "$WORK/empty" convert embed "$WORK/dn.xattn" -o "$WORK/dn.xattn"
holds "the model is unchanged" cmp -s "$DN" "$WORK/dn.xattn"
refused "convert embed: a FIFO as -o" "FIFO" "$WORK/empty" convert embed "$DN" -o "$WORK/fifo"
refused "convert embed --alignment=1" "--alignment takes no value" "$WORK/empty" convert embed "$DN" -o "$WORK/e.c" --alignment=1
# After --, a word starting with - is a file name, for convert as for the other commands.
cp "$DN" "$WORK/-dn.xattn"
cases=$((cases + 1))
if (cd "$WORK" && $LIMIT $RUN "$XATTN" convert embed -o dash.c -- -dn.xattn <"$WORK/empty" >"$WORK/out" 2>"$WORK/err"); then
  echo "ok   convert embed -o dash.c -- -dn.xattn"
else
  fail "convert embed -- -dn.xattn: exit $?"
fi
holds "convert embed -- wrote dash.c" test -s "$WORK/dash.c"
refused "translate: a FIFO as --alignment-svg" "FIFO" "$WORK/date" translate --model "$DN" --alignment-svg "$WORK/fifo"

# 3. CR, LF and CRLF each end a line, in every text mode: a stray CR never cuts an input.
printf '23 nov\n2026\n' >"$WORK/lf"
printf '23 nov\r2026\n' >"$WORK/cr"
printf '23 nov\r\n2026\r\n' >"$WORK/crlf"
printf '23 nov\r2026' >"$WORK/cr-only"
works "LF input" "$WORK/lf" translate --model "$DN" && cp "$WORK/out" "$WORK/lf.out"
holds "LF input: two outputs" [ "$(wc -l <"$WORK/lf.out")" -eq 2 ]
for kind in cr crlf cr-only; do
  works "$kind input" "$WORK/$kind" translate --model "$DN" && same "$kind input gives the LF outputs" "$WORK/lf.out" "$WORK/out"
done

printf '\357\273\277sat 23 nov 2026\r\n' >"$WORK/bom"
works "a BOM before the first input" "$WORK/bom" translate --model "$DN" && cp "$WORK/out" "$WORK/bom.out"
works "the same input without" "$WORK/date" translate --model "$DN" && same "a BOM changes nothing" "$WORK/bom.out" "$WORK/out"

# 4. Failed writes are errors (/dev/full: every write fails with ENOSPC).
if [ -c /dev/full ]; then
  STDOUT=/dev/full refused "translate > /dev/full" "cannot write the output" "$WORK/date" translate --model "$DN"
  STDOUT=/dev/full refused "inspect > /dev/full" "cannot write the output" "$WORK/empty" inspect "$DN"
  STDOUT=/dev/full refused "demo > /dev/full" "cannot write the output" "$WORK/empty" demo
  cases=$((cases + 1))
  $LIMIT $RUN "$XATTN" translate --model "$DN" --timing <"$WORK/date" >/dev/null 2>/dev/full
  code=$?
  if [ "$code" -ne 0 ] && [ "$code" -lt 124 ]; then echo "ok   --timing 2> /dev/full: exit $code"; else fail "--timing 2> /dev/full: exit $code"; fi
  cases=$((cases + 1))
  $LIMIT $RUN "$XATTN" translate --help >/dev/full 2>/dev/null
  code=$?
  if [ "$code" -ne 0 ] && [ "$code" -lt 124 ]; then echo "ok   --help > /dev/full: exit $code"; else fail "--help > /dev/full: exit $code"; fi
else
  echo "skip /dev/full cases: no /dev/full here"
fi

# 5. --num-hypotheses N: N lines per input, best first (as CTranslate2 orders them).
printf 'sat 23 nov 2026\n1.2.2003\n' >"$WORK/two"
works "beam 4, best only" "$WORK/two" translate --model "$DN" --beam 4 && cp "$WORK/out" "$WORK/best"
works "beam 4, 3 hypotheses with scores" "$WORK/two" translate --model "$DN" --beam 4 --num-hypotheses 3 --scores
holds "3 hypotheses: 6 lines for 2 inputs" [ "$(wc -l <"$WORK/out")" -eq 6 ]
holds "3 hypotheses: the first of each group is the best" \
  [ "$(awk -F '\t' 'NR == 1 || NR == 4 { print $1 }' "$WORK/out")" = "$(cat "$WORK/best")" ]
holds "3 hypotheses: scores never increase within a group" \
  awk -F '\t' '{ g = int((NR - 1) / 3); if (NR % 3 != 1 && $2 > last) exit 1; last = $2 }' "$WORK/out"

# 6. A model truncated while the tool runs: small models are read into memory, so nothing changes.
cp "$DN" "$WORK/shrinks.xattn"
printf '1.2.2003\n' >"$WORK/one"
works "reference output" "$WORK/two" translate --model "$DN" && cp "$WORK/out" "$WORK/two.out"
mkfifo "$WORK/lines"
$LIMIT $RUN "$XATTN" translate --model "$WORK/shrinks.xattn" --timing <"$WORK/lines" >"$WORK/shrink.out" 2>"$WORK/shrink.err" &
pid=$!
exec 3>"$WORK/lines"
printf 'sat 23 nov 2026\n' >&3
tries=0
while ! grep -q "line 1" "$WORK/shrink.err" 2>/dev/null && [ "$tries" -lt 600 ]; do sleep 0.1; tries=$((tries + 1)); done
: >"$WORK/shrinks.xattn"  # truncated to 0 bytes while in use
printf '1.2.2003\n' >&3
exec 3>&-
wait "$pid"
code=$?
holds "truncated while in use: exit 0 (got $code)" [ "$code" -eq 0 ]
same "truncated while in use: outputs as before" "$WORK/two.out" "$WORK/shrink.out"

# 7. Every token suppressed: an error naming it (token-mode model below, needs the shared data).

# 8. Control bytes, NUL and invalid UTF-8 in the input: the SVG is still well-formed XML.
printf 'a\001b\000c\377\376 <&> \033[1m "q" \357\277\276\n' >"$WORK/weird"
works "SVG of a weird input" "$WORK/weird" translate --model "$DN" --alignment-svg "$WORK/weird.svg"
if command -v python3 >/dev/null 2>&1; then
  holds "SVG of a weird input parses as XML" python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$WORK/weird.svg"
else
  echo "skip SVG XML check: no python3"
fi

# 9. Argument errors name the real problem; --opt=value works; --help everywhere.
refused "repeated --beam" "--beam is given more than once" "$WORK/date" translate --model "$DN" --beam 2 --beam 4
refused "inspect --beam 4 without a file" "missing the model FILE" "$WORK/empty" inspect --beam 4
refused "--model without a value before --beam" "--model needs a value" "$WORK/date" translate --model --beam 4
refused "--model at the end" "--model needs a value" "$WORK/date" translate --model
refused "a flag given a value" "--scores takes no value" "$WORK/date" translate --model "$DN" --scores=yes
refused "an unknown option" "unknown option '--frobnicate'" "$WORK/date" translate --model "$DN" --frobnicate
refused "an unknown --opt=value" "unknown option '--frob'" "$WORK/date" translate --model "$DN" --frob=1
refused "a stray positional" "unexpected argument 'extra'" "$WORK/date" translate --model "$DN" extra
refused "--beam= (empty)" "--beam: expected an integer" "$WORK/date" translate --model "$DN" --beam=
refused "--beam +2" "--beam: expected an integer" "$WORK/date" translate --model "$DN" --beam +2
refused "an option of another command" "does not apply" "$WORK/empty" demo --data "$WORK"
works "inspect --beam 4 FILE" "$WORK/empty" inspect --beam 4 "$DN"
holds "inspect --beam 4 FILE: beam 4" grep -q "beam 4" "$WORK/out"
works "inspect --beam=2 FILE" "$WORK/empty" inspect "$DN" --beam=2
holds "inspect --beam=2: beam 2" grep -q "beam 2" "$WORK/out"
works "--model=FILE" "$WORK/date" translate --model="$DN"
works "repeated --suppress" "$WORK/date" translate --model "$DN" --suppress 9 --suppress=8
works "-- ends the options" "$WORK/empty" inspect -- "$DN"
refused "convert: a repeated --seed" "--seed is given more than once" "$WORK/empty" \
  convert synth --preset transformer-tiny --seed 1 --seed 2 -o "$WORK/tiny.xattn"
refused "convert: -o and --output together" "--output is given more than once" "$WORK/empty" \
  convert embed "$DN" -o "$WORK/a.c" --output "$WORK/b.c"
works "convert embed --opt=value" "$WORK/empty" convert embed "$DN" -o="$WORK/dn.c" --max-source=8 --max-target=12 --beam=2
holds "convert embed --opt=value: the limits reach the header" grep -q "SESSION_BYTES" "$WORK/dn.h"
# The caches' precision sizes the session buffer: int8 caches need less, and the header says which.
works "convert embed --kv-cache int8 --self-kv-cache int8" "$WORK/empty" convert embed "$DN" -o "$WORK/dn8.c" \
  --max-source=8 --max-target=12 --beam=2 --kv-cache int8 --self-kv-cache int8
holds "convert embed --kv-cache int8: named in the header" grep -q "_KV_CACHE 2 /\* int8 \*/" "$WORK/dn8.h"
session_bytes() { sed -n 's/^#define [A-Z_]*_SESSION_BYTES \([0-9]*\)u$/\1/p' "$1"; }
holds "convert embed --kv-cache int8: a smaller session buffer" \
  test "$(session_bytes "$WORK/dn8.h")" -lt "$(session_bytes "$WORK/dn.h")"
refused "convert embed --kv-cache int4" "--kv-cache needs f32, f16 or int8" "$WORK/empty" \
  convert embed "$DN" -o "$WORK/e.c" --kv-cache int4
for command in translate inspect demo convert "convert synth" "convert embed" "convert ct2" "convert ggml" "convert xattn" \
  tokenize mel transcribe; do
  # shellcheck disable=SC2086
  works "$command --help" "$WORK/empty" $command --help && holds "$command --help prints its usage" grep -q "usage" "$WORK/out"
done
# xattn --help names every command's forms that the command's own --help names.
works "xattn --help" "$WORK/empty" --help && cp "$WORK/out" "$WORK/usage"
works "convert --help" "$WORK/empty" convert --help && cp "$WORK/out" "$WORK/convert-usage"
works "demo --help" "$WORK/empty" demo --help && cp "$WORK/out" "$WORK/demo-usage"
for source in $(sed -n 's/^.*convert \([a-z0-9]*\) .*$/\1/p' "$WORK/convert-usage" | sort -u); do
  holds "xattn --help names convert $source" grep -q "^  convert $source " "$WORK/usage"
done
for weights in $(grep -o -- '--weights [a-z0-9|]*' "$WORK/convert-usage" | sort -u | sed 's/--weights //'); do
  holds "xattn --help: every convert with --weights offers $weights" \
    test "$(grep -c -- "--weights" "$WORK/usage")" -eq "$(grep -c -- "--weights $weights" "$WORK/usage")"
done
for mode in $(grep -o 'xattn demo --[a-z]*' "$WORK/demo-usage" | sort -u | sed 's/xattn demo //'); do
  holds "xattn --help names demo $mode" grep -q -- "^  demo $mode" "$WORK/usage"
done
refused "an empty --kernels" "--kernels needs a name" "$WORK/date" translate --model "$DN" --kernels=
refused "an empty --end-token" "--end-token needs a token" "$WORK/date" translate --model "$DN" --end-token ""
refused "an empty command" "unknown command ''" "$WORK/empty" ""
refused "an unknown --kernels name" "available here" "$WORK/date" translate --model "$DN" --kernels neon9
refused "--kernels with an unknown name lists the valid ones" "available here: .*scalar" "$WORK/date" \
  translate --model "$DN" --kernels avx9000

# 10. Limits are checked once, against the model, everywhere.
refused "inspect: --max-source beyond the model" "max source length 5000 exceeds the model's 1024 positions" \
  "$WORK/empty" inspect "$DN" --max-source 5000
refused "inspect: --beam over half the vocabulary" "max beam 64 exceeds 7, half the target vocabulary" \
  "$WORK/empty" inspect "$DN" --beam 64
refused "convert embed: --max-source beyond the model" "exceeds the model's 1024 positions" \
  "$WORK/empty" convert embed "$DN" -o "$WORK/m.c" --max-source 5000
refused "convert embed: --beam over half the vocabulary" "max beam 8 exceeds 7" \
  "$WORK/empty" convert embed "$DN" -o "$WORK/m.c" --beam 8
holds "convert embed wrote nothing" [ ! -e "$WORK/m.c" ]

# Errors that depend only on the options: once, before the first line (even with no input).
refused "beam over half the vocabulary, no input" "beam 8 exceeds 7, half the target vocabulary" \
  "$WORK/empty" translate --model "$DN" --beam 8
refused "min length above max length, no input" "min length 9 exceeds max length 3" \
  "$WORK/empty" translate --model "$DN" --min-length 9 --max-length 3
refused "alignment layer beyond the decoder, no --alignment" "alignment layer 5 is beyond the decoder's 2 layers" \
  "$WORK/empty" translate --model "$DN" --alignment-layer 5
refused "num-hypotheses above the beam, no input" "num_hypotheses 3 is outside 1..2" \
  "$WORK/empty" translate --model "$DN" --beam 2 --num-hypotheses 3

# demo --model labels only the project's own model "date normalization".
works "demo --model a copy" "$WORK/empty" demo --model "$WORK/dn.xattn"
holds "demo --model: no date-normalization label" sh -c "! grep -q 'date normalization' '$WORK/out'"

# 8. tokenize: line breaks and BOM as in every text mode, strict id parsing for
# --decode, files that are not files, and failed writes. A rank file of the
# 256 single bytes (tiktoken's format: base64 token, rank) needs no shared data.
b=0
while [ "$b" -lt 256 ]; do
  printf "$(printf '\\%03o' "$b")" | base64 | tr -d '\n' >>"$WORK/bytes.tiktoken"
  echo " $b" >>"$WORK/bytes.tiktoken"
  b=$((b + 1))
done
TK="--tiktoken $WORK/bytes.tiktoken"
printf 'ab\ncd\n' >"$WORK/lf"
# shellcheck disable=SC2086
works "tokenize: LF lines" "$WORK/lf" tokenize $TK
cp "$WORK/out" "$WORK/lf.out"
holds "tokenize: one line of ids per line" [ "$(cat "$WORK/lf.out")" = "$(printf '97 98\n99 100')" ]
for breaks in CRLF CR BOM; do
  case $breaks in
    CRLF) printf 'ab\r\ncd\r\n' ;;
    CR) printf 'ab\rcd' ;;
    BOM) printf '\357\273\277ab\ncd\n' ;;
  esac >"$WORK/breaks"
  # shellcheck disable=SC2086
  works "tokenize: $breaks" "$WORK/breaks" tokenize $TK
  same "tokenize: $breaks gives the ids of LF lines" "$WORK/out" "$WORK/lf.out"
done
printf 'ab\n\377\ncd\n' >"$WORK/bad-utf8"
# shellcheck disable=SC2086
refused "tokenize: invalid UTF-8 on line 2" "line 2: tokenizer: invalid UTF-8 at byte 0" "$WORK/bad-utf8" tokenize $TK
holds "tokenize: the other lines are still tokenized" [ "$(cat "$WORK/out")" = "$(printf '97 98\n\n99 100')" ]
for ids in '12abc' '-1' '4294967296' '1,2' '+5'; do
  echo "$ids" >"$WORK/ids"
  # shellcheck disable=SC2086
  refused "tokenize --decode '$ids'" "line 1: expected ids: decimal numbers up to 4294967295" "$WORK/ids" tokenize $TK --decode
done
printf '104\t105 \n' >"$WORK/ids"
# shellcheck disable=SC2086
works "tokenize --decode: tabs and trailing spaces" "$WORK/ids" tokenize $TK --decode
holds "tokenize --decode: 'hi'" [ "$(cat "$WORK/out")" = "hi" ]
echo 256 >"$WORK/ids"
# shellcheck disable=SC2086
refused "tokenize --decode: an id without a piece" "line 1: " "$WORK/ids" tokenize $TK --decode
refused "tokenize: a FIFO as --tiktoken" "FIFO" "$WORK/lf" tokenize --tiktoken "$WORK/fifo"
refused "tokenize: a directory as --spm" "directory" "$WORK/lf" tokenize --spm "$WORK"
refused "tokenize: a FIFO as merges.txt" "FIFO" "$WORK/lf" tokenize --bpe "$WORK/lf" "$WORK/fifo"
refused "tokenize: a model without a tokenizer" "carries no tokenizer" "$WORK/lf" tokenize --model "$DN"
# shellcheck disable=SC2086
refused "tokenize: --side without --model" "--side is for --model only" "$WORK/lf" tokenize $TK --side target
# shellcheck disable=SC2086
refused "tokenize: two tokenizers" "give one of --spm, --tiktoken, --bpe or --model" "$WORK/lf" tokenize $TK --model "$DN"
refused "tokenize: --bpe with one file" "--bpe takes two files" "$WORK/lf" tokenize --bpe "$WORK/lf"
# A UTF-8 byte order mark at the start of a tokenizer file is not part of its first token.
printf '\357\273\277' >"$WORK/bom.tiktoken" && cat "$WORK/bytes.tiktoken" >>"$WORK/bom.tiktoken"
works "tokenize: a tiktoken file with a BOM" "$WORK/lf" tokenize --tiktoken "$WORK/bom.tiktoken"
same "tokenize: the BOM changes no id" "$WORK/out" "$WORK/lf.out"
# GPT-2's byte-level vocab.json (the 256 bytes as GPT-2 maps them to characters, ids 0..255) plus "ab".
python3 -c '
import json, sys
bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
cs = bs[:]
for b in range(256):
    if b not in bs:
        bs.append(b)
        cs.append(256 + len(cs) - 188)
vocab = {chr(c): b for b, c in zip(bs, cs)}
vocab["ab"] = 256
sys.stdout.write(json.dumps(vocab, ensure_ascii=False))' >"$WORK/vocab.json"
printf '#version: 0.2\na b\n' >"$WORK/merges.txt"
works "tokenize: vocab.json and merges.txt" "$WORK/lf" tokenize --bpe "$WORK/vocab.json" "$WORK/merges.txt"
holds "tokenize: ab merged, cd not" [ "$(cat "$WORK/out")" = "$(printf '256\n99 100')" ]
cp "$WORK/out" "$WORK/bpe.out"
printf '\357\273\277' >"$WORK/bom-vocab.json" && cat "$WORK/vocab.json" >>"$WORK/bom-vocab.json"
works "tokenize: vocab.json with a BOM" "$WORK/lf" tokenize --bpe "$WORK/bom-vocab.json" "$WORK/merges.txt"
same "tokenize: vocab.json's BOM changes no id" "$WORK/out" "$WORK/bpe.out"
printf '\357\273\277a b\n' >"$WORK/bom-merges.txt"
works "tokenize: merges.txt with a BOM (no #version line)" "$WORK/lf" tokenize --bpe "$WORK/vocab.json" "$WORK/bom-merges.txt"
same "tokenize: merges.txt's BOM keeps its first merge" "$WORK/out" "$WORK/bpe.out"
# shellcheck disable=SC2086
refused "tokenize: --pieces with --decode" "--pieces and --decode exclude each other" "$WORK/lf" tokenize $TK --pieces --decode
refused "mel: a FIFO as the audio" "FIFO" "$WORK/empty" mel "$WORK/fifo"
if [ -w /dev/full ]; then
  # shellcheck disable=SC2086
  STDOUT=/dev/full refused "tokenize > /dev/full" "cannot write the output" "$WORK/lf" tokenize $TK
fi

# Second round (after tokenizers, Whisper and `xattn mel` came in): the new
# surfaces under the same rules.
# 4. Every failed write of standard output is an error, --help included, for every command.
if [ -w /dev/full ]; then
  for command in "" convert "convert synth" "convert embed" "convert ct2" tokenize mel; do
    # shellcheck disable=SC2086
    STDOUT=/dev/full refused "$command --help > /dev/full" "cannot write the output|cannot write the help" "$WORK/empty" $command --help
  done
  STDOUT=/dev/full refused "convert synth > /dev/full" "cannot write the output" "$WORK/empty" \
    convert synth --preset aren -o "$WORK/full.xattn"
fi

# 2. --alignment-svg never overwrites the model or the file standard input reads.
cp "$DN" "$WORK/svg-model.xattn"
refused "--alignment-svg is the model" "is the model \(--model\)" "$WORK/date" \
  translate --model "$WORK/svg-model.xattn" --alignment-svg "$WORK/svg-model.xattn"
holds "the model is unchanged" cmp -s "$DN" "$WORK/svg-model.xattn"
cp "$WORK/date" "$WORK/input.txt"
refused "--alignment-svg is standard input's file" "is the input \(standard input\)" "$WORK/input.txt" \
  translate --model "$DN" --alignment-svg "$WORK/input.txt"
holds "the input is unchanged" cmp -s "$WORK/date" "$WORK/input.txt"
refused "--alignment-svg a directory: named as a plot, not a model" "is a directory: the plot must go to a regular file" \
  "$WORK/date" translate --model "$DN" --alignment-svg "$WORK"

refused "--pieces on a model without a tokenizer" "--pieces is for models that carry a tokenizer" "$WORK/date" \
  translate --model "$DN" --pieces

# An unknown --prefix token is an error, as for --end-token and --suppress, never a silent <unk>.
refused "--prefix with a token outside the vocabulary" "prefix: token 'z' is not in the target vocabulary" \
  "$WORK/date" translate --model "$DN" --prefix "zz"

# convert synth: each message names the real problem.
S="convert synth --preset aren"
# shellcheck disable=SC2086
refused "synth --seed -1" "--seed needs a non-negative integer below 2\^64, not '-1'" "$WORK/empty" $S --seed -1 -o "$WORK/s.xattn"
# shellcheck disable=SC2086
refused "synth --seed 2^64" "not '18446744073709551616'" "$WORK/empty" $S --seed 18446744073709551616 -o "$WORK/s.xattn"
# shellcheck disable=SC2086
refused "synth -o followed by an option" "-o needs a file name, got '--weights'" "$WORK/empty" $S -o --weights int8
holds "synth -o --weights: no file named --weights" [ ! -e ./--weights ] && [ ! -e "$WORK/--weights" ]
# shellcheck disable=SC2086
refused "synth -o at the end" "-o needs a value" "$WORK/empty" $S -o
# shellcheck disable=SC2086
refused "synth: an unknown option" "unknown option '--bogus'" "$WORK/empty" $S -o "$WORK/s.xattn" --bogus
# shellcheck disable=SC2086
refused "synth --weights int3" "--weights must be f32, int8 or int4, not 'int3'" "$WORK/empty" $S --weights int3 -o "$WORK/s.xattn"
# shellcheck disable=SC2086
refused "synth --weights int4 --layout row-major" "--weights int4 has one layout" "$WORK/empty" $S --weights int4 --layout row-major -o "$WORK/s.xattn"
refused "embed -o followed by an option" "-o needs a file name, got '--beam'" "$WORK/empty" convert embed "$DN" -o --beam 2
mkfifo "$WORK/fifo.c" && refused "embed -o a FIFO: refused before the header is written" "FIFO" "$WORK/empty" \
  convert embed "$DN" -o "$WORK/fifo.c"
holds "embed -o a FIFO: no header left behind" [ ! -e "$WORK/fifo.h" ]

# An empty model file: a named error (the copy into aligned memory was UB, memcpy from null, under UBSan).
refused "embed an empty file" "truncated: 0 bytes" "$WORK/empty" convert embed "$WORK/empty" -o "$WORK/e.c"

# demo --model with a model of another task: the exit 1 comes with a line saying why.
# shellcheck disable=SC2086
works "synth aren" "$WORK/empty" $S -o "$WORK/aren.xattn"
refused "demo --model of another task" "12 of 12 dates normalized wrongly \(is .* a date-normalization model\?\)" \
  "$WORK/empty" demo --model "$WORK/aren.xattn"

# xattn mel: -o follows the converter's rules; NaN, infinite or overflowing samples are named.
le32() { printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
# wav FILE TAG BITS SAMPLE_HEX (one sample, repeated 400 times: 25 ms at 16 kHz)
wav() {
  bytes=$(($3 / 8 * 400))
  { printf 'RIFF'; le32 $((36 + bytes)); printf 'WAVEfmt '; le32 16; printf "\\$2\\000\\001\\000"; le32 16000
    le32 $((16000 * $3 / 8)); printf "\\$(printf '%03o' $(($3 / 8)))\\000\\$(printf '%03o' "$3")\\000data"; le32 "$bytes"
    i=0; while [ "$i" -lt 400 ]; do printf "$4"; i=$((i + 1)); done; } >"$1"
}
wav "$WORK/silence.wav" 001 16 '\000\000'
wav "$WORK/nan.wav" 003 32 '\000\000\300\177'
wav "$WORK/huge.wav" 003 32 '\231\166\226\176'  # 1e38: finite, but its power overflows
works "mel of silence" "$WORK/empty" mel "$WORK/silence.wav" -o "$WORK/silence.f32"
holds "mel -o: 80 x 2 frames of float32" [ "$(wc -c <"$WORK/silence.f32")" -eq 640 ]
refused "mel: NaN samples" "WAV: sample 0 is not a finite number" "$WORK/empty" mel "$WORK/nan.wav"
refused "mel: samples whose power overflows" "the log-mel is not finite" "$WORK/empty" mel "$WORK/huge.wav"
refused "mel -o a FIFO" "FIFO: the output must be a regular file" "$WORK/empty" mel "$WORK/silence.wav" -o "$WORK/fifo"
cp "$WORK/silence.wav" "$WORK/in.wav"
refused "mel -o the input" "one of the inputs" "$WORK/empty" mel "$WORK/in.wav" -o "$WORK/in.wav"
holds "mel -o the input: unchanged" cmp -s "$WORK/silence.wav" "$WORK/in.wav"
refused "mel -o a device" "character device" "$WORK/empty" mel "$WORK/silence.wav" -o /dev/null
refused "mel -o ''" "-o needs a file name" "$WORK/empty" mel "$WORK/silence.wav" -o ""
refused "mel --filters-from ''" "--filters-from needs a file name" "$WORK/empty" mel "$WORK/silence.wav" --filters-from=

# Control bytes in a path (or read from a file) never split the one-line error.
refused "a newline and ESC in the model path" 'cannot open .*/a\\x0ab\\x1b: No such file' "$WORK/date" \
  translate --model "$WORK/a
b$(printf '\033')"
refused "a newline in an unknown option" "unknown option .--a\\\\x0ab." "$WORK/date" translate --model "$DN" "--a
b"

# --help is an option wherever it appears: never taken as a value, never given one.
works "--model --help: the help, not a model named --help" "$WORK/date" translate --model --help
holds "--model --help prints the usage" grep -q "usage" "$WORK/out"
refused "--help=1" "--help takes no value" "$WORK/date" translate --help=1

if [ ! -f "$DATA/v2-aren-transliteration-i8/model.bin" ]; then
  echo "XATTN-SKIP: shared models absent at $DATA: the CTranslate2 cases did not run"
  echo "$cases cases, $failures failures"
  [ "$failures" -eq 0 ]
  exit
fi
I8="$DATA/v2-aren-transliteration-i8"
cp -r "$I8" "$WORK/ct2"
chmod u+w "$WORK/ct2" "$WORK/ct2/"*
refused "convert ct2: -o the input's model.bin" "one of the inputs" "$WORK/empty" convert ct2 "$WORK/ct2" -o "$WORK/ct2/model.bin" --weights int8
holds "the input's model.bin is unchanged" cmp -s "$I8/model.bin" "$WORK/ct2/model.bin"
refused "convert ct2: -o a FIFO" "FIFO" "$WORK/empty" convert ct2 "$WORK/ct2" -o "$WORK/fifo" --weights int8
refused "translate: a CTranslate2 model.bin" "CTranslate2 model.bin.*xattn convert" "$WORK/date" translate --model "$I8/model.bin"
refused "translate: a CTranslate2 directory" "xattn convert" "$WORK/date" translate --model "$I8"
mkdir "$WORK/ct2-fifo"
cp "$I8/"*vocabulary* "$WORK/ct2-fifo/" && mkfifo "$WORK/ct2-fifo/model.bin"
refused "convert ct2: model.bin is a FIFO" "FIFO" "$WORK/empty" convert ct2 "$WORK/ct2-fifo" -o "$WORK/x.xattn"
refused "convert ct2: an empty --tokenizer" "--tokenizer needs a tokenizer" "$WORK/empty" \
  convert ct2 "$I8" -o "$WORK/x.xattn" --tokenizer=
# -o never overwrites a tokenizer file the conversion reads.
cp "$WORK/bytes.tiktoken" "$WORK/tok.tiktoken"
refused "convert ct2: -o the --tokenizer file" "one of the inputs" "$WORK/empty" \
  convert ct2 "$I8" --tokenizer "tiktoken:$WORK/tok.tiktoken" -o "$WORK/tok.tiktoken"
holds "the tokenizer file is unchanged" cmp -s "$WORK/bytes.tiktoken" "$WORK/tok.tiktoken"
# A UTF-8 byte order mark in a vocabulary file is not part of the first token.
printf '\357\273\277' >"$WORK/ct2/bom" && cat "$WORK/ct2/target_vocabulary.txt" >>"$WORK/ct2/bom"
mv "$WORK/ct2/bom" "$WORK/ct2/target_vocabulary.txt"
works "convert ct2: a vocabulary with a BOM" "$WORK/empty" convert ct2 "$WORK/ct2" -o "$WORK/bom.xattn" --weights int8
works "convert ct2: the same without" "$WORK/empty" convert ct2 "$I8" -o "$WORK/nobom.xattn" --weights int8
same "a BOM changes nothing" "$WORK/bom.xattn" "$WORK/nobom.xattn"

# 7. Every token suppressed (or all but the end token, with a min length): a named error, not junk.
M="$WORK/nobom.xattn"
printf 'آ ز ا\n' >"$WORK/word"
all="--suppress <unk>"  # appended by the converter when the file has none
for t in $(cat "$I8/target_vocabulary.txt"); do all="$all --suppress $t"; done
# shellcheck disable=SC2086
refused "greedy, every token suppressed" "no token allowed" "$WORK/word" translate --model "$M" $all
# shellcheck disable=SC2086
refused "beam 4, every token suppressed" "no token allowed" "$WORK/word" translate --model "$M" --beam 4 $all
but_end="--suppress <unk>"
for t in $(cat "$I8/target_vocabulary.txt"); do [ "$t" = "</s>" ] || but_end="$but_end --suppress $t"; done
# shellcheck disable=SC2086
refused "all but </s> suppressed, min length 2" "no token allowed" "$WORK/word" translate --model "$M" --min-length 2 $but_end
# shellcheck disable=SC2086
works "all but </s> suppressed, min length 0" "$WORK/word" translate --model "$M" --min-length 0 --scores $but_end
holds "all but </s>: an empty output of score 0" [ "$(cat "$WORK/out")" = "$(printf '\t0')" ]

echo "$cases cases, $failures failures"
[ "$failures" -eq 0 ]
