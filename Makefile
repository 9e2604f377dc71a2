# Two commands do all the set-up on a fresh Debian 12 machine (Python 3.11):
#   make run    — install, migrate, load demo data, serve on http://127.0.0.1:8000 (SQLite, no services needed)
#   make test   — install, run the whole test suite
# Debian packages are installed when run as root; otherwise the missing ones are named.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# WeasyPrint (Pango), a CJK font with bold, fast font subsetting (harfbuzz-subset: ~20x faster Chinese PDFs)
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext
# Tests also open PDFs (poppler), decode QR codes (zbar) and drive a real browser (Chromium)
TEST_DEBS := $(RUN_DEBS) poppler-utils libzbar0 chromium

.PHONY: run test debs-run debs-test venv lint bench-lifecycle bench-dashboard

# The demo runs with DEBUG on (development server, the development keys); production never does.
run: export DEBUG ?= 1
run: debs-run $(BIN)/.installed-run
	[ ! -d locale ] || $(BIN)/python manage.py compilemessages -v0 --ignore=.venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@# the worker runs reminders, escalation and renders PDFs; it stops with the server
	$(BIN)/python manage.py run_worker & trap 'kill $$!' EXIT; $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: export DJANGO_SETTINGS_MODULE ?= project.settings_test
test: debs-test $(BIN)/.installed-test
	[ ! -d locale ] || $(BIN)/python manage.py compilemessages -v0 --ignore=.venv
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .

debs-run:
	@./scripts/ensure-debs.sh $(RUN_DEBS)

debs-test:
	@./scripts/ensure-debs.sh $(TEST_DEBS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(BIN)/.installed-run: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-test: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(BIN)/.installed-run

bench-lifecycle: $(BIN)/.installed-test
	$(BIN)/python bench/lifecycle.py

bench-dashboard: $(BIN)/.installed-test
	$(BIN)/python bench/dashboard.py
