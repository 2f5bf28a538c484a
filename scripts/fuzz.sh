#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz: config loader, lackey, vmsim text and DRAMsim3 trace
# readers) with Debian's clang, ASan and UBSan in build-fuzz/, then runs each for SECONDS (default
# 60) from its seed corpus in tests/data/fuzz/<parser>/ through ctest (label fuzz).
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

packages=(clang libclang-rt-dev cmake make pkg-config libsystemc-dev libyaml-cpp-dev libboost-dev
          libboost-iostreams-dev libcli11-dev zlib1g-dev liblzma-dev libzstd-dev)
scripts/install-packages.sh fuzz "${packages[@]}"

jobs=$(nproc 2>/dev/null || echo 2)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DVMSIM_FUZZ=ON -DVMSIM_BUILD_TESTS=OFF -DVMSIM_BUILD_BENCH=OFF -DVMSIM_INSTALL=OFF \
  -DVMSIM_FUZZ_SECONDS="$seconds" "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_config fuzz_lackey fuzz_vmsim_text fuzz_trace_auto fuzz_dramsim3
# libFuzzer writes crash-*/leak-*/timeout-* inputs into build-fuzz/tests/fuzz (the tests' folder).
ctest --test-dir build-fuzz -L fuzz --output-on-failure
