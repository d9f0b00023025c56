# The way to set up, run, check and measure newsriver. Every target that needs the
# virtualenv depends on `install`, which is cheap when pyproject.toml has not changed.

PYTHON ?= python3
VENV := .venv
# Tools are run as `python -m tool` (or `python script`) rather than through their
# scripts, whose #! lines go stale when a virtualenv directory is moved or copied.
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
HOST ?= 127.0.0.1
PORT ?= 8080

.DEFAULT_GOAL := help
.PHONY: help install run test lint fmt bench

help:
	@echo "make install  create $(VENV) and install newsriver with its dev tools"
	@echo "make run      serve on http://$(HOST):$(PORT) (HOST=, PORT= to change)"
	@echo "make test     static checks, then the test suite"
	@echo "make lint     static checks only: ruff, ruff format --check, mypy, import-linter"
	@echo "make fmt      format and auto-fix with ruff"
	@echo "make bench    run the parser, refresh, web and API benchmarks"

install: $(STAMP)

# Redone only when pyproject.toml is newer than the stamp. A virtualenv whose Python no
# longer runs (made on another machine, or its interpreter removed) is rebuilt from scratch.
$(STAMP): pyproject.toml
	@$(PY) -c "" 2>/dev/null || $(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

run: install
	$(PY) -m newsriver serve --host $(HOST) --port $(PORT)

lint: install
	$(PY) -m ruff check
	$(PY) -m ruff format --check
	$(PY) -m mypy
	$(PY) $(VENV)/bin/lint-imports

test: lint
	$(PY) -m pytest

fmt: install
	$(PY) -m ruff format
	$(PY) -m ruff check --fix

# The benchmarks' peers (the `bench` extra: reader) are installed only for them.
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $@

bench: $(BENCH_STAMP)
	$(PY) bench/parse.py
	$(PY) bench/refresh.py
	$(PY) bench/web.py
	$(PY) bench/api.py
