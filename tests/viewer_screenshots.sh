#!/usr/bin/env bash
# Runs the viewer under Xvfb (Mesa's software GL) on three lessons and checks the screenshots
# with test_view_images. Skipped (exit 77) when xvfb-run is not installed.
# usage: viewer_screenshots.sh BACKROLL TEST_VIEW_IMAGES OUT_DIR DATA_DIR
set -euo pipefail
backroll=$1 checker=$2 out=$3 data=$4
if ! command -v xvfb-run >/dev/null; then
  echo "xvfb-run not installed: viewer screenshot test skipped"
  exit 77
fi
mkdir -p "$out"
rm -f "$out"/*.png "$out"/*.png.json
shot() {
  local name=$1
  shift
  xvfb-run -a -s "-screen 0 1280x800x24" "$backroll" view "$@" --size 1280x800 --screenshot "$out/$name" --timeout 600
}
shot single.png --lesson 01_mid_back_standard
shot compare.png --lesson 05_standard_vs_peanut
shot same.png --lesson "$data/same_twice.toml"
BACKROLL_SHOTS="$out" "$checker"
