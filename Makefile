# One command each: make run, make test, make lint, make bench, make sample.
PYTHON_BIN ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run worker test lint format bench sample clean

$(STAMP): requirements.txt
	@# potrace traces coloring pages ten times faster than the vtracer fallback;
	@# installed when this machine lets us (Debian, as root), optional otherwise.
	@command -v potrace >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq potrace >/dev/null 2>&1; } || \
		echo "note: potrace not installed; line art is traced with vtracer (slower, still within targets)"
	test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# The shop and its worker on http://127.0.0.1:$(PORT): SQLite, the offline
# provider, the demo checkout, emails in var/outbox/. Ctrl-C stops both.
run: $(STAMP)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py qcluster & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: $(STAMP)
	$(PY) manage.py qcluster

test: $(STAMP)
	mkdir -p var
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(STAMP)
	$(PY) -m bench

sample: $(STAMP)
	mkdir -p var
	$(PY) manage.py make_sample --output var/sample.pdf

clean:
	rm -rf $(VENV) var/test-*.sqlite3* .pytest_cache
