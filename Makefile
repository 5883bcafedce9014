# The two commands of the README: `make run` and `make test`. Both build .venv from the lock.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen
CHECK_DB := $(shell mktemp -u /tmp/caisse-alembic-check-XXXXXX).db

# The English catalogue of the touch till: `.ts` source in git, `.qm` built here (git-ignored).
TS := resources/translations/caisse_en.ts
QM := $(TS:.ts=.qm)

.PHONY: run test venv lint typecheck check-migrations pytest clean translations

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required: install python3.11 and python3.11-venv." >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

$(QM): $(TS) | $(STAMP)
	$(BIN)/pyside6-lrelease $(TS) -qm $(QM)

translations: $(QM)

run: $(STAMP) $(QM)
	@unset QT_QPA_PLATFORM; $(BIN)/caisse run --demo

lint: $(STAMP)
	$(BIN)/ruff format --check src tests migrations
	$(BIN)/ruff check src tests migrations

typecheck: $(STAMP)
	$(BIN)/mypy

check-migrations: $(STAMP)
	CAISSE_ALEMBIC_URL=sqlite:///$(CHECK_DB) $(BIN)/alembic upgrade head >/dev/null
	CAISSE_ALEMBIC_URL=sqlite:///$(CHECK_DB) $(BIN)/alembic check
	@rm -f $(CHECK_DB) $(CHECK_DB)-wal $(CHECK_DB)-shm

pytest: $(STAMP)
	$(BIN)/pytest -m "not hardware" --cov --cov-report=term:skip-covered -p no:cacheprovider

test: lint typecheck $(QM)
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory check-migrations
	$(MAKE) --no-print-directory pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache $(QM)
