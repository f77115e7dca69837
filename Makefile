# Two commands for a newcomer: `make run` and `make test`. Each creates .venv if missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

SHACL_JS := tests/validation/shacl-js

.PHONY: run test lint release check-release bench docs clean help shacl-js

help:
	@echo "make run      set up, build the graph and serve it on http://$(HOST):$(PORT)/"
	@echo "make test     set up and run the test suite"
	@echo "make lint     ruff and vulture (dead code)"
	@echo "make release  regenerate the committed release artefacts (ontology, docs, graph dumps)"
	@echo "make shacl-js install the second SHACL engine the tests compare against (npm ci)"
	@echo "make bench    benchmark ccdkg against oxigraph serve, a naive Flask app and rdflib-endpoint"
	@echo "              at 100k and 1M triples (≈15 min; BENCH_ARGS='--sizes 100k' to choose)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --upgrade --quiet pip
	@# setuptools' one notice about editable installs (folders named like the package) is not news here
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ccdkg build
	@echo "Serving the graph on http://$(HOST):$(PORT)/  (SPARQL: http://$(HOST):$(PORT)/sparql)"
	$(VENV)/bin/ccdkg serve --host $(HOST) --port $(PORT) --store memory

# The second SHACL engine (shacl-engine, Node.js) that tests/validation/test_second_engine.py compares with.
$(SHACL_JS)/node_modules/.installed: $(SHACL_JS)/package.json $(SHACL_JS)/package-lock.json
	npm ci --prefix $(SHACL_JS) --no-audit --no-fund --loglevel=error
	@touch $@

shacl-js: $(SHACL_JS)/node_modules/.installed

test: $(STAMP) shacl-js
	$(PY) -m pytest

VULTURE_PATHS := ccdkg graph ontology server validation bench scripts tests

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/vulture $(VULTURE_PATHS) --exclude '*/vendor/*,*/node_modules/*' --min-confidence 60

release: $(STAMP)
	$(VENV)/bin/ccdkg release

check-release: $(STAMP)
	$(VENV)/bin/ccdkg release --check

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache test-artifacts
