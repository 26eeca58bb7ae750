#!/usr/bin/env bash
# Screenshots of every shipped lesson at the two sizes a classroom uses (1280x800, 1920x1080) into
# docs/images/lessons/, for docs/viewer.md's gallery. Needs Xvfb (scripts/setup.sh installs it)
# and a build (scripts/build.sh). About 2 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/backroll}
out=docs/images/lessons
mkdir -p "$out"
for lesson in assets/lessons/*.toml; do
  name=$(basename "$lesson" .toml)
  for size in 1280x800 1920x1080; do
    xvfb-run -a -s "-screen 0 1920x1080x24" "$bin" view --lesson "$name" --size "$size" --screenshot "$out/${name}_$size.png" >/dev/null
    rm -f "$out/${name}_$size.png.json"
    echo "$out/${name}_$size.png"
  done
done
