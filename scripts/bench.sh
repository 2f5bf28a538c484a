#!/usr/bin/env bash
# Simulation-speed benchmarks (issue 11; docs/performance.md).
#   scripts/bench.sh [--runs N] [--compare REV] [--only NAME,...] [--scale F] [--json FILE] [--cores]
# Builds this tree (scripts/setup.sh), then runs the whole-process scenarios of scripts/bench.py
# through build/platforms/vmsim: LT and AT TLB hits, LT walk-heavy, DRAM-only replay of the three
# validation traces. Each prints accesses (requests) per host second and peak RSS, as the median
# of N runs (default 3). --compare REV builds REV in .bench/ and alternates its runs with this
# tree's, printing both and the ratio. --cores also runs the Google Benchmark binaries of bench/
# (cores without SystemC, and the in-process platform scenarios). A first bare number is --runs.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
cores=0
for a in "$@"; do
  case "$a" in
    --cores) cores=1 ;;
    *) args+=("$a") ;;
  esac
done
if [ ${#args[@]} -gt 0 ] && [[ "${args[0]}" =~ ^[0-9]+$ ]]; then args=(--runs "${args[@]}"); fi
if [ "$cores" = 1 ]; then
  scripts/setup.sh vmsim bench_speed bench_dram bench_cores >/dev/null
else
  scripts/setup.sh vmsim >/dev/null
fi
/usr/bin/python3 scripts/bench.py "${args[@]}"
if [ "$cores" = 1 ]; then
  export SC_COPYRIGHT_MESSAGE=DISABLE
  build/bench/cores/bench_cores
  build/bench/dram/bench_dram
  for s in tlb_hits walk_heavy; do  # SystemC elaborates once per process: one scenario each
    build/bench/speed/bench_speed --benchmark_filter="scenario/$s/"
  done
fi
