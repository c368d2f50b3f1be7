"""Class weights for a loss, sample weights for a sampler or `fit(sample_weight=)`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from fastbal import _fastbal, checks
from fastbal._fastbal import FastbalError
from fastbal._labels import ClassArray, Labels, ValueCounts, as_labels, run


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
    sample_weight: Any = None,
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

    `sample_weight` (one non-negative float per row) counts each row by its
    weight, as `compute_class_weight(..., sample_weight=)` does: "balanced"
    is then `sum(w) / (k * the class's summed w)`, "inverse"
    `1 / the class's summed w` (other strategies refuse it). Null rows and
    their weights are left out.

    `x` is a label column, a `Labels`, or a `ValueCounts` (counts merged
    from batches of a file or a stream weigh exactly like the whole column).

    >>> import fastbal
    >>> fastbal.class_weights(["a"] * 99 + ["b"], "sqrt").to_dict()
    {'a': 0.99498743710662, 'b': 7.035623639735144}
    >>> batches = [fastbal.value_counts(["a"] * 50), fastbal.value_counts(["a"] * 49 + ["b"])]
    >>> fastbal.class_weights(fastbal.ValueCounts.merge(batches), "sqrt").to_dict()
    {'a': 0.99498743710662, 'b': 7.035623639735144}
    >>> fastbal.class_weights(["a", "a", "b"], sample_weight=[1.0, 3.0, 2.0]).to_dict()
    {'a': 0.75, 'b': 1.5}
    """
    if sample_weight is not None:
        out = _weighted_class_weights(x, strategy, sample_weight, normalize, max_weight)
        return out if classes is None else out.in_order(classes)
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


def _weighted_class_weights(
    x: Any, strategy: str, sample_weight: Any, normalize: str, max_weight: float | None
) -> ClassWeights:
    """Class weights from per-class sums of row weights (see `class_weights`)."""
    if strategy not in ("balanced", "inverse"):
        raise FastbalError(
            f'sample_weight works with strategy "balanced" or "inverse"; got {strategy!r}'
        )
    if isinstance(x, ValueCounts):
        raise FastbalError("sample_weight needs the label column, not counts")
    labels = as_labels(x)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (len(labels),):
        raise FastbalError(
            f"sample_weight must hold one weight per row ({len(labels)}); got shape {w.shape}"
        )
    codes = labels.codes
    keep = codes >= 0
    if not np.isfinite(w[keep]).all() or (w[keep] < 0).any():
        raise FastbalError("sample_weight must be finite and non-negative")
    sums = np.bincount(codes[keep], weights=w[keep], minlength=labels.n_classes)
    if (sums == 0).any():
        raise FastbalError(
            "classes whose rows weigh 0 in total have no weight: "
            + ", ".join(map(repr, labels.classes[sums == 0].tolist()[:20]))
        )
    out = sums.sum() / (len(sums) * sums) if strategy == "balanced" else 1.0 / sums
    norm = checks.choice("normalize", normalize, ("none", "mean", "sum"))
    if norm == "mean" and len(sums):
        out = out * (sums.sum() / (sums * out).sum())  # weighted rows average 1
    elif norm == "sum" and len(sums):
        out = out * (len(sums) / out.sum())
    if max_weight is not None:
        out = np.minimum(out, checks.fraction("max_weight", max_weight))
    return ClassWeights(labels.classes, out, strategy)


def _columns(x: Any) -> list[Any] | None:
    """The label columns of a 2-D `y` (numpy, scipy.sparse, a pandas or polars
    DataFrame), or None for a 1-D label column."""
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) != 2 or isinstance(x, Labels):
        return None
    if hasattr(x, "tocsc"):  # scipy.sparse: an implicit entry is the label 0
        csc = x.tocsc()
        return [np.asarray(csc[:, [j]].toarray()).ravel() for j in range(shape[1])]
    if hasattr(x, "iloc"):
        return [x.iloc[:, j] for j in range(shape[1])]
    if hasattr(x, "num_columns") and hasattr(x, "column"):  # a pyarrow Table or RecordBatch
        return [x.column(j) for j in range(shape[1])]
    if hasattr(x, "to_series"):
        return [x.to_series(j) for j in range(shape[1])]
    arr = np.asarray(x)
    return [arr[:, j] for j in range(shape[1])]


