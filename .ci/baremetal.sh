#!/usr/bin/env bash
# CI: the Cortex-M example firmware (ports/baremetal) for M4F, M7 and M55,
# built with arm-none-eabi-gcc + picolibc and run under qemu-system-arm on the
# boards' models (mps2-an386, mps2-an500, mps3-an547). Each run must print
# PASS and exit 0, print exactly the host's int8 outputs from
# tests/golden/aren.txt, and the linked firmware must hold no heap,
# exception or RTTI symbol.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-packages.sh g++ make cmake libxsimd-dev \
  gcc-arm-none-eabi picolibc-arm-none-eabi libstdc++-arm-none-eabi-picolibc qemu-system-arm

start=$SECONDS
echo "== the host xattn tool (converts and embeds the model), built once for the three boards"
cmake -S . -B build/host-tools -DXATTN_BUILD_TESTS=OFF -DXATTN_BUILD_BENCH=OFF -DXATTN_SIMD=OFF >/dev/null
cmake --build build/host-tools -j2 --target xattn_cli
tool=$PWD/build/host-tools/ports/posix/xattn
grep -P '^v2-aren-transliteration-i8/int8\t' tests/golden/aren.txt > build/host-tools/golden-int8.txt

for preset in cortex-m4f:mps2-an386 cortex-m7:mps2-an500 cortex-m55:mps3-an547; do
  board=${preset#*:}
  preset=${preset%%:*}
  echo "== $preset on $board"
  cmake --preset "$preset" -DXATTN_HOST_XATTN="$tool" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
  elf=build/$preset/ports/baremetal/xattn_firmware.elf
  # The firmware's own verdict is its exit status; also diff its lines against the host's.
  qemu-system-arm -M "$board" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$elf" > "build/$preset/firmware.out" 2>&1
  grep -P '^v2-aren-transliteration-i8/int8\t' "build/$preset/firmware.out" | diff build/host-tools/golden-int8.txt -
  if arm-none-eabi-nm -C "$elf" | grep -E ' (malloc|calloc|realloc|free|operator new.*|operator delete.*|__cxa_throw|__cxa_allocate_exception|__gxx_personality_v0|typeinfo for .*)$'; then
    echo "FAIL: $elf links the symbols above"
    exit 1
  fi
  tail -2 "build/$preset/firmware.out"
  arm-none-eabi-size "$elf"
done
echo "baremetal: ok in $((SECONDS - start)) s"
