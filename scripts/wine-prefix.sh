#!/usr/bin/env bash
# Prepares a Wine prefix for running Suyuan's Windows build in tests and
# prints its path. Idempotent: a prefix that is ready is reused.
#
#   WINEPREFIX=$(scripts/wine-prefix.sh)
#
# Wine 8.0 (Debian 12) lacks bcryptprimitives.dll!ProcessPrng, which every
# Go >= 1.24 exe needs; scripts/wine/bcryptprimitives.c is a test-only
# stand-in built with mingw and put in the prefix's system32.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prefix=${WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/suyuan-wine}
export WINEPREFIX=$prefix WINEDEBUG=${WINEDEBUG:--all} WINEARCH=win64
command -v wine >/dev/null || { echo "wine-prefix: wine is not installed (make deps installs wine64)" >&2; exit 1; }
command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "wine-prefix: gcc-mingw-w64-x86-64 is not installed" >&2; exit 1; }
dll=$prefix/drive_c/windows/system32/bcryptprimitives.dll
if [ ! -f "$prefix/system.reg" ]; then
  # No Mono/Gecko prompts: they are not needed and cannot be downloaded.
  WINEDLLOVERRIDES="mscoree,mshtml=" wineboot --init >/dev/null 2>&1
  wineserver -w
fi
if [ ! -f "$dll" ] || [ "$here/wine/bcryptprimitives.c" -nt "$dll" ]; then
  x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" "$here/wine/bcryptprimitives.c" -lbcrypt -Wl,--kill-at
fi
echo "$prefix"
