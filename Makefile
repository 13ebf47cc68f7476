# Baldur for Go. The README's quick start is `make demo` then `make test`.

SHELL   := /bin/bash
GO      ?= go
BIN     := bin/baldurgen
RACE    ?= -race

.PHONY: all demo dashboard test test-runtime test-testdata generate check bench fuzz vet clean

all: test

$(BIN): FORCE
	$(GO) build -o $(BIN) ./cmd/baldurgen

FORCE:

## demo: build baldurgen, regenerate the example, run its scripted scenario
demo: $(BIN)
	$(BIN) -v ./examples/...
	$(GO) run ./examples/payments/cmd/demo

## dashboard: the payments example looping its faults, with the admin
## dashboard at http://$(DASHBOARD_ADDR)/baldur/ and its metrics at /metrics
DASHBOARD_ADDR ?= 127.0.0.1:8080
dashboard:
	cd examples/payments/cmd/dashboard && $(GO) run . -addr $(DASHBOARD_ADDR)

## test: vet, then every test of the module (race detector on) and of the
## generator's test-case module, whose golden files are compiled and run
## (golden/sqlrows against the real PostgreSQL), the dashboard's browser
## test (headless Chromium) and the example's /metrics, each from its own
## module.
## The store tests run against Redis and PostgreSQL: the BALDUR_TEST_*
## variables, or the default local ports when a server answers there; what
## cannot run is named in one line.
test: vet
	eval "$$(.ci/services)" && $(GO) test $(RACE) ./...
	cd testdata && $(GO) vet ./golden/... ./lib/... && eval "$$(../.ci/services 2>/dev/null)" && $(GO) test $(RACE) ./golden/... ./lib/...
	cd bench && $(GO) vet ./...
	@# The dashboard in headless Chromium, from its own module (chromedp).
	cd runtime/admin/e2e && $(GO) vet ./... && $(GO) test $(RACE) ./...
	@# The example's dashboard and /metrics, from its own module (Prometheus).
	cd examples/payments/cmd/dashboard && $(GO) vet ./... && $(GO) test $(RACE) ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '^testdata/bad/'))" || { gofmt -l $$(git ls-files '*.go' | grep -v '^testdata/bad/'); echo "files above are not gofmt'd"; exit 1; }
	$(GO) vet ./...

## generate: regenerate every decorator in the repository
generate: $(BIN)
	$(BIN) ./examples/...
	cd testdata && ../$(BIN) ./golden/...
	cd bench && ../$(BIN) ./svc

## check: fail when a generated file is stale
check: $(BIN)
	$(GO) test ./generator -run 'TestGolden|TestBad' -count=1
	$(BIN) check ./examples/...
	cd testdata && ../$(BIN) check ./golden/...
	cd bench && ../$(BIN) check ./svc
	@# The browser test's and the dashboard's modules: go.mod and go.sum current.
	cd runtime/admin/e2e && $(GO) mod tidy -diff
	cd examples/payments/cmd/dashboard && $(GO) mod tidy -diff

## bench: the side-by-side benchmarks with peers, as a benchstat table
bench:
	cd bench && ./run.sh

## fuzz: a short run of every fuzz target (the seed corpora run in make test)
fuzz:
	$(GO) test ./parser -run '^$$' -fuzz FuzzParseDirective -fuzztime 30s
	$(GO) test ./generator -run '^$$' -fuzz FuzzGenerate -fuzztime 30s
	$(GO) test ./runtime -run '^$$' -fuzz FuzzCanonicalJSON -fuzztime 30s

clean:
	rm -rf bin
