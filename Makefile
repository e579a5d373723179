# Casecoder: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test guide install install-test migrate demo bench bench-peers load check clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@echo ""
	@echo "Casecoder is at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo "Demo logins: researcher / demo-password (owner and coder), supervisor / demo-password (reviewer)"
	@echo ""
	$(PY) manage.py requeue_imports
	@# The task worker runs beside the web server (long work: .qdpx imports) and stops with it.
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

# Walks the guide in a real browser and writes its screenshots into docs/screenshots/ (make test
# writes them into the git-ignored var/screenshots/guide/ instead).
guide: install-test
	CASECODER_GUIDE_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/browser/test_guide.py $(PYTEST_ARGS)

# import-linter (a test extra) checks that each app imports only from the floors below it.
check: install-test
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

bench: install-test
	$(PY) -m bench $(BENCH_ARGS)

# Casecoder beside Taguette 1.5.2 (installed from PyPI into var/bench/peers/venv) on the same workload,
# at the study's scale and a large one; writes var/bench/peers.json (bench/peers/). Not part of `make test`.
# PEERS_ARGS, e.g. "--scales large --rounds 50".
bench-peers: install
	$(PY) -m bench.peers $(PEERS_ARGS)

# 20 simulated coders for 60 s against gunicorn + PostgreSQL on 127.0.0.1 (load/run_load.py);
# writes var/load/latest.json. LOAD_ARGS, e.g. "--users 40 --seconds 120 --workers 2".
load: install
	$(PY) -c "import locust" 2>/dev/null || $(PY) -m pip install --quiet -e '.[load]'
	$(PY) load/run_load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var .import_linter_cache
