#!/usr/bin/env bash
# Long fuzzing of every fuzz target, then the long-running soak tests
# (SUYUAN_SOAK=1 enables the large end-to-end runs).
set -euo pipefail
fuzztime=${1:-60s}
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== fuzz $pkg $f ($fuzztime)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$fuzztime" "$pkg"
  done
done
SUYUAN_SOAK=1 go test -timeout 60m ./...
