#!/usr/bin/env bash
# CI: build the libFuzzer targets (clang, ASan + UBSan), write their seed
# corpora (small synthetic files, plus the shared CTranslate2 model.bin files
# for the importer), and run every fuzz_* target tests/fuzz builds for a
# bounded time, two at a time (one per core); any crash, sanitizer report,
# leak, timeout (an input taking over 10 s) or out-of-memory fails. Prints
# each target's executions per second. See tests/fuzz/README.md for long
# runs. XATTN_FUZZ_SECONDS sets the time per target (default 20).
# Run from the repository root with ../shared beside it; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 \
   || ! [ -d /usr/include/xsimd ]; then
  bash .ci/install-packages.sh clang libclang-rt-dev make cmake libxsimd-dev
fi

SECONDS_EACH=${XATTN_FUZZ_SECONDS:-20}
start=$(date +%s)
echo "== build the fuzz targets (build-fuzz)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXATTN_WARNINGS_AS_ERRORS=ON -DXATTN_BUILD_FUZZERS=ON \
  -DXATTN_BUILD_TESTS=OFF -DXATTN_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" >/dev/null
cmake --build build-fuzz -j2 --target xattn_fuzzers

echo "== seed corpora"
F=build-fuzz/tests/fuzz
rm -rf build-fuzz/seeds build-fuzz/artifacts
"$F/xattn_fuzz_seeds" build-fuzz/seeds
# A valid WAV file (16 kHz mono PCM16, four samples); tests/fuzz/wav.dict does the rest.
mkdir -p build-fuzz/seeds/wav_reader
printf 'RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x08\x00\x00\x00\x01\x00\xff\xff\x00\x40\x00\xc0' \
  >build-fuzz/seeds/wav_reader/pcm16.wav
# And one to convert (44.1 kHz stereo 24-bit, two frames): the resampler's path.
printf 'RIFF\x30\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x44\xac\x00\x00\x98\x09\x04\x00\x06\x00\x18\x00data\x0c\x00\x00\x00\x01\x00\x10\xff\xff\xef\x00\x40\x00\x00\xc0\x10' \
  >build-fuzz/seeds/wav_reader/stereo24.wav
targets=()
for binary in "$F"/fuzz_*; do
  if [ -x "$binary" ] && [ -f "$binary" ]; then targets+=("${binary##*/fuzz_}"); fi
done

echo "== fuzzing ${targets[*]}: ${SECONDS_EACH} s each, two at a time"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fuzz() {  # fuzz TARGET: one bounded run; its log and exit code in build-fuzz/fuzz-TARGET.{log,code}
  local t=$1 extra=() code=0
  case "$t" in
    session) extra=(-max_len=512) ;;
    wav_reader) extra=(-dict=tests/fuzz/wav.dict) ;;
    cli_args | alignment_svg) extra=(-max_len=1024) ;;
  esac
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t" "build-fuzz/seeds/$t"
  "$F/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$t/" "${extra[@]}" "build-fuzz/corpus/$t" "build-fuzz/seeds/$t" \
    >"build-fuzz/fuzz-$t.log" 2>&1 || code=$?
  echo "$code" >"build-fuzz/fuzz-$t.code"
}
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge 2 ]; then wait -n; running=$((running - 1)); fi
  fuzz "$t" &
  running=$((running + 1))
done
wait
failed=0
for t in "${targets[@]}"; do
  code=$(cat "build-fuzz/fuzz-$t.code")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/fuzz-$t.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build-fuzz/fuzz-$t.log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "build-fuzz/fuzz-$t.log" | tail -1)
  if [ "$code" -ne 0 ] || ls "build-fuzz/artifacts/$t/"* >/dev/null 2>&1; then
    failed=1
    echo "FAIL fuzz_$t (exit $code):"
    grep -vE "^#[0-9]+ +(NEW|REDUCE|pulse|RELOAD)|NEW_FUNC" "build-fuzz/fuzz-$t.log" | tail -40 | sed 's/^/    /'
    ls -la "build-fuzz/artifacts/$t/" | sed 's/^/    /'
  else
    printf 'ok   %-20s %6s executions/s  (%s executions, corpus %s files, peak RSS %s MB)\n' "fuzz_$t" "${rate:-?}" \
      "${execs:-?}" "$(ls "build-fuzz/corpus/$t" | wc -l)" "${rss:-?}"
  fi
done
[ "$failed" -eq 0 ] || { echo "FAIL: a fuzz target found a problem (inputs in build-fuzz/artifacts/)"; exit 1; }
echo "ok: no crash, leak, timeout or sanitizer report ($(( $(date +%s) - start )) s)"
