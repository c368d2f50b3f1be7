"""fastbal on a Dask cluster: the single-machine results, row for row.

Each function takes a Dask Series of labels (or a Dask DataFrame and
`column=`) and gives what the single-machine function of the same name gives
the column collected to one machine, whatever the partitioning:

- `value_counts`, `class_weights`: the same `ValueCounts` / `ClassWeights`;
- `filter_min_count`, `top_k_mask`, `sample_weights`, `stratified_split`,
  `stratified_kfold`, `stratified_sample`: a lazy Dask Series aligned with
  the labels (same partitions, same index) holding the single-machine
  result's values (`stratified_split`: `Split.assignment`'s int8 codes;
  `stratified_kfold`: `KFold.folds`; `stratified_sample`: True for the
  sampled rows).

How: one map-reduce of per-partition `LabelCounter`s (no shuffle), which also
measures the partitions, so a row's key is its global position (or its id
when `ids=` is given); a plan from the counts alone; for the split and the
sample, one more pass that gathers only the rows whose rank hash lies near a
cut (`fastbal.distributed.CutSearch`); then a per-partition assignment. The
labels (and ids) are persisted first (`persist=False` to skip), so every pass
reads the same partitions.

Install with `pip install fastbal[dask]`; connect a `distributed.Client` to
your scheduler first, and these functions run on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

import fastbal
from fastbal import (
    ClassInfo,
    ClassWeights,
    FastbalError,
    FilterSummary,
    InvalidInputError,
    SplitSummary,
    ValueCounts,
    checks,
)
from fastbal.distributed import (
    SPLIT_PART_CODES,
    Assigner,
    ClassTable,
    CutSearch,
    LabelCounter,
    ProbeReport,
    Probes,
    kfold_plan,
    mask_table,
    row_keys,
    sample_ranks,
    split_plan,
    weight_table,
)

#: Partitions (or partial results) merged per task of a tree reduction.
SPLIT_EVERY = 8


def _dd() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "fastbal.dask needs dask[dataframe] and distributed: pip install fastbal[dask]"
        ) from e
    return dd


def _tools() -> tuple[Any, Any]:
    """dask's `compute` and `delayed` (typed loosely: dask ships no full types)."""
    from dask.base import compute
    from dask.delayed import delayed

    return compute, delayed


def _series(s: Any, column: str | None, what: str = "labels") -> Any:
    dd = _dd()
    if isinstance(s, dd.DataFrame):
        if column is None:
            raise TypeError(f"{what} is a Dask DataFrame: name the label column with column=")
        if column not in s.columns:
            names = ", ".join(map(str, s.columns))
            raise InvalidInputError(f"no column {column!r}; the columns are: {names}")
        return s[column]
    if not isinstance(s, dd.Series):
        raise TypeError(f"{what} must be a Dask Series or DataFrame; got {type(s).__name__}")
    if column is not None:
        raise TypeError("column= names a column of a Dask DataFrame; a Series was given")
    return s


def _share(obj: Any) -> Any:
    """`obj` for the tasks: scattered to the workers once when a distributed
    client is active, so that every task refers to it by key (a counter,
    probes or partition offsets would otherwise be copied into each task of
    the graph: at 10,000 partitions, offsets alone would weigh 800 MB), else
    itself."""
    try:
        from distributed import get_client

        client: Any = get_client()
    except (ImportError, ValueError):
        return obj
    return client.scatter(obj, broadcast=True, hash=False)


def _tree(parts: list[Any], merge: Callable[..., Any]) -> Any:
    """Reduce delayed values pairwise in a tree of `SPLIT_EVERY`-way merges."""
    _, delayed = _tools()
    while len(parts) > 1:
        parts = [
            delayed(merge, pure=True)(*parts[i : i + SPLIT_EVERY])
            for i in range(0, len(parts), SPLIT_EVERY)
        ]
    return parts[0]


def _global_rows(msg: str, offset: int) -> str:
    """A partition's error message with its row numbers ("row 3", "rows 3 and
    9") made global."""
    import re

    def shift(m: re.Match[str]) -> str:
        rows = [str(int(r) + offset) for r in m.groups()[1:] if r is not None]
        return f"{m.group(1)} {' and '.join(rows)}"

    return re.sub(r"\b(rows?) (\d+)(?: and (\d+))?", shift, msg)


#: A refusal of a partition's data: the exception type and message.
_Refusal = tuple[type[Exception], str]


def _count_partition(part: Any) -> tuple[LabelCounter | None, int, _Refusal | None]:
    """The partition's counter and length, or (its length and) why its labels
    were refused, to be raised on the client with global row numbers."""
    try:
        return LabelCounter().update(part), len(part), None
    except (TypeError, ValueError) as e:
        return None, len(part), (type(e), str(e))


