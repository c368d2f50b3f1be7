"""Argument conversions every front end shares.

Each turns a Python value into the native type the core takes, with a
`TypeError` naming the argument when the type is wrong and a
`fastbal.FastbalError` when the value is out of range. Domain rules (ranges,
names, combinations) live in the core (`fastbal-core`'s `params`), once; an
adapter for another engine uses these to refuse what fastbal refuses, with
the same exception and message.

>>> import numpy as np
>>> from fastbal import checks
>>> checks.seed(42), checks.count("k", 2**70, clamp=True) == checks.U64_MAX
(42, True)
>>> checks.size(np.float32(0.5)), checks.size(np.int64(3))
(0.5, 3)
>>> checks.seed(-1)
Traceback (most recent call last):
...
fastbal.FastbalError: seed must be in [0, 2**64); got -1
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from fastbal._fastbal import FastbalError

#: The largest count the core takes.
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


def size(value: Any) -> Any:
    """A split size with numpy scalars as Python numbers; the core checks the rest."""
    return value.item() if isinstance(value, (np.integer, np.floating)) else value


__all__ = ["U64_MAX", "choice", "count", "fraction", "integer", "seed", "size"]
