"""Argument checks shared by the public functions: one clear error each."""

from __future__ import annotations

import numbers
from typing import Any


def count(name: str, value: Any) -> int:
    """A non-negative int (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(value).__name__} {value!r}")
    out = int(value)
    if out < 0:
        raise ValueError(f"{name} must not be negative; got {out}")
    return out


def seed(value: Any) -> int:
    """A seed: an int in [0, 2**64)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"seed must be an int; got {type(value).__name__} {value!r}")
    out = int(value)
    if not 0 <= out < 2**64:
        raise ValueError(f"seed must be in [0, 2**64); got {out}")
    return out


def choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return str(value)
