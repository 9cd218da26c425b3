#!/bin/sh
# xattn-bench as a user runs it: a short run of every weight type on 1 and
# 2 threads in JSON (the weight type, the thread count, 3 steps x 2
# iterations, the heap-allocation proof at 0; on 2 threads the host's
# compute split, a positive ratio before and after the run), --roofline on 1 and 2
# threads, every row of the kernel figures (int4 included) with positive
# figures, and bad options refused in one line. Timings are never compared.
# Run by ctest (cli_bench) as
#   sh tests/cli_bench.sh XATTN_BENCH_BINARY [RUNNER...]
set -u
BENCH=$1
shift
RUN="$*"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xattn-cli-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0

fail() {
  failures=$((failures + 1))
  echo "FAIL $1"
  sed 's/^/    /' "$WORK/out" "$WORK/err" 2>/dev/null | head -20
}

# field NAME VALUE: the JSON line of NAME in $WORK/out has exactly VALUE.
field() { grep -q "^  \"$1\": $2,\?\$" "$WORK/out"; }

SHORT="--preset transformer-tiny --sentences 1 --source-length 4 --output-length 3 --warmup 0 --iterations 2 --alloc-iterations 2 --json"
for weights in f32 int8 int4; do
  for threads in 1 2; do
    what="json $weights, $threads threads"
    if ! $RUN "$BENCH" $SHORT --weights "$weights" --threads "$threads" >"$WORK/out" 2>"$WORK/err"; then
      fail "$what: exit status"
    elif ! field weights "\"$weights\"" || ! field threads "$threads" || ! field steps 6 || ! field tokens 6 ||
        ! field allocations_1_iteration 0 || ! field allocations_n_iterations 0 ||
        ! grep -q '^  "encoder_ms": {"p50": [0-9.]*, ' "$WORK/out"; then
      fail "$what: fields"
    elif [ "$threads" -gt 1 ] && ! awk -F': ' '/^  "compute_split_(before|after)": / { v = $2 + 0; n++;
          if (v <= 0 || v > 4) bad = 1 } END { exit (n != 2 || bad) }' "$WORK/out"; then
      fail "$what: the host's compute split before and after the run"
    elif [ "$threads" -eq 1 ] && grep -q compute_split "$WORK/out"; then
      fail "$what: one thread has no compute split"
    elif [ -s "$WORK/err" ]; then
      fail "$what: a short run wrote to stderr (the allocation proof's time note is for proofs over 5 s)"
    fi
  done
done

# --roofline on 1 and 2 threads (the second reads through the pool): a
# positive bandwidth and bound, and the step's weight bytes.
for threads in 1 2; do
  if ! $RUN "$BENCH" $SHORT --weights int8 --threads "$threads" --roofline >"$WORK/out" 2>"$WORK/err"; then
    fail "roofline, $threads threads: exit status"
  elif ! grep -q '^  "step_weight_bytes": [1-9][0-9]*,$' "$WORK/out" ||
      ! grep -q '^  "bandwidth_gbps": [0-9]*[1-9][0-9]*\.[0-9]*,$' "$WORK/out" ||
      ! grep -q '^  "roofline_ratio": [0-9.]*,$' "$WORK/out"; then
    fail "roofline, $threads threads: fields"
  fi
done

# Every shape of the kernel figures, each with a positive time and rate.
if ! $RUN "$BENCH" --kernel-figures >"$WORK/out" 2>"$WORK/err"; then
  fail "kernel figures: exit status"
else
  for row in "GEMV int8 output layer" "GEMV int8 output, row-major" "GEMV int8 ffn_in (base)" \
      "GEMV int8 ffn_out (base)" "GEMV int8 beam 4, output" "GEMV int4 output layer" "GEMV int4 ffn_in (base)" \
      "GEMV int8 64 MiB" "GEMV int4 64 MiB" "GEMV f32 output layer" "GEMV f32 64 MiB" "GEMV f32 ffn_in (base)" \
      "GEMM int8 qkv (base)" "GEMM int8 ffn_in (base)" \
      "GEMM int8 ffn_out (base)" "GEMM int4 ffn_in (base)" "GEMM int4 ffn_out (base)" "GEMM f32 ffn_in (base)"; do
    line=$(grep -F "$row " "$WORK/out")
    # m k n, then time and rate: both positive numbers.
    if ! echo "$line" | awk '{ if (NF < 3 || $(NF-2) + 0 <= 0 || $(NF-1) + 0 <= 0) exit 1 }' || [ -z "$line" ]; then
      fail "kernel figures: row '$row'"
    fi
  done
fi

# refused ARGS...: a non-zero exit and exactly one line on stderr.
refused() {
  $RUN "$BENCH" "$@" >"$WORK/out" 2>"$WORK/err"
  status=$?
  if [ "$status" -eq 0 ] || [ "$status" -gt 128 ] || [ "$(wc -l <"$WORK/err")" -ne 1 ]; then
    fail "refused: $*"
  fi
}
refused --preset transformer-tiny --weights int5
refused --preset transformer-tiny --threads 0
refused --preset transformer-tiny --kernels no-such-path
refused --preset no-such-preset
refused --model "$WORK/missing.xattn"

if [ "$failures" -ne 0 ]; then
  echo "$failures case(s) failed"
  exit 1
fi
echo "all cases passed"
