# Trustpack developer commands. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# Production-like environment for `make lint` (nothing here is contacted by the checks).
PROD_ENV := DEBUG=off SECRET_KEY=lint-only-$$(date +%s)-not-a-real-secret-0123456789abcdefghijklmnop \
	AUDIT_HMAC_KEY=lint-only-audit-key-not-a-real-secret-0123456789 \
	ALLOWED_HOSTS=trust.example.com DATABASE_URL=postgres://trustpack@127.0.0.1:5432/trustpack \
	REDIS_URL=redis://127.0.0.1:6379/1 CELERY_BROKER_URL=redis://127.0.0.1:6379/2

.PHONY: setup run test test-postgres lint bench clean

setup: $(VENV)/.installed .env
	@mkdir -p var
	@$(MANAGE) migrate --noinput -v 0

$(VENV)/.installed: requirements.txt
	@if [ ! -x $(PY) ]; then interpreter=$$(scripts/find-python) || exit 1; \
		echo "Creating $(VENV) with $$interpreter"; "$$interpreter" -m venv $(VENV); fi
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@echo "Installing requirements (first run takes a minute)"
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

.env:
	@$(PY) scripts/write_dev_env.py $@

run: setup
	@$(MANAGE) seed_demo
	@$(MANAGE) runserver 127.0.0.1:8000

# Two workers: the suite is CPU-bound and the machines have two cores. `make test PYTEST_ARGS=` runs it in one.
PYTEST_ARGS ?= -n 2

test: setup
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(MANAGE) makemigrations --check --dry-run
	$(PROD_ENV) $(MANAGE) check --deploy --fail-level WARNING

bench: setup
	@$(PY) -m bench

clean:
	rm -rf $(VENV) var .env
