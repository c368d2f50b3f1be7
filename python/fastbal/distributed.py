"""The mergeable phases behind fastbal on a cluster, for any engine.

A label column split into batches (partitions of a Dask, Spark or Ray
dataset; row groups of a file) gets the exact results the single-machine
functions give the whole column, in these phases:

1. count: a `LabelCounter` per batch, merged (any order, any tree);
2. plan from the counts alone: `split_plan`, `mask_table`,
   `weight_table`, `sample_ranks`;
3. for the split and the stratified sample, find the per-class rank cuts:
   a `CutSearch` hands out `Probes`, every batch answers them
   (`Probes.run`), the `ProbeReport`s merge, and the search advances, until
   it holds the `RankCuts` (one pass nearly always; only rows near a cut are
   gathered);
4. assign each batch on its own: `ClassTable.lookup` (masks, weights) or
   `Assigner.assign` (split, sample), given the batch's global row offset
   (rows of the batches before it) and, when rows are keyed by ids, the
   batch's ids.

Text lengths per class merge the same way: a `length_histogram` per batch,
concatenated, summarized by `fastbal.LengthStats.from_histogram`.

Every object sent to a batch pickles. `fastbal.dask` drives these phases on a
Dask cluster; an adapter for another engine drives the same ones (a Spark
`mapInArrow` or a Ray `map_batches` function per batch, a reduce for the
counters and reports).

>>> import numpy as np, fastbal
>>> from fastbal.distributed import (
...     SPLIT_PART_CODES, CutSearch, LabelCounter, ProbeReport, split_plan)
>>> y = np.array([1, 1, 1, 1, 2, 2, 2, 2, 2, 2] * 3)
>>> batches = [(0, y[:7]), (7, y[7:12]), (12, y[12:])]  # (global offset, labels)
>>> counter = LabelCounter.combine(LabelCounter().update(b) for _, b in batches)
>>> summary, ranks = split_plan(counter, test_size=0.2, val_size=0.1)
>>> search = CutSearch(counter, ranks, seed=0)
>>> while not search.done:
...     probes = search.probes()
...     search.advance(ProbeReport.merge(
...         [probes.run(counter.codes(b), offset=o) for o, b in batches]))
>>> assigner = search.assigner(counter, SPLIT_PART_CODES)
>>> got = np.concatenate([assigner.assign(b, offset=o) for o, b in batches])
>>> bool((got == fastbal.stratified_split(y, 0.2, 0.1, seed=0).assignment).all())
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fastbal import _fastbal, checks
from fastbal._fastbal import FastbalError
from fastbal._labels import ClassArray, Labels, ValueCounts, class_array, to_native
from fastbal._report import length_histogram
from fastbal._split import SPLITS, SplitSummary
from fastbal._weights import weight_args
from fastbal.contract import SPLIT_PART_CODES

#: The split code of each part of a split's cuts (test, valid, train, left out).


def _c(a: Any) -> Any:
    """`a` contiguous and aligned, as the extension borrows it (arrays that
    crossed a pickle can be neither)."""
    return np.require(a, requirements=["C", "A"])


class LabelCounter:
    """Class counts keyed by class value: update with batches, merge, pickle.

    Counting is a monoid: counters of the batches of a column, merged in any
    order, hold the counts of the whole column, and `counts` is the
    `ValueCounts` `fastbal.value_counts` gives it.

    >>> import pickle
    >>> from fastbal.distributed import LabelCounter
    >>> a = LabelCounter().update(["b", "a", "b"])
    >>> b = pickle.loads(pickle.dumps(LabelCounter().update(["c", None, "b"])))
    >>> a.merge(b)
    LabelCounter(3 classes, 5 rows, 1 null)
    >>> a.counts.to_dict()
    {'b': 3, 'a': 1, 'c': 1}
    """

    __slots__ = ("_inner",)

    def __init__(self) -> None:
        self._inner = _fastbal.LabelCounter()

    def update(self, batch: Any) -> LabelCounter:
        """Count one batch (any label column fastbal reads) and add it; returns self."""
        if isinstance(batch, Labels):
            part = _fastbal.LabelCounter.from_parts(
                to_native(batch.classes), batch.counts.view(np.uint64), batch.null_count
            )
            self._inner.merge(part)
        else:
            self._inner.update(to_native(batch))
        return self

    def merge(self, other: LabelCounter) -> LabelCounter:
        """Add another counter's counts; returns self."""
        if not isinstance(other, LabelCounter):
            raise TypeError(f"can only merge a LabelCounter; got {type(other).__name__}")
        self._inner.merge(other._inner)
        return self

    @classmethod
    def combine(cls, counters: Iterable[LabelCounter]) -> LabelCounter:
        """A new counter holding the sum of `counters`."""
        out = cls()
        for c in counters:
            out.merge(c)
        return out

    @property
    def classes(self) -> ClassArray:
        """The classes seen, sorted by value (the order of `class_counts` and `codes`)."""
        return class_array(self._inner.classes, self._inner.value_type)

    @property
    def class_counts(self) -> npt.NDArray[np.int64]:
        """Rows per class, in class order."""
        counts: npt.NDArray[np.int64] = self._inner.counts.view(np.int64)
        return counts

    @property
    def null_count(self) -> int:
        return int(self._inner.null_count)

    @property
    def rows(self) -> int:
        """Rows seen, nulls included."""
        return int(self.class_counts.sum()) + self.null_count

    @property
    def counts(self) -> ValueCounts:
        """The counts, most frequent first: `fastbal.value_counts` of the whole column."""
        order = self._inner.order_by_count().astype(np.intp)
        return ValueCounts(self.classes[order], self.class_counts[order], self.null_count)

    def codes(self, batch: Any) -> npt.NDArray[np.uint32]:
        """Class code of each row of `batch` among `classes` (2**32 - 1: no label)."""
        codes: npt.NDArray[np.uint32] = self._inner.codes(to_native(batch))
        return codes

    def __len__(self) -> int:
        return len(self._inner)

    def __reduce__(self) -> tuple[Any, ...]:
        if not len(self) and not self.null_count:
            return (LabelCounter, ())
        return (_restore_counter, (self.classes, self.class_counts.copy(), self.null_count))

    def __repr__(self) -> str:
        total = int(self.class_counts.sum())
        return f"LabelCounter({len(self)} classes, {total} rows, {self.null_count} null)"


