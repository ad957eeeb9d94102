#!/usr/bin/env bash
# windows-test.sh — the Windows build, run under Wine on every `make test`
# (make windows-test). See docs/building.md, "Windows under Wine".
#
#   scripts/windows-test.sh             # what make test runs: unit tests, CLI, GUI check
#   scripts/windows-test.sh screenshots # the GUI part only, PNGs into docs/screenshots
#   scripts/windows-test.sh startup     # start-up time: bare Fyne window vs the app
#
# Expects dist/suyuan.exe and dist/suyuan-cli.exe (make windows builds them;
# the Makefile's windows-test target depends on it). Parts:
#
#  1. unit tests: the Windows test binaries of the store, the printer and the
#     serial packages (GOOS=windows CGO_ENABLED=0 go test -c: modernc sqlite
#     is pure Go), each run under Wine in its package directory; exit status
#     0 and a closing "PASS" line are required.
#  2. CLI: suyuan-cli.exe on two data directories, C:\suyuan-wt-PID\data and
#     "C:\users\Public\溯源 数据 PID" (Chinese and a space): init, demo,
#     verify, trace, print --lang png decoded with zbarimg, backup + verify
#     --file, sync against the platform simulator (run natively on Linux),
#     sync status. Every step's exit status and output are checked.
#  3. GUI: suyuan.exe --screenshot-tour under Xvfb until the Home screen;
#     each screen must be drawn (the framebuffer differs from the empty
#     screen and has many colours).
#
# A failing step prints "windows-test: FAILED: <step>" with its output and
# the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PATH=/usr/local/go/bin:$PATH
MODE=${1:-test}

for t in wine wineserver x86_64-w64-mingw32-gcc Xvfb xwdtopnm pnmtopng ppmhist zbarimg; do
	command -v "$t" >/dev/null || { echo "windows-test: $t is not installed (make deps)" >&2; exit 1; }
done
for f in dist/suyuan.exe dist/suyuan-cli.exe; do
	[ -f "$f" ] || { echo "windows-test: $f is missing (make windows builds it)" >&2; exit 1; }
done

WINEPREFIX=$(scripts/wine-prefix.sh)
export WINEPREFIX WINEDEBUG=-all WINEARCH=win64 WINEDLLOVERRIDES="mscoree,mshtml="
# Wine converts command lines and file names with the Unix locale's
# character set: it must be UTF-8 for the Chinese path. C.UTF-8 always
# exists; the Makefile's zh_CN.UTF-8 may not be generated.
if ! locale -a 2>/dev/null | grep -qix "$(echo "${LANG:-C}" | sed 's/UTF-8/utf8/I')"; then
	export LANG=C.UTF-8
fi
unset LC_ALL
# Debian's /usr/bin/wine prints a wine32 hint on stderr; wine64 is the loader.
WINE=$(command -v wine64 || true)
[ -x /usr/lib/wine/wine64 ] && WINE=/usr/lib/wine/wine64
[ -n "$WINE" ] || WINE=wine

WORK=$(mktemp -d)
PIDS=()
WINROOT="suyuan-wt-$$"
ZHDIR="溯源 数据 $$"
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK" "$WINEPREFIX/drive_c/$WINROOT" "$WINEPREFIX/drive_c/users/Public/$ZHDIR"
}
trap cleanup EXIT

fail() {
	echo "windows-test: FAILED: $STEP${1:+: $1}" >&2
	# A test binary's failures, wherever they are in its output.
	grep -h -B4 -A12 -E -- '^ *--- FAIL|^panic:' "$WORK/out" >&2 2>/dev/null || true
	for f in "$WORK/out" "$WORK/err"; do
		[ -s "$f" ] && { echo "--- ${f##*/}:" >&2; tail -n 40 "$f" >&2; }
	done
	exit 1
}
# run NAME CMD...: run a step; stdout in $WORK/out, stderr in $WORK/err; a
# non-zero exit fails the script with the step's name.
run() {
	STEP=$1
	shift
	local t0=$SECONDS rc=0
	"$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
	[ "$rc" = 0 ] || fail "exit status $rc"
	echo "windows-test: ok   $STEP ($((SECONDS - t0)) s)"
}
# expect PATTERN: the last step's stdout holds PATTERN (grep -E).
expect() { grep -qE -- "$1" "$WORK/out" || fail "output does not match /$1/"; }

