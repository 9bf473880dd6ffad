# Build and test tooling. `make test` runs the test tiers in order and
# installs what they need (Go tools into .bin/, Debian's chromium) on first use.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

BIN      := $(CURDIR)/.bin
GOROOT   := $(shell go env GOROOT)
# go_js_wasm_exec, go_wasip1_wasm_exec and wasm_exec*.js live here since Go 1.24.
WASM_DIR := $(GOROOT)/lib/wasm
# Packages the wasm tiers run; override to try a tier on another package.
# worker/example is not among them: it imports syumai/workers' binding
# packages, whose init reads the global `context` that only a Worker's glue
# sets (a test binary dies before its first test). Its tests run natively,
# and the example itself in the edge tier.
WASM_PKGS ?= ./signals/... ./jsbridge/... ./worker/ ./worker/cmd/... ./worker/internal/...
# Extra `go test` flags for every tier, e.g. make test TESTFLAGS=-v
TESTFLAGS ?=

# wazero and Chromium leave caches and profiles in TMPDIR: keep them in the repo.
# Every recipe (go itself too) needs it to exist, so create it up front.
export TMPDIR := $(CURDIR)/.tmp
$(shell mkdir -p $(TMPDIR))

# js/wasm runners fail once argv+environment pass ~12 KB, and wazero hands the
# whole environment to the module (-env-inherit), so the wasm tiers run go with
# a minimal environment: these, plus the listed variables the caller has set.
KEEP_ENV := HOME USER LANG GOCACHE GOMODCACHE GOPATH GOFLAGS GOPROXY GOSUMDB \
	GOPRIVATE GONOSUMDB GONOPROXY GOTOOLCHAIN GOENV XDG_CACHE_HOME XDG_CONFIG_HOME \
	SSL_CERT_FILE SSL_CERT_DIR HTTPS_PROXY HTTP_PROXY NO_PROXY
WASM_ENV := env -i PATH='$(WASM_DIR):$(BIN):$(PATH)' GOROOT='$(GOROOT)' TMPDIR='$(TMPDIR)' \
	$(strip $(foreach v,$(KEEP_ENV),$(if $(filter environment%,$(origin $(v))),$(v)='$($(v))')))

# chromedp (inside wasmbrowsertest) takes no extra flags or browser path from
# outside, but it looks for `headless-shell` on PATH before `chromium`; this
# wrapper is that executable. It runs the real binary directly: Debian's
# /usr/bin/chromium launcher adds extension flags and prints shell errors.
CHROMIUM_FLAGS := --no-sandbox --headless --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --no-first-run

header = @printf '\n=== %s ===\n' '$(1)'
# Runs $(1) under WASM_ENV, echoing it without the long env prefix.
wasm_go = @echo '(minimal env) $(1)' && $(WASM_ENV) $(1)

.PHONY: bench-edge bench-browser bench-hub bench-events bench-buffered test test-native test-js test-browser test-wasip1 test-web test-edge web worker tools dev bench bench-smoke bench-go bench-js clean

test: test-native test-js test-browser test-wasip1 bench-smoke test-web test-edge

test-native:
	$(call header,tier 1/6: native (gofmt, go vet, go test -race))
	@# Every Go file as gofmt writes it.
	@test -z "$$(git ls-files '*.go' | xargs gofmt -l)" || { git ls-files '*.go' | xargs gofmt -l; echo 'gofmt would change the files above'; exit 1; }
	go vet ./...
	cd bench && go vet ./...
	go test -race ./... $(TESTFLAGS)
	@# The fuzz targets of the core and of the worker's framing, beyond
	@# their seed corpus, for a bounded number of inputs (about 10 s each on
	@# an idle machine). A count, not a duration: Go 1.26's coordinator can
	@# fail a -fuzztime duration with a bare "context deadline exceeded" when
	@# it ends under load (golang/go#75804, fixed in Go 1.27).
	go test -run '^$$' -fuzz '^FuzzSyncSignal$$' -fuzztime 100000x ./signals/
	go test -run '^$$' -fuzz '^FuzzFraming$$' -fuzztime 30000x ./worker/

