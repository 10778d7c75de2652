SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
RUFF := $(VENV)/bin/ruff
CELERY := $(VENV)/bin/celery
DEV_REQUIREMENTS := requirements/dev.txt
STAMP := $(VENV)/.installed-$(shell cksum < $(DEV_REQUIREMENTS) | cut -d' ' -f1)
PYTEST_ARGS ?=
# The suite runs in this many pytest-xdist worker processes (each its own test database
# and Redis database: config/settings_test.py); 0 runs it in one process. PYTEST_ARGS
# comes after, so PYTEST_ARGS="-n 0" works too.
PYTEST_WORKERS ?= 2
RUNSERVER_ADDR ?= 127.0.0.1:8000
DEPLOY_CHECK_HOST ?= soudan.example.jp

.PHONY: help system venv install demo demo-code test check-deploy audit lint fmt migrate run worker beat bench-report bench-import bench bench-drilldown

help:
	@echo "make demo          install, migrate, seed demo data, run on http://$(RUNSERVER_ADDR)/"
	@echo "make demo-code USER=soudan   a demo persona's current 2FA code"
	@echo "make test          ruff, migration check, deploy check (with DATABASE_URL), pytest"
	@echo "make system        the Debian packages (fonts, poppler, chromium, pango): scripts/setup-system"
	@echo "make audit         pip-audit over the locked requirements (waivers: .ci/pip-audit-waivers.txt)"
	@echo "make lint | fmt | migrate | run | worker | beat | check-deploy | install"
	@echo "make bench-report  time the monthly statistics on a seeded city-scale year (PostgreSQL)"
	@echo "make bench         seed a synthetic city once, time the busy pages, then 20 users on gunicorn"
	@echo "make bench-drilldown  on the same city, time the lists behind the biggest statistics figures"
	@echo "make policy-soak   the sharing-policy machine against its oracle for POLICY_STEPS (10000) steps"

# Debian packages the product and its tests need (Japanese fonts, poppler, Chromium,
# Pango, gettext). Run by demo and test; .ci/run runs the same script.
system:
	@bash scripts/setup-system

venv install: $(STAMP)

$(STAMP): $(DEV_REQUIREMENTS)
	@if ! $(PY) -c "import sys" >/dev/null 2>&1; then \
		echo "Creating $(VENV) with $(PYTHON)"; \
		$(PYTHON) -m venv --clear $(VENV); \
	fi
	@if [ ! -x $(UV) ]; then \
		$(PY) -m pip install --quiet --disable-pip-version-check uv || echo "uv could not be installed; using pip"; \
	fi
	@if [ -x $(UV) ] && $(UV) pip install --quiet -r $(DEV_REQUIREMENTS) --python $(PY); then \
		echo "Installed $(DEV_REQUIREMENTS) with uv"; \
	else \
		echo "uv failed; installing $(DEV_REQUIREMENTS) with pip"; \
		$(PY) -m pip install --quiet --disable-pip-version-check -r $(DEV_REQUIREMENTS); \
	fi
	@rm -f $(VENV)/.installed-*
	@touch $@