def _restore_counter(
    classes: ClassArray, counts: npt.NDArray[np.int64], nulls: int
) -> LabelCounter:
    out = LabelCounter()
    out._inner = _fastbal.LabelCounter.from_parts(
        to_native(classes), counts.astype(np.uint64), nulls
    )
    return out


def row_keys(ids: Any) -> npt.NDArray[np.uint64]:
    """The 64-bit key of each row of a batch of ids (ints: their value; strings:
    a fixed hash). Refuses null and duplicate ids within the batch."""
    keys: npt.NDArray[np.uint64] = _fastbal.row_keys(to_native(ids))
    return keys


# ------------------------------------------------------------------ plans


def split_plan(
    counter: LabelCounter,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    rare: str = "train",
) -> tuple[Any, npt.NDArray[np.uint64]]:
    """The plan of `fastbal.stratified_split` from counts alone: its
    `SplitSummary`, and the cut ranks per class (test, test + valid, all) for
    a `CutSearch` whose parts map to splits through `SPLIT_PART_CODES`."""
    r = _fastbal.split_plan(counter._inner, checks.size(test_size), checks.size(val_size), rare)
    plan = r.plan
    summary = SplitSummary(
        classes=counter.classes,
        cells=plan.cells.view(np.int64),
        rare_classes=counter.classes[np.asarray(plan.rare, dtype=np.int64)].tolist(),
        rare_action="drop" if plan.rare_dropped else "train",
        null_rows=counter.null_count,
        target=dict(zip(SPLITS, plan.target, strict=True)),
        sizes=dict(zip(SPLITS, plan.sizes, strict=True)),
    )
    return summary, r.ranks


