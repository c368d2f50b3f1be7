"""How numbers are written in summaries and reports."""

from __future__ import annotations


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