DEMO_ENV := DJANGO_DEBUG=true DJANGO_DEMO=true
demo: system install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	@if [ -d locale ]; then \
		$(DEMO_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules; \
	fi
	$(DEMO_ENV) $(PY) manage.py seed_demo
	$(DEMO_ENV) $(PY) manage.py runserver $(RUNSERVER_ADDR)

demo-code: install
	@$(DEMO_ENV) $(PY) manage.py demo_code $(or $(USER_NAME),$(USER))

test: system install check-deploy
	$(RUFF) check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

check-deploy: install
	@if [ -n "$${DATABASE_URL:-}" ]; then \
		echo "manage.py check --deploy (DJANGO_DEBUG=false, ALLOWED_HOSTS=$(DEPLOY_CHECK_HOST))"; \
		DJANGO_DEBUG=false \
		DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		DJANGO_ALLOWED_HOSTS=$(DEPLOY_CHECK_HOST) \
		$(PY) manage.py check --deploy --fail-level WARNING; \
	else \
		echo "check-deploy: DATABASE_URL is not set, skipped"; \
	fi

audit: install
	$(PY) .ci/audit_deps.py requirements/dev.txt

lint: install
	$(RUFF) check .
	$(RUFF) format --check .

fmt: install
	$(RUFF) check --fix .
	$(RUFF) format .

migrate: install
	$(PY) manage.py migrate --noinput

run: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py runserver $(RUNSERVER_ADDR)

worker: install
	$(CELERY) -A config worker -l info

beat: install
	$(CELERY) -A config beat -l info --schedule $${VAR_DIR:-var}/celerybeat-schedule

# The monthly statistics benchmark: seeds a city-scale year once into a PostgreSQL
# database of its own (created and migrated if missing), then prints the time of the
# statistics queries and of the PDF, and the PDF's size. A quick look first:
#   make bench-report BENCH_ARGS="--scale 0.1"
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/jusou_bench
BENCH_ARGS ?=
# The import benchmark (benchmarks, timing the imports app): a generated 10,000-row
# 世帯・世帯員 ledger, preview and commit timed on a PostgreSQL database of its own
# (created and migrated when missing).
BENCH_IMPORT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/jusou_bench_import
bench-import: install
	DATABASE_URL=$(BENCH_IMPORT_DATABASE_URL) $(PY) manage.py bench_import --create-database $(BENCH_ARGS)

bench-report: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench_report --create-database $(BENCH_ARGS)

# The page benchmark: a synthetic city (seed_city, once, into a database of its own),
# then every busy page timed in-process (median, p95, queries, page/SQL at the median and
# at p95, the target met or not), then 20 concurrent users against gunicorn on 127.0.0.1
# for 60 s with no pause, then 200 users pausing 5 s on average. A quick look first:
#   make bench CITY_HOUSEHOLDS=2000 CITY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/jusou_city_small
CITY_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/jusou_city)
CITY_HOUSEHOLDS ?= 100000
CITY_SEED ?= 1
BENCH_PAGES_ARGS ?= --repeat 100 --stat-repeat 100
BENCH_LOAD_ARGS ?= --concurrent 20 --seconds 60
BENCH_THINK_ARGS ?= --concurrent 200 --think 5 --seconds 120
bench: install
	DATABASE_URL=$(CITY_DATABASE_URL) $(PY) manage.py seed_city --create-database --if-empty --households $(CITY_HOUSEHOLDS) --seed $(CITY_SEED)
	DATABASE_URL=$(CITY_DATABASE_URL) $(PY) manage.py bench_pages $(BENCH_PAGES_ARGS)
	DATABASE_URL=$(CITY_DATABASE_URL) $(PY) manage.py bench_pages $(BENCH_LOAD_ARGS)
	DATABASE_URL=$(CITY_DATABASE_URL) $(PY) manage.py bench_pages $(BENCH_THINK_ARGS)

# The sharing-policy state machine (tests/policy) for many more steps than `make test`
# runs: random examples until POLICY_STEPS steps have run; prints "steps run: N,
# divergences: M" and each divergence's minimal sequence. POLICY_PDF=pdf reads the PDFs
# made by WeasyPrint through pdftotext instead of their rendered templates.
# POLICY_SHARDS=N splits the steps over N processes with independent random seeds
# (one per core; each prints its own summary, and the run fails if any shard does; on
# PostgreSQL each shard has a test database of its own, <name>_soakN).
POLICY_STEPS ?= 10000
POLICY_SHARDS ?= 1
policy-soak: install
	@if [ "$(POLICY_SHARDS)" -le 1 ]; then \
		POLICY_STEPS=$(POLICY_STEPS) $(PY) -m pytest tests/policy -p no:cacheprovider $(PYTEST_ARGS); \
	else \
		per=$$(( ($(POLICY_STEPS) + $(POLICY_SHARDS) - 1) / $(POLICY_SHARDS) )); pids=""; \
		for n in $$(seq 1 $(POLICY_SHARDS)); do \
			url="$${DATABASE_URL:-}"; \
			if [ -n "$$url" ]; then base="$${url%%\?*}"; url="$${base}_soak$$n$${url#"$$base"}"; fi; \
			env $${url:+DATABASE_URL="$$url"} POLICY_STEPS=$$per POLICY_EXAMPLES=3 $(PY) -m pytest tests/policy/test_policy_machine.py \
				-k policy_machine -p no:cacheprovider $(PYTEST_ARGS) > var/policy-soak-$$n.log 2>&1 & pids="$$pids $$!"; \
		done; \
		status=0; for p in $$pids; do wait $$p || status=1; done; \
		for n in $$(seq 1 $(POLICY_SHARDS)); do echo "== shard $$n"; sed -n '/sharing policy machine/,$$p' var/policy-soak-$$n.log; done; \
		exit $$status; \
	fi

# The statistics' lists (what a figure counts) on the same synthetic city as make bench,
# as the desk's manager and a partner agency's manager: p50 / p95 per list (target
# p95 < 150 ms), and the statistics for a month and a 年度 (target < 1 s).
BENCH_DRILLDOWN_ARGS ?= --repeat 30
bench-drilldown: install
	DATABASE_URL=$(CITY_DATABASE_URL) $(PY) manage.py seed_city --create-database --if-empty --households $(CITY_HOUSEHOLDS) --seed $(CITY_SEED)
	DATABASE_URL=$(CITY_DATABASE_URL) $(PY) manage.py bench_drilldown $(BENCH_DRILLDOWN_ARGS)