#: The most folds a k-fold on batches can have (the cut search's limit on cuts per class).
MAX_BATCH_FOLDS = 254


@dataclass(frozen=True)
class FoldPlan:
    """The plan of `fastbal.stratified_kfold` from counts alone (`kfold_plan`).

    `cells[i, f]` is the number of rows of `classes[i]` in test fold `f` (the
    one-machine `KFold.plan`); `ranks` are the cut ranks of a `CutSearch`
    (running sums of the cells), whose parts map to fold codes through
    `part_codes`: fold `f` for part `f`, then `ALWAYS_TRAIN` (or `LEFT_OUT`
    when dropped) for the rows of a rare class, `LEFT_OUT` for no label.
    """

    classes: ClassArray
    cells: npt.NDArray[np.int64]
    #: classes with fewer rows than folds, which no test fold holds
    rare_classes: list[Any]
    rare_dropped: bool

    @property
    def k(self) -> int:
        return int(self.cells.shape[1])

    @property
    def ranks(self) -> npt.NDArray[np.uint64]:
        """Per class, the rank after each fold (shape (classes, k))."""
        ranks: npt.NDArray[np.uint64] = np.cumsum(self.cells, axis=1, dtype=np.uint64)
        return ranks.reshape(len(self.cells), self.k)

    @property
    def part_codes(self) -> npt.NDArray[np.integer[Any]]:
        """The fold code of each part of the cuts (int8 up to 127 folds, as
        `KFold.folds`), the last one for rows without a label."""
        rest = _fastbal.LEFT_OUT if self.rare_dropped else _fastbal.ALWAYS_TRAIN
        codes = [*range(self.k), rest, _fastbal.LEFT_OUT]
        return np.array(codes, dtype=np.int8 if self.k <= np.iinfo(np.int8).max else np.int16)


def kfold_plan(counter: LabelCounter, k: int = 5, rare: str = "train") -> FoldPlan:
    """The plan of `fastbal.stratified_kfold` from counts alone: a `FoldPlan`
    whose `ranks` a `CutSearch` finds and whose `part_codes` an `Assigner` gives.

    >>> import numpy as np, fastbal
    >>> from fastbal.distributed import CutSearch, LabelCounter, ProbeReport, kfold_plan
    >>> y = np.array(["a"] * 7 + ["b"] * 5 + ["c"])
    >>> counter = LabelCounter().update(y)
    >>> plan = kfold_plan(counter, k=3)
    >>> plan.cells.tolist(), plan.rare_classes
    ([[3, 2, 2], [1, 2, 2], [0, 0, 0]], ['c'])
    >>> search = CutSearch(counter, plan.ranks, seed=0)
    >>> while not search.done:
    ...     search.advance(ProbeReport.merge([search.probes().run(counter.codes(y), 0)]))
    >>> folds = search.assigner(counter, plan.part_codes).assign(y, offset=0)
    >>> bool((folds == fastbal.stratified_kfold(y, k=3).folds).all())
    True
    """
    k = checks.integer("k", k)
    k = min(max(k, -(2**63)), 2**63 - 1)  # the core names the allowed range
    plan = _fastbal.kfold_plan(counter._inner, k, rare)
    if k > MAX_BATCH_FOLDS:
        raise FastbalError(f"k must be at most {MAX_BATCH_FOLDS} on batches; got {k}")
    classes = counter.classes
    return FoldPlan(
        classes,
        plan.cells.view(np.int64),
        classes[np.asarray(plan.rare, dtype=np.int64)].tolist(),
        bool(plan.rare_dropped),
    )


