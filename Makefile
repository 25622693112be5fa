# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-embedded.txt requirements-dev.txt constraints.txt | sha256sum | cut -c1-12)

.PHONY: demo test test-all lint typecheck unit bench soak simulator clean

$(STAMP): requirements.txt requirements-embedded.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

demo: $(STAMP)  ## start the simulator, run the loader on the embedded engine, print the README's checks
	$(PY) -m tools.demo

test: $(STAMP) lint typecheck  ## the quick suite: all but the slow and the browser tests (see tests/conftest.py)
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow and not browser"

test-all: $(STAMP) lint typecheck  ## everything, as CI runs it
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

bench: $(STAMP)  ## benchmarks (not part of make test); results in bench/results/
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/run.py
	$(PY) bench/dashboard.py
	$(PY) bench/webhooks.py
	$(PY) bench/forecast.py
	$(PY) bench/ads.py
	$(PY) bench/facts_rebuild.py
	$(PY) bench/week.py

soak: $(STAMP)  ## 200+ incremental runs against a faulty, live simulator
	$(PY) -m tools.soak --runs 200

simulator: $(STAMP)  ## a QTickets simulator on port 8765 until Ctrl-C
	$(PY) -m qtickets_sim --port 8765 --seed 42 --orders 5000 --token demo-token --clock wall

clean:
	rm -rf var/demo .pytest_cache .mypy_cache .ruff_cache
