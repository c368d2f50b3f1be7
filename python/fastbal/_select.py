"""Which rows stay: class masks, what filtering costs, stratified samples."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from fastbal import _fastbal, _format, checks
from fastbal._fastbal import FastbalError
from fastbal._labels import ClassInfo, ValueCounts, as_labels, run, to_native, value_counts

Mask = npt.NDArray[np.bool_]


def _ratio(counts: npt.NDArray[np.int64]) -> float | None:
    return float(counts.max() / counts.min()) if len(counts) else None


@dataclass(frozen=True)
class FilterSummary:
    """What a class filter kept and removed, as the log line a pipeline wants.

    All counts are over labeled rows; null rows are never kept and are
    reported apart.
    """

    rule: str
    classes_before: int
    classes_kept: int
    removed_classes: list[Any]
    rows_before: int
    rows_kept: int
    null_rows: int
    #: largest / smallest class; None when there is no class
    ratio_before: float | None
    ratio_after: float | None
    smallest_after: tuple[Any, int] | None

    @property
    def rows_removed(self) -> int:
        return self.rows_before - self.rows_kept

    @property
    def share_removed(self) -> float:
        """Share of the labeled rows removed, in [0, 1]."""
        return self.rows_removed / self.rows_before if self.rows_before else 0.0

    @classmethod
    def from_info(cls, rule: str, info: ClassInfo, keep: npt.NDArray[np.bool_]) -> FilterSummary:
        counts = info.counts
        kept = counts[keep]
        smallest = None
        if len(kept):
            i = int(np.flatnonzero(keep)[np.argmin(kept)])
            smallest = (
                info.classes[i].item() if hasattr(info.classes[i], "item") else info.classes[i],
                int(counts[i]),
            )
        return cls(
            rule=rule,
            classes_before=len(counts),
            classes_kept=int(keep.sum()),
            removed_classes=info.classes[~keep].tolist(),
            rows_before=int(counts.sum()),
            rows_kept=int(kept.sum()),
            null_rows=info.null_count,
            ratio_before=_ratio(counts),
            ratio_after=_ratio(kept),
            smallest_after=smallest,
        )

    def __str__(self) -> str:
        removed = self.classes_before - self.classes_kept
        shown = ", ".join(map(str, self.removed_classes[:20]))
        if removed > 20:
            shown += f", ... {removed - 20} more"
        smallest = (
            f"; smallest class left: {self.smallest_after[0]} "
            f"({_format.plural(self.smallest_after[1], 'row')})"
            if self.smallest_after
            else ""
        )
        return (
            f"{self.rule}: kept {self.classes_kept} of "
            f"{_format.plural(self.classes_before, 'class')} and {self.rows_kept:,} of "
            f"{_format.plural(self.rows_before, 'row')}; "
            f"removed {_format.plural(removed, 'class')} and "
            f"{_format.plural(self.rows_removed, 'row')} ({100 * self.share_removed:.3f}%)"
            + (f" [{shown}]" if removed else "")
            + f"; imbalance ratio {_format.ratio(self.ratio_before)} -> "
            f"{_format.ratio(self.ratio_after)}"
            + smallest
            + (f"; {_format.plural(self.null_rows, 'null row')} dropped" if self.null_rows else "")
        )

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out.update(rows_removed=self.rows_removed, share_removed=self.share_removed)
        return out


def _masked(
    rule: str, name: str, x: Any, k: Any, summary: bool
) -> Mask | tuple[Mask, FilterSummary]:
    k = checks.count("k", k, clamp=True)
    r, info = run(_fastbal.rule_mask, x, rule, k)
    out: Mask = r.mask
    if not summary:
        return out
    return out, FilterSummary.from_info(f"{name}({k})", info, r.keep)


@overload
def filter_min_count(x: Any, k: int, *, return_summary: Literal[False] = ...) -> Mask: ...
@overload
def filter_min_count(
    x: Any, k: int, *, return_summary: Literal[True]
) -> tuple[Mask, FilterSummary]: ...
def filter_min_count(x: Any, k: int, *, return_summary: bool = False) -> Any:
    """Mask of the rows whose class has at least `k` rows (null rows: False).

    >>> import fastbal
    >>> y = [1, 1, 1, 2, 2, 3, None]
    >>> fastbal.filter_min_count(y, 2).tolist()
    [True, True, True, True, True, False, False]
    >>> mask, summary = fastbal.filter_min_count(y, 2, return_summary=True)
    >>> print(summary)
    min_count(2): kept 2 of 3 classes and 5 of 6 rows; removed 1 class and 1 row (16.667%) [3]; imbalance ratio 3 : 1 -> 1.5 : 1; smallest class left: 2 (2 rows); 1 null row dropped
    """  # noqa: E501
    return _masked("min_count", "min_count", x, k, return_summary)


@overload
def filter_max_count(x: Any, k: int, *, return_summary: Literal[False] = ...) -> Mask: ...
@overload
def filter_max_count(
    x: Any, k: int, *, return_summary: Literal[True]
) -> tuple[Mask, FilterSummary]: ...
def filter_max_count(x: Any, k: int, *, return_summary: bool = False) -> Any:
    """Mask of the rows whose class has at most `k` rows (null rows: False).

    >>> import fastbal
    >>> fastbal.filter_max_count([1, 1, 1, 2, 2, 3], 2).tolist()
    [False, False, False, True, True, True]
    """
    return _masked("max_count", "max_count", x, k, return_summary)


@overload
def top_k_mask(x: Any, k: int, *, return_summary: Literal[False] = ...) -> Mask: ...
@overload
def top_k_mask(x: Any, k: int, *, return_summary: Literal[True]) -> tuple[Mask, FilterSummary]: ...
def top_k_mask(x: Any, k: int, *, return_summary: bool = False) -> Any:
    """Mask of the rows of the `k` most frequent classes (null rows: False).

    Ties at the boundary go to the class that sorts first by value, never
    to chance.

    >>> import fastbal
    >>> fastbal.top_k_mask(["b", "a", "c", "c", "b", "a"], 2).tolist()  # a three-way tie
    [True, True, False, False, True, True]
    """
    return _masked("top_k", "top_k", x, k, return_summary)


def isin_mask(x: Any, classes: Iterable[Any]) -> Mask:
    """Mask of the rows whose label is one of `classes` (null rows: False).

    >>> import fastbal
    >>> fastbal.isin_mask(["a", "b", "c", None], ["a", "c", "z"]).tolist()
    [True, False, True, False]
    """
    labels = as_labels(x)
    wanted = set(classes)  # Python equality: 1 == 1.0, 1 != 1.5, 1 != "1"
    keep = np.fromiter(
        (c in wanted for c in labels.classes.tolist()), dtype=bool, count=labels.n_classes
    )
    r, _ = run(_fastbal.keep_mask, labels, keep)
    mask: Mask = r.mask
    return mask


DEFAULT_THRESHOLDS = (2, 5, 10, 20, 50, 100)


@dataclass(frozen=True)
class WhatIf:
    """For each min-count threshold: what a filter at that threshold would remove."""

    thresholds: list[int]
    classes_removed: list[int]
    rows_removed: list[int]
    share_removed: list[float]
    classes_left: list[int]
    #: largest / smallest count left; None when no class is left
    ratio_left: list[float | None]

    def rows(self) -> list[dict[str, Any]]:
        keys = [
            "threshold",
            "classes_removed",
            "rows_removed",
            "share_removed",
            "classes_left",
            "ratio_left",
        ]
        cols = [
            self.thresholds,
            self.classes_removed,
            self.rows_removed,
            self.share_removed,
            self.classes_left,
            self.ratio_left,
        ]
        return [dict(zip(keys, vals, strict=True)) for vals in zip(*cols, strict=True)]

    def to_polars(self) -> Any:
        import polars as pl

        return pl.DataFrame(self.rows())

    def to_markdown(self) -> str:
        lines = [
            "| min_count | classes removed | rows removed | share | classes left | ratio left |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for r in self.rows():
            lines.append(
                f"| {r['threshold']} | {r['classes_removed']} | {r['rows_removed']:,} | "
                f"{100 * r['share_removed']:.3f}% | {r['classes_left']} | "
                + f"{_format.ratio(r['ratio_left'])} |"
            )
        return "\n".join(lines)

    __str__ = to_markdown


def what_if(x: Any, thresholds: Sequence[int] = DEFAULT_THRESHOLDS) -> WhatIf:
    """What a min-count filter would remove at each threshold, from one count.

    `x` is a label column, a `Labels` or a `ValueCounts`.

    >>> import fastbal
    >>> print(fastbal.what_if([1] * 6 + [2] * 3 + [3], thresholds=[2, 5]))
    | min_count | classes removed | rows removed | share | classes left | ratio left |
    |---:|---:|---:|---:|---:|---:|
    | 2 | 1 | 1 | 10.000% | 2 | 2 : 1 |
    | 5 | 2 | 4 | 40.000% | 1 | 1 : 1 |
    """
    vc = x if isinstance(x, ValueCounts) else value_counts(x)
    ts = [checks.count("threshold", t) for t in thresholds]
    counts = np.sort(vc.counts)  # ascending
    cum = np.concatenate([[0], np.cumsum(counts)])
    total = int(cum[-1])
    out: dict[str, list[Any]] = {k: [] for k in ("cr", "rr", "sr", "cl", "rl")}
    for t in ts:
        i = int(np.searchsorted(counts, t, side="left"))  # classes with count < t
        out["cr"].append(i)
        out["rr"].append(int(cum[i]))
        out["sr"].append(int(cum[i]) / total if total else 0.0)
        out["cl"].append(len(counts) - i)
        out["rl"].append(float(counts[-1] / counts[i]) if i < len(counts) else None)
    return WhatIf(ts, out["cr"], out["rr"], out["sr"], out["cl"], out["rl"])


def stratified_sample(
    x: Any, fraction: float | None = None, n: int | None = None, seed: int = 0, ids: Any = None
) -> npt.NDArray[np.int64]:
    """Sorted row indices of a subsample that keeps every class's proportion.

    Give `fraction` (of the labeled rows, in (0, 1]; rounded half away from
    zero) or `n`. Each class gets its exact share within one row
    (largest-remainder apportionment); a class whose share rounds to zero
    gets one row taken from a class that was rounded up, while one remains,
    so the one-row bound always holds. Which rows: the lowest-ranked of each
    class under a seeded hash of the row position, so the result does not
    depend on chunking or thread count. With `ids` (unique ids, one per row),
    the hash is of the row's id instead, so the sampled ids do not depend on
    row order either, as in `stratified_split`. Null rows are never sampled.

    >>> import fastbal
    >>> y = ["a"] * 8 + ["b"] * 2
    >>> idx = fastbal.stratified_sample(y, fraction=0.5, seed=1)
    >>> sorted(y[i] for i in idx)
    ['a', 'a', 'a', 'a', 'b']
    >>> ids = [f"doc{i}" for i in range(10)]
    >>> picked = {ids[i] for i in fastbal.stratified_sample(y, fraction=0.5, seed=1, ids=ids)}
    >>> picked == {ids[::-1][i] for i in fastbal.stratified_sample(
    ...     y[::-1], fraction=0.5, seed=1, ids=ids[::-1])}
    True
    """
    if n is not None:
        n = checks.count("n", n)
    if fraction is not None:
        fraction = checks.fraction("fraction", fraction)
    if ids is not None:
        return _sample_by_ids(x, fraction, n, checks.seed(seed), ids)
    r, _ = run(
        _fastbal.stratified_sample,
        x,
        n=n,
        fraction=None if fraction is None else float(fraction),
        seed=checks.seed(seed),
    )
    rows: npt.NDArray[np.int64] = r.rows
    return rows


def _sample_by_ids(
    x: Any, fraction: float | None, n: int | None, seed: int, ids: Any
) -> npt.NDArray[np.int64]:
    """The stratified sample ranked by a hash of each row's id: the cut rank
    of each class found by the batch engine's cut search over one batch (the
    rows the batch phases of `fastbal.distributed` sample with the same ids)."""
    labels = as_labels(x)
    keys = _fastbal.row_keys(to_native(ids))
    if len(keys) != len(labels):
        raise FastbalError(f"ids has {len(keys)} rows but the labels have {len(labels)}")
    counts = np.ascontiguousarray(labels.counts.view(np.uint64))
    sizes = _fastbal.sample_sizes(counts, n=n, fraction=fraction)
    codes = labels.codes.astype(np.uint32)  # -1 (no label) becomes 2**32 - 1
    search = _fastbal.CutSearch(counts, sizes.reshape(-1, 1))
    while not search.done:
        p = search.probes()
        r = _fastbal.probe_batch(codes, (p.classes, p.lo, p.hi, p.gather), seed, 0, keys)
        search.advance(r.below, r.hist, r.probe, r.hash, r.row)
    cuts = search.thresholds()
    parts = _fastbal.batch_parts(codes, (cuts.hash, cuts.row), seed, 0, keys)
    return np.flatnonzero(parts == 0).astype(np.int64)


__all__ = [
    "FilterSummary",
    "WhatIf",
    "filter_max_count",
    "filter_min_count",
    "isin_mask",
    "stratified_sample",
    "top_k_mask",
    "what_if",
]
