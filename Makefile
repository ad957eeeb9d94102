# Suyuan. The two commands a newcomer types:
#   make run    # set up (if needed) and open the app on the default local store
#   make test   # set up (if needed) and run every test
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
# Fyne logs an error for the C locale; the app itself is UTF-8 throughout.
export LANG ?= C.UTF-8
GO ?= go
PKG_TEST_TIMEOUT ?= 15m

.PHONY: deps run test vet fmt-check bench soak screenshots package build clean-failed

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
test: deps fmt-check vet
	$(GO) test -timeout $(PKG_TEST_TIMEOUT) ./...

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

package: deps
	$(GO) run fyne.io/tools/cmd/fyne@v1.7.4 package -os linux -src cmd/suyuan -icon ../../assets/icon.png

clean-failed:
	find . -path '*/testdata/failed' -type d -exec rm -rf {} +
