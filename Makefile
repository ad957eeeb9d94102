# Suyuan. The two commands a newcomer types:
#   make run    # set up (if needed) and open the app on the default local store
#   make test   # set up (if needed) and run every test
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
# Fyne logs "Error parsing user locale C" for C/POSIX locales (C.UTF-8
# too); the app is UTF-8 throughout and Chinese by default, so use zh_CN
# unless the user already runs a Chinese or English locale.
ifeq ($(filter zh_% en_%,$(LANG)),)
export LANG := zh_CN.UTF-8
endif
GO ?= go
PKG_TEST_TIMEOUT ?= 15m

.PHONY: deps run test vet fmt-check bench soak screenshots package windows windows-test startup-bench build clean-failed

deps:
	@scripts/deps.sh

build: deps
	$(GO) build -o bin/suyuan ./cmd/suyuan

run: deps
	$(GO) run ./cmd/suyuan

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Fuzz targets run their seed corpus as ordinary tests here; long fuzzing is
# in `make soak`.
# Then the Windows build under Wine (windows-test).
test: deps fmt-check vet
	$(GO) test -timeout $(PKG_TEST_TIMEOUT) ./...
	@$(MAKE) --no-print-directory windows-test

# Benchmarks; figures are copied by hand into docs/performance.md with the
# machine and date. BENCHTIME=3x style overrides are welcome.
BENCHTIME ?= 1s
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./... | tee bench.out

# Long runs: every fuzz target for FUZZTIME each, and the long sync soak.
FUZZTIME ?= 60s
soak: deps
	@scripts/soak.sh $(FUZZTIME)

screenshots: deps
	@scripts/screenshots.sh
	@$(MAKE) --no-print-directory windows
	@scripts/windows-test.sh screenshots

# Linux package dist/Suyuan.tar.xz (binary, .desktop file, icon, install
# Makefile) from FyneApp.toml at the repository root; see docs/building.md.
# The binary is built here and handed to `fyne package --executable`
# (fyne reads FyneApp.toml from its source directory, which must then be the
# root, where there is no main package to build). `fyne package` also bumps
# Details.Build in FyneApp.toml on every run: the file is restored, so the
# build number changes only when a release changes it.
FYNE ?= $(GO) run fyne.io/tools/cmd/fyne@v1.7.4
APP_VERSION = $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
package: deps
	mkdir -p dist
	$(GO) build -ldflags "-s -w -X main.version=$(APP_VERSION)" -o dist/suyuan ./cmd/suyuan
	cp FyneApp.toml dist/.FyneApp.toml.orig
	cd dist && $(FYNE) package -os linux -src .. -executable $(CURDIR)/dist/suyuan; \
	  s=$$?; cp .FyneApp.toml.orig ../FyneApp.toml; rm -f .FyneApp.toml.orig; exit $$s
	@ls -l dist/Suyuan.tar.xz

# Windows exe, cross-built with mingw and without USB-direct devices
# (-tags nousb: gousb needs a libusb built for mingw); see docs/building.md.
# suyuan.exe is the desktop app (no console window); suyuan-cli.exe is the
# same program for the command line (console subsystem). Both carry the
# icon, version information and manifest (scripts/windows-resources.sh);
# dist/suyuan-windows-VERSION.zip is what a site PC gets (scripts/winzip).
windows:
	@scripts/deps.sh
	mkdir -p dist
	@scripts/windows-resources.sh
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	  $(GO) build -tags nousb -ldflags "-s -w -H windowsgui -X main.version=$(APP_VERSION)" -o dist/suyuan.exe ./cmd/suyuan
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	  $(GO) build -tags nousb -ldflags "-s -w -X main.version=$(APP_VERSION)" -o dist/suyuan-cli.exe ./cmd/suyuan
	$(GO) run ./scripts/winzip -version $(APP_VERSION) -out dist/suyuan-windows-$(APP_VERSION).zip dist/suyuan.exe dist/suyuan-cli.exe
	@ls -l dist/suyuan.exe dist/suyuan-cli.exe dist/suyuan-windows-$(APP_VERSION).zip

# The Windows build under Wine: the store's, printer's and serial port's
# tests as Windows binaries, the CLI on a C:\ path and on a Chinese path
# with a space (sync against the platform simulator), the GUI drawn under
# Xvfb. scripts/windows-test.sh; docs/building.md "Windows under Wine".
windows-test: windows
	@scripts/windows-test.sh

# Time to first frame and memory: bare Fyne window vs the app on a 1M-entry
# store, under Xvfb (docs/performance.md "Start-up"). N=, RUNS= override.
startup-bench: deps
	@scripts/startup-bench.sh

clean-failed:
	find . -path '*/testdata/failed' -type d -exec rm -rf {} +
