"""What fastbal runs with: versions, threads and vector instructions."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
import warnings

from fastbal import _fastbal

#: Packages whose versions matter to fastbal's results or speed, required first.
PACKAGES = (
    "numpy",
    "pyarrow",
    "polars",
    "pandas",
    "scikit-learn",
    "imbalanced-learn",
    "datasets",
    "dask",
    "matplotlib",
)


def show_versions() -> None:
    """Print fastbal's version, Python's and the main dependencies', the
    thread count and the vector instructions in use: what to paste in a bug
    report.

    ``simd`` is the level the kernels run with (``avx512``, ``avx2`` or
    ``off``); the environment variable ``FASTBAL_SIMD`` lowers it (``off``
    runs every kernel's plain loop; results are the same bit for bit).
    ``threads`` follows ``RAYON_NUM_THREADS`` (default: one per core).

    >>> import fastbal
    >>> fastbal.show_versions()  # doctest: +ELLIPSIS
    fastbal:  ...
    python:   ...
    platform: ...
    threads:  ...
    simd:     ...
    ...
    """
    detected = _fastbal.simd_detected()
    level = _fastbal.simd_level()
    simd = level if level == detected else f"{level} (the CPU has {detected})"
    lines = [
        ("fastbal", _fastbal.__version__ + (" (debug build)" if _fastbal.DEBUG_BUILD else "")),
        ("python", sys.version.split()[0]),
        ("platform", platform.platform()),
        ("threads", str(_fastbal.threads())),
        ("simd", simd),
    ]
    for name in PACKAGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        lines.append((name, version))
    width = max(len(k) for k, _ in lines) + 2
    for key, value in lines:
        print(f"{key + ':':<{width}}{value}")


def warn_on_bad_setting() -> None:
    """Warn once, at import, when ``FASTBAL_SIMD`` holds a value fastbal
    does not know (the CPU's level is used then)."""
    error = _fastbal.simd_setting_error()
    if error is not None:
        warnings.warn(
            f"{error}; using the CPU's level ({_fastbal.simd_level()})",
            RuntimeWarning,
            stacklevel=3,
        )
