# The web client (browser/) and its Playwright tests (tests/browser/). Placeholder until the
# client lands.
.PHONY: browser-test
browser-test:
	@true
