#!/usr/bin/env bash
# Configures and builds backroll in Release into ./build (incremental on a second run).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBACKROLL_BUILD_TESTS=ON -DBACKROLL_BUILD_VIEWER=ON >/dev/null
cmake --build build -j "$(nproc)"
