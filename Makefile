# Every target sets up what it needs: a fresh clone runs `make demo` or `make test` directly.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: install test lint demo bench clean emulator mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,emulator]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -n 2 -q

# The HTML access report is tested in Debian's headless Chromium (driven by Playwright,
# no browser download); installed here when missing, as root on a fresh Debian machine.
$(CHROMIUM):
	DEBIAN_FRONTEND=noninteractive apt-get update && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

lint: $(STAMP)
	$(BIN)/ruff check reconciler tests bench
	$(BIN)/ruff format --check reconciler tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/openapi-spec-validator schemas/seamless-api.openapi.yaml

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

emulator: $(STAMP)
	$(BIN)/reconciler emulator serve --port 8443

bench: $(STAMP)
	$(BIN)/python bench/emulator_throughput.py
	$(BIN)/python bench/client_rate_limit.py
	$(BIN)/python bench/plan_bench.py --workspaces 100 1000 2000 10000
	$(BIN)/python bench/plan_bench.py --workspaces 2000 --rate-limit 1000/5
	$(BIN)/python bench/plan_bench.py --workspaces 120 --rate-limit 100/60
	$(BIN)/python bench/changed_since_bench.py --workspaces 1000

# Mutation testing of reconciler/engine, reconciler/api/wire and reconciler/identity.py
# (long; not part of `make test`). Options: make mutation MUTATION_ARGS="--fast-only --limit 200"
mutation: $(STAMP)
	$(BIN)/python scripts/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
