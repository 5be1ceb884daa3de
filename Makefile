# threadline: two commands on a fresh machine.
#   make demo   set everything up, start Kafka, apply the topology, run the main job
#   make test   set everything up, then lint, type-check and run the whole test suite
# Everything else here is a step of those two.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TL := $(BIN)/threadline
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test system venv kafka-up kafka-down lint typecheck unit integration bench soak clean

demo: kafka-up
	$(TL) demo

test: system kafka-up lint typecheck
	$(BIN)/pytest

system:
	@scripts/bootstrap-system prometheus

$(STAMP): pyproject.toml
	@scripts/bootstrap-system prometheus
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

kafka-up: venv
	$(TL) kafka up
	$(TL) --as admin kafka apply

kafka-down:
	@test -x $(TL) && $(TL) kafka down || true

lint: venv
	$(BIN)/ruff check services tests benchmarks
	$(BIN)/ruff format --check services tests benchmarks

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest -m "not integration"

integration: kafka-up
	$(BIN)/pytest -m integration

bench: kafka-up
	$(BIN)/python benchmarks/kafka_baseline.py

# Not in `make test` (CI): 30 minutes of steady load, memory and lag sampled (issue 8).
# `make soak SOAK_ARGS="--minutes 1 --rate 50"` for a quick look.
SOAK_ARGS ?= --minutes 30 --rate 100
soak: kafka-up
	$(BIN)/python benchmarks/soak.py $(SOAK_ARGS)

clean: kafka-down
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
