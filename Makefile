# Two commands do everything on a fresh clone: `make run` and `make test`.
# The virtualenv's interpreter: Python 3.12 or later when the machine has one (on PATH or installed by pyenv), since
# there coverage measures through sys.monitoring at almost no cost where 3.11's tracer slowed the suite by 60%;
# else python3 (3.11 or later). PYTHON=... chooses.
PYTHON ?= $(shell for p in python3.12 python3.13 $(wildcard $(HOME)/.pyenv/versions/3.12.*/bin/python3) \
  $(wildcard $(HOME)/.pyenv/versions/3.13.*/bin/python3); do "$$p" -c "" 2>/dev/null && echo "$$p" && exit; done; \
  echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Test processes (pytest-xdist): one per core; each has its own SQLite file or PostgreSQL database
TEST_WORKERS ?= auto
# The PostgreSQL pass leaves out what does not depend on the database server: the browser journeys (they drive the
# same pages the view tests cover on both databases), fault injection and the topology (their own servers) and
# the sqlite_pass tests (their own database or none)
PG_MARKERS := -m "not faults and not topology and not e2e and not sqlite_pass"
export FLASK_APP := app
# Write bytecode even where the environment says not to: every pytest worker would otherwise parse and rewrite all
# the test modules again, and every server and command the tests start would compile portal/ again
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run serve test stress-test venv browser nginx pgbouncer lint security bench faults topology loadtest clean

# The installer: uv, which installs the locked set in about 7 s where pip took about 42 s; and the pip the tests and
# pip-audit call
UV_VERSION  := 0.13.8
PIP_VERSION := 26.3

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing dependencies into $(VENV) (pinned by requirements.lock)..."
	@$(BIN)/pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	@VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv pip install -q -c requirements.lock -e '.[dev]' pip==$(PIP_VERSION)
	@touch $(STAMP)

venv: $(STAMP)

## make run: virtualenv, install, migrate, demo data, outbox relay and the web server on 127.0.0.1:$(PORT)
## (emailed links use BASE_URL, which defaults to that address, so links from commands reach this server too).
## SEARCH=meilisearch make run: the same on a local Meilisearch (the development binary the tests use), started
## first, indexed by the demo seed and stopped with the server (search/meili_run.py)
SEARCH ?= embedded
run: export BASE_URL ?= http://127.0.0.1:$(PORT)
run: venv
ifeq ($(SEARCH),meilisearch)
	@$(BIN)/python -m search.meili_run -- $(MAKE) --no-print-directory serve
else ifeq ($(SEARCH),embedded)
	@$(MAKE) --no-print-directory serve
else
	@echo "SEARCH must be embedded (the default) or meilisearch, not '$(SEARCH)'" >&2; exit 2
endif

## The body of make run (migrate, demo data, relay, server), without the virtualenv step
serve: export BASE_URL ?= http://127.0.0.1:$(PORT)
serve:
	@$(BIN)/flask db upgrade
	@$(BIN)/flask seed --demo
	@echo "\nServing on http://127.0.0.1:$(PORT) (Ctrl+C stops the server and the outbox relay)"
	@$(BIN)/flask outbox run & RELAY=$$!; \
	  trap 'kill $$RELAY 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## make test: the whole suite on SQLite and then, when a server answers, on PostgreSQL. The passes run one after
## the other: each keeps both cores busy on its own (side by side, four workers on two cores took 710 s against
## 486 s in turn).
test: venv
	@$(MAKE) --no-print-directory browser
	@$(MAKE) --no-print-directory nginx
	@$(MAKE) --no-print-directory pgbouncer
	@rm -rf .test-results && mkdir -p .test-results
	@echo "=== Test suite on SQLite (with coverage of portal/ and search/) ==="
	@env -u TEST_DATABASE_URL COVERAGE_FILE=.test-results/.coverage $(BIN)/pytest -n $(TEST_WORKERS) --cov --cov-report= \
	  --junitxml=.test-results/sqlite.xml; echo $$? > .test-results/sqlite.rc
	@if [ -n "$$TEST_DATABASE_URL" ] || $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
	  echo "=== Test suite on PostgreSQL: the tests that use the database (browser journeys, faults, topology, Meilisearch and the rest ran on SQLite) ==="; \
	  TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(PG_URL)} $(BIN)/pytest -n $(TEST_WORKERS) $(PG_MARKERS) --database-tests-only \
	    --junitxml=.test-results/postgresql.xml; echo $$? > .test-results/postgresql.rc; \
	else echo "=== PostgreSQL: no server on 127.0.0.1:5432 and TEST_DATABASE_URL unset, so not run ==="; fi
	@$(BIN)/coverage report --data-file=.test-results/.coverage > .test-results/coverage-sqlite.txt 2>&1 || true
	@$(BIN)/python tests/summarise.py .test-results

