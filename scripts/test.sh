#!/usr/bin/env bash
# Quick start 2: set up, build, and run the default test suite (ctest; long runs carry the
# label "long" and are left out: run them with `ctest --test-dir build -L long`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build -LE long -j"$(nproc 2>/dev/null || echo 2)" --output-on-failure
