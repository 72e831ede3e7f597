# livecrew: two commands do everything.
#   make run   - install, migrate ./var/livecrew.db, seed the demo workspace, serve http://127.0.0.1:8000
#   make test  - install, lint (ruff, the import contracts), types (mypy --strict), the whole test suite
#                (in CI, CI=true: the suite runs on SQLite and again on PostgreSQL)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/livecrew/web/static/vendor
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install assets browser fonts lint types pytest clean

run: install assets fonts
	$(BIN)/livecrew db upgrade
	$(BIN)/livecrew demo
	$(BIN)/livecrew serve --host $(HOST) --port $(PORT) --simulate demo

test: install assets browser fonts lint types pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "livecrew needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Front-end libraries come from the npm registry and are copied next to our own static files (ignored by git).
assets: $(VENDOR)/.built

$(VENDOR)/.built: package.json package-lock.json src/livecrew/web/icons.py
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui/
	$(PYTHON) src/livecrew/web/icons.py node_modules/lucide-static/icons $(VENDOR)/icons.svg
	touch $@

# Browser tests drive Debian's chromium. Install it when missing and we may (root); otherwise they skip (not in CI).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium; browser tests will say why they skip"; \
	  else echo "chromium is missing and this user cannot install it; browser tests will skip"; fi; \
	fi

# The review's PDF (WeasyPrint) needs Pango, and Chinese text needs a CJK font on the machine (embedded into each PDF).
# Install Debian's when missing and we may (root); otherwise say what to install.
REVIEW_DEBS := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b
fonts:
	@if ! fc-list :lang=zh 2>/dev/null | grep -q . || ! ldconfig -p 2>/dev/null | grep -q libpangoft2; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing the CJK font and Pango for the review's PDF: $(REVIEW_DEBS)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(REVIEW_DEBS) >/dev/null) \
	      || echo "could not install $(REVIEW_DEBS); review PDFs will fail or show boxes for Chinese text"; \
	  else echo "review PDFs need $(REVIEW_DEBS) (Debian packages); ask an administrator to install them"; fi; \
	fi

lint: install
	$(BIN)/ruff check $(wildcard src tests bench)
	$(BIN)/ruff format --check $(wildcard src tests bench)
	$(BIN)/lint-imports

types: install
	$(BIN)/mypy

# Outside CI: one run (SQLite, or PostgreSQL when LIVECREW_TEST_DATABASE_URL is set); tests needing a
# server they do not have are skipped and say why. In CI: the suite on SQLite, then again on PostgreSQL,
# with Redis; there, a missing server fails the run.
pytest: install
	@if [ "$$CI" = "true" ]; then \
	  LIVECREW_TEST_REDIS_URL='$(REDIS_TEST_URL)' $(BIN)/pytest -q -m "not postgres" && \
	  echo "== the same suite on PostgreSQL ($(PG_TEST_URL)) ==" && \
	  LIVECREW_TEST_REDIS_URL='$(REDIS_TEST_URL)' LIVECREW_TEST_DATABASE_URL='$(PG_TEST_URL)' $(BIN)/pytest -q; \
	else \
	  $(BIN)/pytest -q; \
	fi

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