def _merge_counts(*parts: LabelCounter | None) -> LabelCounter | None:
    if any(p is None for p in parts):
        return None
    return LabelCounter.combine(p for p in parts if p is not None)


def _item(i: int) -> Callable[[tuple[Any, ...]], Any]:
    return lambda t: t[i]


def _len(part: Any) -> int:
    return len(part)


class _CountedSeries:
    """A Dask label column (and its ids) persisted, counted and measured in one pass."""

    def __init__(self, s: Any, column: str | None, ids: Any = None, persist: bool = True):
        import pickle

        compute, delayed = _tools()
        s = _series(s, column)
        if ids is not None:
            ids = _series(ids, None, "ids")
            if ids.npartitions != s.npartitions:
                raise FastbalError(
                    f"ids must be aligned with the labels: {ids.npartitions} partitions "
                    f"against {s.npartitions}"
                )
        if persist:
            s = s.persist()
            ids = None if ids is None else ids.persist()
        self.labels, self.ids = s, ids
        per_part = [delayed(_count_partition, pure=True)(p) for p in s.to_delayed()]
        counters = [delayed(_item(0), pure=True)(p) for p in per_part]
        lens = [delayed(_item(1), pure=True)(p) for p in per_part]
        refusals = [delayed(_item(2), pure=True)(p) for p in per_part]
        id_lens = [] if ids is None else [delayed(_len, pure=True)(p) for p in ids.to_delayed()]
        counted, lengths, refused, id_lengths = compute(
            _tree(counters, _merge_counts), lens, refusals, id_lens
        )
        self.lengths: list[int] = [int(n) for n in lengths]
        self.offsets: list[int] = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).tolist()
        for off, why in zip(self.offsets, refused, strict=True):
            if why is not None:  # the first partition refused, as one machine reads in order
                raise why[0](_global_rows(why[1], off))
        self.counter: LabelCounter = counted
        #: bytes of the results the passes brought to the client (counters, reports)
        self.received = len(pickle.dumps((counted, lengths, refused, id_lengths), protocol=5))
        for i, (a, b) in enumerate(zip(self.lengths, id_lengths, strict=False)):
            if a != b:
                raise FastbalError(
                    f"ids must be aligned with the labels: partition {i} has {a} labels and {b} ids"
                )
        self.passes = 1

    def map(self, fn: Callable[..., Any], *args: Any, dtype: Any) -> Any:
        """A lazy Series aligned with the labels: `fn(part, offset, ids, *args)` per partition."""
        import pandas as pd

        meta = pd.Series([], dtype=dtype, name=self.labels.name)
        dd = _dd()
        shared = [_share(a) for a in args]
        offsets = _share(np.asarray(self.offsets, dtype=np.int64))
        if self.ids is None:
            return self.labels.map_partitions(_per_partition, fn, offsets, None, *shared, meta=meta)
        return dd.map_partitions(
            _per_partition,
            self.labels,
            fn,
            offsets,
            self.ids,
            *shared,
            meta=meta,
            align_dataframes=False,
        )

    def check_unique_ids(self) -> None:
        """Refuse ids that repeat anywhere in the column, naming two rows as one
        machine does: every id's key is shuffled by key (16 bytes a row), then
        each shuffled partition reports its smallest repeated key."""
        import pandas as pd

        if self.ids is None:
            return
        self.passes += 1
        meta = pd.DataFrame({"key": np.empty(0, np.uint64), "row": np.empty(0, np.int64)})
        offsets = _share(np.asarray(self.offsets, dtype=np.int64))
        keyed = self.ids.map_partitions(_id_keys, offsets, meta=meta)
        shuffled = keyed.shuffle("key", npartitions=max(1, self.ids.npartitions))
        meta_dup = pd.DataFrame(
            {"key": np.empty(0, np.uint64), "a": np.empty(0, np.int64), "b": np.empty(0, np.int64)}
        )
        found = shuffled.map_partitions(_first_repeat, meta=meta_dup).compute()
        if len(found):
            first = found.sort_values("key")
            a, b = int(first["a"].iloc[0]), int(first["b"].iloc[0])
            raise InvalidInputError(f"ids must be unique: rows {a} and {b} have the same id")

    def search(self, ranks: npt.NDArray[np.uint64], seed: int) -> CutSearch:
        """The cuts at `ranks`, probed over the partitions until found."""
        compute, delayed = _tools()
        search = CutSearch(self.counter, ranks, seed)
        counter = _share(self.counter)
        parts = self.labels.to_delayed()
        ids = [None] * len(parts) if self.ids is None else self.ids.to_delayed()
        while not search.done:
            probes = _share(search.probes())
            reports = [
                delayed(_probe_partition, pure=True)(p, counter, probes, off, i)
                for p, off, i in zip(parts, self.offsets, ids, strict=True)
            ]
            (report,) = compute(_tree(reports, _merge_reports))
            self.received += report.nbytes
            search.advance(report)
            self.passes += 1
        return search


