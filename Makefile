# BANA: `make run` serves the whole API on http://localhost:8080 (SQLite in ./data);
# `make test` runs every test that can run on this machine.
SHELL := /bin/bash
GO ?= go
SCALAR_VERSION := 1.72.1
EXPLORER := internal/platform/api/explorer/dist/standalone.js
STATICCHECK_VERSION := v0.8.2

.PHONY: run build test test-race lint explorer bench clean fuzz

run: explorer
	$(GO) run ./cmd/bana serve

build: explorer
	$(GO) build -o bin/bana ./cmd/bana

# The explorer's bundle comes from npm, pinned, into an ignored folder that go:embed picks up.
# Without npm the build still works and /doc/explorer loads the same bundle from a CDN.
explorer: $(EXPLORER)
$(EXPLORER):
	@if command -v npm >/dev/null 2>&1; then \
		tmp=$$(mktemp -d) && \
		(cd $$tmp && npm pack --silent @scalar/api-reference@$(SCALAR_VERSION) >/dev/null 2>&1) && \
		tar -xzf $$tmp/scalar-api-reference-$(SCALAR_VERSION).tgz -C $$tmp package/dist/browser/standalone.js && \
		mkdir -p $(dir $(EXPLORER)) && mv $$tmp/package/dist/browser/standalone.js $(EXPLORER); \
		rm -rf $$tmp; \
		if [ -f $(EXPLORER) ]; then echo "explorer: embedded @scalar/api-reference@$(SCALAR_VERSION)"; \
		else echo "explorer: npm could not fetch @scalar/api-reference; /doc/explorer will use a CDN"; fi; \
	else echo "explorer: npm not found; /doc/explorer will load Scalar from a CDN"; fi

test:
	$(GO) test -count=1 ./...

test-race:
	$(GO) test -race -count=1 ./...

lint:
	$(GO) vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

fuzz:
	$(GO) test ./internal/platform/query -run '^$$' -fuzz FuzzCompile -fuzztime 30s

# Load benchmark of bin/bana on loopback (bench/README.md): SQLite always, PostgreSQL and pgbench
# when BANA_BENCH_POSTGRES_URL or BANA_TEST_POSTGRES_URL is set; BENCH_FLAGS adds flags
# (e.g. BENCH_FLAGS='-concurrency 32'). The report goes to bench/results/ (ignored) and stdout.
bench: build
	BANA_BENCH_POSTGRES_URL='$(BANA_BENCH_POSTGRES_URL)' BANA_TEST_POSTGRES_URL='$(BANA_TEST_POSTGRES_URL)' \
		$(GO) run ./bench/cmd/benchrun $(BENCH_FLAGS)

clean:
	rm -rf bin data
