"""Class weights for a loss, sample weights for a sampler or `fit(sample_weight=)`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from fastbal import _fastbal, checks
from fastbal._fastbal import FastbalError
from fastbal._labels import ClassArray, ValueCounts, run


@dataclass(frozen=True)
class ClassWeights:
    """Weight per class: `weights[i]` is the weight of `classes[i]`.

    >>> import fastbal
    >>> cw = fastbal.class_weights([0, 0, 0, 2])
    >>> cw.to_dict()
    {0: 0.6666666666666666, 2: 2.0}
    >>> cw.dense().tolist()  # indexed by class id, for CrossEntropyLoss(weight=...)
    [0.6666666666666666, 0.0, 2.0]
    """

    classes: ClassArray
    weights: npt.NDArray[np.float64]
    strategy: str

    def to_dict(self) -> dict[Any, float]:
        return dict(zip(self.classes.tolist(), self.weights.tolist(), strict=True))

    def dense(self, num_classes: int | None = None, fill: float = 0.0) -> npt.NDArray[np.float64]:
        """A vector indexed by class id (integer labels in `0..num_classes`).

        Classes absent from the data get `fill` (default 0: they have no rows
        to weigh). `num_classes` defaults to the largest class + 1.
        """
        if self.classes.dtype.kind not in "iu":
            raise TypeError("dense() needs integer labels; use to_dict() for other labels")
        if len(self.classes) and self.classes.min() < 0:
            raise FastbalError("dense() needs non-negative integer labels")
        n = int(self.classes.max()) + 1 if len(self.classes) else 0
        if num_classes is None:
            num_classes = n
        elif checks.count("num_classes", num_classes) < n:
            raise FastbalError(
                f"num_classes={num_classes} is smaller than the largest class + 1 ({n})"
            )
        out = np.full(num_classes, fill, dtype=np.float64)
        out[self.classes.astype(np.int64)] = self.weights
        return out

    def in_order(self, classes: Sequence[Any], fill: float | None = None) -> ClassWeights:
        """The weights in the order of `classes`, e.g. a model's label order.

        `classes` must hold every class of these weights, once. A class of
        `classes` with no weight here (no row of it in the data) is refused,
        or weighs `fill` when one is given.

        >>> import fastbal
        >>> cw = fastbal.class_weights(["a", "a", "a", "b"])
        >>> cw.in_order(["b", "a"]).to_dict()
        {'b': 2.0, 'a': 0.6666666666666666}
        >>> cw.in_order(["b", "z", "a"], fill=0.0).weights.tolist()
        [2.0, 0.0, 0.6666666666666666]
        """
        wanted = list(classes)
        seen = self.classes.tolist()
        pos = {c: i for i, c in enumerate(seen)}
        if fill is None:
            absent = [c for c in wanted if c not in pos]
            if absent:
                raise FastbalError(f"classes not present in the labels: {absent[:20]}")
        place: dict[Any, int] = {}
        for i, c in enumerate(wanted):
            if c in place:
                raise FastbalError(f"classes holds {c!r} more than once")
            place[c] = i
        lacking = [c for c in seen if c not in place]
        if lacking:
            raise FastbalError(
                f"classes lacks {len(lacking)} class(es) of the data: {lacking[:20]}"
            )
        if fill is None:
            idx = np.array([pos[c] for c in wanted], dtype=np.int64)
            return ClassWeights(self.classes[idx], self.weights[idx], self.strategy)
        out = np.full(len(wanted), checks.fraction("fill", fill), dtype=np.float64)
        out[np.array([place[c] for c in seen], dtype=np.int64)] = self.weights
        named = np.empty(len(wanted), dtype=object)
        named[:] = wanted
        return ClassWeights(named, out, self.strategy)

    def __iter__(self) -> Iterator[tuple[Any, float]]:
        return zip(self.classes.tolist(), self.weights.tolist(), strict=True)

    def __len__(self) -> int:
        return len(self.weights)

    def to_polars(self) -> Any:
        import polars as pl

        return pl.DataFrame({"class": self.classes, "weight": self.weights})

    def __repr__(self) -> str:
        rows = [f"  {c!r}  {w:.6g}" for c, w in list(self)[:10]]
        more = [f"  ... {len(self) - 10} more"] if len(self) > 10 else []
        return "\n".join([f"ClassWeights({self.strategy}, {len(self)} classes)", *rows, *more])


def weight_args(
    strategy: str, beta: float, normalize: str, max_weight: float | None
) -> dict[str, Any]:
    """The keyword arguments of the extension's class-weight kernels."""
    return {
        "strategy": strategy,
        "beta": float(beta),
        "normalize": normalize,
        "max_weight": None if max_weight is None else float(max_weight),
    }


