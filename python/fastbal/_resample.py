"""Random over- and under-sampling as row indices, drop-in for imbalanced-learn.

The functions return indices into the original rows, never copies of the
data: `X[idx], y[idx]` is the resampled dataset.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from fastbal import _fastbal, checks
from fastbal._fastbal import FastbalError, OutputTooLargeError
from fastbal._labels import Labels, as_labels, class_array, to_native

#: Under-sampling to fewer rows per class than this, by a rule rather than
#: explicit counts, draws a warning.
WARN_BELOW = 10


class CountedLabels:
    """A label column counted once: the input as the extension reads it, and
    its classes and counts in class order (no per-row codes materialized)."""

    native: Any
    classes: npt.NDArray[Any]
    counts: npt.NDArray[np.int64]

    def __init__(self, x: Any):
        self.source = x
        if isinstance(x, Labels):
            self.native = x._inner
            self.classes, self.counts = x.classes, x.counts
            return
        self.native = to_native(x)
        c = _fastbal.value_counts(self.native)
        classes = class_array(c.classes, c.value_type)
        order = np.argsort(classes, kind="stable")  # class order: sorted by value
        self.classes = classes[order]
        self.counts = c.counts.view(np.int64)[order]

    @property
    def n_classes(self) -> int:
        return len(self.counts)

    def label_column(self) -> Any:
        """The labels as a numpy array, nulls left out (what a callable strategy gets)."""
        labels = as_labels(self.source)
        codes = labels.codes
        return labels.classes[codes[codes >= 0]]


class Resampled(NamedTuple):
    """Row indices of a resampled dataset and the rows per class it holds."""

    indices: npt.NDArray[np.int64]
    #: rows per class after resampling, `{class: count}`
    targets: dict[Any, int]


def _class_dict(
    labels: CountedLabels, counts: Mapping[Any, Any], what: str
) -> npt.NDArray[np.int64]:
    """Per-class array from `{class: count}`, refusing classes absent from the data."""
    pos = {c: i for i, c in enumerate(labels.classes.tolist())}
    out: npt.NDArray[np.int64] = labels.counts.copy()
    absent = [c for c in counts if c not in pos]
    if absent:
        raise FastbalError(f"{what} names classes absent from the labels: {absent[:20]}")
    for c, n in counts.items():
        out[pos[c]] = _rows(f"{what}[{c!r}]", checks.count(f"{what}[{c!r}]", n))
    return out


#: The most rows a resampled dataset can index (its indices are int64).
MAX_ROWS = 2**63 - 1


def _rows(what: str, n: int) -> int:
    """A per-class target row count, refused when no index array could hold it."""
    if n > MAX_ROWS:
        raise OutputTooLargeError(
            f"{what} asks for {n:,} rows, more than an index array can hold (2**63 - 1)"
        )
    return n


def _name(labels: CountedLabels, i: int) -> str:
    """Class `i` as users wrote it (a plain int or str, not a numpy scalar)."""
    return repr(labels.classes[i : i + 1].tolist()[0])


def _positive_ratio(ratio: Any) -> float:
    r = float(ratio)
    if not (r > 0 and math.isfinite(r)):
        raise FastbalError(f"ratio must be a positive finite number; got {ratio}")
    return r


def _result(
    labels: CountedLabels, idx: npt.NDArray[np.int64], final: npt.NDArray[np.int64]
) -> Resampled:
    return Resampled(idx, dict(zip(labels.classes.tolist(), final.tolist(), strict=True)))


def _over(labels: CountedLabels, targets: npt.NDArray[np.int64], seed: int) -> Resampled:
    counts = labels.counts
    if (targets < counts).any():
        i = int(np.flatnonzero(targets < counts)[0])
        raise FastbalError(
            f"over-sampling cannot lower class {_name(labels, i)} from {counts[i]} to "
            f"{targets[i]} rows; use undersample"
        )
    extra = targets - counts
    idx = ResamplePlan(labels, targets, "over", by_rule=False).indices(seed)
    lonely = (counts == 1) & (extra >= 100)
    if lonely.any():
        warnings.warn(
            f"over-sampling repeats {int(lonely.sum())} one-row classes 100 times or more "
            f"(e.g. {labels.classes[lonely][:5].tolist()}): a model will memorize them; "
            "consider fastbal.filter_min_count first",
            UserWarning,
            stacklevel=3,
        )
    return _result(labels, idx, targets)


def _under(
    labels: CountedLabels, targets: npt.NDArray[np.int64], seed: int, by_rule: bool
) -> Resampled:
    counts = labels.counts
    if (targets > counts).any():
        i = int(np.flatnonzero(targets > counts)[0])
        raise FastbalError(
            f"under-sampling cannot raise class {_name(labels, i)} from {counts[i]} to "
            f"{targets[i]} rows; use oversample"
        )
    cut = targets < counts
    if by_rule and cut.any() and targets[cut].min() < WARN_BELOW:
        lost = 1 - targets.sum() / max(counts.sum(), 1)
        warnings.warn(
            f"under-sampling cuts {int(cut.sum())} classes to as few as {int(targets[cut].min())} "
            f"rows each and drops {100 * lost:.1f}% of the rows; filter rare classes first "
            "(fastbal.filter_min_count) or give an explicit max_count",
            UserWarning,
            stacklevel=3,
        )
    idx = ResamplePlan(labels, targets, "under", by_rule=False).indices(seed)
    return _result(labels, idx, targets)


def oversample(
    x: Any, ratio: float | None = None, counts: Mapping[Any, int] | None = None, seed: int = 0
) -> Resampled:
    """Raise small classes by drawing their own rows with replacement.

    With `ratio` (default 1.0), every class is raised to at least
    `ceil(ratio * largest count)` rows; with `counts`, the named classes to
    exactly that many rows. Every original labeled row is kept once (sorted),
    followed by the drawn rows, class by class in class order. Deterministic
    for a seed, whatever the thread count or chunking.

    >>> import fastbal
    >>> idx, targets = fastbal.oversample(["a"] * 4 + ["b"], ratio=0.5, seed=0)
    >>> targets
    {'a': 4, 'b': 2}
    >>> idx.tolist()
    [0, 1, 2, 3, 4, 4]
    """
    labels = CountedLabels(x)
    if counts is not None:
        if ratio is not None:
            raise TypeError("pass ratio or counts, not both")
        return _over(labels, _class_dict(labels, counts, "counts"), seed)
    r = 1.0 if ratio is None else _positive_ratio(ratio)
    want = r * int(labels.counts.max()) if labels.n_classes else 0.0
    floor = _rows(f"ratio={ratio}", math.ceil(want) if want < 2.0**64 else 2**64)
    return _over(labels, np.maximum(labels.counts, floor), seed)


def undersample(
    x: Any,
    max_count: int | None = None,
    ratio: float | None = None,
    counts: Mapping[Any, int] | None = None,
    seed: int = 0,
) -> Resampled:
    """Cut large classes, keeping rows without replacement.

    `max_count` caps every class at that many rows; `ratio` caps them at
    `ceil(ratio * smallest count)`; `counts` sets the named classes exactly.
    The rows kept are each class's lowest-ranked under the seed (as in
    `stratified_sample`), returned sorted.

    >>> import fastbal
    >>> idx, targets = fastbal.undersample(["a"] * 6 + ["b"] * 2, max_count=3)
    >>> targets, len(idx)
    ({'a': 3, 'b': 2}, 5)
    """
    labels = CountedLabels(x)
    given = [v is not None for v in (max_count, ratio, counts)]
    if sum(given) != 1:
        raise TypeError("pass exactly one of max_count, ratio and counts")
    if counts is not None:
        return _under(labels, _class_dict(labels, counts, "counts"), seed, by_rule=False)
    if max_count is not None:
        cap = min(checks.count("max_count", max_count), MAX_ROWS)  # past every count: no cut
        return _under(labels, np.minimum(labels.counts, cap), seed, by_rule=False)
    r = _positive_ratio(ratio)
    want = r * int(labels.counts.min()) if labels.n_classes else 0.0
    cap = math.ceil(want) if want < MAX_ROWS else MAX_ROWS  # a cap past every count cuts nothing
    return _under(labels, np.minimum(labels.counts, cap), seed, by_rule=True)


_SPELLINGS = ("auto", "minority", "majority", "not minority", "not majority", "all")


def _strategy_targets(
    labels: CountedLabels, strategy: Any, kind: str, kwargs: Mapping[str, Any] | None = None
) -> tuple[npt.NDArray[np.int64], bool]:
    """Rows per class after resampling, following imbalanced-learn's `sampling_strategy`.

    `kwargs` go to a callable strategy. Returns (targets, whether they came
    from a rule rather than explicit counts).
    """
    counts = labels.counts
    if labels.n_classes < 2:
        raise FastbalError(
            f"resampling needs at least two classes; the labels have {labels.n_classes}"
        )
    majority = int(np.argmax(counts))  # first of the largest: as imbalanced-learn
    minority = int(np.argmin(counts))
    n_max, n_min = int(counts[majority]), int(counts[minority])
    everyone = np.ones(len(counts), dtype=bool)

    def only(i: int) -> npt.NDArray[np.bool_]:
        m = np.zeros(len(counts), dtype=bool)
        m[i] = True
        return m

    if callable(strategy):
        # as imbalanced-learn: the callable gets the label column (nulls left out)
        strategy = strategy(labels.label_column(), **(kwargs or {}))
    if isinstance(strategy, Mapping):
        return _class_dict(labels, strategy, "sampling_strategy"), False
    if isinstance(strategy, str):
        checks.choice("sampling_strategy", strategy, _SPELLINGS)
        if strategy == "auto":
            strategy = "not majority" if kind == "over" else "not minority"
        if kind == "over" and strategy == "majority":
            raise FastbalError("sampling_strategy='majority' cannot be used to over-sample")
        if kind == "under" and strategy == "minority":
            raise FastbalError("sampling_strategy='minority' cannot be used to under-sample")
        which = {
            "minority": only(minority),
            "majority": only(majority),
            "not minority": ~only(minority),
            "not majority": ~only(majority),
            "all": everyone,
        }[strategy]
        level = n_max if kind == "over" else n_min
        return np.where(which, level, counts).astype(np.int64), True
    if isinstance(strategy, (float, int)) and not isinstance(strategy, bool):
        if labels.n_classes != 2:
            raise FastbalError(
                "a float sampling_strategy needs exactly two classes; use a dict or a callable"
            )
        r = Fraction(repr(float(strategy)))  # the decimal the user wrote, exactly
        if not 0 < r <= 1:
            raise FastbalError(f"a float sampling_strategy must be in (0, 1]; got {strategy}")
        others = ~only(majority if kind == "over" else minority)
        level = math.floor(n_max * r) if kind == "over" else math.floor(n_min / r)
        if (kind == "over" and level < counts[others].min()) or (
            kind == "under" and level > counts[others].max()
        ):
            raise FastbalError(
                f"sampling_strategy={strategy} would move a class the wrong way "
                f"({'remove' if kind == 'over' else 'add'} rows); increase the ratio"
            )
        return np.where(others, level, counts).astype(np.int64), True
    if isinstance(strategy, (list, tuple)):
        # as imbalanced-learn: a list names classes to clean, which random samplers do not do
        raise FastbalError(
            f"sampling_strategy cannot be a list ({strategy!r}) for random over- or "
            "under-sampling; give a dict of rows per class, a string or a float"
        )
    raise TypeError(f"unsupported sampling_strategy {strategy!r}")


class ResamplePlan:
    """Rows per class before and after resampling a label column, and the draw.

    `classes` are sorted by value; `counts[i]` and `targets[i]` are the rows
    of `classes[i]` before and after. `indices` draws the rows, without the
    warnings `fastbal.resample` gives about rules that cut or repeat classes
    far (a sampler inside a pipeline follows imbalanced-learn there).

    >>> import fastbal
    >>> plan = fastbal.resample_plan(["a"] * 6 + ["b"] * 2, "not minority", kind="under")
    >>> plan.classes.tolist(), plan.counts.tolist(), plan.targets.tolist()
    (['a', 'b'], [6, 2], [2, 2])
    >>> plan.indices(seed=0).tolist()  # the rows of fastbal.resample(..., seed=0)
    [1, 5, 6, 7]
    """

    __slots__ = ("_labels", "by_rule", "kind", "targets")

    def __init__(
        self, labels: CountedLabels, targets: npt.NDArray[np.int64], kind: str, by_rule: bool
    ):
        self._labels = labels
        self.targets = targets
        self.kind = kind
        #: whether the targets follow a rule ("auto", a float) rather than explicit counts
        self.by_rule = by_rule

    @property
    def classes(self) -> npt.NDArray[Any]:
        return self._labels.classes

    @property
    def counts(self) -> npt.NDArray[np.int64]:
        return self._labels.counts

    def indices(self, seed: int = 0, replacement: bool = False) -> npt.NDArray[np.int64]:
        """Row indices of the resampled dataset.

        Over-sampling: every labeled row once, in order, then the drawn rows
        class by class. Under-sampling: the rows kept, sorted; with
        `replacement`, the rows of the classes that are cut are drawn with
        replacement instead and follow the rows of the others.
        """
        seed = checks.seed(seed)
        native, counts, targets = self._labels.native, self.counts, self.targets
        if self.kind == "over":
            extra = (targets - counts).astype(np.uint64)
            drawn: npt.NDArray[np.int64] = _fastbal.oversample(native, extra, seed=seed)
            return drawn
        if not replacement:
            kept: npt.NDArray[np.int64] = _fastbal.undersample(
                native, targets.astype(np.uint64), seed=seed
            )
            return kept
        # classes that are cut are drawn with replacement (the over-sampling kernel's
        # draws, after its copy of the labeled rows); the others keep every row
        cut = targets < counts
        whole = np.where(cut, 0, counts).astype(np.uint64)
        keep = _fastbal.undersample(native, whole, seed=seed)
        rows = _fastbal.oversample(native, np.where(cut, targets, 0).astype(np.uint64), seed=seed)
        out: npt.NDArray[np.int64] = np.concatenate([keep, rows[int(counts.sum()) :]])
        return out


def resample_plan(
    x: Any, sampling_strategy: Any = "auto", kind: str = "over", **kwargs: Any
) -> ResamplePlan:
    """The rows per class `fastbal.resample` would give, before drawing any row.

    The arguments are those of `resample` (without the seed): the targets
    follow imbalanced-learn's `sampling_strategy` spellings. For a sampler
    that reports its targets (`sampling_strategy_`) or draws with its own
    options; see `ResamplePlan`.
    """
    checks.choice("kind", kind, ("over", "under"))
    labels = CountedLabels(x)
    targets, by_rule = _strategy_targets(labels, sampling_strategy, kind, kwargs)
    return ResamplePlan(labels, targets, kind, by_rule)


def resample(
    x: Any, sampling_strategy: Any = "auto", kind: str = "over", seed: int = 0, **kwargs: Any
) -> Resampled:
    """Over- or under-sample with imbalanced-learn's `sampling_strategy` spellings.

    `sampling_strategy` is one of "auto" ("not majority" to over-sample, "not
    minority" to under-sample), "minority", "majority", "not minority", "not
    majority", "all"; a float (two classes only: the minority / majority
    ratio wanted); a `{class: rows}` dict; or a callable taking the label
    column (and `kwargs`) and returning such a dict. Per-class targets are those of
    `RandomOverSampler` / `RandomUnderSampler`, except for floats, where
    imbalanced-learn truncates a binary floating-point product
    (`int(100 * 0.29)` is 28) and fastbal floors the exact decimal product
    (29).

    >>> import fastbal
    >>> y = ["a"] * 30 + ["b"] * 20 + ["c"] * 12
    >>> fastbal.resample(y, "not minority", kind="under").targets
    {'a': 12, 'b': 12, 'c': 12}
    >>> fastbal.resample(y, {"c": 20}, kind="over").targets
    {'a': 30, 'b': 20, 'c': 20}
    """
    plan = resample_plan(x, sampling_strategy, kind, **kwargs)
    if kind == "over":
        return _over(plan._labels, plan.targets, seed)
    return _under(plan._labels, plan.targets, seed, by_rule=plan.by_rule)


__all__ = ["ResamplePlan", "Resampled", "oversample", "resample", "resample_plan", "undersample"]
