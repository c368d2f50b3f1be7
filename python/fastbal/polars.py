"""fastbal inside polars queries: a compiled expression plugin.

Importing this module registers the ``fastbal`` namespace on polars
expressions. Every function is a plugin call into fastbal's Rust core (no
Python per batch or per group), and returns one value per row of its label
column, equal to the Python API on that column:

=====================================  =====================================
expression                              equals
=====================================  =====================================
``.fastbal.min_count_mask(k)``          ``fastbal.filter_min_count(y, k)``
``.fastbal.max_count_mask(k)``          ``fastbal.filter_max_count(y, k)``
``.fastbal.top_k_mask(k)``              ``fastbal.top_k_mask(y, k)``
``.fastbal.split(...)``                 ``fastbal.stratified_split(y, ...)``
``.fastbal.kfold(k, ...)``              ``fastbal.stratified_kfold(y, k, ...)``
``.fastbal.class_weight(...)``          ``fastbal.sample_weights(y, ...)``
``.fastbal.sample_mask(...)``           ``fastbal.stratified_sample(y, ...)``
``.fastbal.multilabel_split(...)``      ``fastbal.multilabel_split(Y, ...)``
``.fastbal.multilabel_kfold(k, ...)``   ``fastbal.multilabel_kfold(Y, k, ...)``
=====================================  =====================================

They work in ``select``, ``with_columns`` and ``filter``, eager or lazy, on
the streaming engine, per group with ``.over(...)`` (each group computed
alone) and in ``group_by().agg()``. Label columns may be integers, strings,
booleans, categoricals or enums; null labels are false in masks, null in
splits and folds, and weigh 0. The multilabel functions take a ``List``
column instead, a set of labels per row (integers or strings; a null row is
null in the result). The same functions are available as
``fastbal.polars.min_count_mask(expr, k)`` and so on.

>>> import polars as pl
>>> import fastbal.polars
>>> df = pl.DataFrame({"y": ["a", "a", "a", "b", "b", "c", None]})
>>> df.filter(pl.col("y").fastbal.min_count_mask(2))["y"].to_list()
['a', 'a', 'a', 'b', 'b']
>>> df.select(pl.col("y").fastbal.class_weight())["y"].round(3).to_list()
[0.667, 0.667, 0.667, 1.0, 1.0, 2.0, 0.0]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from polars.plugins import register_plugin_function

from fastbal import FastbalError, _fastbal, checks

__all__ = [
    "class_weight",
    "kfold",
    "max_count_mask",
    "min_count_mask",
    "multilabel_kfold",
    "multilabel_split",
    "sample_mask",
    "split",
    "top_k_mask",
]

_LIBRARY = Path(_fastbal.__file__)

#: Keyword arguments are pickled and read as 64-bit signed integers.
_I64_MAX = 2**63 - 1

IntoExpr = pl.Expr | str


def _call(name: str, labels: IntoExpr, *more: IntoExpr, **kwargs: Any) -> pl.Expr:
    """One plugin call: a whole column (or group) in, one value per row out."""
    exprs = [pl.col(e) if isinstance(e, str) else e for e in (labels, *more)]
    return register_plugin_function(
        plugin_path=_LIBRARY,
        function_name=name,
        args=exprs,
        kwargs=kwargs,
        is_elementwise=False,
        changes_length=False,
        returns_scalar=False,
    )


def _seed(value: Any) -> int:
    """A seed in [0, 2**64) sent with the same 64 bits as a signed integer."""
    seed = checks.seed(value)
    return seed - 2**64 if seed > _I64_MAX else seed


def _count(name: str, value: Any) -> int:
    """A count; any value past 2**63 - 1 behaves as 2**63 - 1 (more rows than exist)."""
    return min(checks.count(name, value, clamp=True), _I64_MAX)


def _size(name: str, value: Any) -> int | float:
    """A split size as the plugin takes it: an int row count or a float."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"{name} must be a float fraction or an int row count; got {type(value).__name__}"
        )
    if isinstance(value, int):
        if not 0 <= value < 2**64:
            raise FastbalError(f"{name} must be a row count in [0, 2**64); got {value}")
        return min(value, _I64_MAX)  # more rows than exist either way
    return value