def class_weights(
    x: Any,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
    classes: Sequence[Any] | None = None,
) -> ClassWeights:
    """Weight per class for a weighted loss.

    Strategies (`count` = rows of the class, `n` labeled rows, `k` classes):

    - "balanced": `n / (k * count)`, exactly scikit-learn's
      `compute_class_weight("balanced", ...)`;
    - "inverse": `1 / count`;
    - "sqrt": `sqrt(max_count / (count + 1))`, a softer re-weighting;
    - "effective": `(1 - beta) / (1 - beta**count)` (Cui et al. 2019,
      "Class-Balanced Loss Based on Effective Number of Samples"), scaled so
      the weights sum to `k`.

    Then `normalize` ("none"; "mean": the mean weight per row is 1, so a
    weighted loss keeps its scale; "sum": the class weights sum to `k`), then
    `max_weight` caps every weight, so a one-row class cannot dominate a
    loss. `classes` returns the weights in that order, as scikit-learn's
    `classes=`: it must hold every class of the data, once.

    `x` is a label column, a `Labels`, or a `ValueCounts` (counts merged
    from batches of a file or a stream weigh exactly like the whole column).

    >>> import fastbal
    >>> fastbal.class_weights(["a"] * 99 + ["b"], "sqrt").to_dict()
    {'a': 0.99498743710662, 'b': 7.035623639735144}
    >>> batches = [fastbal.value_counts(["a"] * 50), fastbal.value_counts(["a"] * 49 + ["b"])]
    >>> fastbal.class_weights(fastbal.ValueCounts.merge(batches), "sqrt").to_dict()
    {'a': 0.99498743710662, 'b': 7.035623639735144}
    """
    if isinstance(x, ValueCounts):  # counted already, e.g. merged from batches
        order = np.argsort(x.classes, kind="stable")  # class order, as from a column
        cls = x.classes[order]
        w = _fastbal.class_weights_from_counts(
            np.ascontiguousarray(x.counts[order], dtype=np.int64),
            **weight_args(strategy, beta, normalize, max_weight),
        )
    else:
        r, info = run(
            _fastbal.class_weights, x, **weight_args(strategy, beta, normalize, max_weight)
        )
        cls, w = info.classes, r.weights
    out = ClassWeights(cls, w, strategy)
    return out if classes is None else out.in_order(classes)


@dataclass(frozen=True)
class SampleWeightsSummary:
    """The class weights behind a sample-weight vector, and the null rows set to 0."""

    class_weights: ClassWeights
    null_rows: int

    def __str__(self) -> str:
        return (
            f"sample weights ({self.class_weights.strategy}) over "
            f"{len(self.class_weights)} classes; {self.null_rows:,} null rows weigh 0"
        )


@overload
def sample_weights(
    x: Any,
    strategy: str = ...,
    *,
    beta: float = ...,
    normalize: str = ...,
    max_weight: float | None = ...,
    return_summary: Literal[False] = ...,
) -> npt.NDArray[np.float64]: ...
@overload
def sample_weights(
    x: Any,
    strategy: str = ...,
    *,
    beta: float = ...,
    normalize: str = ...,
    max_weight: float | None = ...,
    return_summary: Literal[True],
) -> tuple[npt.NDArray[np.float64], SampleWeightsSummary]: ...
def sample_weights(
    x: Any,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
    return_summary: bool = False,
) -> Any:
    """One float64 weight per row: its class's weight (see `class_weights`).

    With "balanced" this is scikit-learn's `compute_sample_weight("balanced", y)`.
    Null rows weigh 0; `return_summary=True` also returns how many there were.

    >>> import fastbal
    >>> fastbal.sample_weights([0, 0, 0, 2, None]).tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0, 0.0]
    """
    r, info = run(_fastbal.sample_weights, x, **weight_args(strategy, beta, normalize, max_weight))
    if not return_summary:
        return r.rows
    return r.rows, SampleWeightsSummary(
        ClassWeights(info.classes, r.weights, strategy), info.null_count
    )
