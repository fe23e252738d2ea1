# Quick start: `make tour` (set up, build the store, write the report), `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: tour test lint bench bench-engines clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

tour: $(STAMP)
	$(BIN)/tradewar tour --output tradewar-report.html --overwrite

test: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/bulk_duty.py --rows 10000000

bench-engines: $(STAMP)
	$(BIN)/python bench/engines.py --rows 10000000 --json

clean:
	rm -rf $(VENV) tradewar-report.html
