# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv with everything the project needs (from pyproject.toml) on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/claimwatch run --once --config seeds/claimwatch.yaml

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy monitor

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .state .pytest_cache .mypy_cache .ruff_cache
