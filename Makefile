# Screener's tasks. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
NGINX ?= /usr/sbin/nginx
# LHC-Forms (the NLM's FHIR SDC renderer) for tests/browser/test_lforms.py: the npm
# tarball, checked against this integrity (`npm view lforms@VERSION dist.integrity`).
LFORMS_VERSION := 40.1.3
LFORMS_INTEGRITY := sha512-WLruTm+BcVnafC0rSAQ3/cNqhxvclBUxyBG68aub/uha2NaK9H8ZZcEXTTuORuGzzCt0wa7fvhuieZtcDIdPzQ==
LFORMS_DIR := .lforms
LFORMS := $(LFORMS_DIR)/package
# Lighthouse for tests/browser/test_lighthouse.py, with every package it needs pinned by
# version and integrity in tools/lighthouse/package-lock.json; installed with `npm ci`
# into the git-ignored tools/lighthouse/node_modules/. Lighthouse 12 still runs on the
# Node.js 18 and 20 of Debian and its derivatives (13 needs 22). package.json's
# overrides hold two packages that one dependency asks for as "latest" to the versions
# Lighthouse itself names, so the lock file stays the whole truth.
LIGHTHOUSE_DIR := tools/lighthouse
LIGHTHOUSE := $(LIGHTHOUSE_DIR)/node_modules/.bin/lighthouse
SRI := import base64, hashlib, sys; d = hashlib.sha512(open(sys.argv[1], "rb").read()).digest(); \
	print("sha512-" + base64.b64encode(d).decode())

.DEFAULT_GOAL := help
.PHONY: help install run test lint typecheck pytest chromium nginx lforms lighthouse wrk check-rules bench format clean i18n i18n-check

help: ## List the tasks
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Screener needs Python 3.11 or newer; $(PYTHON) is older. Set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What serving needs, and no more: `make run` installs only this.
$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Serving, and the development tools: tests, linters, type checker, browser driver.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(SERVE_STAMP)

install: $(STAMP) ## Make the virtual environment (.venv) and install Screener and its development tools into it

run: $(SERVE_STAMP) ## Serve Screener with the default rules on http://127.0.0.1:8000 (installs only what serving needs)
	$(BIN)/screener serve --dev --host $(HOST) --port $(PORT)

test: lint typecheck pytest ## Run every check and test (what CI runs)

lint: $(STAMP) ## Lint and check formatting with ruff
	$(BIN)/ruff check screener tests benchmarks
	$(BIN)/ruff format --check screener tests benchmarks

typecheck: $(STAMP) ## Type-check the package with mypy --strict
	$(BIN)/mypy

pytest: $(STAMP) chromium nginx lforms lighthouse ## Run the test suite, browser and proxy tests included
	SCREENER_CHROMIUM=$(CHROMIUM) SCREENER_NGINX=$(NGINX) SCREENER_LFORMS=$(LFORMS) \
		SCREENER_LIGHTHOUSE=$(LIGHTHOUSE) $(BIN)/pytest

chromium: ## Install Debian's chromium for the browser tests, when it is missing
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
		else echo "Installing chromium needs root: run 'apt-get install chromium' as root"; exit 1; fi; \
		echo "Installing Debian's chromium for the browser tests"; \
		$$sudo apt-get update -qq; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@test -x "$(CHROMIUM)" || { echo "$(CHROMIUM) is still missing"; exit 1; }

nginx: ## Install Debian's nginx-light for the reverse proxy test, when it is missing
	@if [ ! -x "$(NGINX)" ]; then \
		if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
		else echo "Installing nginx needs root: run 'apt-get install nginx-light' as root"; exit 1; fi; \
		echo "Installing Debian's nginx-light for the reverse proxy test"; \
		$$sudo apt-get update -qq; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	fi
	@test -x "$(NGINX)" || { echo "$(NGINX) is still missing"; exit 1; }

