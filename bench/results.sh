#!/usr/bin/env bash
# The results table of bench/README.md, for the machine this runs on: the
# three synthetic presets, float32 and int8, greedy and beam 4, each with
# xattn-bench --json, printed as Markdown rows.
#
#   bench/results.sh [BUILD_DIR] [MODEL_DIR]    (defaults: build, /tmp/xattn-results)
#
# Environment: CPU (core to pin, default 1), SOURCE (source tokens, 16),
# STEPS (forced decoding steps, 16), SENTENCES (4), ITERATIONS (5),
# PRESETS (default "transformer-base transformer-tiny aren").
# Models are synthesized once (seed 1) into MODEL_DIR and reused.
set -euo pipefail
build=${1:-build}
models=${2:-/tmp/xattn-results}
xattn=$build/ports/posix/xattn
bench=$build/bench/xattn-bench
for tool in "$xattn" "$bench"; do
  [ -x "$tool" ] || { echo "results.sh: $tool not found (build the xattn_cli and xattn_bench targets)" >&2; exit 2; }
done
mkdir -p "$models"

# One field of xattn-bench's JSON: a number after "key": (first match), or
# the p50/p90 inside an object line such as "encoder_ms": {"p50": ...}.
field() { sed -n "s/.*\"$2\": \\([0-9.]*\\).*/\\1/p" "$1" | head -n 1; }
stat() { grep "\"$2\"" "$1" | sed -n "s/.*\"$3\": \\([0-9.]*\\).*/\\1/p"; }

echo "| preset | weights | beam | kernels | model MB | arena MB | encoder p50 ms | step p50 / p90 ms | sentence p50 ms | tok/s | roofline bound ms | step / bound | RSS MiB | allocs 1/N |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for preset in ${PRESETS:-transformer-base transformer-tiny aren}; do
  for weights in int8 f32; do
    model=$models/$preset-$weights.xattn
    [ -f "$model" ] || "$xattn" convert synth --preset "$preset" --weights "$weights" --seed 1 -o "$model" >&2
    for beam in 1 4; do
      json=$(mktemp)
      "$bench" --model "$model" --cpu "${CPU:-1}" --source-length "${SOURCE:-16}" --sentences "${SENTENCES:-4}" \
        --output-length "${STEPS:-16}" --beam "$beam" --warmup 1 --iterations "${ITERATIONS:-5}" \
        --alloc-iterations 3 --roofline --json >"$json"
      awk -v p="$preset" -v w="$weights" -v b="$beam" -v k="$(sed -n 's/.*"kernels": "\(.*\)".*/\1/p' "$json")" \
        -v mb="$(field "$json" model_bytes)" -v ab="$(field "$json" arena_bytes)" \
        -v enc="$(stat "$json" encoder_ms p50)" -v s50="$(stat "$json" decoder_token_ms p50)" \
        -v s90="$(stat "$json" decoder_token_ms p90)" -v sen="$(stat "$json" sentence_ms p50)" \
        -v tps="$(field "$json" tokens_per_second)" -v bound="$(field "$json" roofline_bound_ms)" \
        -v ratio="$(field "$json" roofline_ratio)" -v rss="$(field "$json" peak_rss_bytes)" \
        -v a1="$(field "$json" allocations_1_iteration)" -v an="$(field "$json" allocations_n_iterations)" \
        'BEGIN { printf "| %s | %s | %s | %s | %.1f | %.2f | %.3f | %.3f / %.3f | %.2f | %.0f | %.3f | %.2f | %.0f | %s/%s |\n",
                 p, w, b, k, mb / 1e6, ab / 1e6, enc, s50, s90, sen, tps, bound, ratio, rss / 1048576, a1, an }'
      rm -f "$json"
    done
  done
done
