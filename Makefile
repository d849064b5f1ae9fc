# The two commands a new user runs: `make run` and `make test`. Both bootstrap the environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .tools/sam
PORT ?= 3000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
NODE_E2E := tests/e2e/node

.PHONY: run test lint openapi bench sam-build bootstrap clean mutate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

$(SAM_VENV)/.installed: $(STAMP)
	$(PYTHON) -m venv $(SAM_VENV)
	$(BIN)/uv pip install --quiet --python $(SAM_VENV)/bin/python 'aws-sam-cli>=1.120'
	touch $@

$(NODE_E2E)/node_modules/.installed: $(NODE_E2E)/package-lock.json
	npm ci --prefix $(NODE_E2E) --no-audit --no-fund
	touch $@

bootstrap: $(STAMP) $(SAM_VENV)/.installed $(NODE_E2E)/node_modules/.installed

run: $(STAMP)
	$(BIN)/medialib local start-api --host $(HOST) --port $(PORT)

test: bootstrap
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(BIN)/pytest

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/shared/python tools functions tests bench
	$(BIN)/cfn-lint template.yaml

openapi: $(STAMP)
	$(BIN)/python -m medialib_local.openapi > docs/openapi.json

bench: $(STAMP)
	$(BIN)/python bench/coldstart/run.py

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

clean:
	rm -rf $(VENV) .tools .aws-sam .mutate
