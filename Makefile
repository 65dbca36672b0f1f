# Two commands on a fresh clone:  `make run`  and  `make test`.
# Each installs only what it needs into .venv, once: the runtime for `run`, the test
# tools for `test`, the profiler for `bench`. A stamp per set notices pyproject changes.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# -qq: errors only (pip's progress and the index's notes are noise on every install)
PIP    := $(PY) -m pip -qq --disable-pip-version-check
RUN_STAMP   := $(VENV)/.stamp-run
DEV_STAMP   := $(VENV)/.stamp-dev
BENCH_STAMP := $(VENV)/.stamp-bench

.PHONY: run test lint typecheck unit check bench pictures clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit("cohort-bot needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	@echo "Creating $(VENV) ..."
	@$(PYTHON) -m venv $(VENV)

# The runtime dependencies only (what `make run` and a deploy need).
$(RUN_STAMP): pyproject.toml | $(PY)
	@echo "Installing cohort-bot and its runtime dependencies into $(VENV) ..."
	@$(PIP) install -e .
	@touch $@

# The test tools, with the runtime (so `make run` afterwards installs nothing).
$(DEV_STAMP): pyproject.toml | $(PY)
	@echo "Installing cohort-bot with its test tools into $(VENV) ..."
	@$(PIP) install -e '.[dev]'
	@touch $(RUN_STAMP) $@

# Benchmarks drive the fake Discord from tests/, so they need the test tools too.
$(BENCH_STAMP): pyproject.toml | $(PY)
	@echo "Installing cohort-bot with its test and benchmark tools into $(VENV) ..."
	@$(PIP) install -e '.[dev,bench]'
	@touch $(RUN_STAMP) $(DEV_STAMP) $@

## Set up and run the bot: Discord with DISCORD_TOKEN set, the local console without.
run: $(RUN_STAMP)
	@$(VENV)/bin/cohort-bot $(ARGS)

## Set up and run lint, types and every test (what CI runs).
test: lint typecheck unit

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(DEV_STAMP)
	$(PY) -m mypy

unit: $(DEV_STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

## Validate content/ (maintainers).
check: $(RUN_STAMP)
	@$(VENV)/bin/cohort-bot check content

bench: $(BENCH_STAMP)
	$(PY) -m bench

## Redraw the README's pictures (docs/pictures) from the bot's real messages; needs Chromium.
pictures: $(DEV_STAMP)
	@command -v $${CHROMIUM:-chromium} >/dev/null || command -v chromium-browser >/dev/null || \
	[ "$$(id -u)" != 0 ] || { \
	  echo "Installing Chromium and fonts from Debian's packages ..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium fonts-noto-core fonts-noto-color-emoji >/dev/null; }
	$(PY) -m docs

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
