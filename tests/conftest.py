"""Shared test settings: one hypothesis profile, modest and without deadlines.

Set HYPOTHESIS_PROFILE=thorough for a longer search than the default run.
"""

from __future__ import annotations

import os

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
