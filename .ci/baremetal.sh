#!/usr/bin/env bash
# CI: the Cortex-M firmwares (ports/baremetal) for M4F, M7 and M55, built
# with arm-none-eabi-gcc + picolibc and run under qemu-system-arm on the
# boards' models (mps2-an386, mps2-an500, mps3-an547). The example firmware
# must print PASS and exit 0 and print exactly the host's int8 outputs from
# tests/golden/aren.txt; the family firmware (a T5, a BART and an mBART-50
# from the shared ct2-families data) must print exactly what the host's `xattn translate`
# prints for the same files and inputs; the benchmark firmware must exit 0 and print a
# well-formed xattn-bench table (bench/check_table.sh, itself shown to reject
# broken tables); neither may link a heap, exception or RTTI symbol. ctest
# also runs the kernel tester (tests/baremetal): every kernel table built for
# the core (armdsp, helium) against the scalar reference.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-packages.sh g++ make cmake libxsimd-dev \
  gcc-arm-none-eabi picolibc-arm-none-eabi libstdc++-arm-none-eabi-picolibc qemu-system-arm

start=$SECONDS
echo "== the host xattn tool (converts and embeds the model), built once for the three boards"
cmake -S . -B build/host-tools -DXATTN_WARNINGS_AS_ERRORS=ON -DXATTN_BUILD_TESTS=OFF -DXATTN_BUILD_BENCH=OFF -DXATTN_SIMD=OFF >/dev/null
cmake --build build/host-tools -j2 --target xattn_cli
tool=$PWD/build/host-tools/ports/posix/xattn
grep -P '^v2-aren-transliteration-i8/int8\t' tests/golden/aren.txt > build/host-tools/golden-int8.txt

# The family firmware's rows, as the host computes them: the first 6 inputs
# greedy and the first 2 with beam 4, 40 steps at most (the same numbers as
# ports/baremetal/CMakeLists.txt), on the same int8 conversion; mBART one
# line at a time, each with its target_prefix.txt token.
data=${XATTN_DATA_DIR:-$PWD/../shared/data}
families="t5-v1_1 bart mbart-50"
have_families=1
: > build/host-tools/family-host.txt
for family in $families; do
  dir=$data/ct2-families/$family
  if [ ! -f "$dir/model-i8/model.bin" ] || [ ! -f "$dir/inputs.txt" ]; then
    echo "note: $dir is absent: the family firmware is skipped (ctest reports it Skipped)"
    have_families=0
    break
  fi
  "$tool" convert ct2 "$dir/model-i8" -o "build/host-tools/$family.xattn" --weights int8
  for run in 1:6 4:2; do
    beam=${run%%:*}
    line=0
    while [ "$line" -lt "${run#*:}" ]; do
      line=$((line + 1))
      prefix=()
      if [ -f "$dir/target_prefix.txt" ]; then prefix=(--prefix "$(sed -n "${line}p" "$dir/target_prefix.txt")"); fi
      sed -n "${line}p" "$dir/inputs.txt" |
        "$tool" translate --model "build/host-tools/$family.xattn" --beam "$beam" --max-source 32 --max-length 40 "${prefix[@]}" |
        awk -v row="$family/beam$beam" -v n="$((line - 1))" '{ printf "%s\t%d\t%s\n", row, n, $0 }' >> build/host-tools/family-host.txt
    done
  done
done

for preset in cortex-m4f:mps2-an386 cortex-m7:mps2-an500 cortex-m55:mps3-an547; do
  board=${preset#*:}
  preset=${preset%%:*}
  echo "== $preset on $board"
  cmake --preset "$preset" -DXATTN_WARNINGS_AS_ERRORS=ON -DXATTN_HOST_XATTN="$tool" -DXATTN_DATA_DIR="$data" \
    -DXATTN_FAMILY_FIRMWARE_FAMILIES="${families// /;}" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
  elf=build/$preset/ports/baremetal/xattn_firmware.elf
  # The firmware's own verdict is its exit status; also diff its lines against the host's.
  qemu-system-arm -M "$board" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$elf" > "build/$preset/firmware.out" 2>&1
  grep -P '^v2-aren-transliteration-i8/int8\t' "build/$preset/firmware.out" | diff build/host-tools/golden-int8.txt -
  tail -2 "build/$preset/firmware.out"
  family_elf=build/$preset/ports/baremetal/xattn_family_firmware.elf
  if [ "$have_families" = 1 ]; then
    qemu-system-arm -M "$board" -nographic -monitor none -serial none \
      -semihosting-config enable=on,target=native -kernel "$family_elf" > "build/$preset/family.out" 2>&1
    grep -P '^[^#\t][^\t]*/beam[0-9]+\t' "build/$preset/family.out" | diff build/host-tools/family-host.txt -
    echo "family firmware: $(wc -l < build/host-tools/family-host.txt) rows equal the host's"
    tail -2 "build/$preset/family.out"
  fi
  # The speech firmware (M55 only): its own verdict is its exit status (every date equals the
  # host's transcribe output, compiled in); shown here with its flash and RAM figures.
  speech_elf=build/$preset/ports/baremetal/xattn_speech_firmware.elf
  if [ -f "$speech_elf" ]; then
    qemu-system-arm -M "$board" -nographic -monitor none -serial none \
      -semihosting-config enable=on,target=native -kernel "$speech_elf" > "build/$preset/speech.out" 2>&1
    tail -3 "build/$preset/speech.out"
    arm-none-eabi-size -A "$speech_elf" | grep -E '^(\.models|\.text|\.data|\.bss|\.stack) '
  fi
  # The benchmark: its exit status, then the shape of its table.
  bench_elf=build/$preset/ports/baremetal/xattn_bench_firmware.elf
  qemu-system-arm -M "$board" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$bench_elf" > "build/$preset/bench.out" 2>&1
  sh bench/check_table.sh --bare-metal "build/$preset/bench.out"
  cat "build/$preset/bench.out"
  for e in "$elf" "$bench_elf" $([ "$have_families" = 1 ] && echo "$family_elf") $([ -f "$speech_elf" ] && echo "$speech_elf"); do
    if arm-none-eabi-nm -C "$e" | grep -E ' (malloc|calloc|realloc|free|operator new.*|operator delete.*|__cxa_throw|__cxa_allocate_exception|__gxx_personality_v0|typeinfo for .*)$'; then
      echo "FAIL: $e links the symbols above"
      exit 1
    fi
  done
  arm-none-eabi-size "$elf" "$bench_elf"
  if [ "$have_families" = 1 ]; then arm-none-eabi-size -A "$family_elf" | grep -E '^(\.models|\.text|\.data|\.bss|\.stack) '; fi
  last_bench=build/$preset/bench.out
done

echo "== the table check rejects broken tables"
rejects() {  # rejects WHAT SED-SCRIPT: the checker must fail on the edited table
  if sed "$2" "$last_bench" | sh bench/check_table.sh --bare-metal 2>/dev/null; then
    echo "FAIL: bench/check_table.sh accepted a table with $1"
    exit 1
  fi
}
rejects "p50 > p90" 's/^\(decoder per token *\)[0-9.]*/\199999.0/'
rejects "a nan" 's/^\(encoder *\)[0-9.]*/\1nan/'
rejects "zero tokens/s" 's/^\(tokens\/s *\)[0-9.]*/\10.0/'
rejects "no per-sentence row" '/^end-to-end per sentence/d'
rejects "a peak RSS line" '$a peak RSS       1.0 MiB'
echo "ok: 5 broken tables rejected"
echo "baremetal: ok in $((SECONDS - start)) s"
