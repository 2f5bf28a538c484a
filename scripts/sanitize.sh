#!/usr/bin/env bash
# Builds everything with AddressSanitizer (+ LeakSanitizer) and UndefinedBehaviorSanitizer (GCC,
# -O1 -g, assertions on) in build-asan/, then runs the default test suite there (ctest -LE long).
# Any sanitizer report fails its test. Usage: scripts/sanitize.sh [extra ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make pkg-config libsystemc-dev libyaml-cpp-dev libboost-dev
          libboost-iostreams-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev liblzma-dev
          libzstd-dev python3 python3-jsonschema python3-yaml xz-utils zstd valgrind)
scripts/install-packages.sh sanitize "${packages[@]}"

jobs=$(nproc 2>/dev/null || echo 2)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DCMAKE_CXX_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" \
  "${launcher[@]}" >/dev/null
cmake --build build-asan -j"$jobs"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-asan -LE long -j"$jobs" --output-on-failure "$@"
