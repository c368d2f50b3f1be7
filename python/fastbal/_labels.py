"""`Labels` (a factorized label column) and `value_counts`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from fastbal import _fastbal
from fastbal._input import column_to_native

ClassArray = npt.NDArray[Any]


def class_array(raw: Any, value_type: str) -> ClassArray:
    """Class values as numpy: the input's integer/bool dtype, or object (str)."""
    if value_type == "str" and isinstance(raw, np.ndarray):
        return raw
    if value_type == "str":
        out = np.empty(len(raw), dtype=object)
        out[:] = raw
        return out
    return np.asarray(raw).astype(value_type)


class ClassInfo(NamedTuple):
    """Classes (sorted by value), their counts and the null count of a column."""

    classes: ClassArray
    counts: npt.NDArray[np.int64]
    null_count: int


def run(fn: Callable[..., Any], x: Any, *args: Any, **kwargs: Any) -> tuple[Any, ClassInfo]:
    """Call an extension kernel on `x` and return (its results, `x`'s ClassInfo).

    Kernels return a result object whose `meta` holds the column's classes
    and counts (None when `x` is a `Labels`, which has them already).
    """
    native = to_native(x)
    result = fn(native, *args, **kwargs)
    meta = result.meta
    if meta is None:
        info = ClassInfo(x.classes, x.counts, x.null_count)
    else:
        classes = class_array(meta.classes, meta.value_type)
        info = ClassInfo(classes, meta.counts.view(np.int64), int(meta.null_count))
    return result, info


def to_native(x: Any) -> Any:
    """`x` as the extension reads it: a `Labels`' factorization, else the column
    converted by `column_to_native`."""
    return x._inner if isinstance(x, Labels) else column_to_native(x)


def as_labels(x: Any) -> Labels:
    """`x` itself when it is a `Labels`, else `Labels(x)`."""
    return x if isinstance(x, Labels) else Labels(x)


class ValueCounts:
    """Classes and their row counts, most frequent first (ties by class value).

    >>> import fastbal
    >>> vc = fastbal.value_counts(["b", "a", "b", None, "c", "a", "b"])
    >>> vc
    ValueCounts(3 classes, 6 rows, 1 null)
      'b'  3
      'a'  2
      'c'  1
    >>> vc.to_dict()
    {'b': 3, 'a': 2, 'c': 1}
    """

    __slots__ = ("classes", "counts", "null_count")

    def __init__(self, classes: ClassArray, counts: npt.NDArray[np.int64], null_count: int):
        self.classes = classes
        self.counts = counts
        self.null_count = null_count

    @property
    def total(self) -> int:
        """Rows with a label (nulls excluded)."""
        return int(self.counts.sum())

    def __len__(self) -> int:
        return len(self.counts)

    def __iter__(self) -> Iterator[tuple[Any, int]]:
        return zip(self.classes.tolist(), self.counts.tolist(), strict=True)

    def to_dict(self) -> dict[Any, int]:
        """`{class: count}` in count order."""
        return dict(self)

    @classmethod
    def merge(cls, parts: list[ValueCounts]) -> ValueCounts:
        """Counts of the concatenation of the columns `parts` were counted on.

        Counting is a monoid: batches of a file, chunks of a column or
        partitions on a cluster are counted apart and merged here, by the
        class counter behind `fastbal.distributed.LabelCounter`.

        >>> import fastbal
        >>> a, b = fastbal.value_counts([1, 1, 2]), fastbal.value_counts([2, 2, 3, None])
        >>> ValueCounts.merge([a, b]).to_dict()
        {2: 3, 1: 2, 3: 1}
        """
        nulls = sum(p.null_count for p in parts)
        counted = [p for p in parts if len(p)]
        if not counted:
            empty = parts[0].classes[:0] if parts else np.empty(0, dtype=np.int64)
            return cls(empty, np.empty(0, dtype=np.int64), nulls)
        counter = _fastbal.LabelCounter()
        for p in counted:
            counter.merge(
                _fastbal.LabelCounter.from_parts(
                    to_native(p.classes), p.counts.astype(np.uint64), p.null_count
                )
            )
        order = counter.order_by_count().astype(np.intp)
        classes = class_array(counter.classes, counter.value_type)[order]
        return cls(
            classes.astype(parts[0].classes.dtype), counter.counts.view(np.int64)[order], nulls
        )

    def to_arrow(self) -> Any:
        """A pyarrow Table with columns `class` and `count`."""
        import pyarrow as pa

        kind = pa.string() if self.classes.dtype == object else None
        return pa.table({"class": pa.array(self.classes, type=kind), "count": self.counts})

    def to_polars(self) -> Any:
        """A polars DataFrame with columns `class` and `count`."""
        import polars as pl

        return pl.from_arrow(self.to_arrow())

    def __repr__(self) -> str:
        head = f"ValueCounts({len(self)} classes, {self.total} rows, {self.null_count} null)"
        rows = [f"  {c!r}  {n}" for c, n in list(self)[:10]]
        if len(self) > 10:
            rows.append(f"  ... {len(self) - 10} more")
        return "\n".join([head, *rows])


def value_counts(x: Any) -> ValueCounts:
    """Count the rows of each class.

    `x` is any label column: a numpy array, a pyarrow Array / ChunkedArray, a
    polars or pandas Series, a list, or a `Labels`. Nulls are not a class:
    they are counted in `null_count`.

    >>> import numpy as np, fastbal
    >>> fastbal.value_counts(np.array([3, 1, 3, 3, 1, 7], dtype=np.int32)).to_dict()
    {3: 3, 1: 2, 7: 1}
    """
    c = _fastbal.value_counts(to_native(x))
    return ValueCounts(class_array(c.classes, c.value_type), c.counts.view(np.int64), c.null_count)


class Labels:
    """A label column factorized once: a class code per row, counts, classes.

    Build it once and pass it to every fastbal function: they then skip the
    factorization. Classes are sorted by value; `codes` index them.

    >>> import fastbal
    >>> labels = fastbal.Labels(["cat", "dog", None, "cat"])
    >>> labels.classes.tolist(), labels.counts.tolist(), labels.null_count
    (['cat', 'dog'], [2, 1], 1)
    >>> labels.codes.tolist()
    [0, 1, -1, 0]
    """

    __slots__ = ("_inner", "classes", "counts")

    _inner: _fastbal.Labels
    classes: ClassArray
    counts: npt.NDArray[np.int64]

    def __init__(self, x: Any):
        if isinstance(x, Labels):  # already factorized: share it
            self._inner, self.classes, self.counts = x._inner, x.classes, x.counts
            return
        self._inner = _fastbal.Labels(to_native(x))
        self.classes = class_array(self._inner.classes, self._inner.value_type)
        self.counts = self._inner.counts.view(np.int64)

    @property
    def codes(self) -> npt.NDArray[np.int64]:
        """Class code per row (int64, -1 for a missing label). A fresh copy."""
        codes: npt.NDArray[np.int64] = self._inner.codes()
        return codes

    @property
    def null_count(self) -> int:
        return int(self._inner.null_count)

    @property
    def n_classes(self) -> int:
        return len(self.counts)

    def __len__(self) -> int:
        return len(self._inner)

    def value_counts(self) -> ValueCounts:
        """Counts in count order, as `fastbal.value_counts`."""
        return value_counts(self)

    def __repr__(self) -> str:
        return f"Labels({len(self)} rows, {self.n_classes} classes, {self.null_count} null)"
