#!/usr/bin/env bash
# Runs a backroll command that must fail: checks a non-zero exit, that stderr matches a
# pattern, and that the working folder gained no file.
#   cli_expect.sh PATTERN COMMAND...
set -u
pattern="$1"; shift
work=$(mktemp -d)
cd "$work"
out=$("$@" 2>&1 >/dev/null); rc=$?
files=$(ls -A)
cd /; rm -rf "$work"
if [ "$rc" -eq 0 ]; then echo "FAIL: exit code 0 for: $*"; exit 1; fi
if ! grep -qE -- "$pattern" <<<"$out"; then echo "FAIL: stderr does not match '$pattern': $out"; exit 1; fi
if [ -n "$files" ]; then echo "FAIL: wrote files: $files"; exit 1; fi
echo "ok (exit $rc): $out"
