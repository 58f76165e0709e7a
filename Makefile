# The two commands a new user types: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PORTLINE_VAR_DIR ?= $(CURDIR)/var
PORT ?= 8000

.PHONY: run test install lint docs chromium nginx clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Portline needs Python 3.11 or newer")'
	@pkg-config --exists icu-i18n 2>/dev/null || { \
	  echo "Installing Debian's libicu-dev and pkg-config (PyICU builds against them)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libicu-dev pkg-config >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## make run: install, prepare the SQLite database with demo data, serve on http://127.0.0.1:8000 (PORT=... to change)
run: $(STAMP)
	$(BIN)/portline i18n compile
	$(BIN)/portline migrate --no-input
	$(BIN)/portline manage createcachetable
	PORTLINE_DEMO=1 $(BIN)/portline demo load
	@echo "Serving Portline on http://127.0.0.1:$(PORT) with the production server, debug off (a task worker runs beside it; Ctrl-C stops both)"
	@bash -c 'trap "kill 0" EXIT; PORTLINE_DEMO=1 PORTLINE_LOG_FORMAT=plain $(BIN)/portline worker >$(PORTLINE_VAR_DIR)/worker.log 2>&1 & PORTLINE_DEMO=1 PORTLINE_LOG_FORMAT=plain $(BIN)/portline serve 127.0.0.1:$(PORT)'

## make test: install what tests need (Python packages, Debian's Chromium) and run the whole suite
test: $(STAMP) chromium nginx
	$(BIN)/ruff check --output-format concise .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/portline i18n compile
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's Chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The scale-out test puts two servers behind Debian's nginx (deploy/nginx/portline.conf).
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  echo "Installing Debian's nginx for the scale-out test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/portline config docs

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
