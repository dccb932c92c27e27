# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test audit lint messages clean system-deps

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## make run: install, migrate, seed the demo once, serve on http://$(HOST):$(PORT)/ with a Celery worker and beat
## (started again whenever it exits: manage.py run_worker).
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --once --responses 3000
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops the web server and the worker)."
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py run_worker --loglevel=WARNING & \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The browser tests drive Debian's chromium; the accessibility tests also need nodejs and npm (axe-core); the feedback
# mailbox tests start a private dovecot (dovecot-imapd). Installed with apt-get when `make test` runs as root on
# Debian or Ubuntu; otherwise it says plainly what will skip and why.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	[ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing$$missing with apt-get for the browser, accessibility and feedback mailbox tests."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) || \
	  echo "Could not install$$missing with apt-get: the tests that need it will skip and say why."; \
	else \
	  echo "Not installing$$missing: that needs root and apt-get. Without chromium the browser tests (tests/e2e) skip;"; \
	  echo "without nodejs and npm the accessibility tests skip; without dovecot-imapd the feedback mailbox tests skip."; \
	  echo "Install them (apt-get install$$missing) to run them."; \
	fi

# axe-core for the accessibility tests (package.json); without node and npm those tests skip and say why.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error || \
	  echo "npm ci failed: the accessibility tests will skip."; \
	else echo "npm is not installed: the accessibility tests will skip (apt-get install nodejs npm)."; fi

## make test: install, lint, import contracts (.importlinter), security lint, check migrations, run every test.
test: $(VENV)/.dev system-deps node_modules/.package-lock.json
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/bandit -c pyproject.toml -r . -q
	DJANGO_SETTINGS_MODULE=cxprogram.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

## make audit: known vulnerabilities in the pinned dependencies (needs PyPI's per-release JSON API).
audit: $(VENV)/.dev
	@if $(PY) -c "import urllib.request as u; u.urlopen('https://pypi.org/pypi/pip-audit/2.10.1/json', timeout=20)" \
	  2>/dev/null; then $(VENV)/bin/pip-audit --strict --disable-pip --no-deps --progress-spinner off \
	  -r requirements.txt -r requirements-dev.txt; \
	else echo "pip-audit skipped: PyPI's vulnerability data (https://pypi.org/pypi/<name>/<version>/json) cannot be reached from this machine."; fi

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make messages: refresh the Russian catalogue after changing UI strings, then translate and compile.
messages: $(VENV)/.dev
	$(PY) manage.py makemessages --locale ru --ignore '.venv/*' --ignore 'staticfiles/*' --no-obsolete
	$(PY) manage.py compilemessages --locale ru --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
