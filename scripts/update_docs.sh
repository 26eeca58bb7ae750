#!/usr/bin/env bash
# Regenerates the reference tables from the program (after a change to a reader or the measure
# registry): docs/formats.md from `backroll formats`, and the blocks of README.md between
# "<!-- generated: ... -->" and "<!-- end generated -->". tests/check_docs.sh checks they match.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/backroll}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" formats >"$tmp/formats.md"
"$bin" measures >"$tmp/measures.md"
sed -n '/^\*\*Scenario\*\*/,/^\*\*Body\*\*/p' "$tmp/formats.md" | sed '$d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$tmp/scenario.md"
# docs/formats.md: its prose header (up to the first table title), then the tables.
awk '/^\*\*Scenario\*\*/ { exit } { print }' docs/formats.md >"$tmp/head.md"
cat "$tmp/head.md" "$tmp/formats.md" >docs/formats.md
# README.md: each generated block replaced by the program's output.
awk -v scen="$tmp/scenario.md" -v meas="$tmp/measures.md" '
  /^<!-- generated: backroll formats \(scenario\) -->/ { print; while ((getline l < scen) > 0) print l; skip = 1; next }
  /^<!-- generated: backroll measures -->/ { print; while ((getline l < meas) > 0) print l; skip = 1; next }
  /^<!-- end generated -->/ { skip = 0 }
  !skip { print }' README.md >"$tmp/README.md"
mv "$tmp/README.md" README.md
echo "updated docs/formats.md and README.md's generated tables"
