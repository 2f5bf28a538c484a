#!/usr/bin/env bash
# Quick start 1: set up, build, and run the default experiment (or the config given).
# Output folder: out/ (stats.txt, stats.json, config.ini, config.json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh vmsim
build/platforms/vmsim "${1:-configs/default.yaml}" "${@:2}"