test-js:
	$(call header,tier 2/6: js/wasm in Node)
	$(call wasm_go,GOOS=js GOARCH=wasm go vet ./...)
	$(call wasm_go,GOOS=js GOARCH=wasm go test $(WASM_PKGS) $(TESTFLAGS))

test-browser: $(BIN)/wasmbrowsertest $(BIN)/headless-shell
	$(call header,tier 3/6: js/wasm in headless Chromium (wasmbrowsertest))
	@# chromedp SIGKILLs Chromium, which leaves empty temp dirs behind: drop old ones.
	@rm -rf $(TMPDIR)/org.chromium.Chromium.* $(TMPDIR)/chromedp-runner*
	$(call wasm_go,GOOS=js GOARCH=wasm go test -exec $(BIN)/wasmbrowsertest $(WASM_PKGS) $(TESTFLAGS))

test-wasip1: $(BIN)/wazero
	$(call header,tier 4/6: wasip1 in wazero)
	$(call wasm_go,GOOS=wasip1 GOARCH=wasm GOWASIRUNTIME=wazero go test $(WASM_PKGS) $(TESTFLAGS))

test-web: web web/test/testmodule.wasm web/test/othergo.wasm web/node_modules/.package-lock.json | /usr/bin/chromium
	$(call header,tier 5/6: the npm package in Node and headless Chromium (node --test))
	cd web && node --test test/*.test.js
	@# The program that the blocks of part 2 of docs/guide.md make up, built and run.
	node --test docs/guide.test.mjs

# The Worker of the hostile-handler tests (worker/internal/hostileworker),
# workerd, and wrangler (miniflare) for the example's bindings with the Node
# 22 it needs, from npm as worker/wrangler/package-lock.json pins them: set
# before the rule, as make expands prerequisites where it reads them.
HOSTILE_WORKER := worker/test/build/hostile/config.capnp
WORKERD := worker/node_modules/.bin/workerd
WRANGLER := worker/wrangler/node_modules/.package-lock.json

test-edge: worker $(HOSTILE_WORKER) worker/test/testrules.wasm $(WORKERD) $(WRANGLER) | /usr/bin/chromium
	$(call header,tier 6/6: the example Worker in workerd and in wrangler dev (node --test))
	cd worker && node --test test/*.test.js

# playwright-core, for test/page.test.js, as package-lock.json pins it. npm ci
# rewrites node_modules/.package-lock.json, so it is this rule's stamp.
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

# The Go program the bridge tests load (jsbridge/internal/testmodule).
web/test/testmodule.wasm: go.mod $(wildcard signals/*.go jsbridge/*.go jsbridge/internal/testmodule/*.go)
	GOOS=js GOARCH=wasm go build -trimpath -o $@ ./jsbridge/internal/testmodule

# The same program, claiming to be built by an older Go release: load() must
# refuse it (web/test/load.test.js).
web/test/othergo.wasm: web/test/testmodule.wasm
	GOOS=js GOARCH=wasm go build -trimpath -ldflags='-X runtime.buildVersion=go1.19.13' -o $@ ./jsbridge/internal/testmodule

# The npm package's generated files: edgesignals.wasm, the wasm_exec.js of
# the same Go toolchain (the two must match), and that toolchain's version,
# which load() checks a module's against.
WEB_WASM := web/src/edgesignals.wasm
web: $(WEB_WASM) web/src/wasm_exec.js web/src/wasm_exec_go.js

$(WEB_WASM): go.mod $(wildcard signals/*.go jsbridge/*.go wasm/*.go)
	GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o $@ ./wasm

web/src/wasm_exec.js: $(WASM_DIR)/wasm_exec.js
	cp $< $@

web/src/wasm_exec_go.js: $(WASM_DIR)/wasm_exec.js
	printf '%s\n' '// Generated by make web: the Go release of the wasm_exec.js next to this file.' \
		"export const WASM_EXEC_GO = '$$(go env GOVERSION)';" > $@

tools: $(BIN)/wasmbrowsertest $(BIN)/wazero $(BIN)/headless-shell

# Versions are pinned by the `tool` directives in tools/go.mod.
$(BIN)/wasmbrowsertest $(BIN)/wazero &: tools/go.mod tools/go.sum
	cd tools && GOBIN='$(BIN)' go install tool
	@touch $(BIN)/wasmbrowsertest $(BIN)/wazero

$(BIN)/headless-shell: Makefile | /usr/bin/chromium
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec /usr/lib/chromium/chromium %s "$$@"\n' '$(CHROMIUM_FLAGS)' > $@
	chmod +x $@

/usr/bin/chromium:
	$(if $(filter 0,$(shell id -u)),,sudo) sh -c 'apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y chromium'

# The example Worker (worker/example), built by the edgeworker command as
# users build theirs: worker/example/static.mjs first fills its folder of
# static files with the demo page and the npm package's files.
WORKER_BUILD := worker/example/build
WORKER_STATIC := worker/example/static
EDGEWORKER := ./worker/cmd/edgeworker
EDGEWORKER_FLAGS := -o $(WORKER_BUILD) -static $(WORKER_STATIC) -hub -name edgesignals-example ./worker/example

worker: $(WORKER_BUILD)/config.capnp

WORKER_GO := go.mod go.sum $(wildcard signals/*.go worker/*.go worker/example/*.go)

$(WORKER_STATIC)/.stamp: worker/example/static.mjs $(WEB_WASM) web/src/wasm_exec.js web/src/wasm_exec_go.js $(wildcard web/src/*.js web/demo/*)
	node worker/example/static.mjs
	@touch $@

$(WORKER_BUILD)/config.capnp: $(WORKER_GO) $(wildcard worker/cmd/edgeworker/*.go worker/js/*) \
		worker/example/.dev.vars $(WORKER_STATIC)/.stamp
	go run $(EDGEWORKER) build $(EDGEWORKER_FLAGS)

# The Worker of the hostile-handler tests, built as users build theirs:
# worker/test/hostile-handler.test.js serves its folder.
$(HOSTILE_WORKER): $(WORKER_GO) $(wildcard worker/cmd/edgeworker/*.go worker/js/* worker/internal/hostileworker/*.go)
	go run $(EDGEWORKER) build -o $(@D) -name hostile ./worker/internal/hostileworker

# The Go rules that the hub tests run inside the hub (worker/internal/testrules).
worker/test/testrules.wasm: $(WORKER_GO) worker/internal/testrules/main.go
	GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o $@ ./worker/internal/testrules

# workerd, as package-lock.json pins it; the same stamp as for web/.
$(WORKERD): worker/node_modules/.package-lock.json
worker/node_modules/.package-lock.json: worker/package.json worker/package-lock.json
	cd worker && npm ci --no-audit --no-fund

$(WRANGLER): worker/wrangler/package.json worker/wrangler/package-lock.json
	cd worker/wrangler && npm ci --no-audit --no-fund

# The main job: the example Worker with the demo page, in local workerd,
# rebuilt when a .go file changes.
dev: $(WORKER_STATIC)/.stamp $(WORKERD)
	@echo "edgesignals example Worker: http://127.0.0.1:8787/ (demo page at /demo/, API at /health and /api/)"
	go run $(EDGEWORKER) dev -port 8787 $(EDGEWORKER_FLAGS)

# Benchmarks: every run takes the whole suite, so that each ratio compares
# figures taken side by side; the report writes medians to docs/benchmarks.md.
BENCH_RUNS ?= 7
BENCH_DIR := $(TMPDIR)/bench
# go_bench(benchtime, output file): one run of the Go suite.
# bench/peers holds the EventBus comparison, in the bench module.
go_bench = go test -run '^$$' -bench 'Sync|Async|AddRemove' -benchmem -benchtime $(1) -cpu 1 ./signals/ > $(2) && \
	go test -run '^$$' -bench 'ParallelEmit' -benchmem -benchtime $(1) -cpu 1,2,8 ./signals/ >> $(2) && \
	(cd bench && go test -run '^$$' -bench 'Peer(Emit|AsyncEmit)$$' -benchmem -benchtime $(1) -cpu 1 ./peers/ && \
	go test -run '^$$' -bench 'PeerParallelEmit' -benchmem -benchtime $(1) -cpu 1,2,8 ./peers/) >> $(2)

bench: bench-go bench-js bench-edge bench-browser bench-hub bench-events

bench-go:
	@rm -rf $(BENCH_DIR) && mkdir -p $(BENCH_DIR) docs
	for i in $$(seq $(BENCH_RUNS)); do echo "run $$i of $(BENCH_RUNS)"; $(call go_bench,200ms,$(BENCH_DIR)/go-$$i.txt); done
	cd bench && go run ./report -out ../docs/benchmarks.md -chart $(BENCH_DIR)/go-chart.json $(BENCH_DIR)/go-*.txt
	node web/bench/chart.js $(BENCH_DIR)/go-chart.json docs/bench-go.svg
	@echo "wrote docs/benchmarks.md"

# The JavaScript suite (web/bench): one Node process measures everything, so
# its ratios pair figures of the same runs; report.js writes its section of
# docs/benchmarks.md between the js-bench markers. Run it after bench-go,
# which clears BENCH_DIR.
BENCH_JS_DEPS := web/bench/node_modules/.package-lock.json

$(BENCH_JS_DEPS): web/bench/package.json web/bench/package-lock.json
	cd web/bench && npm ci --no-audit --no-fund

bench-js: web web/test/testmodule.wasm $(BENCH_JS_DEPS)
	@mkdir -p $(BENCH_DIR) docs
	node web/bench/run.js --runs $(BENCH_RUNS) $(BENCH_DIR)/js.json > /dev/null
	node web/bench/report.js $(BENCH_DIR)/js.json --out docs/benchmarks.md

# The edge suite (worker/bench/edge.mjs): the example Worker, a plain
# JavaScript Worker, the stock syumai/workers glue and the Go floor in one
# workerd, loaded by wrk; it writes its section between the edge-bench markers. STOCK and
# FLOOR (see below) are set before the rule, as make expands prerequisites
# where it reads them.
STOCK := worker/bench/build/stock
FLOOR := worker/bench/build/floor
bench-edge: worker $(STOCK)/app.wasm $(FLOOR)/app.wasm $(WORKERD) | /usr/bin/wrk
	node worker/bench/edge.mjs --runs $(BENCH_RUNS) --out docs/benchmarks.md > /dev/null

# The browser suite (worker/bench/browser.mjs): the demo page's module and a
# minimal Go program, served by the example Worker, loaded in Chromium; it
# writes its section between the browser-bench markers.
bench-browser: worker $(WORKERD) | /usr/bin/chromium
	node worker/bench/browser.mjs --runs $(BENCH_RUNS) --out docs/benchmarks.md > /dev/null

# The hub suite (worker/bench/hub.mjs): the hub, a minimal hub with the same
# frames, partyserver and the hub with Go rules fanning out one signal, the
# cost of waking with and without Go, and Go against JavaScript emitters;
# it writes its section between the hub-bench markers.
HUB_EMITTER := worker/bench/build/hubemitter
bench-hub: worker worker/test/testrules.wasm $(HUB_EMITTER)/app.wasm $(WORKERD)
	node worker/bench/hub.mjs --runs 3 --out docs/benchmarks.md > /dev/null

# The hub bench's Go emitter: a Worker that only emits (worker/bench/hubemitter).
$(HUB_EMITTER)/app.wasm: $(WORKER_GO) $(wildcard worker/bench/hubemitter/*.go worker/bench/hubemitter/static/* worker/cmd/edgeworker/*.go worker/js/*)
	go run $(EDGEWORKER) build -hub -static worker/bench/hubemitter/static -o $(HUB_EMITTER) ./worker/bench/hubemitter

# The events suite (worker/bench/events.mjs): Queue batches dispatched to Go
# against a plain JavaScript queue handler, and a streamed response's time
# to first byte against a buffered one's; its section goes between the
# events-bench markers.
EVENTS_WORKER := worker/bench/build/events
bench-events: $(EVENTS_WORKER)/app.wasm $(WORKERD)
	node worker/bench/events.mjs --runs $(BENCH_RUNS) --out docs/benchmarks.md > /dev/null

# Buffered responses as they are against before streamed responses landed:
# it builds an old commit, so it is not part of bench.
bench-buffered: $(WORKERD)
	node worker/bench/buffered.mjs --runs $(BENCH_RUNS) --out docs/benchmarks.md > /dev/null

$(EVENTS_WORKER)/app.wasm: $(WORKER_GO) $(wildcard worker/bench/eventsworker/*.go worker/cmd/edgeworker/*.go worker/js/*)
	go run $(EDGEWORKER) build -o $(EVENTS_WORKER) ./worker/bench/eventsworker

# The example's pipeline on syumai's stock glue, for bench-edge
# (worker/bench/bench.capnp). workers-assets-gen runs from go.mod's version:
# `go run ...@v0.32.0` would ask the proxy for a version list, which it refuses.
$(STOCK)/app.wasm: $(WORKER_GO)
	go run github.com/syumai/workers/cmd/workers-assets-gen -mode go -o $(STOCK)
	GOOS=js GOARCH=wasm go build -tags stock -trimpath -ldflags='-s -w' -o $@ ./worker/example

# The Go floor of bench-edge (worker/bench/floorworker): the glue and a
# handler that only writes /health's bytes.
$(FLOOR)/app.wasm: $(WORKER_GO) $(wildcard worker/bench/floorworker/*.go worker/cmd/edgeworker/*.go worker/js/*)
	go run $(EDGEWORKER) build -o $(FLOOR) ./worker/bench/floorworker

/usr/bin/wrk:
	$(if $(filter 0,$(shell id -u)),,sudo) sh -c 'apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y wrk'

# A quick pass over every benchmark, through the reports, so that a broken
# benchmark fails the tests; the figures are thrown away.
bench-smoke: web web/test/testmodule.wasm $(BENCH_JS_DEPS) worker $(STOCK)/app.wasm $(FLOOR)/app.wasm worker/test/testrules.wasm $(EVENTS_WORKER)/app.wasm $(HUB_EMITTER)/app.wasm $(WORKERD) | /usr/bin/wrk /usr/bin/chromium
	$(call header,benchmarks (smoke run: one iteration each))
	@mkdir -p $(BENCH_DIR)
	$(call go_bench,1x,$(BENCH_DIR)/smoke.txt)
	cd bench && go run ./report -out /dev/null -chart $(BENCH_DIR)/go-chart-smoke.json $(BENCH_DIR)/smoke.txt
	node web/bench/chart.js $(BENCH_DIR)/go-chart-smoke.json $(BENCH_DIR)/go-smoke.svg
	node web/bench/run.js --quick $(BENCH_DIR)/js-smoke.json > /dev/null
	node web/bench/report.js $(BENCH_DIR)/js-smoke.json --out /dev/null
	node worker/bench/edge.mjs --quick --out /dev/null > /dev/null
	node worker/bench/browser.mjs --quick --out /dev/null > /dev/null
	node worker/bench/hub.mjs --quick --out /dev/null > /dev/null
	node worker/bench/events.mjs --quick --out /dev/null > /dev/null

clean:
	rm -rf $(BIN) $(TMPDIR)
