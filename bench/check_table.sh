#!/bin/sh
# Checks that a table printed by xattn-bench (print_table in report.cpp) is
# well-formed: the model, kernels, arena and work lines, the three latency
# rows and tokens/s are all there; every figure is a positive finite number;
# each row has p50 <= p90 <= p99. With --bare-metal, the lines only an OS can
# give (peak RSS, heap allocations) must be absent.
#   usage: check_table.sh [--bare-metal] [FILE]   (FILE: stdin when absent)
# Prints the first problem and exits 1, or exits 0 silently.
bare_metal=0
if [ "${1:-}" = "--bare-metal" ]; then
  bare_metal=1
  shift
fi
awk -v bare_metal="$bare_metal" '
function bad(message) {
  print "check_table: " message > "/dev/stderr"
  failed = 1
  exit 1
}
# "%f" prints nan, inf and -x: none of them match.
function positive(text) { return text ~ /^[0-9]+(\.[0-9]+)?$/ && text + 0 > 0 }
function row(name,    p50, p90, p99, mean) {
  if (NF < 4) bad(name ": too few fields")
  p50 = $(NF - 3); p90 = $(NF - 2); p99 = $(NF - 1); mean = $NF
  if (!positive(p50) || !positive(p90) || !positive(p99) || !positive(mean))
    bad(name ": not positive finite numbers: " p50 " " p90 " " p99 " " mean)
  if (!(p50 + 0 <= p90 + 0 && p90 + 0 <= p99 + 0)) bad(name ": p50 " p50 " <= p90 " p90 " <= p99 " p99 " fails")
  seen[name] = 1
}
/^model / {
  bytes = $0
  if (!sub(/ bytes\)$/, "", bytes)) bad("model line without a byte count: " $0)
  sub(/.* /, "", bytes)
  if (!positive(bytes)) bad("model bytes: " bytes)
  seen["model"] = 1
}
/^kernels / { if (NF < 2) bad("no kernel path"); seen["kernels"] = 1 }
/^arena / { if (!positive($2) || $3 != "bytes") bad("arena line: " $0); seen["arena"] = 1 }
/^work / { seen["work"] = 1 }
/^encoder / { row("encoder") }
/^decoder per token / { row("decoder per token") }
/^end-to-end per sentence / { row("end-to-end per sentence") }
/^tokens\/s / { if (!positive($2)) bad("tokens/s: " $2); seen["tokens/s"] = 1 }
/^(peak RSS|heap allocs) / { if (bare_metal) bad("an OS-only line on bare metal: " $0) }
END {
  if (failed) exit 1
  n = split("model|kernels|arena|work|encoder|decoder per token|end-to-end per sentence|tokens/s", need, "|")
  for (i = 1; i <= n; ++i) if (!(need[i] in seen)) bad("missing the " need[i] " line")
}' "$@"
