# The two commands of the quickstart, and the ones around them.
#   make demo   generate extracts and run one cycle through the Airflow DAG
#   make test   the whole test suite (what CI runs)
#   make test-fast  the unit tests only, while working (no dbt build, no DAG run)
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
UV      := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
AS_OF   ?= $(shell date +%F)
PROFILE ?= national
# The demo delivers feeds to the example registry's invented institutions; `creditlake run`
# itself delivers none unless given --registry or CREDITLAKE_REGISTRY.
REGISTRY ?= publishing/registry_example

.PHONY: env demo test test-fast lint bench clean browser postgres

# One environment, .venv at the project root, from the lock file. uv comes from pip when absent.
$(VENV)/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	# --compile-bytecode: this machine sets PYTHONDONTWRITEBYTECODE, so without it every
	# Airflow task, dbt run and test would compile its imports from source again.
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --compile-bytecode --python 3.11
	@touch $@

env: $(VENV)/.synced

demo: env
	rm -rf demo
	$(BIN)/creditlake generate --out demo/landing --penalties 300 --as-of $(AS_OF)
	$(BIN)/creditlake run --landing demo/landing --lake demo/lake --as-of $(AS_OF) \
	    --profile $(PROFILE) --registry $(REGISTRY) --summary demo/summary.json

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# SQL: sqlfluff's dbt templater needs the vars `creditlake dbt` computes (.sqlfluff; ~20 s)
	$(BIN)/python dbt_project/sqlfluff_lint.py

# Debian's Chromium and a CJK font, for the portal's browser tests (driven by Playwright, from
# the lock file), and axe-core from the npm registry (tests/browser/package-lock.json). Installed
# once; when apt cannot run here the portal tests are skipped, and this says so loudly.
browser: tests/browser/node_modules/.installed
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy || \
	  (apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-wqy-zenhei >/dev/null) || \
	  echo "WARNING: could not install chromium; the portal's browser tests will be skipped"

# Debian's PostgreSQL server, for the production-path test (tests/e2e/test_production_path.py
# starts its own server, as the `postgres` user when run as root). Installed once; when apt
# cannot run here that test is skipped, and this says so loudly.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null) || \
	  echo "WARNING: could not install postgresql; the production-path test will be skipped"

tests/browser/node_modules/.installed: tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# pytest exits 5 when it collected no test: make (and CI) treat that as a failure. Four
# workers on two cores: the production-path test spends most of its four minutes waiting on
# Airflow's scheduler, and the DAG runs wait on their children; more workers keep both cores
# busy meanwhile (pytest alone, 2026-12-07: two workers 756 s, three 624-631 s, four 606 s).
# A file sharing a module fixture stays on one worker (tests/conftest.py).
test: env lint browser postgres
	$(BIN)/pytest -n 4 --dist loadgroup

test-fast: env
	$(BIN)/pytest -n 2 --dist loadgroup tests/unit

bench: env
	$(BIN)/python -m bench

clean:
	rm -rf demo .airflow .pytest_cache .ruff_cache
