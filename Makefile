# One entry point for people and CI. `make test` is what CI runs.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/fastbal-target
PYTHON ?= python3
# The oldest polars the plugin supports (pyproject.toml), installed apart and
# put ahead of the running environment's polars (see test-polars-oldest).
POLARS_OLDEST ?= 1.32.3
POLARS_OLDEST_DIR ?= $(HOME)/.cache/fastbal-polars-$(POLARS_OLDEST)-lib

.PHONY: demo install install-test test test-rust lint lint-aarch64 test-python test-python-simd-off test-polars-oldest docs bench

demo: install
	fastbal demo

install:
	$(PYTHON) -m pip install -q '.[plot]'

install-test:
	$(PYTHON) -m pip install -q -e '.[test]'

test: install-test test-rust lint test-python test-python-simd-off test-polars-oldest docs

test-rust:
	cargo test -q -p fastbal-core

lint: lint-aarch64
	cargo fmt --all --check
	cargo clippy -q --workspace --all-targets -- -D warnings
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy
	$(PYTHON) -m mypy.stubtest fastbal._fastbal
	RUSTDOCFLAGS="-D warnings" cargo doc -q -p fastbal-core --no-deps
	$(PYTHON) -c 'import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())'

test-python:
	$(PYTHON) -m pytest -q

# The whole suite again on the plain loops every CPU without AVX-512/AVX2
# runs: the results must be the same (tests/test_simd.py compares them bit
# for bit with the vector kernels').
test-python-simd-off:
	FASTBAL_SIMD=off $(PYTHON) -m pytest -q -p no:cacheprovider

# The core on a CPU without x86 vector instructions: compiled and linted for
# 64-bit ARM (the plain loops only). The target's standard library comes with
# the toolchain (`rustup target add aarch64-unknown-linux-gnu`, once per
# machine); where it is missing this step says so and is skipped.
AARCH64 = aarch64-unknown-linux-gnu
lint-aarch64:
	@if rustc --print target-libdir --target $(AARCH64) 2>/dev/null | xargs -I{} test -d {}; then \
		cargo clippy -q -p fastbal-core --all-targets --target $(AARCH64) -- -D warnings; \
	else \
		echo "lint-aarch64: skipped, the $(AARCH64) target is not installed (rustup target add $(AARCH64))"; \
	fi

# The plugin against the oldest polars declared; the newest is the one installed above.
# The old polars alone goes to a directory of its own, which PYTHONPATH puts
# ahead of site-packages: everything else (numpy, pytest, fastbal itself)
# comes from the environment $(PYTHON) runs in, a virtualenv or not. (A venv
# made with --system-site-packages would see the base interpreter's packages,
# not an active virtualenv's.)
test-polars-oldest:
	test -d $(POLARS_OLDEST_DIR)/polars-$(POLARS_OLDEST).dist-info || \
		$(PYTHON) -m pip install -q --no-deps --upgrade --target $(POLARS_OLDEST_DIR) 'polars==$(POLARS_OLDEST)'
	PYTHONPATH=$(POLARS_OLDEST_DIR) $(PYTHON) -c \
		'import polars; assert polars.__version__ == "$(POLARS_OLDEST)", polars.__version__'
	PYTHONPATH=$(POLARS_OLDEST_DIR) $(PYTHON) -m pytest -q -p no:cacheprovider tests/test_polars_plugin.py

# The documentation site, strictly: a broken link, a missing include or an
# unreadable docstring fails. Built outside the repository.
DOCS_DIR ?= $(HOME)/.cache/fastbal-site
docs:
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict --site-dir $(DOCS_DIR)

bench: install
	$(PYTHON) benches/run_all.py
