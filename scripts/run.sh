#!/usr/bin/env bash
# The main job: set up, build (Release) and run the default report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/backroll compare "$@"
