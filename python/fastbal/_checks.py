"""Conversion of Python arguments to the native types the core takes, with a
TypeError naming the argument when the type is wrong. Domain rules (ranges,
names, combinations) live in the core (`fastbal-core`'s `params`), once."""

from __future__ import annotations

import numbers
from typing import Any

from fastbal._fastbal import FastbalError

U64_MAX = 2**64 - 1


def count(name: str, value: Any, *, clamp: bool = False) -> int:
    """A non-negative int below 2**64 (bools refused). With `clamp`, larger
    values become 2**64 - 1, for thresholds where any huge value means the same."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(value).__name__} {value!r}")
    out = int(value)
    if out < 0:
        raise FastbalError(f"{name} must not be negative; got {out}")
    if out > U64_MAX:
        if clamp:
            return U64_MAX
        raise FastbalError(f"{name} must be below 2**64; got {out}")
    return out


def integer(name: str, value: Any) -> int:
    """An int of any size (bools refused); its range is the core's rule."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(value).__name__} {value!r}")
    return int(value)


def fraction(name: str, value: Any) -> float:
    """A float (ints accepted, bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a float; got {type(value).__name__} {value!r}")
    return float(value)


def plural(n: int, word: str) -> str:
    """`1 class`, `2 classes`, `1 row`, `3 rows`."""
    if n == 1:
        return f"{n:,} {word}"
    return f"{n:,} {word}es" if word.endswith("s") else f"{n:,} {word}s"


def ratio(value: float | None) -> str:
    """An imbalance ratio as people write it: `44,098 : 1`, `4,409.8 : 1`."""
    if value is None or value != value:
        return "n/a"
    return f"{value:,.0f} : 1" if float(value).is_integer() else f"{value:,.1f} : 1"


def seed(value: Any) -> int:
    """A seed: an int in [0, 2**64)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"seed must be an int; got {type(value).__name__} {value!r}")
    out = int(value)
    if not 0 <= out < 2**64:
        raise FastbalError(f"seed must be in [0, 2**64); got {out}")
    return out


def choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    """One of `options` (for choices made in Python, such as resampling spellings)."""
    if value not in options:
        raise FastbalError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return str(value)
