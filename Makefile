# tonecoach: `make demo` and `make test` set everything up in .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo serve test test-fast browser screenshot venv samples bench bench-batch lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# the CPU build of torch first: a bare "torch" requirement would pull a multi-GB CUDA build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	mkdir -p reports
	$(BIN)/tonecoach analyze samples/stereo_call_8k.wav --json reports/demo.json --html reports/demo.html
	@echo "Open reports/demo.html in a browser for the timeline and the transcript."
	@echo
	@echo "Demo accounts for the web app (a password is printed only when the account is created):"
	-@$(BIN)/tonecoach users add demo-agent --role agent --team demo --generate 2>/dev/null || \
		echo "  demo-agent exists (new password: $(BIN)/tonecoach users passwd demo-agent)"
	-@$(BIN)/tonecoach users add demo-lead --role team_lead --team demo --generate 2>/dev/null || \
		echo "  demo-lead exists (new password: $(BIN)/tonecoach users passwd demo-lead)"
	@echo
	@echo "To open the web app: run 'make serve' (or '$(BIN)/tonecoach serve', or '$(BIN)/python app.py'),"
	@echo "then open http://127.0.0.1:7860 in a browser and log in as demo-agent to practise or demo-lead to review."
	@echo "Its first start writes a one-time admin password to a file in the data folder and prints where."

serve: $(STAMP)
	$(BIN)/tonecoach serve

# Debian's chromium for the browser tests (never Playwright's own download). Installed when missing and
# apt-get works as root, as on CI; otherwise the browser tests skip and say why. Never fails the build.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium for the browser tests (apt-get)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
			>/dev/null 2>&1 || echo "could not install chromium: the browser tests will be skipped"; \
	else echo "no /usr/bin/chromium and no apt-get as root: the browser tests will be skipped"; fi

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# the unit tests alone, in well under a minute: no Whisper model, web server, worker processes, browser or
# evaluation data (those tests are marked slow in tests/conftest.py); `make test` runs everything
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# refresh the README's screenshots (the browser tests of tests/test_web_ux.py and tests/test_web_scorecard_browser.py take them)
screenshot: $(STAMP) browser
	TONECOACH_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/test_web_ux.py tests/test_web_scorecard_browser.py

samples: $(STAMP)
	@command -v espeak-ng >/dev/null && command -v sox >/dev/null || \
		{ echo "make samples needs espeak-ng and sox: apt-get install espeak-ng sox"; exit 1; }
	$(BIN)/python scripts/make_samples.py --out samples

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_analyze.py

bench-batch: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py

lint: $(STAMP)
	$(BIN)/python -m ruff --version >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet ruff
	$(BIN)/python -m ruff check tonecoach tests scripts benchmarks

clean:
	rm -rf reports .pytest_cache
