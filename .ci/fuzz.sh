#!/usr/bin/env bash
# CI: build the libFuzzer targets (clang, ASan + UBSan), write their seed
# corpora from the shared models (converted here, not committed), and run
# each for a bounded time; any crash, sanitizer report, leak, timeout (an
# input taking over 10 s) or out-of-memory fails. See tests/fuzz/README.md
# for long runs. XATTN_FUZZ_SECONDS sets the time per target (default 60);
# the five targets run side by side.
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
cmake --build build-fuzz -j2 --target fuzz_model_reader fuzz_ct2_import fuzz_session fuzz_tokenizer fuzz_spm_model \
  xattn_fuzz_seeds

echo "== seed corpora"
F=build-fuzz/tests/fuzz
rm -rf build-fuzz/seeds build-fuzz/artifacts
build-fuzz/tests/fuzz/xattn_fuzz_seeds build-fuzz/seeds

echo "== fuzzing, ${SECONDS_EACH} s per target"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
declare -A pids
for t in model_reader ct2_import session tokenizer spm_model; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t" "build-fuzz/seeds/$t"
  extra=()
  if [ "$t" = session ]; then extra=(-max_len=512); fi
  "$F/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$t/" "${extra[@]}" "build-fuzz/corpus/$t" "build-fuzz/seeds/$t" \
    >"build-fuzz/fuzz-$t.log" 2>&1 &
  pids[$t]=$!
done
failed=0
for t in model_reader ct2_import session tokenizer spm_model; do
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
[ "$failed" -eq 0 ] || { echo "FAIL: a fuzz target found a problem (inputs in build-fuzz/artifacts/)"; exit 1; }
echo "ok: no crash, leak, timeout or sanitizer report ($(( $(date +%s) - start )) s)"