## make stress-test: `make test` with every core kept busy by a spinning process (stress-ng from Debian when it is
## installed or installable, else a Python loop per core): the suite must pass on a machine twice as slow.
## STRESS_TESTS="tests/directory tests/referrals" runs just those tests under the same load.
stress-test: venv
	@command -v stress-ng >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  echo "Installing Debian's stress-ng..." && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq stress-ng >/dev/null) || echo "stress-ng unavailable: a Python loop per core instead"; }
	@$(BIN)/python tests/busy.py -- $(if $(STRESS_TESTS),env -u TEST_DATABASE_URL $(BIN)/pytest -n $(TEST_WORKERS) \
	  -p no:cacheprovider $(STRESS_TESTS),$(MAKE) --no-print-directory test)

## Debian's Chromium for the browser tests; installed when missing and possible, else those tests skip and say why
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install chromium: browser tests will be skipped"; \
	  else echo "chromium is not installed and cannot be installed here: browser tests will be skipped"; fi; }

## Debian's nginx for the topology tests (the proxy in front of two servers); installed when missing and possible
nginx:
	@test -x /usr/sbin/nginx || command -v nginx >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's nginx for the topology tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null \
	      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) \
	      || echo "Could not install nginx: topology tests will be skipped"; \
	  else echo "nginx is not installed and cannot be installed here: topology tests will be skipped"; fi; }

## Debian's pgbouncer for the topology's PgBouncer test (transaction mode); installed when missing and possible
pgbouncer:
	@test -x /usr/sbin/pgbouncer || command -v pgbouncer >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's pgbouncer for the topology tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null) \
	      || echo "Could not install pgbouncer: the PgBouncer test will be skipped"; \
	  else echo "pgbouncer is not installed and cannot be installed here: the PgBouncer test will be skipped"; fi; }

## make topology: the production shape from processes on this machine (nginx, 2 gunicorn servers, 2 relays,
## 2 schedulers, PostgreSQL, Meilisearch, Redis db 4, S3 storage), proved through the proxy (about 3 minutes).
## `$(BIN)/python -m tests.topology.shape` starts the same shape and leaves it running until Ctrl+C.
topology: venv nginx pgbouncer
	@$(BIN)/pytest -p no:cacheprovider -n 0 -m topology tests/topology -v

## make lint: ruff, mypy (portal/ and search/; strict on search/, the policy core and paging; settings and the
## baseline of modules not yet passing in pyproject.toml) and bandit
lint: venv
	@$(BIN)/ruff check .
	@echo "mypy: portal/ and search/ (a minute or more on a cold cache)..."
	@$(BIN)/mypy
	@$(BIN)/bandit -q -r portal search app.py --severity-level high

# Issue #12 (accounts and links; input contract): each file's docstring names the weakness it shows
SECURITY_12 := tests/security/test_public_address.py tests/security/test_production_profile.py \
  tests/security/test_ending_credentials.py tests/security/test_unapproved_organisations.py \
  tests/security/test_sign_in_limits.py tests/security/test_two_factor_enrolment.py \
  tests/security/test_private_files_and_logs.py tests/accounts/test_registration.py \
  tests/security/test_upload_inspection.py tests/security/test_api_bodies.py tests/security/test_search_state.py \
  tests/security/test_postcodes_in_urls.py tests/security/test_search_gaps_words.py

## make security: pip-audit over requirements.lock (known vulnerabilities fail; packages it could not audit, for
## want of the package index's vulnerability service, are said loudly and fail only with AUDIT_REQUIRED=1), bandit (no high-severity finding), the static checks, the authorisation matrix, CSRF, headers,
## sessions and personal data (tests/security/test_personal_data.py, test_headers_and_csrf.py, test_sessions.py),
## and the input contract of issue #12 (zip bombs, API bodies, search state, postcodes in URLs, search-gap words)
security: venv
	@$(BIN)/python tools/audit_dependencies.py
	@$(BIN)/bandit -q -r portal search app.py --severity-level high
	@env -u TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider tests/test_static_checks.py \
	  tests/test_authorisation_matrix.py tests/test_security_and_errors.py tests/security/test_personal_data.py \
	  tests/security/test_headers_and_csrf.py tests/security/test_sessions.py tests/accounts/test_sign_in.py \
	  tests/test_rate_limit_workers.py $(SECURITY_12)
	@if [ -n "$$TEST_DATABASE_URL" ] || $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
	  echo "=== Issue #12 tests on PostgreSQL ==="; \
	  TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(PG_URL)} $(BIN)/pytest -q -p no:cacheprovider $(SECURITY_12); fi

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