# ---------------------------------------------------------------- unit tests
unit_tests() {
	local pkgs=(./internal/wine ./store/... ./device/printer/... ./device/serial/...)
	mkdir -p "$WORK/tests"
	local p dir exe n ov
	for p in $(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' "${pkgs[@]}"); do
		n=$(echo "$p" | tr / _)
		exe="$WORK/tests/$n.test.exe"
		dir=$(go list -f '{{.Dir}}' "$p")
		# Every package's test binary gets internal/wine (t.TempDir cleanup
		# under Wine) through a build overlay: one generated file, added at
		# build time, nothing in the tree.
		ov=()
		if [ "$p" != suyuan/internal/wine ]; then
			printf 'package %s\n\nimport _ "suyuan/internal/wine"\n' "$(go list -f '{{.Name}}' "$p")" >"$WORK/tests/$n.wine.go"
			printf '{"Replace":{"%s/zz_wine_windows_test.go":"%s"}}\n' "$dir" "$WORK/tests/$n.wine.go" >"$WORK/tests/$n.overlay.json"
			ov=(-overlay "$WORK/tests/$n.overlay.json")
		fi
		run "build test $p (GOOS=windows)" env GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -c -tags nousb,winetest -ldflags=-checklinkname=0 "${ov[@]}" -o "$exe" "$p"
		# In the package directory, as go test runs it (testdata/).
		run "test $p under wine" bash -c 'cd "$1" && "$2" "$3" -test.v -test.timeout 10m' _ "$dir" "$WINE" "$exe"
		[ "$(grep -v '^ *$' "$WORK/out" | tail -n 1 | tr -d '\r')" = PASS ] || fail 'no closing "PASS" line'
		grep -h -E -B1 -- '--- SKIP' "$WORK/out" | sed 's/^/windows-test:      /' || true
	done
}

# ----------------------------------------------------------------------- CLI
# cli WINDATA ARGS...: suyuan-cli.exe on a Windows data path.
cli() {
	local d=$1
	shift
	"$WINE" "$ROOT/dist/suyuan-cli.exe" --data "$d" "$@"
}

cli_flow() {
	local name=$1 win=$2 unix=$3
	local user=(--user demo) pw=demo1234
	export SUYUAN_NEW_PASSWORD=chief-pw-1 SUYUAN_PASSWORD=$pw SUYUAN_LANG=en
	echo "windows-test: CLI on $win"
	run "$name: init" cli "$win" init --admin chief
	expect 'created the store'
	[ -f "$unix/suyuan.db" ] || fail "no suyuan.db in $unix"
	run "$name: init again" cli "$win" init
	expect 'already initialised'
	run "$name: demo" cli "$win" demo
	expect 'generated demo data .* [1-9][0-9]* lots'
	expect 'Verified'
	local held
	held=$(sed -n 's/^lots on hold awaiting a lab re-test: \([^, ]*\).*/\1/p' "$WORK/out" | tr -d '\r')
	[ -n "$held" ] || fail "the demo summary names no lot on hold"
	run "$name: verify" cli "$win" verify
	expect '^verified: [1-9][0-9]* journal entries'
	# trace the held lot; take a lot it came from or went to for printing.
	run "$name: trace $held --json" cli "$win" trace "$held" --json
	grep -q "\"$held\"" "$WORK/out" || fail "trace --json does not mention $held"
	run "$name: trace $held" cli "$win" trace "$held"
	expect "$held"
	local code=$held
	run "$name: print trace --lot $code --lang png" cli "$win" "${user[@]}" print trace --lot "$code" --lang png --out "$win\\label.png"
	local png
	png=$(ls "$unix"/label*.png 2>/dev/null | head -n 1)
	[ -n "$png" ] || fail "no label PNG in $unix"
	STEP="$name: zbarimg the label"
	zbarimg -q --raw "$png" >"$WORK/out" 2>"$WORK/err" || fail "zbarimg found no code in $png"
	expect "$code"
	echo "windows-test: ok   $STEP ($(tr -d '\n' <"$WORK/out"))"
	run "$name: backup" cli "$win" backup "$win\\backup"
	local bk
	bk=$(find "$unix/backup" -name '*.db' | head -n 1)
	[ -n "$bk" ] || fail "no .db file in $unix/backup"
	local winbk="$win\\backup\\${bk##*/backup/}"
	winbk=${winbk//\//\\}
	run "$name: verify --file backup" cli "$win" verify --file "$winbk"
	expect '^verified: [1-9][0-9]* journal entries'

	# sync against the platform simulator, natively on Linux.
	# The simulator picks a free port and prints its URL.
	local log="$WORK/platform-$name.log"
	"$WORK/suyuan-linux" platform serve --listen 127.0.0.1:0 --data "$WORK/platform-$name" --account demo --secret wt-secret >"$log" 2>&1 &
	local ppid=$!
	PIDS+=("$ppid")
	local url="" i
	for i in $(seq 1 100); do
		url=$(sed -n 's/^platform simulator on \(http:[^ ]*\).*/\1/p' "$log")
		[ -n "$url" ] && break
		kill -0 "$ppid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$url" ] || { STEP="$name: platform serve"; cp "$log" "$WORK/err"; fail "the simulator did not start"; }
	export SUYUAN_PLATFORM_SECRET=wt-secret
	run "$name: sync setup" cli "$win" "${user[@]}" sync setup --url "$url" --account demo
	expect 'saved'
	run "$name: sync --once" cli "$win" "${user[@]}" sync --once
	cat "$WORK/out" | head -n 3 | sed 's/^/windows-test:      /'
	expect 'batches acknowledged [1-9].*rejected 0.*still pending 0'
	run "$name: sync status" cli "$win" sync status
	cat "$WORK/out" | head -n 6 | sed 's/^/windows-test:      /'
	expect '[Pp]ending[^0-9]*0\b'
	unset SUYUAN_PLATFORM_SECRET
	kill "$ppid" 2>/dev/null || true
	wait "$ppid" 2>/dev/null || true
}

cli_tests() {
	run "build the Linux suyuan (platform simulator)" go build -o "$WORK/suyuan-linux" ./cmd/suyuan
	mkdir -p "$WINEPREFIX/drive_c/$WINROOT" "$WINEPREFIX/drive_c/users/Public"
	cli_flow ascii "C:\\$WINROOT\\data" "$WINEPREFIX/drive_c/$WINROOT/data"
	cli_flow chinese "C:\\users\\Public\\$ZHDIR" "$WINEPREFIX/drive_c/users/Public/$ZHDIR"
}

# ----------------------------------------------------------------------- GUI
XPID=""
start_xvfb() {
	local n
	DISP=""
	for n in $(seq 140 190); do
		if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then DISP=$n; break; fi
	done
	[ -n "$DISP" ] || { STEP="Xvfb"; fail "no free X display in :140..:190"; }
	mkdir -p "$WORK/fb"
	Xvfb ":$DISP" -screen 0 1366x768x24 -fbdir "$WORK/fb" -br -nocursor -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
	XPID=$!
	PIDS+=("$XPID")
	for _ in $(seq 1 100); do
		[ -e "/tmp/.X11-unix/X$DISP" ] && [ -s "$WORK/fb/Xvfb_screen0" ] && break
		sleep 0.1
	done
	[ -s "$WORK/fb/Xvfb_screen0" ] || { STEP="Xvfb"; cp "$WORK/xvfb.log" "$WORK/err"; fail "Xvfb did not start"; }
	export DISPLAY=":$DISP"
}

# gui_lock: one GUI run at a time per prefix, each with a wineserver of its
# own. Wine starts its desktop process (explorer.exe /desktop) for the
# display of the first window of a wineserver session; a session left from
# another display (another run, or someone else's wine in this prefix) makes
# window creation fail ("Failed to create helper window"). Console
# programs (the tests and the CLI above) do not start it.
gui_lock() {
	exec 9>"$WINEPREFIX/.suyuan-gui.lock"
	flock 9
	timeout 60 wineserver -w 2>/dev/null ||
		echo "windows-test: note: another Wine session keeps $WINEPREFIX busy; windows may open on its display" >&2
}

# colours FILE.png: number of distinct colours.
colours() { pngtopnm "$1" | ppmhist -noheader | wc -l; }

# gui_tour OUTDIR SHOT...: run suyuan.exe --screenshot-tour on an empty
# store, save the named shots as OUTDIR/windows-<name>.png, stop after the last.
gui_tour() {
	local out=$1
	shift
	local want=("$@") last=${*: -1}
	gui_lock
	start_xvfb
	xwdtopnm "$WORK/fb/Xvfb_screen0" 2>/dev/null | pnmtopng >"$WORK/empty.png"
	mkdir -p "$out"
	mkfifo "$WORK/to-app"
	: >"$WORK/from-app"
	local data="C:\\$WINROOT\\gui"
	mkdir -p "$WINEPREFIX/drive_c/$WINROOT"
	STEP="GUI: start suyuan.exe --screenshot-tour"
	local t0=$SECONDS
	SUYUAN_LANG= FYNE_THEME=light "$WINE" "$ROOT/dist/suyuan.exe" --data "$data" gui --screenshot-tour <"$WORK/to-app" >"$WORK/from-app" 2>"$WORK/app.log" &
	local app=$!
	PIDS+=("$app")
	exec 3>"$WORK/to-app"
	local n=0 line name
	while true; do
		line=""
		for _ in $(seq 1 1200); do
			line=$(sed -n "$((n + 1))p" "$WORK/from-app" | tr -d '\r')
			[ -n "$line" ] && break
			kill -0 "$app" 2>/dev/null || break
			sleep 0.1
		done
		case "$line" in
		"SHOT "*)
			name=${line#SHOT }
			n=$((n + 1))
			STEP="GUI: screen $name"
			if printf '%s\n' "${want[@]}" | grep -qx -- "$name"; then
				xwdtopnm "$WORK/fb/Xvfb_screen0" 2>/dev/null | pnmtopng >"$out/windows-$name.png"
				cmp -s "$WORK/empty.png" "$out/windows-$name.png" && fail "the screen is empty"
				local c
				c=$(colours "$out/windows-$name.png")
				[ "$c" -ge 50 ] || fail "only $c colours on screen: not drawn"
				echo "windows-test: ok   GUI: $name drawn ($c colours, $((SECONDS - t0)) s after start) -> $out/windows-$name.png"
			fi
			if [ "$name" = "$last" ]; then
				break
			fi
			echo next >&3
			;;
		*)
			# The GUI also logs to suyuan.log in its data folder.
			cat "$WORK/app.log" "$WINEPREFIX/drive_c/$WINROOT/gui/suyuan.log" >"$WORK/err" 2>/dev/null || true
			fail "the app stopped (or printed nothing for 2 min) before $last"
			;;
		esac
	done
	exec 3>&-
	kill "$app" 2>/dev/null || true
	wait "$app" 2>/dev/null || true
	kill "$XPID" 2>/dev/null || true
	wait "$XPID" 2>/dev/null || true
}

