# nutshell — every entry point sets up .venv first, so a fresh clone needs only `make serve` or `make test`.
#
#   make serve   build with executed demos and serve at http://127.0.0.1:8000 with live reload
#                (PORT=8001: another port; instant navigation works on any)
#   make test    lint (ruff), then run every test (unit, demo claims, strict build, browser)
#   make lint    ruff over src, tests, benchmarks and demos
#   make build   strict static site in site/ (replaced only when the build succeeds); plain files for any
#                static host: SITE_URL=https://example.org/nutshell/ is the address it will be published at
#   make check   validate data/*.yaml and report every problem as file:line:col
#   make bench   measure lookups, builds, an edit under serve and page weights: one table of medians
#
# Outside .venv (tools/setup-system, before any pip install): Python's venv module and, for `make test`,
# Chromium and npm come from apt-get when make runs as root or with passwordless sudo; otherwise make stops at
# once and names the command to run. PYTEST_ARGS='-m "not browser"' needs neither Chromium nor npm.
#
# PyTorch: TORCH_SPEC picks the version, TORCH_INDEX_URL the index (tools/torch-index). Its default, auto, is
# pip's own index with an NVIDIA GPU (nvidia-smi or /proc/driver/nvidia), on macOS, or where pip has
# TORCH_SPEC without an index (installed, or a local wheel in its find-links); on Linux without an NVIDIA GPU
# otherwise, the CPU build from https://download.pytorch.org/whl/cpu instead of PyPI's multi-GB CUDA one.
# A URL names another index; TORCH_INDEX_URL= (empty) always takes pip's own.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX_URL ?= auto
PYTEST_ARGS ?=
AXE_VERSION ?= 4.10.3
# Vega and Vega-Lite draw the explorable figures of the demo pages; the same pins are in nutshell/explorables.py
VEGA_VERSION ?= 6.4.0
VEGA_LITE_VERSION ?= 6.4.1
SETUP_SYSTEM = PYTHON=$(PYTHON) VENV=$(VENV) AXE_VERSION=$(AXE_VERSION) VEGA_VERSION=$(VEGA_VERSION) \
	VEGA_LITE_VERSION=$(VEGA_LITE_VERSION) bash tools/setup-system
# the shell asks tools/torch-index, when the recipe runs: `--index-url URL`, or nothing
TORCH_INDEX_OPTION = $$(bash tools/torch-index $(BIN)/python "$(TORCH_SPEC)" "$(TORCH_INDEX_URL)")
export NO_MKDOCS_2_WARNING := 1

# The address the site is published at: canonical links, sitemap.xml, the CLI's "Page:" lines, and the one
# address where Material's instant navigation works. mkdocs.yml reads it as NUTSHELL_SITE_URL; empty, it is
# http://127.0.0.1:8000/. `mkdocs serve` uses its own address instead, so `make serve PORT=…` needs none.
SITE_URL ?=
PORT ?= 8000
ifneq ($(SITE_URL),)
export NUTSHELL_SITE_URL := $(SITE_URL)
endif

.PHONY: setup test-setup vega serve build test lint check bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/pip || { $(SETUP_SYSTEM) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: a later unpinned resolution would otherwise pull a multi-GB CUDA build
	$(BIN)/python -m pip install --quiet $(TORCH_INDEX_OPTION) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

setup: $(VENV)/.installed

# Before `setup`, so that a machine lacking something stops at once: system packages, then axe-core (injected
# by the browser tests to check accessibility: pinned, from the npm registry, kept in .venv/axe), all skipped
# when PYTEST_ARGS deselect the browser tests.
test-setup:
	@$(SETUP_SYSTEM) --vega --browser $(PYTEST_ARGS)

# Vega and Vega-Lite (pinned, from the npm registry, kept in .venv/vega): the nutshell-demos plugin copies
# them into the site, which serves them itself. Every target that builds the site needs them.
vega:
	@$(SETUP_SYSTEM) --vega

serve: vega setup
	$(BIN)/mkdocs serve --livereload --dev-addr 127.0.0.1:$(PORT)

build: vega setup
	rm -rf site.partial
	$(BIN)/mkdocs build --strict --site-dir site.partial
	rm -rf site && mv site.partial site

test: test-setup setup lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, pinned in the dev extra; the rules are in pyproject.toml ([tool.ruff.lint])
lint: setup
	$(BIN)/ruff check src tests benchmarks demos

check: setup
	$(BIN)/nutshell check

# One table: lookup, cold and warm builds, an edit under serve, page weights, the search index (README,
# "Reading make bench"), then where a warm build's time goes. A few minutes: the cold build runs every demo.
bench: vega setup
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf site site.partial .cache .pytest_cache