def mask_table(counter: LabelCounter, rule: str, k: int) -> npt.NDArray[np.bool_]:
    """Per class (class order), whether a mask keeps it: `rule` is "min_count"
    (`filter_min_count`), "max_count" or "top_k"."""
    k = checks.count("k", k, clamp=True)
    keep: npt.NDArray[np.bool_] = _fastbal.keep_classes(
        counter.class_counts.view(np.uint64), rule, k
    )
    return keep


def weight_table(
    counter: LabelCounter,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
) -> npt.NDArray[np.float64]:
    """Per class (class order), the weight `fastbal.class_weights` gives it."""
    w: npt.NDArray[np.float64] = _fastbal.class_weights_from_counts(
        np.ascontiguousarray(counter.class_counts, dtype=np.int64),
        **weight_args(strategy, beta, normalize, max_weight),
    )
    return w


def sample_ranks(
    counter: LabelCounter, fraction: float | None = None, n: int | None = None
) -> npt.NDArray[np.uint64]:
    """The cut rank per class (a column of shape (classes, 1)) of
    `fastbal.stratified_sample`: part 0 is the sample."""
    if (fraction is None) == (n is None):
        raise FastbalError("pass exactly one of fraction and n")
    sizes = _fastbal.sample_sizes(
        counter.class_counts.view(np.uint64),
        n=None if n is None else checks.count("n", n),
        fraction=None if fraction is None else checks.fraction("fraction", fraction),
    )
    ranks: npt.NDArray[np.uint64] = sizes.reshape(-1, 1)
    return ranks


# ------------------------------------------------------------ the cut search


@dataclass(frozen=True)
class ProbeReport:
    """What batches answered to `Probes`; reports merge by addition."""

    below: npt.NDArray[np.uint64]
    hist: npt.NDArray[np.uint64]
    probe: npt.NDArray[np.uint32]
    hash: npt.NDArray[np.uint64]
    row: npt.NDArray[np.uint64]

    @classmethod
    def merge(cls, reports: Iterable[ProbeReport]) -> ProbeReport:
        """The report of all the batches `reports` came from."""
        rs = list(reports)
        if not rs:
            raise FastbalError("no report to merge")
        return cls(
            np.sum([r.below for r in rs], axis=0, dtype=np.uint64),
            np.sum([r.hist for r in rs], axis=0, dtype=np.uint64),
            np.concatenate([r.probe for r in rs]),
            np.concatenate([r.hash for r in rs]),
            np.concatenate([r.row for r in rs]),
        )

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.below, self.hist, self.probe, self.hash, self.row))


@dataclass(frozen=True)
class Probes:
    """One pass's questions to the batches (small; pickles)."""

    arrays: tuple[
        npt.NDArray[np.uint32],
        npt.NDArray[np.uint64],
        npt.NDArray[np.uint64],
        npt.NDArray[np.bool_],
    ]
    seed: int

    def run(
        self, codes: npt.NDArray[np.uint32], offset: int, ids: npt.NDArray[np.uint64] | None = None
    ) -> ProbeReport:
        """Answer over one batch: its class codes (`LabelCounter.codes`), the
        global position of its first row, and its `row_keys` when keyed by ids."""
        arrays = tuple(_c(a) for a in self.arrays)
        keys = None if ids is None else _c(ids)
        r = _fastbal.probe_batch(_c(codes), arrays, self.seed, int(offset), keys)
        return ProbeReport(r.below, r.hist, r.probe, r.hash, r.row)

    def __len__(self) -> int:
        return len(self.arrays[0])


