# kmsgate: make run (serve the emulator), make test (what CI runs).
GO        ?= go
BIN       := bin/kmsgate
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
AWS_CLI   := /usr/bin/aws
FUZZTIME  ?= 30s

.PHONY: build run test test-deps lint bench bench-scale fuzz docker clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kmsgate

# Serves the emulator on 127.0.0.1:4599 with its default store ./kmsgate.db.
run: build
	./$(BIN) serve

# Everything CI runs: lint, the race-enabled test suite (unit, integration with
# aws-sdk-go-v2) and the AWS CLI v2 and boto3 tests, which need Debian's awscli
# (/usr/bin/aws) and python3-boto3 (for /usr/bin/python3).
test: test-deps lint
	$(GO) test -race -count=1 -timeout 20m ./...

test-deps:
	@if [ ! -x $(AWS_CLI) ] || ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's awscli and python3-boto3 for the client tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli python3-boto3 >/dev/null; \
	  else \
	    echo "the client tests need Debian's awscli and python3-boto3: sudo apt-get install -y awscli python3-boto3" >&2; exit 1; \
	  fi; \
	fi

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: build
	$(GO) run ./cmd/loadgen --kmsgate ./$(BIN)
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
	docker build -t kmsgate:$(VERSION) .

clean:
	rm -rf bin
