#!/usr/bin/env bash
# Installs what a fresh Debian 12 / Ubuntu needs to build, run and test
# Suyuan, only when something is missing. As root (or with sudo) it installs;
# otherwise it prints the exact command and fails.
set -euo pipefail

# Build: cgo toolchain, Fyne's X11/GL headers, libusb for device/usb.
# Test: Xvfb (+xauth, xwd, netpbm) for screenshots, zbar for QR checks,
# poppler for PDF pages, socat for serial experiments, chromium for the
# platform's public trace page.
# Windows: the mingw cross compiler and Wine run the Windows build in
# `make test` (make windows-test), so every commit is checked on it.
PKGS=(ca-certificates gcc libc6-dev pkg-config make git
  libgl-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
  libusb-1.0-0-dev
  xvfb xauth x11-apps netpbm zbar-tools poppler-utils socat chromium locales
  gcc-mingw-w64-x86-64 wine wine64)
# Extra packages a caller may name on the command line.
PKGS+=("$@")

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "deps: installing ${missing[*]} with sudo"
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "deps: missing packages. Run as root:" >&2
    echo "  $cmd" >&2
    exit 1
  fi
fi

# Go 1.26 or newer must be on PATH (Debian 12 ships an older Go; install the
# official toolchain to /usr/local/go).
if ! command -v go >/dev/null; then
  for d in /usr/local/go/bin "$HOME/go/bin"; do [ -x "$d/go" ] && export PATH="$d:$PATH"; done
fi
if ! command -v go >/dev/null; then
  echo "deps: Go 1.26+ is required (https://go.dev/dl/, unpacked to /usr/local/go)" >&2
  exit 1
fi
gov=$(go env GOVERSION | sed 's/^go//')
case "$gov" in
  1.2[6-9]*|1.[3-9]*) ;;
  *) echo "deps: Go $gov is too old; Suyuan needs Go 1.26+" >&2; exit 1 ;;
esac
go mod download
