# make run   — create .venv, install, initialise instance/ and start the server on http://127.0.0.1:5000
# make test  — install the test dependencies and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test init clean-venv

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=python3.11 or similar)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The project itself, editable: its entry point is how `flask --app app init` runs before any secret exists.
$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

init: $(VENV)/.installed
	$(BIN)/flask --app app init

run: init
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

# axe-core, for the accessibility checks of the browser tests (served to the page from the app's origin).
node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

test: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/python -m pytest

clean-venv:
	rm -rf $(VENV)
