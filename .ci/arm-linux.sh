#!/usr/bin/env bash
# CI: the whole doctest suite cross-compiled for aarch64 (ARMv8-A NEON) and
# armhf (ARMv7-A NEON-VFPv4, hard float), run under qemu-user through
# CMAKE_CROSSCOMPILING_EMULATOR (toolchains/*.cmake, CMakePresets.json).
# Includes the conformance table, "dispatch: NEON is the path chosen on ARM"
# and "portability: outputs equal the host's golden file". Nothing is excluded:
# the suite takes about 1.5 minutes per target under qemu on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends g++ make cmake libxsimd-dev doctest-dev \
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user >/dev/null

for preset in aarch64 armhf; do
  start=$SECONDS
  echo "== $preset: configure, build, test under qemu-user"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
  echo "$preset: ok in $((SECONDS - start)) s"
done
