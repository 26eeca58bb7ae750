#!/usr/bin/env bash
# Runs the viewer under Xvfb (Mesa's software GL) on three lessons, an exercise and a recording, and checks the
# screenshots and the animation with test_view_images; or closes it mid-solve. Skipped (exit 77) when Xvfb is not installed.
# usage: viewer_screenshots.sh BACKROLL TEST_VIEW_IMAGES OUT_DIR DATA_DIR
#        viewer_screenshots.sh --close-mid-solve BACKROLL
#        viewer_screenshots.sh --self-test BACKROLL
set -euo pipefail
if ! command -v Xvfb >/dev/null; then
  echo "Xvfb not installed: viewer screenshot test skipped"
  exit 77
fi
# Our own Xvfb on a free display (xvfb-run's exit code mixes in its own clean-up's).
dfile=$(mktemp)
Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp 3>"$dfile" >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill $xvfb_pid 2>/dev/null; rm -f "$dfile"' EXIT
for _ in $(seq 100); do [ -s "$dfile" ] && break; sleep 0.1; done
[ -s "$dfile" ] || { echo "Xvfb did not start"; exit 1; }
export DISPLAY=":$(head -n1 "$dfile")"
if [ "$1" = "--close-mid-solve" ]; then
  work=$(mktemp -d)
  start=$(date +%s)
  rc=0
  msg=$("$2" view "$(dirname "$0")/../assets/scenarios/default.toml" \
        --size 800x600 --screenshot "$work/x.png" --timeout 2 2>&1) || rc=$?
  took=$(( $(date +%s) - start ))
  files=$(ls -A "$work"); rm -rf "$work"
  echo "$msg"
  echo "exit $rc after ${took} s"
  [ "$rc" -eq 1 ] || { echo "FAIL: expected exit 1"; exit 1; }
  grep -q "did not finish within 2 s" <<<"$msg" || { echo "FAIL: no time-limit message"; exit 1; }
  [ -z "$files" ] || { echo "FAIL: wrote $files"; exit 1; }
  exit 0
fi
if [ "$1" = "--self-test" ]; then
  rc=0
  msg=$("$2" view --self-test 2>&1) || rc=$?
  echo "$msg"
  [ "$rc" -eq 0 ] || { echo "FAIL: exit $rc"; exit 1; }
  grep -q "closing while the solver works" <<<"$msg" || { echo "FAIL: the script did not run to its end"; exit 1; }
  exit 0
fi
backroll=$1 checker=$2 out=$3 data=$4
mkdir -p "$out"
rm -f "$out"/*.png "$out"/*.png.json
shot() {
  local name=$1
  shift
  "$backroll" view "$@" --size 1280x800 --screenshot "$out/$name" --timeout 600
}
shot single.png --lesson 01_mid_back_standard
shot compare.png --lesson 05_standard_vs_peanut
shot same.png --lesson "$data/same_twice.toml"
# The other exercises' mode through their lessons: the lats, and the hip flexors (the cheapest to
# solve) at the larger size; the other exercise lessons are left out of the loop below (the glutes'
# solve takes minutes).
shot exercise.png --lesson 09_lats_standard
"$backroll" view --lesson 07_hip_flexors_standard --size 1920x1080 --screenshot "$out/exercise_large.png" --timeout 600
# Every shipped lesson of the back at the two sizes a classroom uses (their list for the checker).
: >"$out/lessons.txt"
for lesson in "$(dirname "$0")"/../assets/lessons/*.toml; do
  grep -q '^exercise *=' "$lesson" && continue
  name=$(basename "$lesson" .toml)
  for size in 1280x800 1920x1080; do
    "$backroll" view --lesson "$name" --size "$size" --screenshot "$out/${name}_$size.png" --timeout 600
    echo "${name}_$size.png" >>"$out/lessons.txt"
  done
done
rm -f "$out"/roll.gif "$out"/roll.gif.json
"$backroll" view --lesson 01_mid_back_standard --size 640x400 --record "$out/roll.gif" --record-step 10 --timeout 600
BACKROLL_SHOTS="$out" "$checker"
