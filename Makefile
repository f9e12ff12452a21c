# The README's commands. Each creates .venv when missing and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# Ralph, the learning record store the insights tests send xAPI statements to, pins its own
# FastAPI: it gets a venv of its own. Its CLI extra is needed for `ralph auth`; 5.1.0 imports
# requests without declaring it.
LRS_VENV ?= .venv-lrs
LRS_STAMP := $(LRS_VENV)/.installed-stamp

.PHONY: install up demo test browser lrs lint format clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

$(LRS_STAMP): Makefile
	@test -x $(LRS_VENV)/bin/python || $(PYTHON) -m venv $(LRS_VENV)
	$(LRS_VENV)/bin/python -m pip install --quiet 'ralph-malph[cli,lrs]==5.1.0' 'requests>=2.31'
	@touch $(LRS_STAMP)

## make lrs: the Ralph LRS in its own venv (.venv-lrs) for the xAPI tests
lrs: $(LRS_STAMP)

## make up: start NATS and the services (ARGS=--demo loads the demo data set; ARGS="--demo --lrs"
## also starts a Ralph LRS that insights sends its xAPI statements to)
up: install $(if $(findstring --lrs,$(ARGS)),lrs)
	HF_HUB_OFFLINE=1 $(BIN)/peerlearn up $(ARGS)

demo: install
	HF_HUB_OFFLINE=1 $(BIN)/peerlearn up --demo

## make test: the whole test suite against real NATS, PostgreSQL, Redis, SQLite and a Ralph LRS
test: install browser lrs
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

## make browser: Debian's chromium for the browser tests (installed when missing and we are root with apt)
browser:
	@test -x /usr/bin/chromium || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "chromium is missing (apt-get install chromium): the browser tests will skip"; fi; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
