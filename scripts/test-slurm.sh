#!/usr/bin/env bash
# The SLURM sweep test (ctest label slurm): installs Debian's slurm-wlm and munge, builds vmsim
# and runs tests/scripts/slurm_sweep.sh, which sets up a single-node SLURM on localhost, submits
# a 4-point `scripts/sweep --slurm` job array and checks its results.csv. Needs root (CI is).
# VMSIM_REQUIRE_SLURM=1 turns the test's skip (no root, no packages) into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh test-slurm slurm-wlm munge python3-yaml
scripts/setup.sh vmsim
VMSIM_REQUIRE_SLURM=1 ctest --test-dir build -L slurm --output-on-failure