def _per_partition(
    part: Any,
    fn: Callable[..., Any],
    offsets: npt.NDArray[np.int64],
    ids: Any,
    *args: Any,
    partition_info: Any = None,
) -> Any:
    import pandas as pd

    i = 0 if partition_info is None else partition_info["number"]
    values = fn(part, int(offsets[i]), ids, *args)
    return pd.Series(values, index=part.index, name=part.name)


def _id_keys(ids: Any, offsets: npt.NDArray[np.int64], partition_info: Any = None) -> Any:
    """Each row's id key and global position."""
    import pandas as pd

    offset = int(offsets[0 if partition_info is None else partition_info["number"]])
    try:
        keys = row_keys(ids)
    except (TypeError, ValueError) as e:
        raise type(e)(_global_rows(str(e), offset)) from None
    return pd.DataFrame({"key": keys, "row": np.arange(offset, offset + len(keys), dtype=np.int64)})


def _first_repeat(df: Any) -> Any:
    """The smallest key held by two rows or more, with its two first rows."""
    import pandas as pd

    repeated = df[df["key"].duplicated(keep=False)]
    if not len(repeated):
        return pd.DataFrame(
            {"key": np.empty(0, np.uint64), "a": np.empty(0, np.int64), "b": np.empty(0, np.int64)}
        )
    key = repeated["key"].min()
    rows = np.sort(repeated.loc[repeated["key"] == key, "row"].to_numpy())
    return pd.DataFrame({"key": [key], "a": [rows[0]], "b": [rows[1]]})


def _probe_partition(
    part: Any, counter: LabelCounter, probes: Probes, offset: int, ids: Any
) -> ProbeReport:
    try:
        keys = None if ids is None else row_keys(ids)
    except (TypeError, ValueError) as e:
        raise type(e)(_global_rows(str(e), offset)) from None
    return probes.run(counter.codes(part), offset, keys)


def _merge_reports(*reports: ProbeReport) -> ProbeReport:
    return ProbeReport.merge(reports)


def _lookup(part: Any, offset: int, ids: Any, table: ClassTable) -> Any:
    return table.lookup(part)


def _assign(part: Any, offset: int, ids: Any, assigner: Assigner) -> Any:
    return assigner.assign(part, offset, ids)


# ------------------------------------------------------------------ public


def label_counter(s: Any, column: str | None = None) -> LabelCounter:
    """The merged `LabelCounter` of a Dask label column (one map-reduce).

    >>> import dask.dataframe as dd, pandas as pd
    >>> from fastbal.dask import label_counter
    >>> s = dd.from_pandas(pd.Series([1, 2, 2, None]), npartitions=2)
    >>> label_counter(s)
    LabelCounter(2 classes, 3 rows, 1 null)
    """
    return _CountedSeries(s, column, persist=False).counter


def value_counts(s: Any, column: str | None = None) -> ValueCounts:
    """`fastbal.value_counts` of a Dask label column.

    >>> import dask.dataframe as dd, pandas as pd
    >>> import fastbal.dask
    >>> s = dd.from_pandas(pd.Series(["b", "a", "b", None, "c", "a", "b"]), npartitions=3)
    >>> fastbal.dask.value_counts(s).to_dict()
    {'b': 3, 'a': 2, 'c': 1}
    """
    return label_counter(s, column).counts


def class_weights(
    s: Any,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
    classes: Sequence[Any] | None = None,
    column: str | None = None,
) -> ClassWeights:
    """`fastbal.class_weights` of a Dask label column (from its counts alone).

    >>> import dask.dataframe as dd, pandas as pd
    >>> import fastbal.dask
    >>> s = dd.from_pandas(pd.Series(["a"] * 99 + ["b"]), npartitions=4)
    >>> fastbal.dask.class_weights(s, "sqrt").to_dict()
    {'a': 0.99498743710662, 'b': 7.035623639735144}
    """
    counts = label_counter(s, column).counts
    return fastbal.class_weights(
        counts, strategy, beta=beta, normalize=normalize, max_weight=max_weight, classes=classes
    )