def _subsample_weights(
    x: Any, indices: Any, args: dict[str, Any]
) -> tuple[npt.NDArray[np.float64], ClassWeights, int]:
    """Row weights from the counts of the rows `indices` (repeats counted), as
    scikit-learn's `compute_sample_weight(..., indices=)`: a class absent from
    them weighs 0."""
    labels = as_labels(x)
    idx = np.asarray(indices)
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise FastbalError(f"indices must be a 1-D array of row indices; got {idx.dtype}")
    n = len(labels)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise FastbalError(f"indices must be in [0, {n}); got {int(idx.min())}..{int(idx.max())}")
    codes = labels.codes
    sub = codes[idx]
    counts = np.bincount(sub[sub >= 0], minlength=labels.n_classes)
    present = counts > 0
    per_class = np.zeros(labels.n_classes, dtype=np.float64)
    if present.any():
        per_class[present] = _fastbal.class_weights_from_counts(
            np.ascontiguousarray(counts[present], dtype=np.int64), **args
        )
    rows = np.where(codes >= 0, per_class[np.maximum(codes, 0)], 0.0)
    return rows, ClassWeights(labels.classes, per_class, args["strategy"]), labels.null_count


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
    indices: Any = ...,
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
    indices: Any = ...,
    return_summary: Literal[True],
) -> tuple[npt.NDArray[np.float64], SampleWeightsSummary]: ...
def sample_weights(
    x: Any,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
    indices: Any = None,
    return_summary: bool = False,
) -> Any:
    """One float64 weight per row: its class's weight (see `class_weights`).

    With "balanced" this is scikit-learn's `compute_sample_weight("balanced", y)`.
    Null rows weigh 0; `return_summary=True` also returns how many there were.

    `indices` (row indices, repeats allowed: a bootstrap sample) takes the
    class counts from those rows, as `compute_sample_weight(..., indices=)`:
    every row gets the weight of its class in the subsample, 0 for a class
    the subsample lacks.

    `x` may also be 2-D, as scikit-learn's multi-output `y`: a numpy array,
    a pandas or polars DataFrame or a pyarrow Table of shape (n, m), or a
    scipy.sparse matrix
    (an implicit entry is the label 0). Each column is a label column; a
    row's weight is the product of its weights in every column (a single
    column gives that column's weights). `return_summary` needs one column.

    >>> import fastbal, numpy as np
    >>> fastbal.sample_weights([0, 0, 0, 2, None]).tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0, 0.0]
    >>> fastbal.sample_weights([0, 0, 1, 1, 2], indices=[0, 1, 1, 2]).tolist()
    [0.6666666666666666, 0.6666666666666666, 2.0, 2.0, 0.0]
    >>> fastbal.sample_weights(np.array([[0, 1], [0, 1], [1, 1], [0, 0]])).tolist()
    [0.4444444444444444, 0.4444444444444444, 1.3333333333333333, 1.3333333333333333]
    """
    args = weight_args(strategy, beta, normalize, max_weight)
    columns = _columns(x)
    if columns is not None:
        if len(columns) == 1:
            x = columns[0]
        elif return_summary:
            raise FastbalError("return_summary needs a single label column; y has several")
        else:
            out = np.ones(x.shape[0], dtype=np.float64)
            for col in columns:
                out *= sample_weights(
                    col,
                    strategy,
                    beta=beta,
                    normalize=normalize,
                    max_weight=max_weight,
                    indices=indices,
                )
            return out
    if indices is not None:
        rows, per_class, nulls = _subsample_weights(x, indices, args)
        return (rows, SampleWeightsSummary(per_class, nulls)) if return_summary else rows
    r, info = run(_fastbal.sample_weights, x, **args)
    if not return_summary:
        return r.rows
    return r.rows, SampleWeightsSummary(
        ClassWeights(info.classes, r.weights, strategy), info.null_count
    )
