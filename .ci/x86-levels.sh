#!/usr/bin/env bash
# CI: the single-level x86 builds (toolchains/x86-64-{sse4.2,avx2}.cmake) run
# the kernel, dispatch and conformance tests under qemu-user's Nehalem and
# Haswell CPU models, so an instruction above a build's level faults here
# instead of passing unnoticed on this AVX-512 host. (QEMU cannot emulate
# AVX-512: the x86-avx512 preset runs natively, as the default build does.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-packages.sh g++ make cmake libxsimd-dev doctest-dev qemu-user

for preset in x86-sse4.2 x86-avx2; do
  start=$SECONDS
  echo "== $preset: build the test binary, run kernels + dispatch + conformance under qemu"
  # Only the test files that hold these cases are compiled (XATTN_TEST_FILES).
  cmake --preset "$preset" -DXATTN_WARNINGS_AS_ERRORS=ON \
    -DXATTN_TEST_FILES="test_(kernels.*|dispatch|conformance|family_kernels|attention_variants|attention_width|convert)[.]cpp" >/dev/null
  cmake --build --preset "$preset" --target xattn_tests
  ctest --preset "$preset" \
    -R "^(linear|quantize|layer_norm|activation|attention|log_softmax|embed|top_k|dispatch|conformance|reference|int8 microkernels|family kernels|kernels:|int4 layout|packed|float16|stream_read)"
  echo "$preset: ok in $((SECONDS - start)) s"
done
