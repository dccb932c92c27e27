# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint messages clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## make run: install, migrate, seed the demo once, serve on http://$(HOST):$(PORT)/ with a Celery worker and beat.
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --once --responses 3000
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops the web server and the worker)."
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A cxprogram worker --beat --pool=solo --loglevel=WARNING & \
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: install, lint, check migrations, run every test.
test: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=cxprogram.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make messages: refresh the Russian catalogue after changing UI strings, then translate and compile.
messages: $(VENV)/.dev
	$(PY) manage.py makemessages --locale ru --ignore '.venv/*' --ignore 'staticfiles/*' --no-obsolete
	$(PY) manage.py compilemessages --locale ru --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
