#!/usr/bin/env bash
# CI: the xattn command-line tool under valgrind memcheck on the shared
# CTranslate2 models: convert (float32 and int8, binary versions 1 and 2,
# int16 input), translate (greedy, beam 4, prefix, suppression, end token,
# alignments, n-best), inspect, and error paths (bad model, bad options).
# Any memcheck error or leak (definite, indirect or possible) fails.
# valgrind hides AVX-512 from CPUID, so dispatch picks AVX2 here: expected.
# Run from the repository root with ../shared beside it; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null || ! command -v g++ >/dev/null || ! [ -d /usr/include/xsimd ]; then
  bash .ci/install-packages.sh valgrind g++ make cmake libxsimd-dev
fi
DATA=${XATTN_DATA_DIR:-../shared/data}/ct2-aren-transliteration
if [ ! -f "$DATA/v2-aren-transliteration/model.bin" ]; then
  echo "FAIL: the shared models are absent at $DATA (set XATTN_DATA_DIR)"
  exit 1
fi

start=$(date +%s)
echo "== build the CLI with debug info (build-valgrind)"
cmake -S . -B build-valgrind -DXATTN_WARNINGS_AS_ERRORS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXATTN_BUILD_TESTS=OFF -DXATTN_BUILD_BENCH=OFF >/dev/null
cmake --build build-valgrind -j2 --target xattn_cli
XATTN=build-valgrind/ports/posix/xattn
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

VG=(valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --track-origins=yes)
failures=0
# run EXPECTED_EXIT NAME ARGS... (stdin from $INPUT)
run() {
  local expected=$1 name=$2
  shift 2
  local code=0
  "${VG[@]}" "$XATTN" "$@" <"${INPUT:-/dev/null}" >"$WORK/out" 2>"$WORK/err" || code=$?
  if [ "$code" -ne "$expected" ]; then
    failures=$((failures + 1))
    echo "FAIL $name: exit $code (expected $expected)"
    sed 's/^/    /' "$WORK/err" | head -40
  else
    echo "ok   $name: $(head -c 160 "$WORK/out" | head -1)"
  fi
}

printf 'آ ت ز م و ن\nآ ز ا\nم ح م د\n\nQQ \377\n' >"$WORK/words"
run 0 "convert v2 int8 -> int8" convert ct2 "$DATA/v2-aren-transliteration-i8" -o "$WORK/i8.xattn" --weights int8
run 0 "convert v2 float -> f32" convert ct2 "$DATA/v2-aren-transliteration" -o "$WORK/f32.xattn" --weights f32
run 0 "convert v1 int16 -> int8" convert ct2 "$DATA/v1-aren-transliteration-i16" -o "$WORK/v1.xattn" --weights int8
INPUT="$WORK/words"
run 0 "translate int8 greedy" translate --model "$WORK/i8.xattn" --scores
grep -q "^a t z m o n" "$WORK/out" || { echo "FAIL: wrong greedy output"; failures=$((failures + 1)); }
run 0 "translate f32 beam 4 + alignment" translate --model "$WORK/f32.xattn" --beam 4 --scores --alignment
grep -q "^a t z m o n" "$WORK/out" || { echo "FAIL: wrong beam output"; failures=$((failures + 1)); }
run 0 "translate v1 int8 beam 4, 4 hypotheses" translate --model "$WORK/v1.xattn" --beam 4 --num-hypotheses 4
run 0 "translate prefix + suppress + end token" translate --model "$WORK/f32.xattn" --beam 2 --prefix "a t" \
  --suppress "o" --suppress "t z m" --end-token n --min-length 2 --max-length 12 --length-penalty 0.5
run 0 "translate --truncate" translate --model "$WORK/i8.xattn" --max-source 3 --truncate
run 0 "inspect" inspect "$WORK/i8.xattn" --beam 4
head -c 5000 "$WORK/i8.xattn" >"$WORK/cut.xattn"
run 1 "error: truncated model" translate --model "$WORK/cut.xattn"
run 1 "error: source past the limit" translate --model "$WORK/i8.xattn" --max-source 2
run 1 "error: unknown end token" translate --model "$WORK/i8.xattn" --end-token QQ
run 2 "error: bad option" translate --model "$WORK/i8.xattn" --beam 0
run 1 "error: convert a missing folder" convert ct2 "$WORK/none" -o "$WORK/x.xattn"

if [ "$failures" -ne 0 ]; then
  echo "FAIL: $failures valgrind cases failed"
  exit 1
fi
echo "ok: valgrind memcheck clean on the CLI, no leaks ($(( $(date +%s) - start )) s)"
