# Two commands do all set-up on a fresh machine with Python 3.11:
#   make demo   — the platform with demo data on SQLite at http://127.0.0.1:8000
#   make test   — the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo demo-data serve test lint check messages clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "tidu needs Python 3.11 (set PYTHON=/path/to/python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo-data: $(STAMP)
	$(BIN)/tidu migrate --noinput
	$(BIN)/tidu load_policy
	$(BIN)/tidu load_demo

demo: demo-data
	$(BIN)/tidu runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .

# Apps whose pages are not translated yet stay out of the English catalogue (tidu/core/tests/test_i18n.py
# requires every entry in it to be translated); drop an app from this list once its strings are done.
I18N_PENDING ?=
messages: $(STAMP)
	cd tidu && ../$(BIN)/tidu makemessages -l en --no-obsolete $(foreach app,$(I18N_PENDING),--ignore "$(app)/*") \
		&& ../$(BIN)/tidu compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
