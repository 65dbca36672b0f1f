# Two commands on a fresh clone:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck unit check bench pictures clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("cohort-bot needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

## Set up and run the bot: Discord with DISCORD_TOKEN set, the local console without.
run: $(STAMP)
	$(PY) -m bot $(ARGS)

## Set up and run lint, types and every test (what CI runs).
test: lint typecheck unit

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

## Validate content/ (maintainers).
check: $(STAMP)
	$(PY) -m bot check content

bench: $(STAMP)
	$(PY) -m bench

## Redraw the README's pictures (docs/pictures) from the bot's real messages; needs Chromium.
pictures: $(STAMP)
	@command -v $${CHROMIUM:-chromium} >/dev/null || [ "$$(id -u)" != 0 ] || { \
	  echo "Installing Chromium and fonts from Debian's packages..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium fonts-noto-core fonts-noto-color-emoji >/dev/null; }
	$(PY) -m docs

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
