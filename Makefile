# Every target creates .venv when missing and installs the project into it.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.data/dagster

.PHONY: run test check dev clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || $(PY) -m pipelines.event_storage $(DAGSTER_HOME)
	$(VENV)/bin/funnel-ledger demo

# The whole suite: what CI runs (.ci/run).
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

# The inner loop: lint, types and the unit tests that need no emulator, database or Dagster run.
check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q -m unit

dev: $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || $(PY) -m pipelines.event_storage $(DAGSTER_HOME)
	FUNNEL_LEDGER_MODE=demo $(VENV)/bin/dagster dev -w workspace.yaml

# Benchmarks (not part of `test`): BENCH_SCALE=1 for the full 1M-contact world; see docs/benchmarks.md.
bench: $(STAMP)
	$(PY) -m benchmarks.run

clean:
	rm -rf .data
