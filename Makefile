# tsuchi: `make run` starts the demo, `make test` runs the suite. Both call `make setup`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: setup run test lint format bench clean-demo messages

setup: $(VENV)/.installed var/.system
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py compilemessages -v 0 --ignore=.venv

$(VENV)/bin/python:
	@python=$$(scripts/find-python.sh) && echo "tsuchi: creating $(VENV) with $$python" && "$$python" -m venv $(VENV)

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

var/.system: scripts/setup-system.sh
	@bash scripts/setup-system.sh
	@mkdir -p var && touch $@

run: setup
	@$(PY) -m tsuchi.cli.main run

test: setup
	@url=$$(scripts/test-database-url.sh) || exit 1; \
	  echo "tsuchi: test database: $${url:-SQLite}"; \
	  TSUCHI_DATABASE_URL=$$url $(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

bench: setup
	$(PY) -m bench

messages: $(VENV)/.installed
	cd src/tsuchi && ../../$(PY) -m django makemessages -l ja -l en --settings=tsuchi.web.settings
