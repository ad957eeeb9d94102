#!/usr/bin/env bash
# Writes cmd/suyuan/rsrc_windows_amd64.syso: the Windows resources linked
# into suyuan.exe and suyuan-cli.exe (make windows runs it before go build).
#   - icon: assets/icon.png, resized to 256/64/48/32/16 px
#   - version information from FyneApp.toml (Version, Build, Name, Description)
#   - manifest: per-monitor v2 DPI awareness, common controls v6, asInvoker,
#     long-path aware, Windows 7 and later
# The .syso is generated, not committed (.gitignore): it is the same bytes for
# the same inputs, and `go build` for other OSes ignores it.
# go-winres is pinned and run through the Go module proxy, nothing installed.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
WINRES=${WINRES:-"$GO run github.com/tc-hib/go-winres@v0.3.3"}

toml() { sed -n "s/^ *$1 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p" FyneApp.toml | head -1; }
version=$(toml Version)
build=$(toml Build)
name=$(toml Name)
id=$(toml ID)
[ -n "$version" ] && [ -n "$build" ] || { echo "windows-resources: no Version/Build in FyneApp.toml" >&2; exit 1; }
IFS=. read -r v1 v2 v3 _ <<<"$version"
fileversion="${v1:-0}.${v2:-0}.${v3:-0}.${build}"
year=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp assets/icon.png "$work/icon.png"
cat >"$work/winres.json" <<JSON
{
  "RT_GROUP_ICON": { "APP": { "0000": "icon.png" } },
  "RT_MANIFEST": {
    "#1": {
      "0409": {
        "identity": { "name": "$id", "version": "$fileversion" },
        "description": "溯源站 Suyuan",
        "minimum-os": "win7",
        "execution-level": "as invoker",
        "ui-access": false,
        "auto-elevate": false,
        "dpi-awareness": "per monitor v2",
        "disable-theming": false,
        "disable-window-filtering": false,
        "high-resolution-scrolling-aware": false,
        "ultra-high-resolution-scrolling-aware": false,
        "long-path-aware": true,
        "printer-driver-isolation": false,
        "gdi-scaling": false,
        "segment-heap": false,
        "use-common-controls-v6": true
      }
    }
  },
  "RT_VERSION": {
    "#1": {
      "0000": {
        "fixed": { "file_version": "$fileversion", "product_version": "$fileversion" },
        "info": {
          "0804": {
            "CompanyName": "溯源站",
            "FileDescription": "溯源站：农产品生产记录与追溯",
            "FileVersion": "$fileversion",
            "InternalName": "suyuan",
            "LegalCopyright": "© $year $name",
            "OriginalFilename": "suyuan.exe",
            "ProductName": "溯源站 $name",
            "ProductVersion": "$version"
          },
          "0409": {
            "CompanyName": "Suyuan",
            "FileDescription": "Suyuan: agricultural record-keeping and traceability",
            "FileVersion": "$fileversion",
            "InternalName": "suyuan",
            "LegalCopyright": "© $year $name",
            "OriginalFilename": "suyuan.exe",
            "ProductName": "$name",
            "ProductVersion": "$version"
          }
        }
      }
    }
  }
}
JSON
# go-winres resolves file names relative to the json file.
$WINRES make --in "$work/winres.json" --out "$PWD/cmd/suyuan/rsrc" --arch amd64
ls -l cmd/suyuan/rsrc_windows_amd64.syso
