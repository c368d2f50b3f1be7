# One entry point for people and CI. `make test` is what CI runs.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/fastbal-target
PYTHON ?= python3
# The oldest polars the plugin supports (pyproject.toml), tested in its own venv.
POLARS_OLDEST ?= 1.32.3
OLDEST_VENV ?= $(HOME)/.cache/fastbal-polars-$(POLARS_OLDEST)

.PHONY: demo install install-test test test-rust lint test-python test-polars-oldest docs bench

demo: install
	fastbal demo

install:
	$(PYTHON) -m pip install -q '.[plot]'

install-test:
	$(PYTHON) -m pip install -q -e '.[test]'

test: install-test test-rust lint test-python test-polars-oldest docs

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

# The plugin against the oldest polars declared; the newest is the one installed above.
test-polars-oldest:
	test -x $(OLDEST_VENV)/bin/python || $(PYTHON) -m venv --system-site-packages $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install -q 'polars==$(POLARS_OLDEST)'
	$(OLDEST_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_polars_plugin.py

# The documentation site, strictly: a broken link, a missing include or an
# unreadable docstring fails. Built outside the repository.
DOCS_DIR ?= $(HOME)/.cache/fastbal-site
docs:
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict --site-dir $(DOCS_DIR)

bench: install
	$(PYTHON) benches/run_all.py
