#!/usr/bin/env bash
# Set up, build and run every test through CTest. Prints each test binary's Catch2 summary and
# CTest's; on a failure, the whole log.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
log=ctest.log
rc=0
ctest --output-on-failure --verbose -j "$(nproc)" "$@" >"$log" 2>&1 || rc=$?
grep -E "All tests passed|test cases:|Test +#|tests passed|Total Test" "$log" || true
if [ "$rc" -ne 0 ]; then
  echo "---- full CTest log ($log) ----"
  cat "$log"
fi
exit "$rc"
