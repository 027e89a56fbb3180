# One command each: make run, make test, make lint, make bench, make sample.
PYTHON_BIN ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Test processes (pytest-xdist); 0 runs the suite in this process.
TEST_WORKERS ?= 4
STAMP := $(VENV)/.installed
# These commands are for a developer's machine: DEBUG on (the settings'
# default is off), links in emails to the port `make run` serves on.
DEBUG ?= 1
SITE_URL ?= http://127.0.0.1:$(PORT)
WEB_HOST ?= 127.0.0.1
export DEBUG

.PHONY: install messages run worker test lint format bench bench-load bench-hosts sample clean

$(STAMP): requirements.txt requirements-dev.txt
	@# potrace traces coloring pages ten times faster than the vtracer fallback;
	@# installed when this machine lets us (Debian, as root), optional otherwise.
	@command -v potrace >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq potrace >/dev/null 2>&1; } || \
		echo "note: potrace not installed; line art is traced with vtracer (slower, still within targets)"
	@# poppler-utils (pdftotext, pdffonts, pdfimages, pdftoppm): the tests read
	@# the books back as a printer and a person would.
	@command -v pdftotext >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null 2>&1; }; }; } || \
		echo "note: poppler-utils not installed; the tests that read PDFs back will fail (apt-get install poppler-utils)"
	@# Chromium, from Debian, for the browser tests (tests/browser: Playwright
	@# drives it, never a browser of its own); they skip without it, unless
	@# REQUIRE_BROWSER=1 (CI), where they fail.
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; }; }; } || \
		echo "note: chromium not installed; the browser tests will skip (apt-get install chromium)"
	test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The message files (French). The compiled .mo files are committed, as
# Django does, so every deploy path (a Procfile platform's plain
# `pip install -r requirements.txt`, the Dockerfile) speaks French without
# gettext; after editing a .po file, `make messages` compiles it again with
# GNU gettext's msgfmt, as Django's compilemessages does, and
# tests/test_translations.py fails until the two match.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po generator/locale/*/LC_MESSAGES/django.po)

messages:
	@command -v msgfmt >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null 2>&1; } || \
		{ echo "error: msgfmt (GNU gettext) is needed to compile the translations: apt-get install gettext"; exit 1; }
	@for po in $(PO_FILES); do echo "msgfmt $$po"; msgfmt --check-format -o $${po%.po}.mo $$po || exit 1; done

install: $(STAMP)

# The shop and its worker on http://127.0.0.1:$(PORT), run as production runs
# them (bin/start: migrations, the web server and qcluster under one supervisor):
# SQLite, the offline provider, the demo checkout, emails in var/outbox/.
# Ctrl-C stops everything.
run: install
	mkdir -p var
	PORT=$(PORT) SITE_URL=$(SITE_URL) WEB_HOST=$(WEB_HOST) $(PY) bin/start

worker: install
	$(PY) manage.py qcluster

test: install
	mkdir -p var
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: install
	$(PY) -m bench

# Books per hour on one 512 MB host with BOOK_WORKERS 1, 2 and 3 (a few
# minutes; needs root for the memory cgroup).
bench-load: install
	$(PY) -m bench load

# Three worker hosts on PostgreSQL and Redis, one killed mid-book (also part
# of `make bench`); BENCH_DATABASE_URL, BENCH_REDIS_URL to point elsewhere.
bench-hosts: install
	$(PY) -m bench hosts

sample: install
	mkdir -p var
	$(PY) manage.py make_sample --output var/sample.pdf

clean:
	rm -rf $(VENV) var/test-*.sqlite3* .pytest_cache
