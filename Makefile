# School-to-school support portal. Two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The embedded default: SQLite in var/, tasks inline, email to the console, demo users without MFA.
RUN_ENV := DEBUG=true MFA_EXEMPT_DEMO_USERS=true

.PHONY: run test install assets migrate demo ci-test lint clean lock lock-upgrade outdated audit

run: install assets
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install assets
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed node_modules/.installed

# Every Python package comes from the lock, with its hashes checked; the project itself is installed last, without
# resolving anything. requirements/test.txt holds the runtime lock (requirements/runtime.txt, the image's) plus the
# test and audit tools, at the same versions. A changed lock re-installs.
$(VENV)/.installed: pyproject.toml requirements/runtime.txt requirements/test.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
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

# The locks: after changing a dependency in pyproject.toml run `make lock` (keeps every other version) and commit
# requirements/; `make lock-upgrade` moves everything to the newest release pyproject.toml allows. pip-tools runs
# from a venv of its own, so it never mixes with the portal's packages.
TOOLS := .tools-venv
COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host

$(TOOLS)/bin/pip-compile:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet pip-tools==7.6.2

lock: $(TOOLS)/bin/pip-compile
	$(COMPILE) $(COMPILE_ARGS) -o requirements/runtime.txt pyproject.toml
	$(COMPILE) $(COMPILE_ARGS) --extra test -o requirements/test.txt pyproject.toml

lock-upgrade: COMPILE_ARGS := --upgrade
lock-upgrade: lock

# What is behind: locked versions with a newer release out (pyproject.toml's ranges may still exclude it).
outdated: install
	$(BIN)/python -m pip list --outdated --exclude s2s-portal

# Known vulnerabilities in every locked package, from the advisory database online; --strict fails the audit when a
# package could not be checked (offline, say) instead of passing it silently.
audit: install
	$(BIN)/pip-audit --strict --progress-spinner off --disable-pip --require-hashes -r requirements/test.txt

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(TOOLS) node_modules build var

# The API's OpenAPI document (docs/openapi.json) is generated from the endpoints' schemas; tests/api fail when the
# committed one differs. Regenerate after changing the API, and commit it.
.PHONY: openapi
openapi: install
	DEBUG=true $(BIN)/python manage.py openapi
