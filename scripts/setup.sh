#!/usr/bin/env bash
# Installs vmsim's dependencies (Debian 12 packages; idempotent and quick when present), then
# configures and builds vmsim in Release mode into build/ (everything, or only the targets given
# as arguments). Used by run.sh, test.sh and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make pkg-config libsystemc-dev libyaml-cpp-dev libboost-dev
          libboost-iostreams-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev liblzma-dev
          libzstd-dev python3 python3-matplotlib python3-jsonschema python3-yaml xz-utils zstd
          valgrind)
scripts/install-packages.sh setup "${packages[@]}"

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$jobs" "${targets[@]}"
