# The web client (browser/) and its Playwright tests (tests/browser/).
# The client is plain ES modules served as they are: it has no build step.
#   make browser-test    Playwright suite, headless Debian chromium, against a real oxool-wsd
#                        (real forkit and kits, built-in local store with the sample documents)
#   make browser-bench   keypress → changed pixels on screen, p50/p95 over 200 keystrokes; first paint;
#                        scrolling a 100 000-row sheet (fps, tiles asked for)
# Screenshots, traces and the server's log go to build/browser-artifacts/.
.PHONY: browser-test browser-bench browser-deps

BROWSER_TESTS := tests/browser
CHROMIUM ?= /usr/bin/chromium

# Debian's chromium (never a browser download of Playwright's own) and Node.js with npm;
# installed only when missing. npm ci installs exactly what package-lock.json pins.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    pkgs="chromium"; command -v npm >/dev/null 2>&1 || pkgs="$$pkgs nodejs npm"; \
	    echo "installing: $$pkgs"; \
	    sudo_=""; [ "$$(id -u)" = 0 ] || sudo_=sudo; \
	    $$sudo_ apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo_ apt-get install -y -qq --no-install-recommends $$pkgs fonts-liberation2 >/dev/null; \
	  else \
	    echo "browser-deps: install chromium, nodejs and npm by hand" >&2; exit 1; \
	  fi; \
	fi
	@cd $(BROWSER_TESTS) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error

browser-test: deps browser-deps build
	cd $(BROWSER_TESTS) && CHROMIUM=$(CHROMIUM) npx playwright test

# Against release binaries, as `make bench` measures.
browser-bench: deps browser-deps
	$(CARGO) build --release --workspace --bins
	cd $(BROWSER_TESTS) && CHROMIUM=$(CHROMIUM) OXOOL_BIN_DIR=$(CURDIR)/target/release \
	  npx playwright test --config playwright.bench.config.js
