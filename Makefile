# nutshell — every entry point sets up .venv first, so a fresh clone needs only `make serve` or `make test`.
#
#   make serve   build with executed demos and serve at http://127.0.0.1:8000 with live reload
#   make test    run every test (unit, demo claims, strict build, browser)
#   make build   strict static site in site/ (replaced only when the build succeeds)
#   make check   validate data/*.yaml and report every problem as file:line:col
#   make bench   run the benchmark scripts in benchmarks/
#
# PyTorch: TORCH_SPEC picks the build. The default pin resolves to the CPU wheel where one is provided
# locally; on an ordinary Linux machine add TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu for the
# small CPU build instead of the default CUDA one, or leave it empty on a GPU box.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX_URL ?=
PYTEST_ARGS ?=
AXE_VERSION ?= 4.10.3
AXE_JS := $(VENV)/axe/node_modules/axe-core/axe.min.js
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup serve build test check bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: a later unpinned resolution would otherwise pull a multi-GB CUDA build
	$(BIN)/python -m pip install --quiet $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL)) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

setup: $(VENV)/.installed

# axe-core, injected by the browser tests to check accessibility: pinned, from the npm registry, kept in .venv
# (to change AXE_VERSION, delete .venv/axe first)
$(AXE_JS):
	@command -v npm >/dev/null || { echo "npm not found: install Node.js (apt-get install -y npm), or skip the browser tests with PYTEST_ARGS='-m \"not browser\"'"; exit 1; }
	npm install --silent --no-audit --no-fund --no-package-lock --save-exact --prefix $(VENV)/axe axe-core@$(AXE_VERSION)

serve: setup
	$(BIN)/mkdocs serve --livereload --dev-addr 127.0.0.1:8000

build: setup
	rm -rf site.partial
	$(BIN)/mkdocs build --strict --site-dir site.partial
	rm -rf site && mv site.partial site

test: setup $(AXE_JS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: setup
	$(BIN)/nutshell check

bench: setup
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf site site.partial .cache .pytest_cache