class CutSearch:
    """The search for the keys at per-class cut ranks over a column seen in
    batches: probe, merge the reports, advance, until `done`."""

    def __init__(
        self,
        counter: LabelCounter,
        ranks: npt.NDArray[np.uint64],
        seed: int = 0,
        gather_limit: int | None = None,
    ) -> None:
        self.seed = checks.seed(seed)
        ranks = np.ascontiguousarray(ranks, dtype=np.uint64)
        if ranks.ndim != 2:
            raise FastbalError(f"ranks must be a (classes, cuts) array; got shape {ranks.shape}")
        self._inner = _fastbal.CutSearch(counter.class_counts.view(np.uint64), ranks, gather_limit)

    @property
    def done(self) -> bool:
        return bool(self._inner.done)

    @property
    def passes(self) -> int:
        """Probing passes made so far."""
        return int(self._inner.passes)

    def probes(self) -> Probes:
        p = self._inner.probes()
        return Probes((p.classes, p.lo, p.hi, p.gather), self.seed)

    def advance(self, report: ProbeReport) -> None:
        r = report
        self._inner.advance(_c(r.below), _c(r.hist), _c(r.probe), _c(r.hash), _c(r.row))

    def cuts(self) -> RankCuts:
        """The keys at the cut ranks (once `done`)."""
        keys = self._inner.thresholds()
        return RankCuts(keys.hash, keys.row, self.seed)

    def assigner(self, counter: LabelCounter, part_values: Any) -> Assigner:
        """An `Assigner` of the found cuts: row value `part_values[p]` for a row
        in part `p` of its class; rows without a label get `part_values[-1]`."""
        return Assigner(counter, self.cuts(), np.asarray(part_values))


@dataclass(frozen=True)
class RankCuts:
    """Per class, the rank keys (hash, row) at its cuts (shape: classes x cuts)."""

    hash: npt.NDArray[np.uint64]
    row: npt.NDArray[np.uint64]
    seed: int

    def parts(
        self, codes: npt.NDArray[np.uint32], offset: int, ids: npt.NDArray[np.uint64] | None = None
    ) -> npt.NDArray[np.uint8]:
        """Part of each row of a batch (255 for no label)."""
        parts: npt.NDArray[np.uint8] = _fastbal.batch_parts(
            _c(codes),
            (_c(self.hash), _c(self.row)),
            self.seed,
            int(offset),
            None if ids is None else _c(ids),
        )
        return parts


@dataclass(frozen=True)
class Assigner:
    """Per-batch assignment from rank cuts: one value per row (pickles)."""

    counter: LabelCounter
    cuts: RankCuts
    part_values: npt.NDArray[Any]

    def assign(self, batch: Any, offset: int, ids: Any = None) -> npt.NDArray[Any]:
        """Values of the rows of `batch`, whose first row is row `offset` of the
        column; `ids` the batch's ids when rows are keyed by ids."""
        codes = self.counter.codes(batch)
        keys = None if ids is None else row_keys(ids)
        parts = self.cuts.parts(codes, offset, keys)
        table = np.full(256, self.part_values[-1], dtype=self.part_values.dtype)
        table[: len(self.part_values) - 1] = self.part_values[:-1]
        out: npt.NDArray[Any] = table[parts]
        return out


@dataclass(frozen=True)
class ClassTable:
    """A value per class gathered per batch (masks, weights); pickles."""

    counter: LabelCounter
    values: npt.NDArray[Any]
    fill: Any

    def lookup(self, batch: Any) -> npt.NDArray[Any]:
        """The value of each row's class (`fill` for a row without a label)."""
        codes = self.counter.codes(batch)
        table = np.append(self.values, np.asarray(self.fill, dtype=self.values.dtype))
        out: npt.NDArray[Any] = table[np.minimum(codes, len(self.values))]
        return out


__all__ = [
    "MAX_BATCH_FOLDS",
    "SPLIT_PART_CODES",
    "Assigner",
    "ClassTable",
    "CutSearch",
    "FoldPlan",
    "LabelCounter",
    "ProbeReport",
    "Probes",
    "RankCuts",
    "kfold_plan",
    "length_histogram",
    "mask_table",
    "row_keys",
    "sample_ranks",
    "split_plan",
    "weight_table",
]
