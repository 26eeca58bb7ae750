#!/usr/bin/env bash
# Set up, build and run every test through CTest (Catch2's summary is printed per test binary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --verbose -j "$(nproc)" "$@" | grep -E "All tests passed|test cases|assertions|Test +#|tests passed|tests failed|Total Test|FAIL|failed|Error|error"