def min_count_mask(labels: IntoExpr, k: int) -> pl.Expr:
    """True for rows whose class has at least `k` rows (`fastbal.filter_min_count`).

    >>> import polars as pl, fastbal.polars
    >>> pl.DataFrame({"y": [1, 1, 2]}).select(pl.col("y").fastbal.min_count_mask(2))["y"].to_list()
    [True, True, False]
    """
    return _call("min_count_mask", labels, k=_count("k", k))


def max_count_mask(labels: IntoExpr, k: int) -> pl.Expr:
    """True for rows whose class has at most `k` rows (`fastbal.filter_max_count`)."""
    return _call("max_count_mask", labels, k=_count("k", k))


def top_k_mask(labels: IntoExpr, k: int) -> pl.Expr:
    """True for rows of the `k` most frequent classes (`fastbal.top_k_mask`); ties
    at the boundary go to the class that sorts first by value."""
    return _call("top_k_mask", labels, k=_count("k", k))


def split(
    labels: IntoExpr,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    seed: int = 0,
    rare: str = "train",
    ids: IntoExpr | None = None,
) -> pl.Expr:
    """The split of every row, as ``Enum(["train", "valid", "test"])``: the rows
    of `fastbal.stratified_split` on the same column (null where it leaves a row out).

    `ids` is an optional id column (an expression or a column name); with it
    the result does not depend on row order.

    >>> import polars as pl, fastbal.polars
    >>> df = pl.DataFrame({"y": ["a"] * 6 + ["b"] * 4})
    >>> out = df.select(pl.col("y").fastbal.split(test_size=0.2, val_size=0.2, seed=1))
    >>> out["y"].value_counts().sort("y").rows()
    [('train', 6), ('valid', 2), ('test', 2)]
    """
    more = () if ids is None else (ids,)
    return _call(
        "split",
        labels,
        *more,
        test_size=_size("test_size", test_size),
        val_size=_size("val_size", val_size),
        seed=_seed(seed),
        rare=rare,
    )


def kfold(
    labels: IntoExpr, k: int = 5, seed: int = 0, ids: IntoExpr | None = None, rare: str = "train"
) -> pl.Expr:
    """The test fold of every row (Int8 up to 127 folds, else Int16), as
    `fastbal.stratified_kfold`: -2 for a row of a class too small for every
    fold (in every training part, under `rare="train"`; `rare="spread"`
    puts such rows in distinct test folds instead), null for a row left out
    (a null label, or a rare class under `rare="drop"`)."""
    k = checks.integer("k", k)
    more = () if ids is None else (ids,)
    return _call(
        "kfold",
        labels,
        *more,
        k=min(max(k, -(2**63)), 2**63 - 1),
        seed=_seed(seed),
        rare=rare,
    )


def class_weight(
    labels: IntoExpr,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
) -> pl.Expr:
    """The weight of every row's class (Float64, 0 for null labels): `fastbal.sample_weights`."""
    return _call(
        "class_weight",
        labels,
        strategy=strategy,
        beta=checks.fraction("beta", beta),
        normalize=normalize,
        max_weight=None if max_weight is None else checks.fraction("max_weight", max_weight),
    )


def sample_mask(
    labels: IntoExpr, fraction: float | None = None, n: int | None = None, seed: int = 0
) -> pl.Expr:
    """True for the rows of `fastbal.stratified_sample` (exactly `n` rows, or
    `fraction` of the labeled rows, stratified)."""
    return _call(
        "sample_mask",
        labels,
        n=None if n is None else _count("n", n),
        fraction=None if fraction is None else checks.fraction("fraction", fraction),
        seed=_seed(seed),
    )


