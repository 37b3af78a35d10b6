# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Test processes (pytest-xdist): one per core; each has its own SQLite file or PostgreSQL database
TEST_WORKERS ?= auto
export FLASK_APP := app

.PHONY: run test venv browser lint security bench faults loadtest clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing dependencies into $(VENV) (pinned by requirements.lock)..."
	@$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## make run: virtualenv, install, migrate, demo data, outbox relay and the web server on 127.0.0.1:$(PORT)
run: venv
	@$(BIN)/flask db upgrade
	@$(BIN)/flask seed --demo
	@echo "\nServing on http://127.0.0.1:$(PORT) (Ctrl+C stops the server and the outbox relay)"
	@$(BIN)/flask outbox run & RELAY=$$!; \
	  trap 'kill $$RELAY 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## make test: the whole suite on SQLite and, when a server answers, on PostgreSQL
test: venv
	@$(MAKE) --no-print-directory browser
	@rm -rf .test-results && mkdir -p .test-results
	@echo "=== Test suite on SQLite ==="
	@env -u TEST_DATABASE_URL $(BIN)/pytest -n $(TEST_WORKERS) --junitxml=.test-results/sqlite.xml; echo $$? > .test-results/sqlite.rc
	@if [ -n "$$TEST_DATABASE_URL" ] || $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
	  echo "=== Test suite on PostgreSQL ==="; \
	  TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(PG_URL)} $(BIN)/pytest -n $(TEST_WORKERS) -m "not faults" --junitxml=.test-results/postgresql.xml; echo $$? > .test-results/postgresql.rc; \
	else echo "=== PostgreSQL: no server on 127.0.0.1:5432 and TEST_DATABASE_URL unset, so not run ==="; fi
	@$(BIN)/python tests/summarise.py .test-results

## Debian's Chromium for the browser tests; installed when missing and possible, else those tests skip and say why
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install chromium: browser tests will be skipped"; \
	  else echo "chromium is not installed and cannot be installed here: browser tests will be skipped"; fi; }

lint: venv
	@$(BIN)/ruff check .
	@$(BIN)/bandit -q -r portal search app.py --severity-level high

## make security: bandit (no high-severity finding), the static checks, the authorisation matrix, CSRF, headers,
## sessions and personal data (tests/security/test_personal_data.py, test_headers_and_csrf.py, test_sessions.py),
## and the input contract of issue #12 (zip bombs, API bodies, search state, postcodes in URLs, search-gap words)
security: venv
	@$(BIN)/bandit -q -r portal search app.py --severity-level high
	@env -u TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider tests/test_static_checks.py \
	  tests/test_authorisation_matrix.py tests/test_security_and_errors.py tests/security/test_personal_data.py \
	  tests/security/test_headers_and_csrf.py tests/security/test_sessions.py tests/accounts/test_sign_in.py \
	  tests/test_rate_limit_workers.py tests/security/test_upload_inspection.py tests/security/test_api_bodies.py \
	  tests/security/test_search_state.py tests/security/test_postcodes_in_urls.py \
	  tests/security/test_search_gaps_words.py

## make faults: fault injection (the database stopping mid-run, ...) with private servers; also in make test
faults: venv
	@$(BIN)/pytest -m faults -v

## make loadtest: mixed traffic from Locust against gunicorn, on PostgreSQL and SQLite (about 5 minutes)
loadtest: venv
	@$(BIN)/python bench/loadtest.py

bench: venv
	@$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .test-results .pytest_cache
