#!/usr/bin/env bash
# The reference tables in the docs are the program's own: docs/formats.md ends with exactly what
# `backroll formats` prints, and README.md holds what `backroll measures` prints and the scenario
# table of `backroll formats`. Usage: check_docs.sh BACKROLL_BINARY
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" formats >"$tmp/formats.md"
"$bin" measures >"$tmp/measures.md"
sed -n '/^\*\*Scenario\*\*/,/^\*\*Body\*\*/p' "$tmp/formats.md" | sed '$d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$tmp/scenario.md"
contains() {  # file $1 holds the lines of file $2 as one consecutive block
  awk 'NR == FNR { part[n++] = $0; next }
       { line[m++] = $0 }
       END { for (i = 0; i + n <= m; ++i) { for (j = 0; j < n && line[i + j] == part[j]; ++j); if (j == n) exit 0 } exit 1 }' "$2" "$1"
}
bad=0
n=$(wc -l <"$tmp/formats.md")
if ! diff -q <(tail -n "$n" "$root/docs/formats.md") "$tmp/formats.md" >/dev/null; then
  echo "docs/formats.md is not what 'backroll formats' prints: run scripts/update_docs.sh"; bad=1
fi
contains "$root/README.md" "$tmp/measures.md" || { echo "README.md: the measures table differs from 'backroll measures' (scripts/update_docs.sh)"; bad=1; }
contains "$root/README.md" "$tmp/scenario.md" || { echo "README.md: the scenario table differs from 'backroll formats' (scripts/update_docs.sh)"; bad=1; }
[ "$bad" -eq 0 ] && echo "docs ok: formats, measures and scenario tables match the program"
exit "$bad"
