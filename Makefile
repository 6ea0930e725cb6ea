# Two commands for a new machine:  make book   (build the site)   and   make test   (run the checks).
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000

.PHONY: venv book test lint sysdeps data validate fixtures bench fuzz serve clean

$(STAMP): requirements.txt pyproject.toml
	@echo "[make] creating $(VENV) with $(PYTHON) and installing the pinned environment (first time: ~5 min)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# rfc3987-syntax compiles grammars at import and adds ~10 s to every kernel; nothing needs it.
	$(PY) -m pip uninstall --quiet -y rfc3987-syntax
	touch $@

venv: $(STAMP)

## book: build the site into _build/html (executes notebooks, fails on any warning)
book: $(STAMP)
	$(PY) -m inoreport.book.build

## test: lint, unit and reference tests, build checks and the offline browser check
test: $(STAMP) sysdeps book lint
	$(PY) -m pytest

LINTED := src tests notebooks $(wildcard benchmarks)

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(filter-out notebooks,$(LINTED))

sysdeps:
	bash scripts/ensure_system_deps.sh

## data: regenerate the synthetic cohorts in data/synthetic from data/published
data: $(STAMP)
	$(PY) -m inoreport.studies

## validate: cross-validate the synthetic cohorts over their calibration targets (each fitted
## statistic predicted by the cohort calibrated without it); writes data/synthetic/crossval.json
## (committed; minutes, not part of make test; run it after make data)
validate: $(STAMP)
	$(PY) -m inoreport.studies.validate

## fixtures: re-run R to regenerate the reference fixtures in tests/reference
fixtures: sysdeps
	Rscript tests/reference/make_fixtures.R
	Rscript tests/reference/cli/lung_fixtures.R
	Rscript tests/reference/cli/gbsg_fixtures.R

## bench: speed and memory benchmarks (not part of make test)
bench: $(STAMP) sysdeps
	$(PY) -m benchmarks

## fuzz: property-based runs of the command line on generated cohorts, checked against R
## (FUZZ_CASES cases; the normal test suite runs 40 of them)
FUZZ_CASES ?= 3000
fuzz: $(STAMP) sysdeps
	INOREPORT_FUZZ_CASES=$(FUZZ_CASES) $(PY) -m pytest tests/test_intake_properties.py -q -s -p no:cacheprovider -p no:logging

## serve: serve the built site on http://127.0.0.1:$(PORT)
serve: book
	$(PY) -m http.server --bind 127.0.0.1 --directory _build/html $(PORT)

clean:
	rm -rf _build
