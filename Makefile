# The one way to run things: the README, CI and developers all use these targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/chiso
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test test-sqlite test-postgres soak lint install bench bench-national clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: build everything, load the demo province into var/chiso.sqlite3 and serve it
demo: $(STAMP)
	CHISO_INSECURE_DEV=1 $(BIN)/chiso demo --serve --host $(HOST) --port $(PORT)

## test: lint, type-check, contracts, then the whole suite on SQLite and on PostgreSQL
test: lint test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	CHISO_INSECURE_DEV=1 $(BIN)/mypy chiso
	CHISO_INSECURE_DEV=1 $(BIN)/python manage.py check --fail-level WARNING
	CHISO_INSECURE_DEV=1 $(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: $(STAMP)
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-report-tools.sh
	CHISO_INSECURE_DEV=1 $(BIN)/pytest

test-postgres: $(STAMP)
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-report-tools.sh
	bash scripts/ensure-postgres.sh
	CHISO_INSECURE_DEV=1 DATABASE_URL=$(PG_URL) $(BIN)/pytest

## soak: the whole suite on PostgreSQL plus the long runs (`soak` marker: 50 writers × 1,000
## values, long API fuzzing); writes the reliability table into docs/reliability.md
soak: $(STAMP)
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-report-tools.sh
	bash scripts/ensure-postgres.sh
	CHISO_INSECURE_DEV=1 DATABASE_URL=$(PG_URL) CHISO_RELIABILITY_REPORT=docs/reliability.md \
		$(BIN)/pytest -m "soak or not soak"

bench: $(STAMP)
	$(BIN)/python bench/score_cohort.py
	$(BIN)/python bench/extraction/run.py
	$(BIN)/python bench/web_load/run.py

## bench-national: PostgreSQL with the synthetic national dataset (built once, ~10 min; reused)
bench-national: $(STAMP)
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-report-tools.sh
	$(BIN)/python bench/national/run.py --reuse

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
