#!/usr/bin/env bash
# Simulation-speed benchmarks: each scenario of bench_speed runs 3 times, each in a fresh
# process (SystemC elaborates once per process); prints the median accesses per host second.
# Then the DRAM trace-replay benchmark. Usage: scripts/bench.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
runs=${1:-3}
export SC_COPYRIGHT_MESSAGE=DISABLE
for s in tlb_hits walk_heavy; do
  rates=()
  for _ in $(seq "$runs"); do
    r=$(build/bench/speed/bench_speed --benchmark_filter="scenario/$s/" --benchmark_format=json |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["benchmarks"][0]["accesses_per_second"])')
    rates+=("$r")
  done
  median=$(printf '%s\n' "${rates[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-12s median %12.0f accesses/s  (runs: %s)\n' "$s" "$median" "${rates[*]}"
done
if [ -x build/bench/dram/bench_dram ]; then
  build/bench/dram/bench_dram
fi
