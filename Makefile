# One entry point for people and CI. `make test` is what CI runs.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/fastbal-target
PYTHON ?= python3

.PHONY: demo install install-test test test-rust lint test-python bench

demo: install
	fastbal demo

install:
	$(PYTHON) -m pip install -q '.[plot]'

install-test:
	$(PYTHON) -m pip install -q -e '.[test]'

test: install-test test-rust lint test-python

test-rust:
	cargo test -q -p fastbal-core

lint:
	cargo fmt --all --check
	cargo clippy -q --workspace --all-targets -- -D warnings
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy
	$(PYTHON) -m mypy.stubtest fastbal._fastbal

test-python:
	$(PYTHON) -m pytest -q

bench: install
	$(PYTHON) benches/run_all.py
