# School-to-school support portal. Two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The embedded default: SQLite in var/, tasks inline, email to the console, demo users without MFA.
RUN_ENV := DEBUG=true MFA_EXEMPT_DEMO_USERS=true

.PHONY: run test install assets migrate demo ci-test lint clean

run: install assets
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install assets
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: build/static/app.css build/static/govuk/govuk-frontend.min.js

build/static/app.css: static/scss/app.scss node_modules/.installed
	mkdir -p build/static
	npx sass --pkg-importer=node --style=compressed --no-source-map static/scss/app.scss $@

build/static/govuk/govuk-frontend.min.js: node_modules/.installed
	rm -rf build/static/govuk && mkdir -p build/static/govuk
	cp -R node_modules/govuk-frontend/dist/govuk/assets build/static/govuk/assets
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js build/static/govuk/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map build/static/govuk/ 2>/dev/null || true

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules build var
