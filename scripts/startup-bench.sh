#!/usr/bin/env bash
# Start-up benchmark: time from exec to the first frame on screen, and
# resident memory, for a bare Fyne window (cmd/barewindow), Suyuan on the
# demo store, and Suyuan on the demo store plus N generated journal entries
# (default 1,000,000). Runs under its own Xvfb; measures from the Xvfb
# framebuffer (cmd/barewindow/startupbench), so the app is measured exactly
# as built, with no hook. Results: docs/performance.md, "Start-up".
#
#   scripts/startup-bench.sh            # or: make startup-bench
#   N=100000 RUNS=3 scripts/startup-bench.sh
#
# The generated stores are kept in $BENCH_DIR (default bin/startup-bench)
# and reused: generating 1M entries takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
N=${N:-1000000}
RUNS=${RUNS:-5}
WORK=${BENCH_DIR:-bin/startup-bench}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

for t in Xvfb xauth; do
  command -v "$t" >/dev/null || { echo "startup-bench: $t is missing (make deps)" >&2; exit 1; }
done

echo "== build"
go build -o "$WORK/suyuan" ./cmd/suyuan
go build -o "$WORK/barewindow" ./cmd/barewindow
go build -o "$WORK/startupbench" ./cmd/barewindow/startupbench

for n in 0 "$N"; do
  d="$WORK/store-$n"
  if [ ! -f "$d/.complete" ]; then
    echo "== generating store-$n (demo data + $n journal entries)"
    rm -rf "$d"
    "$WORK/startupbench" genstore -data "$d" -n "$n"
    touch "$d/.complete"
  fi
done

# A free display number; our own Xvfb, killed on exit.
disp=""
for n in $(seq 91 139); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then disp=$n; break; fi
done
[ -n "$disp" ] || { echo "startup-bench: no free X display in :91..:139" >&2; exit 1; }
fbdir=$(mktemp -d)
Xvfb ":$disp" -screen 0 1280x800x24 -fbdir "$fbdir" -br -nocursor -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; wait $xvfb 2>/dev/null; rm -rf "$fbdir"' EXIT
for _ in $(seq 100); do
  [ -e "/tmp/.X11-unix/X$disp" ] && [ -s "$fbdir/Xvfb_screen0" ] && break
  sleep 0.1
done
[ -s "$fbdir/Xvfb_screen0" ] || { echo "startup-bench: Xvfb did not start (see $WORK/xvfb.log)" >&2; exit 1; }

export DISPLAY=":$disp"
# Keep Fyne's preferences out of the user's home. zh_CN.UTF-8 is what the
# app falls back to itself; the bare window would otherwise log Fyne's
# "Error parsing user locale C" (C.UTF-8 too) on every start.
export XDG_CONFIG_HOME="$WORK/config"
unset LC_ALL LC_MESSAGES

echo "== machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 0 "$N"; do
  echo "== store-$n: $(du -sh "$WORK/store-$n" | cut -f1)"
done
echo "== binaries: suyuan $(du -h "$WORK/suyuan" | cut -f1), barewindow $(du -h "$WORK/barewindow" | cut -f1)"

m() { env LANG=zh_CN.UTF-8 "$WORK/startupbench" measure -fb "$fbdir/Xvfb_screen0" -runs "$RUNS" -log "$WORK/apps.log" "$@"; }
m -label bare -- "$WORK/barewindow"
m -label "app+demo" -- "$WORK/suyuan" --data "$WORK/store-0" gui
m -label "app+$N" -- "$WORK/suyuan" --data "$WORK/store-$N" gui
