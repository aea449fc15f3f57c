# The two commands of the README: `make demo` and `make test`. Both install what they need
# into .venv first (re-installing when pyproject.toml, setup.py or a compiled source changes: setup.py
# compiles the C extensions and, with mypyc, the hot path of newsieve.filters).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean-venv

$(STAMP): pyproject.toml setup.py $(wildcard src/newsieve/filters/*.c src/newsieve/filters/*.py src/newsieve/filters/detectors/*.py)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	scripts/install-system-deps
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/newsieve demo

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"

clean-venv:
	rm -rf $(VENV)
