# Holdfast — the two commands are `make run` and `make test`.
SHELL      := /bin/bash
GO         ?= go
VERSION    ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
FUNCTIONS  := $(notdir $(wildcard functions/*))
GOFLAGS_BUILD := -trimpath -tags lambda.norpc -ldflags "-s -w"
HTTP_ADDR  ?= 127.0.0.1:3000
WS_ADDR    ?= 127.0.0.1:3001

.PHONY: run test lint build build-host deploy clean bench tools chromium

## run: build host binaries and start the local cloud (HTTP :3000, WebSocket :3001); tables are
## kept in .holdfast/dynamodb across runs, FRESH=1 starts empty
run: build-host tools
	.build/holdfast local --http $(HTTP_ADDR) --ws $(WS_ADDR) --version $(VERSION) $(if $(filter 1,$(FRESH)),--fresh)

# The store-level packages also run on the moto wrapper's DynamoDB, with the conformance suite,
# so that neither the engine nor the code drifts from what moto (and DynamoDB) accept.
STORE_PACKAGES := ./shared/ledger/ledgerstore ./shared/lending/lendingstore ./shared/clinic/clinicstore \
                  ./shared/platform/idempotency ./shared/platform/audit ./shared/platform/events

## test: every test, unit to end-to-end, on the embedded DynamoDB engine; then the store-level
## packages and the conformance suite on the moto wrapper (needs moto_server; .ci/run installs it)
test: build-host chromium
	$(GO) test -p 2 -timeout 20m -count=1 ./...
	HOLDFAST_DYNAMODB=moto HOLDFAST_CONFORMANCE_MOTO=1 $(GO) test -p 2 -timeout 10m -count=1 \
	  $(STORE_PACKAGES) ./shared/localcloud/dynamo/

## lint: formatting, vet, and the SAM template
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cfn-lint --non-zero-exit-code error template.yaml

## build: linux/arm64 bootstrap per function, stripped, as Lambda runs them
build:
	@mkdir -p .build && tmp=$$(mktemp -d .build/lambda-flat.XXXXXX) && \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $$tmp/ ./functions/... && \
	  for f in $(FUNCTIONS); do mkdir -p .build/lambda/$$f && mv -f $$tmp/$$f .build/lambda/$$f/bootstrap; done; \
	  rc=$$?; rm -rf $$tmp; exit $$rc
	@ls -l .build/lambda/*/bootstrap | awk '{printf "%8.2f MB  %s\n", $$5/1048576, $$9}'

## build-host: the same functions for this machine, for the local cloud
build-host:
	@mkdir -p .build && tmp=$$(mktemp -d .build/host-flat.XXXXXX) && \
	  CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $$tmp/ ./functions/... && \
	  for f in $(FUNCTIONS); do mkdir -p .build/host/$$f && mv -f $$tmp/$$f .build/host/$$f/bootstrap; done; \
	  rc=$$?; rm -rf $$tmp; exit $$rc

## chromium: headless Chromium for the clinic board test (Debian package), when missing
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

tools:
	$(GO) build -o .build/holdfast ./cmd/holdfast

## bench: the figures (cold start, binary size, gateway overhead, …)
bench: build-host
	$(GO) test -run '^$$' -bench . -benchtime 200x ./shared/localcloud/... 

## deploy: sam build + sam deploy with samconfig.toml (needs the AWS SAM CLI and credentials)
deploy:
	sam build --template-file template.yaml
	sam deploy --config-file samconfig.toml

clean:
	rm -rf .build .aws-sam
