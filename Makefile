# The two commands a fresh machine needs: `make demo` (scan the bundled synthetic corpus into SQLite)
# and `make test` (lint, type check, the whole test suite).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo-out

.PHONY: setup demo test lint typecheck pytest system-deps constraints clean

$(BIN)/trailguard: pyproject.toml constraints.txt
	bash scripts/system-deps.sh venv
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

setup: $(BIN)/trailguard

# Debian packages the browser and PostgreSQL tests use; installed when running as root (CI, containers).
system-deps:
	bash scripts/system-deps.sh

demo: setup
	$(BIN)/trailguard demo --out $(DEMO_OUT)

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: setup
	$(BIN)/mypy

pytest: setup system-deps
	$(BIN)/pytest -n 2 -q

test: lint typecheck pytest

# Move to the newest versions pyproject.toml allows: a clean venv without constraints, frozen. Run make test after.
constraints:
	rm -rf .venv-freeze
	$(PY) -m venv .venv-freeze
	.venv-freeze/bin/pip install --quiet --upgrade pip
	.venv-freeze/bin/pip install --quiet -e '.[dev]'
	{ sed -n '1,3p' constraints.txt; .venv-freeze/bin/pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-freeze

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