# ------------------------------------------------------------------ start-up
startup() {
	local runs=${RUNS:-5}
	run "build startupbench" go build -o "$WORK/startupbench" ./cmd/barewindow/startupbench
	run "build barewindow.exe" env CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
		go build -ldflags "-s -w -H windowsgui" -o "$WORK/barewindow.exe" ./cmd/barewindow
	mkdir -p "$WINEPREFIX/drive_c/$WINROOT"
	local d="C:\\$WINROOT\\bench"
	run "demo store for the bench" bash -c 'SUYUAN_NEW_PASSWORD=bench-pw-1 "$1" "$2" --data "$3" init && "$1" "$2" --data "$3" demo' _ "$WINE" "$ROOT/dist/suyuan-cli.exe" "$d"
	gui_lock
	start_xvfb
	# A running wineserver, as Windows itself is running when a user starts
	# the app: each launch then measures the process, not Wine's boot. It
	# stays up for 30 s after the last run.
	wineserver -p30
	"$WINE" "$WORK/barewindow.exe" >/dev/null 2>&1 & # warm the prefix once
	local w=$!
	sleep 8
	kill "$w" 2>/dev/null || true
	wait "$w" 2>/dev/null || true
	echo "== machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg), $(wine --version 2>/dev/null)"
	local m=("$WORK/startupbench" measure -fb "$WORK/fb/Xvfb_screen0" -runs "$runs" -timeout 120s -log "$WORK/apps.log")
	"${m[@]}" -label wine-bare -- "$WINE" "$WORK/barewindow.exe"
	"${m[@]}" -label wine-app+demo -- "$WINE" "$ROOT/dist/suyuan.exe" --data "$d" gui
}

case "$MODE" in
test)
	T0=$SECONDS
	unit_tests
	cli_tests
	gui_tour "$WORK/shots" wizard-zh home-zh
	echo "windows-test: all passed in $((SECONDS - T0)) s"
	;;
screenshots)
	gui_tour "$WORK/shots" login-zh home-zh
	cp "$WORK/shots/windows-login-zh.png" docs/screenshots/windows-login.png
	cp "$WORK/shots/windows-home-zh.png" docs/screenshots/windows-home.png
	echo "windows-test: docs/screenshots/windows-login.png, windows-home.png"
	;;
startup)
	startup
	;;
*)
	echo "usage: scripts/windows-test.sh [test|screenshots|startup]" >&2
	exit 2
	;;
esac