def _mask(
    rule: str, name: str, s: Any, k: int, column: str | None, persist: bool, summary: bool
) -> Any:
    k = checks.count("k", k, clamp=True)
    col = _CountedSeries(s, column, persist=persist)
    keep = mask_table(col.counter, rule, k)
    mask = col.map(_lookup, ClassTable(col.counter, keep, False), dtype=bool)
    if not summary:
        return mask
    info = ClassInfo(col.counter.classes, col.counter.class_counts, col.counter.null_count)
    return mask, FilterSummary.from_info(f"{name}({k})", info, keep)


@overload
def filter_min_count(
    s: Any,
    k: int,
    *,
    column: str | None = ...,
    persist: bool = ...,
    return_summary: Literal[False] = ...,
) -> Any: ...
@overload
def filter_min_count(
    s: Any, k: int, *, column: str | None = ..., persist: bool = ..., return_summary: Literal[True]
) -> tuple[Any, FilterSummary]: ...
def filter_min_count(
    s: Any, k: int, *, column: str | None = None, persist: bool = True, return_summary: bool = False
) -> Any:
    """`fastbal.filter_min_count` of a Dask label column: a lazy bool Series.

    >>> import dask.dataframe as dd, pandas as pd
    >>> import fastbal.dask
    >>> s = dd.from_pandas(pd.Series([1, 1, 1, 2, 2, 3, None]), npartitions=3)
    >>> fastbal.dask.filter_min_count(s, 2).compute().tolist()
    [True, True, True, True, True, False, False]
    """
    return _mask("min_count", "min_count", s, k, column, persist, return_summary)


@overload
def top_k_mask(
    s: Any,
    k: int,
    *,
    column: str | None = ...,
    persist: bool = ...,
    return_summary: Literal[False] = ...,
) -> Any: ...
@overload
def top_k_mask(
    s: Any, k: int, *, column: str | None = ..., persist: bool = ..., return_summary: Literal[True]
) -> tuple[Any, FilterSummary]: ...
def top_k_mask(
    s: Any, k: int, *, column: str | None = None, persist: bool = True, return_summary: bool = False
) -> Any:
    """`fastbal.top_k_mask` of a Dask label column: a lazy bool Series.

    >>> import dask.dataframe as dd, pandas as pd
    >>> import fastbal.dask
    >>> s = dd.from_pandas(pd.Series(["x", "y", "y", "z", "y", "x"]), npartitions=2)
    >>> fastbal.dask.top_k_mask(s, 1).compute().tolist()
    [False, True, True, False, True, False]
    """
    return _mask("top_k", "top_k", s, k, column, persist, return_summary)


def sample_weights(
    s: Any,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
    column: str | None = None,
    persist: bool = True,
) -> Any:
    """`fastbal.sample_weights` of a Dask label column: a lazy float64 Series.

    >>> import dask.dataframe as dd, pandas as pd
    >>> import fastbal.dask
    >>> s = dd.from_pandas(pd.Series([0, 0, 0, 2, None]), npartitions=2)
    >>> fastbal.dask.sample_weights(s).compute().tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0, 0.0]
    """
    col = _CountedSeries(s, column, persist=persist)
    w = weight_table(col.counter, strategy, beta=beta, normalize=normalize, max_weight=max_weight)
    return col.map(_lookup, ClassTable(col.counter, w, 0.0), dtype=np.float64)


