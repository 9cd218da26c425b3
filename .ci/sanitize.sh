#!/usr/bin/env bash
# CI: the whole test suite (doctest cases, the CLI's bad inputs, the soak test,
# the README example) built with AddressSanitizer + UndefinedBehaviorSanitizer
# (plus float-cast-overflow, which GCC's "undefined" leaves out). Any report
# aborts its test: -fno-sanitize-recover=all, leaks checked at exit.
# Then the thread tests under ThreadSanitizer (the pool, split linear layers,
# whole sessions on threads 1..4), a build of the test binary only.
# Run from the repository root with ../shared beside it; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v g++ >/dev/null || ! [ -f /usr/include/doctest/doctest.h ] || ! [ -d /usr/include/xsimd ]; then
  bash .ci/install-packages.sh g++ make cmake libxsimd-dev doctest-dev
fi

SAN="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all"
start=$(date +%s)
echo "== ASan + UBSan build (build-sanitize)"
cmake -S . -B build-sanitize -DXATTN_WARNINGS_AS_ERRORS=ON -DCMAKE_BUILD_TYPE=Debug -DXATTN_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-O1 -g -fno-omit-frame-pointer $SAN" -DCMAKE_C_FLAGS="-O1 -g $SAN" \
  -DCMAKE_EXE_LINKER_FLAGS="$SAN" >/dev/null
cmake --build build-sanitize -j2

echo "== the test suite under ASan + UBSan"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:check_initialization_order=1:strict_init_order=1"
export XATTN_SOAK_INPUTS=1000  # 10 rounds of the soak's 100 inputs: flatness still checked, in 1/10 of the time
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-sanitize --output-on-failure -j2 -LE tokenizer
echo "ok: the suite is clean under ASan + UBSan ($(( $(date +%s) - start )) s)"

echo "== the thread tests under ThreadSanitizer (build-tsan)"
TSAN="-fsanitize=thread"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DXATTN_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-O1 -g $TSAN" -DCMAKE_C_FLAGS="-O1 -g $TSAN" -DCMAKE_EXE_LINKER_FLAGS="$TSAN" >/dev/null
cmake --build build-tsan -j2 --target xattn_tests
TSAN_OPTIONS="halt_on_error=1" build-tsan/tests/xattn_tests -tc='thread pool*,linear: split*,threads:*'
echo "ok: the thread tests are clean under ThreadSanitizer"
