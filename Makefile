# make run       — create .venv, install, initialise instance/ and start the server on http://127.0.0.1:5000,
#                  with the job runner (exports) beside it
# make test      — install the test dependencies and run the whole suite
# make messages  — gather the pages' strings again into each surveys/translations/*/LC_MESSAGES/messages.po
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test init clean-venv catalogues messages

# The compiled catalogues are made from the .po files in git, and never committed.
TRANSLATIONS := surveys/translations
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=python3.11 or similar)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The project itself, editable: its entry point is how `flask --app app init` runs before any secret exists.
$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)
	touch $@

# A .po edited after the install is compiled again before the server or the tests start.
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel -q compile -i $< -o $@ -l $*

catalogues: $(CATALOGUES)

# The strings of the code and templates (babel.cfg), merged into each language's .po; new ones come in untranslated.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k Message -k lazy_gettext --no-location --sort-output --width 120 \
		-o $(TRANSLATIONS)/messages.pot models surveys
	$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --width 120 \
		--ignore-pot-creation-date
	rm $(TRANSLATIONS)/messages.pot

init: $(VENV)/.installed catalogues
	$(BIN)/flask --app app init

# The job runner writes exports in the background; it stops with the server (Ctrl-C). A background command here
# ignores Ctrl-C, so the trap stops it.
run: init
	@$(BIN)/flask --app app jobs work & runner=$$!; \
	trap 'kill $$runner 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

# axe-core, for the accessibility checks of the browser tests (served to the page from the app's origin).
node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

test: $(VENV)/.dev-installed node_modules/.installed catalogues
	$(BIN)/python -m pytest

clean-venv:
	rm -rf $(VENV)
