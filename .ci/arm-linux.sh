#!/usr/bin/env bash
# CI: the whole doctest suite cross-compiled for aarch64 (ARMv8-A NEON) and
# armhf (ARMv7-A NEON-VFPv4, hard float), run under qemu-user through
# CMAKE_CROSSCOMPILING_EMULATOR (toolchains/*.cmake, CMakePresets.json).
# Includes the conformance table, the dispatch tests (aarch64: neon-dotprod on
# qemu's default CPU, neon under QEMU_CPU=cortex-a53) and "portability:
# outputs equal the host's golden file". Only the emulated presets' long
# sweeps (soak, 2,000-input held-out match, 1,000-input KV agreement) are left
# to the host, and some tests run less under emulation (XATTN_TESTS_EMULATED,
# or an emulator argument for the CLI scripts): the thread sessions 3 threads
# only, packed files only, one KV precision per weight type; the CLI's
# transcription 6 of its 20 inputs.
# The suite takes 3 to 4 minutes per target under qemu on 2 cores, the build
# 2 to 3: pass one (`bash .ci/arm-linux.sh aarch64`, `... armhf`) to run them
# as separate steps.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-packages.sh g++ make cmake libxsimd-dev doctest-dev \
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user

presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then presets=(aarch64 armhf); fi
for preset in "${presets[@]}"; do
  case "$preset" in aarch64|aarch64-dotprod|armhf) ;; *) echo "unknown preset $preset"; exit 2 ;; esac
  start=$SECONDS
  echo "== $preset: configure, build, test under qemu-user"
  cmake --preset "$preset" -DXATTN_WARNINGS_AS_ERRORS=ON >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
  echo "$preset: ok in $((SECONDS - start)) s"
done
