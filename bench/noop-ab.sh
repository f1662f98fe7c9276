#!/usr/bin/env bash
# Interleaved A/B of the no-op re-run (Node start included) for builds of pipe: each round runs every build's
# dist/cli.js once, in turn, so load from other work falls on all of them alike. Prints each build's median wall and
# CPU (user + sys) milliseconds with min and max, and the load average before and after.
#   bench/noop-ab.sh PROJECT ROUNDS DIST [DIST...]    e.g. bench/noop-ab.sh ~/emo 10 /tmp/old/dist dist
# PROJECT is a folder where `pipe run experiments/table2.yaml` has run (EMODB_ROOT set as it was then).
set -euo pipefail
project=$1 rounds=$2
shift 2
dists=()
for d in "$@"; do dists+=("$(cd "$d" && pwd)"); done
cd "$project"
declare -A wall cpu
for d in "${dists[@]}"; do node "$d/cli.js" run experiments/table2.yaml --plain >/dev/null; done
load0=$(cut -d' ' -f1 /proc/loadavg)
for _ in $(seq "$rounds"); do
  for d in "${dists[@]}"; do
    t=$({ /usr/bin/time -f '%e %U %S' node "$d/cli.js" run experiments/table2.yaml --plain >/dev/null; } 2>&1 | tail -1)
    wall[$d]+=" $(awk '{printf "%d", $1 * 1000}' <<<"$t")"
    cpu[$d]+=" $(awk '{printf "%d", ($2 + $3) * 1000}' <<<"$t")"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%d ms (min %d, max %d, n=%d)", m, a[1], a[NR], NR}'; }
for d in "${dists[@]}"; do
  echo "$d: wall median $(median <<<"${wall[$d]}"), cpu median $(median <<<"${cpu[$d]}")"
done
echo "load average $load0 -> $(cut -d' ' -f1 /proc/loadavg)"
