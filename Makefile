# tonecoach: `make demo` and `make test` set everything up in .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test venv samples bench bench-batch lint clean

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

test: $(STAMP)
	$(BIN)/python -m pytest -q

samples: $(STAMP)
	@command -v espeak-ng >/dev/null && command -v sox >/dev/null || \
		{ echo "make samples needs espeak-ng and sox: apt-get install espeak-ng sox"; exit 1; }
	$(BIN)/python scripts/make_samples.py --out samples

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_analyze.py

bench-batch: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py

lint: $(STAMP)
	$(BIN)/python -m ruff check tonecoach tests scripts benchmarks

clean:
	rm -rf reports .pytest_cache
