#!/usr/bin/env bash
# TLB reach per CPU preset (docs/experiments.md, docs/tlb-reach.md): scripts/tlb-reach for every
# preset in configs/cpu/ (or those named as arguments), then one figure with a line per preset:
# the steady-state latency of a dependent load and the page walks per load against the number
# of pages chased (8 ... 65536).
#   configs/experiments/tlb_reach_presets.sh [-j N] [PRESET...]
# Output: out/experiments/tlb_reach/<preset>/tlb_reach.csv and
#         out/experiments/tlb_reach/tlb_reach_presets.png
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs=2
if [ "${1:-}" = -j ]; then jobs=$2; shift 2; fi
presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then
  for f in configs/cpu/*.yaml; do presets+=("$(basename "$f" .yaml)"); done
fi
out=out/experiments/tlb_reach
csvs=() labels=()
for p in "${presets[@]}"; do
  scripts/tlb-reach --preset "$p" --out "$out/$p" --no-plot --jobs "$jobs"
  csvs+=("$out/$p/tlb_reach.csv")
  labels+=(--label "$p")
done
scripts/plot sweep "${csvs[@]}" "${labels[@]}" --x pages --logx \
  --y avg_latency_ns --y walks_per_access \
  --xlabel "pages chased, one 64-byte load per 4 KiB page (count)" \
  --title "TLB reach per CPU preset (page_chase, steady state)" \
  -o "$out/tlb_reach_presets.png"
