"""Shared test settings: one hypothesis profile, modest and without deadlines.

Set HYPOTHESIS_PROFILE=thorough for a longer search than the default run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("fastbal", max_examples=40, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fastbal"))


def pytest_configure(config: pytest.Config) -> None:
    # Reporting a falsified hypothesis example imports a module that warns on
    # import; under filterwarnings=error that would hide the failing example.
    config.addinivalue_line(
        "filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
    )


@pytest.fixture
def run_with_threads(tmp_path) -> Callable[[str, int], dict[str, np.ndarray]]:
    """Run `script` (argv: tmp_path/in.npz, an output .npz) in a fresh process with
    RAYON_NUM_THREADS set, and return the arrays it saved."""

    def run(script: str, threads: int) -> dict[str, np.ndarray]:
        out = tmp_path / f"out{threads}.npz"
        env = {**os.environ, "RAYON_NUM_THREADS": str(threads)}
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "in.npz"), str(out)],
            env=env,
            check=True,
            capture_output=True,
        )
        with np.load(out) as f:
            return {k: f[k] for k in f.files}

    return run
