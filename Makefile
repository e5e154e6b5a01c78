# kmsgate: make run (serve the emulator), make test (what CI runs).
GO        ?= go
BIN       := bin/kmsgate
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
AWS_CLI   := /usr/bin/aws
FUZZTIME  ?= 30s
NODE_DIR  := integration/node

.PHONY: build install run test test-deps lint bench bench-scale fuzz docker clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kmsgate

# Installs kmsgate where `go install` puts binaries: $GOBIN, else
# $(go env GOPATH)/bin (usually ~/go/bin), which must be on PATH.
install:
	CGO_ENABLED=0 $(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/kmsgate
	@echo "installed $$(gobin=$$($(GO) env GOBIN); echo $${gobin:-$$($(GO) env GOPATH)/bin})/kmsgate"

# Serves the emulator on 127.0.0.1:4599 with its default store ./kmsgate.db.
run: build
	./$(BIN) serve

# Everything CI runs: lint, the race-enabled test suite (unit, integration with
# aws-sdk-go-v2) and the AWS CLI v2, boto3 and JS SDK v3 tests, which need
# Debian's awscli (/usr/bin/aws), python3-boto3 (for /usr/bin/python3), and
# node with npm's @aws-sdk/client-kms in integration/node (npm ci).
test: test-deps lint
	$(GO) test -race -count=1 -timeout 20m ./...

test-deps:
	@if [ ! -x $(AWS_CLI) ] || ! /usr/bin/python3 -c 'import boto3' 2>/dev/null || ! command -v node >/dev/null || ! command -v npm >/dev/null || [ ! -x /usr/bin/etcd ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's awscli, python3-boto3, nodejs, npm and etcd-server for the client and etcd tests"; \
	    pkgs="awscli python3-boto3"; command -v node >/dev/null || pkgs="$$pkgs nodejs"; command -v npm >/dev/null || pkgs="$$pkgs npm"; [ -x /usr/bin/etcd ] || pkgs="$$pkgs etcd-server"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	  else \
	    echo "the client and etcd tests need Debian's awscli, python3-boto3, nodejs, npm and etcd-server: sudo apt-get install -y awscli python3-boto3 nodejs npm etcd-server" >&2; exit 1; \
	  fi; \
	fi
	@if [ ! -f $(NODE_DIR)/node_modules/.package-lock.json ] || [ $(NODE_DIR)/package-lock.json -nt $(NODE_DIR)/node_modules/.package-lock.json ]; then \
	  echo "npm ci in $(NODE_DIR) (@aws-sdk/client-kms for the JS SDK v3 test)"; \
	  npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error; \
	fi

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: build
	$(GO) run ./cmd/loadgen --kmsgate ./$(BIN)
	$(GO) run ./cmd/loadgen --kmsgate ./$(BIN) --gate
	$(GO) run ./cmd/loadgen engines --kmsgate ./$(BIN)
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The scale table of BENCHMARKS.md for one store size: make bench-scale SCALE_KEYS=1000000
# (the store is made once in SCALE_DIR and reused; 1M keys take about 3 GB and several minutes).
SCALE_KEYS ?= 100000
SCALE_DIR ?= /tmp/kmsgate-scale
bench-scale: build
	mkdir -p $(SCALE_DIR)
	$(GO) run ./cmd/loadgen fill --data $(SCALE_DIR)/scale-$(SCALE_KEYS).db --keys $(SCALE_KEYS)
	$(GO) run ./cmd/loadgen scale --kmsgate ./$(BIN) --data $(SCALE_DIR)/scale-$(SCALE_KEYS).db --keys $(SCALE_KEYS)

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

docker:
	docker build --build-arg VERSION=$(VERSION) -t kmsgate:$(VERSION) .

clean:
	rm -rf bin