lforms: ## Fetch LHC-Forms into .lforms/ for the FHIR browser test, when it is missing
	@if [ "$$(cat $(LFORMS_DIR)/.integrity 2>/dev/null)" != "$(LFORMS_INTEGRITY)" ]; then \
		if ! command -v npm >/dev/null; then \
			if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
			else echo "Fetching LHC-Forms needs npm: run 'apt-get install npm' as root"; exit 1; fi; \
			echo "Installing Debian's npm to fetch LHC-Forms"; \
			$$sudo apt-get update -qq; \
			$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
		fi; \
		echo "Fetching lforms@$(LFORMS_VERSION) (LHC-Forms) into $(LFORMS_DIR)/"; \
		tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
		npm pack --silent --ignore-scripts "lforms@$(LFORMS_VERSION)" --pack-destination "$$tmp" >/dev/null; \
		tarball="$$tmp/lforms-$(LFORMS_VERSION).tgz"; \
		got=$$($(PYTHON) -c '$(SRI)' "$$tarball"); \
		if [ "$$got" != "$(LFORMS_INTEGRITY)" ]; then \
			echo "lforms-$(LFORMS_VERSION).tgz is $$got, not the pinned $(LFORMS_INTEGRITY)"; exit 1; fi; \
		rm -rf $(LFORMS_DIR); mkdir -p $(LFORMS_DIR); \
		tar -xzf "$$tarball" -C $(LFORMS_DIR) --no-same-owner; \
		echo "$(LFORMS_INTEGRITY)" > $(LFORMS_DIR)/.integrity; \
	fi

lighthouse: ## Install Lighthouse into tools/lighthouse/ for its browser test, when missing or changed
	@if ! cmp -s $(LIGHTHOUSE_DIR)/package-lock.json $(LIGHTHOUSE_DIR)/node_modules/.screener-lock; then \
		if ! command -v npm >/dev/null; then \
			if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
			else echo "Installing Lighthouse needs npm: run 'apt-get install npm' as root"; exit 1; fi; \
			echo "Installing Debian's npm to install Lighthouse"; \
			$$sudo apt-get update -qq; \
			$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
		fi; \
		echo "Installing Lighthouse ($(LIGHTHOUSE_DIR)/package-lock.json) into $(LIGHTHOUSE_DIR)/node_modules/"; \
		npm ci --prefix $(LIGHTHOUSE_DIR) --ignore-scripts --no-audit --no-fund --loglevel=error; \
		cp $(LIGHTHOUSE_DIR)/package-lock.json $(LIGHTHOUSE_DIR)/node_modules/.screener-lock; \
	fi

check-rules: $(SERVE_STAMP) ## Check every rules file in rules/ and run its cases
	$(BIN)/screener check rules/*.yaml

bench: $(STAMP) wrk ## Measure evaluation, verification and the server under load, each against a reference
	$(BIN)/pytest benchmarks -q -p no:randomly --benchmark-columns=min,median,max,rounds
	$(BIN)/python benchmarks/load.py --duration $(BENCH_SECONDS) --connections 64

BENCH_SECONDS ?= 60
wrk: ## Install Debian's wrk for the load benchmark, when it is missing
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
		else echo "Installing wrk needs root: run 'apt-get install wrk' as root"; exit 1; fi; \
		echo "Installing Debian's wrk for the load benchmark"; \
		$$sudo apt-get update -qq; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	fi

CATALOGS := screener/translations
i18n: $(STAMP) ## Extract the texts to translate, update every language's catalog, compile them
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --sort-by-file \
		--project Screener --copyright-holder "The Screener authors" --no-wrap \
		-o $(CATALOGS)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGS)/messages.pot -d $(CATALOGS) --no-wrap --ignore-obsolete --previous
	$(BIN)/pybabel compile --statistics -d $(CATALOGS)

i18n-check: $(STAMP) ## Fail if a catalog is out of date, or has a missing or fuzzy translation
	$(BIN)/pytest -q -p no:randomly tests/test_translations.py

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format screener tests benchmarks
	$(BIN)/ruff check --fix screener tests benchmarks

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis dist build test-artifacts $(LFORMS_DIR) \
		$(LIGHTHOUSE_DIR)/node_modules