@overload
def stratified_split(
    s: Any,
    test_size: float | int = ...,
    val_size: float | int = ...,
    seed: int = ...,
    rare: str = ...,
    ids: Any = ...,
    *,
    column: str | None = ...,
    persist: bool = ...,
    check_ids: bool = ...,
    return_summary: Literal[False] = ...,
) -> Any: ...
@overload
def stratified_split(
    s: Any,
    test_size: float | int = ...,
    val_size: float | int = ...,
    seed: int = ...,
    rare: str = ...,
    ids: Any = ...,
    *,
    column: str | None = ...,
    persist: bool = ...,
    check_ids: bool = ...,
    return_summary: Literal[True],
) -> tuple[Any, SplitSummary]: ...
def stratified_split(
    s: Any,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    seed: int = 0,
    rare: str = "train",
    ids: Any = None,
    *,
    column: str | None = None,
    persist: bool = True,
    check_ids: bool = True,
    return_summary: bool = False,
) -> Any:
    """`fastbal.stratified_split` of a Dask label column: a lazy int8 Series of
    `Split.assignment`'s codes (0 train, 1 valid, 2 test, -1 left out).

    Same contract, same rows: the split depends on (seed, a row's key, its
    class, the class counts), the key being its global position or, with
    `ids` (a Dask Series aligned with the labels), its id. Passes over the
    data: one to count, one (rarely more) to find the cuts, one to assign.
    With `ids`, one more shuffles the ids' 64-bit keys to refuse an id held
    by two rows anywhere, as one machine does (`check_ids=False` skips it
    when the ids are known to be unique, e.g. a primary key).

    >>> import dask.dataframe as dd, pandas as pd
    >>> import fastbal, fastbal.dask
    >>> y = ["a"] * 10 + ["b"] * 5 + ["c"] * 2
    >>> s = dd.from_pandas(pd.Series(y), npartitions=3)
    >>> codes, summary = fastbal.dask.stratified_split(
    ...     s, test_size=0.2, val_size=0.2, seed=42, return_summary=True)
    >>> codes.compute().tolist() == fastbal.stratified_split(
    ...     y, test_size=0.2, val_size=0.2, seed=42).assignment.tolist()
    True
    >>> summary.sizes
    {'train': 10, 'valid': 3, 'test': 4}
    """
    seed = checks.seed(seed)
    col = _CountedSeries(s, column, ids, persist=persist)
    summary, ranks = split_plan(col.counter, test_size, val_size, rare)
    if check_ids:
        col.check_unique_ids()
    search = col.search(ranks, seed)
    assigner = search.assigner(col.counter, np.array(SPLIT_PART_CODES, dtype=np.int8))
    out = col.map(_assign, assigner, dtype=np.int8)
    return (out, summary) if return_summary else out


def stratified_kfold(
    s: Any,
    k: int = 5,
    seed: int = 0,
    ids: Any = None,
    rare: str = "train",
    *,
    column: str | None = None,
    persist: bool = True,
    check_ids: bool = True,
) -> Any:
    """`fastbal.stratified_kfold` of a Dask label column: a lazy Series of
    `KFold.folds`' codes (the test fold; -2 for a rare class in every training
    part, -1 left out), int8 up to 127 folds, else int16; up to 254 folds.

    The same rows as one machine, with the passes of `stratified_split`: the
    k cut ranks per class are found in one search.

    >>> import dask.dataframe as dd, pandas as pd
    >>> import fastbal, fastbal.dask
    >>> y = ["a"] * 10 + ["b"] * 5 + ["c"] * 2
    >>> s = dd.from_pandas(pd.Series(y), npartitions=3)
    >>> folds = fastbal.dask.stratified_kfold(s, k=3, seed=42).compute()
    >>> folds.tolist() == fastbal.stratified_kfold(y, k=3, seed=42).folds.tolist()
    True
    >>> folds.value_counts().sort_index().to_dict()
    {-2: 2, 0: 5, 1: 5, 2: 5}
    """
    seed = checks.seed(seed)
    col = _CountedSeries(s, column, ids, persist=persist)
    plan = kfold_plan(col.counter, k, rare)
    if check_ids:
        col.check_unique_ids()
    search = col.search(plan.ranks, seed)
    codes = plan.part_codes
    return col.map(_assign, search.assigner(col.counter, codes), dtype=codes.dtype)


def stratified_sample(
    s: Any,
    fraction: float | None = None,
    n: int | None = None,
    seed: int = 0,
    ids: Any = None,
    *,
    column: str | None = None,
    persist: bool = True,
    check_ids: bool = True,
) -> Any:
    """`fastbal.stratified_sample` of a Dask label column: a lazy bool Series,
    True for the rows whose positions the single-machine function returns
    (with `ids`, as `stratified_split` takes them, the rows it returns given
    the same ids).

    >>> import dask.dataframe as dd, pandas as pd
    >>> import fastbal.dask
    >>> s = dd.from_pandas(pd.Series(["a"] * 8 + ["b"] * 2), npartitions=2)
    >>> keep = fastbal.dask.stratified_sample(s, fraction=0.5, seed=1).compute()
    >>> sorted(s.compute()[keep])
    ['a', 'a', 'a', 'a', 'b']
    """
    seed = checks.seed(seed)
    col = _CountedSeries(s, column, ids, persist=persist)
    ranks = sample_ranks(col.counter, fraction=fraction, n=n)
    if check_ids:
        col.check_unique_ids()
    search = col.search(ranks, seed)
    out = col.map(_assign, search.assigner(col.counter, np.array([True, False])), dtype=bool)
    return out


__all__ = [
    "class_weights",
    "filter_min_count",
    "label_counter",
    "sample_weights",
    "stratified_kfold",
    "stratified_sample",
    "stratified_split",
    "top_k_mask",
    "value_counts",
]
