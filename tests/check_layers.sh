#!/usr/bin/env bash
# The core's layers (sim/CMakeLists.txt, BACKROLL_LAYERS): a file in sim/<layer>/ may include only
# headers of its own layer or of layers listed before it; nothing in sim/ includes validation/.
# Prints every offending include and exits 1 if there is one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
layers=($(sed -n 's/^set(BACKROLL_LAYERS \(.*\))/\1/p' "$root/sim/CMakeLists.txt"))
[ ${#layers[@]} -gt 0 ] || { echo "no BACKROLL_LAYERS in sim/CMakeLists.txt"; exit 1; }
rank() { local i; for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
bad=0
for dir in "$root"/sim/*/; do
  own=$(basename "$dir")
  r=$(rank "$own")
  if [ "$r" -lt 0 ]; then echo "sim/$own/: not a layer in BACKROLL_LAYERS"; bad=1; continue; fi
  for f in "$dir"*.h "$dir"*.cpp; do
    [ -e "$f" ] || continue
    while IFS= read -r inc; do
      top=${inc%%/*}
      if [ "$inc" = "$top" ]; then echo "${f#$root/}: #include \"$inc\" names no layer"; bad=1; continue; fi
      t=$(rank "$top")
      if [ "$t" -lt 0 ] || [ "$t" -gt "$r" ]; then echo "${f#$root/}: #include \"$inc\" reaches up from $own to $top"; bad=1; fi
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  done
done
[ "$bad" -eq 0 ] && echo "layers ok: ${layers[*]}"
exit "$bad"
