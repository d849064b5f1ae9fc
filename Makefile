# The two commands a new user runs: `make run` and `make test`. Both bootstrap the environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .tools/sam
CHECKOV_VENV := .tools/checkov
PORT ?= 3000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
VENV313 := .venv313
NODE_E2E := tests/e2e/node

# The locks under requirements/ pin every version: development and CI install dev.txt (and sam.txt for SAM CLI),
# the layer Makefiles install shared-layer.txt and image-layer.txt, so laptops, CI and AWS run the same versions;
# `make bench` adds bench.txt (libvips for bench/deliver) to the development venv.
# `make lock` regenerates them after a change to pyproject.toml or requirements/*.in.
UV_VERSION := 0.13.9
UV := .tools/uv/bin/uv
# Development and CI run Python 3.11 or later: the universal locks resolve from 3.11 up (3.13 included).
UV_COMPILE = $(UV) pip compile --quiet --custom-compile-command 'make lock'
DEV_TARGET := --python-version 3.11 --universal
# The layers' target: the python3.13 Lambda runtime (Amazon Linux 2023, glibc 2.34, x86_64).
LAYER_TARGET := --python-version 3.13 --python-platform x86_64-manylinux_2_34 --constraints requirements/dev.txt

.PHONY: run test test-py313 lint openapi bench sam-build bootstrap lock mutate schemathesis clean

$(UV):
	$(PYTHON) -m venv .tools/uv
	.tools/uv/bin/python -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'

# Each venv is rebuilt from scratch when its lock changes, so it holds what the lock says and nothing else.
$(STAMP): pyproject.toml requirements/dev.txt | $(UV)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(UV) pip install --quiet --python $(BIN)/python -r requirements/dev.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# The functions run on python3.13 (template.yaml), development on any Python 3.11+: `make test-py313` runs the unit
# and integration tests in a second venv on Python 3.13, the one tools/python313.py finds or fetches (docs/runtime.md).
$(VENV313)/.installed: pyproject.toml requirements/dev.txt | $(UV)
	rm -rf $(VENV313)
	$(UV) venv --quiet --seed --python "$$($(PYTHON) tools/python313.py)" $(VENV313)
	$(UV) pip install --quiet --python $(VENV313)/bin/python -r requirements/dev.txt
	$(UV) pip install --quiet --python $(VENV313)/bin/python --no-deps -e .
	touch $@

$(SAM_VENV)/.installed: requirements/sam.txt | $(UV)
	rm -rf $(SAM_VENV)
	$(PYTHON) -m venv $(SAM_VENV)
	$(UV) pip install --quiet --python $(SAM_VENV)/bin/python -r requirements/sam.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements/checkov.txt | $(UV)
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(UV) pip install --quiet --python $(CHECKOV_VENV)/bin/python -r requirements/checkov.txt
	touch $@

$(NODE_E2E)/node_modules/.installed: $(NODE_E2E)/package-lock.json
	npm ci --prefix $(NODE_E2E) --no-audit --no-fund
	touch $@

bootstrap: $(STAMP) $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed $(NODE_E2E)/node_modules/.installed

run: $(STAMP)
	$(BIN)/medialib local start-api --host $(HOST) --port $(PORT)

test: bootstrap
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(BIN)/pytest

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/shared/python tools functions tests bench
	$(BIN)/cfn-lint template.yaml

test-py313: $(VENV313)/.installed $(SAM_VENV)/.installed
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(VENV313)/bin/pytest tests/unit tests/integration

openapi: $(STAMP)
	$(BIN)/python -m medialib_local.openapi > docs/openapi.json

# bench/deliver compares the transform engine with libvips: its lock (requirements/bench.txt) goes into the dev venv
# here only, so `make bootstrap` and the tests never need pyvips.
bench: $(STAMP)
	$(UV) pip install --quiet --python $(BIN)/python -r requirements/bench.txt
	$(BIN)/python bench/coldstart/run.py
	$(BIN)/python bench/coldstart/run.py --runtimes
	$(BIN)/python bench/upload/run.py
	$(BIN)/python bench/deliver/run.py
	$(BIN)/python bench/publish/run.py
	$(BIN)/python bench/search/run.py
	$(BIN)/python bench/cost/run.py

# schemathesis over every operation of docs/openapi.json against a local stack of its own, longer than the CI-sized run
# of tests/e2e/test_schemathesis.py (minutes; docs/testing.md): `make schemathesis FUZZ_MAX_EXAMPLES=200`.
FUZZ_MAX_EXAMPLES ?= 50
schemathesis: $(STAMP)
	FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) FUZZ_WORKERS=2 FUZZ_TIMEOUT=3300 \
		$(BIN)/pytest tests/e2e/test_schemathesis.py -p no:randomly -s -q --timeout 3600

# Mutation testing of the rules, the error mapping and the job transitions against the unit tests (minutes;
# not part of `make test`). The score and the surviving mutants are recorded in docs/testing.md.
MUTATE := .mutate
mutate: $(STAMP)
	rm -rf $(MUTATE) && mkdir -p $(MUTATE)/src
	git ls-files --cached --others --exclude-standard | tar -cf - -T - | tar -xf - -C $(MUTATE)
	cp -r layers/shared/python/medialib $(MUTATE)/src/
	cd $(MUTATE) && $(CURDIR)/$(BIN)/mutmut run --max-children 2
	cd $(MUTATE) && $(CURDIR)/$(BIN)/python $(CURDIR)/tools/mutation_report.py

sam-build: bootstrap
	$(SAM_VENV)/bin/sam build --template template.yaml

lock: | $(UV)
	$(UV_COMPILE) $(DEV_TARGET) --extra dev pyproject.toml -o requirements/dev.txt
	$(UV_COMPILE) $(DEV_TARGET) requirements/sam.in -o requirements/sam.txt
	$(UV_COMPILE) $(DEV_TARGET) requirements/checkov.in -o requirements/checkov.txt
	$(UV_COMPILE) $(DEV_TARGET) --constraints requirements/dev.txt requirements/bench.in -o requirements/bench.txt
	$(UV_COMPILE) $(LAYER_TARGET) requirements/shared-layer.in -o requirements/shared-layer.txt
	$(UV_COMPILE) $(LAYER_TARGET) requirements/image-layer.in -o requirements/image-layer.txt

clean:
	rm -rf $(VENV) $(VENV313) .tools .aws-sam .mutate
