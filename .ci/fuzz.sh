#!/usr/bin/env bash
# CI: build the libFuzzer targets (clang, ASan + UBSan), write their seed
# corpora from the shared models (converted here, not committed), and run
# each for a bounded time; any crash, sanitizer report, leak, timeout (an
# input taking over 10 s) or out-of-memory fails. See tests/fuzz/README.md
# for long runs. XATTN_FUZZ_SECONDS sets the time per target (default 60);
# the six targets run side by side.
# Run from the repository root with ../shared beside it; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 \
   || ! [ -d /usr/include/xsimd ]; then
  bash .ci/install-packages.sh clang libclang-rt-dev make cmake libxsimd-dev
fi

SECONDS_EACH=${XATTN_FUZZ_SECONDS:-60}
start=$(date +%s)
echo "== build the fuzz targets (build-fuzz)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXATTN_BUILD_FUZZERS=ON \
  -DXATTN_BUILD_TESTS=OFF -DXATTN_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" >/dev/null
cmake --build build-fuzz -j2 --target fuzz_model_reader fuzz_ct2_import fuzz_session fuzz_wav_reader fuzz_tokenizer \
  fuzz_spm_model xattn_fuzz_seeds fuzz_cli_args fuzz_alignment_svg

echo "== seed corpora"
F=build-fuzz/tests/fuzz
rm -rf build-fuzz/seeds build-fuzz/artifacts
build-fuzz/tests/fuzz/xattn_fuzz_seeds build-fuzz/seeds
# One valid WAV file (16 kHz mono PCM16, four samples); tests/fuzz/wav.dict does the rest.
mkdir -p build-fuzz/seeds/wav_reader
printf 'RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x08\x00\x00\x00\x01\x00\xff\xff\x00\x40\x00\xc0' \
  >build-fuzz/seeds/wav_reader/pcm16.wav

echo "== fuzzing, ${SECONDS_EACH} s per target"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
declare -A pids
for t in model_reader ct2_import session wav_reader tokenizer spm_model; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t" "build-fuzz/seeds/$t"
  extra=()
  if [ "$t" = session ]; then extra=(-max_len=512); fi
  if [ "$t" = wav_reader ]; then extra=(-dict=tests/fuzz/wav.dict); fi
  "$F/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$t/" "${extra[@]}" "build-fuzz/corpus/$t" "build-fuzz/seeds/$t" \
    >"build-fuzz/fuzz-$t.log" 2>&1 &
  pids[$t]=$!
done
failed=0
for t in model_reader ct2_import session wav_reader tokenizer spm_model; do
  code=0
  wait "${pids[$t]}" || code=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/fuzz-$t.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build-fuzz/fuzz-$t.log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "build-fuzz/fuzz-$t.log" | tail -1)
  if [ "$code" -ne 0 ] || ls "build-fuzz/artifacts/$t/"* >/dev/null 2>&1; then
    failed=1
    echo "FAIL fuzz_$t (exit $code):"
    grep -vE "^#[0-9]+ +(NEW|REDUCE|pulse|RELOAD)|NEW_FUNC" "build-fuzz/fuzz-$t.log" | tail -40 | sed 's/^/    /'
    ls -la "build-fuzz/artifacts/$t/" | sed 's/^/    /'
  else
    echo "ok   fuzz_$t: ${execs:-?} executions (${rate:-?}/s), corpus $(ls "build-fuzz/corpus/$t" | wc -l) files, peak RSS ${rss:-?} MB"
  fi
done
# The command-line parser and the SVG writer: small, fast targets, a short run each (no seeds needed).
SHORT_SECONDS=${XATTN_FUZZ_SHORT_SECONDS:-20}
for t in cli_args alignment_svg; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t"
  code=0
  "$F/fuzz_$t" -max_total_time="$SHORT_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -max_len=1024 \
    -artifact_prefix="build-fuzz/artifacts/$t/" "build-fuzz/corpus/$t" >"build-fuzz/fuzz-$t.log" 2>&1 || code=$?
  if [ "$code" -ne 0 ] || ls "build-fuzz/artifacts/$t/"* >/dev/null 2>&1; then
    failed=1
    echo "FAIL fuzz_$t (exit $code):"
    grep -vE "^#[0-9]+ +(NEW|REDUCE|pulse|RELOAD)|NEW_FUNC" "build-fuzz/fuzz-$t.log" | tail -40 | sed 's/^/    /'
  else
    echo "ok   fuzz_$t: $(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/fuzz-$t.log" | tail -1) executions"
  fi
done
[ "$failed" -eq 0 ] || { echo "FAIL: a fuzz target found a problem (inputs in build-fuzz/artifacts/)"; exit 1; }
echo "ok: no crash, leak, timeout or sanitizer report ($(( $(date +%s) - start )) s)"