def multilabel_split(
    labels: IntoExpr,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    seed: int = 0,
    ids: IntoExpr | None = None,
) -> pl.Expr:
    """The split of every row of a ``List`` column of label sets, as
    ``Enum(["train", "valid", "test"])``: the rows of `fastbal.multilabel_split`
    on the same column (null for a null row).

    The labels of a row are integers or strings (categoricals and enums are
    read as their strings); a row may be empty. `ids` is an optional id
    column (an expression or a column name); with it the result does not
    depend on row order. An ``Array`` column is read after ``.arr.to_list()``.

    >>> import polars as pl, fastbal.polars
    >>> df = pl.DataFrame({"tags": [["a", "b"], ["a"], ["b"], ["a", "c"], ["c"],
    ...                             [], ["a"], ["b", "c"], ["a"], ["b"]]})
    >>> out = df.with_columns(part=pl.col("tags").fastbal.multilabel_split(0.3, 0.3))
    >>> out["part"].value_counts().sort("part").rows()
    [('train', 4), ('valid', 3), ('test', 3)]
    >>> labels = pl.col("tags").drop_nulls().n_unique()  # distinct labels in each part
    >>> out.explode("tags").group_by("part").agg(labels).sort("part").rows()
    [('train', 3), ('valid', 3), ('test', 3)]
    """
    more = () if ids is None else (ids,)
    return _call(
        "multilabel_split",
        labels,
        *more,
        test_size=_size("test_size", test_size),
        val_size=_size("val_size", val_size),
        seed=_seed(seed),
    )


def multilabel_kfold(
    labels: IntoExpr, k: int = 5, seed: int = 0, ids: IntoExpr | None = None
) -> pl.Expr:
    """The test fold of every row of a ``List`` column of label sets (Int8 up
    to 127 folds, else Int16), as `fastbal.multilabel_kfold`: the folds
    partition the non-null rows, each label spread over them; null for a
    null row.

    >>> import polars as pl, fastbal.polars
    >>> df = pl.DataFrame({"y": [[0], [0, 1], [1], [0], [1], []]})
    >>> df.select(fold=pl.col("y").fastbal.multilabel_kfold(3))["fold"].to_list()
    [1, 0, 2, 2, 1, 0]
    """
    k = checks.integer("k", k)
    more = () if ids is None else (ids,)
    return _call(
        "multilabel_kfold",
        labels,
        *more,
        k=min(max(k, -(2**63)), 2**63 - 1),
        seed=_seed(seed),
    )


@pl.api.register_expr_namespace("fastbal")
class FastbalNamespace:
    """``pl.col(...).fastbal``: the functions of this module on one expression."""

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr

    def min_count_mask(self, k: int) -> pl.Expr:
        """See `fastbal.polars.min_count_mask`."""
        return min_count_mask(self._expr, k)

    def max_count_mask(self, k: int) -> pl.Expr:
        """See `fastbal.polars.max_count_mask`."""
        return max_count_mask(self._expr, k)

    def top_k_mask(self, k: int) -> pl.Expr:
        """See `fastbal.polars.top_k_mask`."""
        return top_k_mask(self._expr, k)

    def split(
        self,
        test_size: float | int = 0.2,
        val_size: float | int = 0.1,
        seed: int = 0,
        rare: str = "train",
        ids: IntoExpr | None = None,
    ) -> pl.Expr:
        """See `fastbal.polars.split`."""
        return split(self._expr, test_size, val_size, seed, rare, ids)

    def kfold(
        self, k: int = 5, seed: int = 0, ids: IntoExpr | None = None, rare: str = "train"
    ) -> pl.Expr:
        """See `fastbal.polars.kfold`."""
        return kfold(self._expr, k, seed, ids, rare)

    def class_weight(
        self,
        strategy: str = "balanced",
        *,
        beta: float = 0.999,
        normalize: str = "none",
        max_weight: float | None = None,
    ) -> pl.Expr:
        """See `fastbal.polars.class_weight`."""
        return class_weight(
            self._expr, strategy, beta=beta, normalize=normalize, max_weight=max_weight
        )

    def sample_mask(
        self, fraction: float | None = None, n: int | None = None, seed: int = 0
    ) -> pl.Expr:
        """See `fastbal.polars.sample_mask`."""
        return sample_mask(self._expr, fraction, n, seed)

    def multilabel_split(
        self,
        test_size: float | int = 0.2,
        val_size: float | int = 0.1,
        seed: int = 0,
        ids: IntoExpr | None = None,
    ) -> pl.Expr:
        """See `fastbal.polars.multilabel_split`."""
        return multilabel_split(self._expr, test_size, val_size, seed, ids)

    def multilabel_kfold(self, k: int = 5, seed: int = 0, ids: IntoExpr | None = None) -> pl.Expr:
        """See `fastbal.polars.multilabel_kfold`."""
        return multilabel_kfold(self._expr, k, seed, ids)
