#!/usr/bin/env bash
# screenshots.sh — capture every main screen of the desktop app, in Chinese
# and in English, into docs/screenshots/<screen>-<lang>.png.
#
# It builds the app, starts a private Xvfb (1280×800, framebuffer in a temp
# dir), runs `suyuan gui --screenshot-tour` on an empty temporary data
# directory (the app seeds demo-like data through the store API), and for each
# "SHOT <name>" line the app prints, copies the framebuffer to a PNG and
# answers on the app's stdin so it moves on. Nothing is racy: the app waits
# for the answer before changing the screen.
#
# The platform's public trace page (trace-page.png, a phone-sized page) is
# not a desktop screen: it is rendered by headless Chromium in the platform
# simulator's test (sync/platform/sim TestSimTracePage -update), which this
# script runs at the end when chromium is installed; otherwise the existing
# trace-page.png is kept. The script never deletes files in OUTDIR: each run
# overwrites the screens it takes.
#
# Needs: go, Xvfb, xwdtopnm + pnmtopng (netpbm); chromium for the trace page.
# Usage: scripts/screenshots.sh [OUTDIR]   (default docs/screenshots)
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${1:-docs/screenshots}
DISPLAY_NUM=${SCREENSHOT_DISPLAY:-99}
for tool in Xvfb xwdtopnm pnmtopng; do
	command -v "$tool" >/dev/null || { echo "screenshots: $tool is not installed (apt-get install xvfb netpbm)" >&2; exit 1; }
done

WORK=$(mktemp -d)
XPID=""
APPPID=""
cleanup() {
	[ -n "$APPPID" ] && kill "$APPPID" 2>/dev/null || true
	[ -n "$XPID" ] && kill "$XPID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

echo "screenshots: building" >&2
go build -o "$WORK/suyuan" ./cmd/suyuan

mkdir -p "$WORK/fb" "$WORK/data" "$OUT"
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -fbdir "$WORK/fb" -nolisten tcp -nocursor >"$WORK/xvfb.log" 2>&1 &
XPID=$!
for _ in $(seq 1 100); do
	[ -s "$WORK/fb/Xvfb_screen0" ] && break
	sleep 0.1
done
[ -s "$WORK/fb/Xvfb_screen0" ] || { echo "screenshots: Xvfb did not start:" >&2; cat "$WORK/xvfb.log" >&2; exit 1; }

mkfifo "$WORK/to-app"
export DISPLAY=":$DISPLAY_NUM" LANG=zh_CN.UTF-8 SUYUAN_LANG= FYNE_THEME=${FYNE_THEME:-light}
# The app reads its answers from the fifo; keep it open for writing (fd 3).
: >"$WORK/from-app" # exists before the first poll
"$WORK/suyuan" --data "$WORK/data" gui --screenshot-tour <"$WORK/to-app" >"$WORK/from-app" 2>"$WORK/app.log" &
APPPID=$!
exec 3>"$WORK/to-app"

n=0
while true; do
	# Wait for the next line from the app (it is appended to from-app).
	line=""
	for _ in $(seq 1 600); do
		line=$(sed -n "$((n + 1))p" "$WORK/from-app")
		[ -n "$line" ] && break
		kill -0 "$APPPID" 2>/dev/null || break
		sleep 0.1
	done
	case "$line" in
	"SHOT "*)
		name=${line#SHOT }
		xwdtopnm "$WORK/fb/Xvfb_screen0" 2>/dev/null | pnmtopng >"$OUT/$name.png"
		echo "screenshots: $OUT/$name.png" >&2
		n=$((n + 1))
		echo next >&3
		;;
	"DONE")
		break
		;;
	*)
		echo "screenshots: the app stopped before the tour ended; its log:" >&2
		cat "$WORK/app.log" >&2
		exit 1
		;;
	esac
done
exec 3>&-
wait "$APPPID" || { echo "screenshots: the app failed:" >&2; cat "$WORK/app.log" >&2; exit 1; }
APPPID=""
echo "screenshots: $n screens in $OUT" >&2

# The public trace page (sync/platform/sim): the test writes it into
# docs/screenshots; copy it when OUTDIR is elsewhere.
if command -v chromium >/dev/null; then
	echo "screenshots: trace page (headless chromium)" >&2
	go test ./sync/platform/sim -run '^TestSimTracePage$' -count=1 -update >"$WORK/trace.log" 2>&1 ||
		{ echo "screenshots: trace page failed:" >&2; cat "$WORK/trace.log" >&2; exit 1; }
	if [ "$(cd "$OUT" && pwd)" != "$(pwd)/docs/screenshots" ]; then
		cp docs/screenshots/trace-page.png "$OUT/trace-page.png"
	fi
	echo "screenshots: $OUT/trace-page.png" >&2
else
	echo "screenshots: chromium not installed; keeping the existing trace-page.png" >&2
fi
