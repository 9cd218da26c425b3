#!/usr/bin/env bash
# Executed instructions of the Cortex-M benchmark firmware (datenorm, int8 or
# with --weights int4 int4, ports/baremetal/bench_main.cpp) per encoder run and per decoded token, on
# each board's QEMU model, for two builds of each preset:
#   scalar   -DXATTN_SIMD=OFF: the scalar reference kernels only, no DSP
#            intrinsics, and on the M55 no MVE at all (-mcpu=cortex-m55+nomve);
#   kernels  the preset as it is: the core's table (armdsp on M4F/M7, helium on M55).
# Under `qemu-system-arm -icount shift=0` the virtual clock advances 1 ns per
# executed instruction and SysTick counts virtual time, so the firmware's
# milliseconds times 10^6 are instructions (p50 over its samples; the runs
# are deterministic). Instructions are not cycles: see bench/README.md.
#
# Usage: bench/cortex_m_counts.sh [--weights int8|int4] [preset...]
#   (default: int8; cortex-m4f cortex-m7 cortex-m55)
# Prints a Markdown table. Builds into build/<preset> and build/<preset>-scalar
# (int4: build/<preset>-int4 and build/<preset>-int4-scalar), one at a time,
# niced; needs gcc-arm-none-eabi, picolibc and qemu-system-arm.
set -euo pipefail
cd "$(dirname "$0")/.."
weights=int8
if [ "${1:-}" = --weights ]; then
  weights=${2:-}
  shift 2 || { echo "--weights needs int8 or int4" >&2; exit 2; }
fi
case "$weights" in int8|int4) ;; *) echo "--weights must be int8 or int4, not '$weights'" >&2; exit 2 ;; esac
suffix=""
[ "$weights" = int8 ] || suffix=-$weights
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(cortex-m4f cortex-m7 cortex-m55)

board_of() {
  case "$1" in
    cortex-m4f) echo mps2-an386 ;;
    cortex-m7) echo mps2-an500 ;;
    cortex-m55) echo mps3-an547 ;;
    *) echo "unknown preset $1" >&2; exit 2 ;;
  esac
}

# The host tool that converts and embeds the model (scalar, tools only),
# brought up to date with this tree.
tool=build/host-tools/ports/posix/xattn
[ -f build/host-tools/CMakeCache.txt ] ||
  cmake -S . -B build/host-tools -DXATTN_BUILD_TESTS=OFF -DXATTN_BUILD_BENCH=OFF -DXATTN_SIMD=OFF >/dev/null
nice cmake --build build/host-tools -j2 --target xattn_cli >/dev/null

# count BUILD_DIR BOARD -> "kernels encoder_instructions decoder_instructions"
count() {
  local out
  out=$(qemu-system-arm -M "$2" -icount shift=0 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$1/ports/baremetal/xattn_bench_firmware.elf" 2>&1)
  awk '/^kernels /{k=$2; sub(/,$/, "", k)} /^encoder /{e=$2} /^decoder per token /{d=$4}
       END{if (k == "" || e == "" || d == "") exit 1; printf "%s %.0f %.0f\n", k, e * 1e6, d * 1e6}' <<<"$out"
}

echo "| target | board | weights | kernels | encoder run (instructions) | decoded token (instructions) | encoder vs scalar | token vs scalar |"
echo "|---|---|---|---|---:|---:|---:|---:|"
for preset in "${presets[@]}"; do
  board=$(board_of "$preset")
  for variant in scalar kernels; do
    dir=build/$preset$suffix
    extra=(-DXATTN_BENCH_WEIGHTS="$weights")
    if [ "$variant" = scalar ]; then dir=build/$preset$suffix-scalar; extra+=(-DXATTN_SIMD=OFF); fi
    cmake --preset "$preset" -B "$dir" "${extra[@]}" -DXATTN_HOST_XATTN="$PWD/$tool" >/dev/null
    nice cmake --build "$dir" -j2 --target xattn_bench_firmware >/dev/null
    read -r kernels enc dec < <(count "$dir" "$board")
    if [ "$variant" = scalar ]; then base_enc=$enc; base_dec=$dec; fi
    awk -v p="$preset" -v b="$board" -v w="$weights" -v k="$kernels" -v e="$enc" -v d="$dec" -v be="$base_enc" -v bd="$base_dec" \
      'function commas(n,  s, t) { s = sprintf("%d", n); t = ""
         while (length(s) > 3) { t = "," substr(s, length(s) - 2) t; s = substr(s, 1, length(s) - 3) }
         return s t }
       BEGIN{printf "| %s | %s | %s | %s | %s | %s | %.2fx | %.2fx |\n", p, b, w, k, commas(e), commas(d), be / e, bd / d}'
  done
done
