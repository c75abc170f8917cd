# Mastoweb: `make run` to try it, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= mastoweb.settings

.PHONY: install lock db run serve test test-postgres lint format bench clean sync-spec check-spec

# Idempotent: re-installs only when a lock file changed. The lock pins every package,
# transitive ones too, with the hashes pip checks (--require-hashes).
install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# requirements*.txt are the ones to edit (direct dependencies, each pinned with why);
# this writes the locks from them: requirements.lock (what production installs) and
# requirements-dev.lock (the same versions, plus tests and tools).
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -c requirements.lock -o requirements-dev.lock requirements-dev.txt

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The database of this checkout (db.sqlite3, or DATABASE_URL): migrated, then the
# shipped guidance loaded (load_guidance: v3 published, v1 and v2 retired; nothing
# the second time), so `manage.py evaluate_case` answers.
db: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_guidance

# The background worker (django-tasks' database backend: a draft's impact on the
# stored cases) runs beside the server, supervised (restarted if it exits, with
# the sweeper beside it: manage.py background_worker), and stops with it.
run: db
	DEBUG=true $(BIN)/python manage.py demo_setup
	@DEBUG=true $(BIN)/python manage.py background_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# PYTEST_ARGS="-n 2" runs the suite in two processes (pytest-xdist); CI runs it in one.
# On SQLite, the tests that need PostgreSQL (races, TRUNCATE: marked postgres_only) run next on
# the machine's PostgreSQL when .ci/postgres.sh can start it without installing it (root or
# sudo); with none, they are skipped and say why.
test: db
	@case "$${DATABASE_URL:-sqlite}" in postgres*) exec $(BIN)/python -m pytest $(PYTEST_ARGS);; esac; \
	url=$$(PG_NO_INSTALL=1 bash .ci/postgres.sh 2>/dev/null) || url=""; \
	if [ -z "$$url" ]; then \
	  echo "test: no PostgreSQL could be started (.ci/postgres.sh): its tests are skipped"; \
	  exec $(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi; \
	MASTOWEB_POSTGRES_TESTS_FOLLOW=1 $(BIN)/python -m pytest $(PYTEST_ARGS) || exit $$?; \
	echo "== the PostgreSQL-only tests (marked postgres_only), on $${url%%:*}://…@$${url##*@}"; \
	DATABASE_URL="$$url" $(BIN)/python -m pytest -m postgres_only $(PYTEST_ARGS); rc=$$?; \
	[ $$rc = 5 ] && echo "(none among the tests chosen)" && rc=0; exit $$rc

# The suite against PostgreSQL: $DATABASE_URL, or else a local server that
# .ci/postgres.sh installs, starts and provisions (root or sudo needed once).
test-postgres: install
	@url="$${DATABASE_URL:-}"; if [ -z "$$url" ]; then url=$$(bash .ci/postgres.sh) || exit 1; fi; \
	case "$$url" in postgres*) ;; *) echo "test-postgres: DATABASE_URL is not a postgres:// URL" >&2; exit 2;; esac; \
	echo "DATABASE_URL=$${url%%:*}://…@$${url##*@} $(BIN)/python -m pytest"; \
	DATABASE_URL="$$url" $(BIN)/python -m pytest $(PYTEST_ARGS)

# Production settings on this machine (docs/deploy.md): DEBUG off, static files
# collected, gunicorn on 127.0.0.1:$(PORT). Without SECRET_KEY a throwaway one is
# kept in .secret_key (git-ignored); SECURE_SSL_REDIRECT defaults to false here
# because no TLS proxy is in front.
serve: install
	@test -n "$${SECRET_KEY:-}" -o -s .secret_key || \
	  (umask 077; $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))" > .secret_key)
	@export DJANGO_SETTINGS_MODULE=mastoweb.production DEBUG=false PORT=$(PORT) \
	  SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	  SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}"; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py load_guidance && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	echo "serving http://127.0.0.1:$(PORT)/ (mastoweb.production, DEBUG off)" && \
	exec $(BIN)/gunicorn -c mastoweb/gunicorn.conf.py

# Engine, page and load figures: prints a table, writes bench/results/<date>-<host>.md.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The contract's worked cases, source text, case schemas and vignette checker, kept
# in tests/spec/ (same layout as ../shared) so that a plain clone tests them too.
# sync-spec refreshes the copy from ../shared; check-spec fails when they differ
# (CI runs it), and says so and passes on a clone with no ../shared beside it.
SHARED_DIR ?= ../shared
SPEC_COPY := tests/spec
SPEC_PARTS := spec vignettes vignettes-v2 vignettes-v3 tools/check_vignettes.py

sync-spec:
	@test -d $(SHARED_DIR) || { echo "sync-spec: $(SHARED_DIR) is absent, nothing to copy from" >&2; exit 1; }
	@for part in $(SPEC_PARTS); do \
	  rm -rf $(SPEC_COPY)/$$part && mkdir -p $$(dirname $(SPEC_COPY)/$$part) && \
	  cp -R $(SHARED_DIR)/$$part $(SPEC_COPY)/$$part && chmod -R u+w $(SPEC_COPY)/$$part || exit 1; \
	done; echo "sync-spec: $(SPEC_COPY) refreshed from $(SHARED_DIR) (review with git diff, then commit)"

check-spec:
	@if [ ! -d $(SHARED_DIR) ]; then echo "check-spec: no $(SHARED_DIR) beside the project; $(SPEC_COPY) is tested as committed"; exit 0; fi; \
	status=0; for part in $(SPEC_PARTS); do diff -r $(SHARED_DIR)/$$part $(SPEC_COPY)/$$part || status=1; done; \
	if [ $$status != 0 ]; then echo "check-spec: $(SPEC_COPY) differs from $(SHARED_DIR): run make sync-spec and commit" >&2; exit 1; fi; \
	echo "check-spec: $(SPEC_COPY) is the same as $(SHARED_DIR)"

# ruff, then the layers as contracts (import-linter, [tool.importlinter] in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
