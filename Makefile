# The two commands that matter: `make run` and `make test`. Both install into .venv when needed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench demo install clean

$(STAMP): pyproject.toml setup.py services/ingest/native/fastrows.c services/ingest/native/sha256.h \
		services/common/native/avrodecode.c services/common/native/copytext.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/ims up

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile tests

lint: $(STAMP)
	$(BIN)/ruff check services tests bench
	$(BIN)/ruff format --check services tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:warnings tests/unit/test_import_contract.py

bench: $(STAMP)
	$(BIN)/python -m bench.run $(if $(QUICK),--quick,)

demo: $(STAMP)
	$(BIN)/ims demo

clean:
	rm -rf $(VENV) .ims
