# Task runner. `make run` serves the web app on the 1923 example (charter serve --demo); `make test` runs the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint typecheck pytest format clean chromium

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the web app with the 1923 example and demo accounts: open http://127.0.0.1:8000/
	$(VENV)/bin/charter scenario run examples/rcp-1923
	$(VENV)/bin/charter serve --demo

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) chromium
	$(VENV)/bin/pytest

# The browser tests drive Debian's Chromium through Playwright (which cannot fetch its own
# browser here). As root, install it when missing; otherwise they skip and say how.
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests (tests/browser)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q chromium >/dev/null 2>&1 \
			|| { apt-get update -q && apt-get install -y -q chromium; }; \
	else \
		echo "no $(CHROMIUM), and not root: the browser tests will skip (sudo apt-get install chromium)"; \
	fi

format: $(STAMP)
	$(VENV)/bin/ruff format src tests
	$(VENV)/bin/ruff check --fix src tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

.PHONY: bench
bench: $(STAMP)  ## the ledger benchmark (bench/run.py; BENCH_ARGS=--quick for a small run)
	$(PY) bench/run.py $(BENCH_ARGS)

.PHONY: bench-tally
bench-tally: $(STAMP)  ## the tally benchmark against its peers (bench/tally_bench.py; BENCH_ARGS=--quick)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/tally_bench.py $(BENCH_ARGS)

.PHONY: bench-power
bench-power: $(STAMP)  ## power indices against powerindices and powerindex (bench/power_bench.py; BENCH_ARGS=--quick)
	$(PY) -m pip install --quiet -e '.[bench]'
	flock /tmp/charter-bench.lock $(PY) bench/power_bench.py $(BENCH_ARGS)

.PHONY: bench-inspect
bench-inspect: $(STAMP)  ## the Inspection at scale: 100,000 office seats, 1,000,000 members
	$(PY) bench/inspect_bench.py

.PHONY: bench-web
bench-web: $(STAMP)  ## ballots per second over HTTP against PostgreSQL, beside a bare ASGI INSERT (bench/web_bench.py; BENCH_ARGS=--quick)
	$(PY) -m pip install --quiet -e '.[bench]'
	flock /tmp/charter-bench.lock $(PY) bench/web_bench.py $(BENCH_ARGS)
