# oxool: the two commands are `make run` and `make test`; both install what they need first.
SHELL := /bin/bash
CARGO ?= cargo
DEV := build/dev
BIN := target/debug

.PHONY: run test deps deps-test build check bench fuzz clean cluster-test

include mk/packaging.mk
include mk/browser.mk

run: deps build $(DEV)/oxool.toml
	@echo "oxool: documents at http://127.0.0.1:9980/ , convert-to at http://127.0.0.1:9980/cool/convert-to (Ctrl+C stops)"
	$(BIN)/oxool-wsd --config $(DEV)/oxool.toml

test: deps-test build check
	OXOOL_TESTS_STRICT=1 $(CARGO) test --workspace --no-fail-fast
	scripts/fuzz.sh smoke
	python3 tests/wopi-host/selftest.py
	$(MAKE) browser-test
	$(MAKE) units-check packages-test systemd-test

deps:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

build:
	$(CARGO) build --workspace --bins

check:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	python3 scripts/module-cycles.py

# Only the cluster tests (docs/cluster.md): 3 servers behind HAProxy, the lock arbiter, draining.
# `make test` runs them with every other test.
cluster-test: deps-test build
	$(CARGO) test -p oxool-tests --test cluster --test cluster_lock --test drain

bench: deps-test
	$(CARGO) build --release --workspace --bins
	target/release/oxool-bench
	target/release/oxool-bench --soak
	target/release/oxool-bench --png

# Every fuzz target for FUZZ_SECS seconds (docs/fuzzing.md); `make test` runs them for 3 s each.
FUZZ_SECS ?= 300
fuzz: deps-test
	scripts/fuzz.sh run $(FUZZ_SECS)

$(DEV)/oxool.toml: scripts/dev-config.sh build
	@scripts/dev-config.sh $(DEV) $(BIN)

clean:
	rm -rf build
	$(CARGO) clean
