"""fastbal on Spark: the single-machine results, row for row.

Each function takes a Spark DataFrame and the name of its label column, and
gives what the single-machine function of the same name gives the column
collected to one machine (in the DataFrame's order, partition after
partition), whatever the partitioning:

- `value_counts`, `class_weights`: the same `ValueCounts` / `ClassWeights`;
- `filter_min_count`, `top_k`, `stratified_sample`: the DataFrame of the
  kept (sampled) rows;
- `stratified_split`, `stratified_kfold`, `sample_weights`: the DataFrame
  with one more column: `split` ("train", "valid", "test"; null for a row
  left out), `fold` (`KFold.folds`' codes; null for a row left out) or
  `weight`.

How: the phases of `fastbal.distributed`, each a `mapInArrow` over the
partitions whose one small result per partition (a pickled counter or probe
report) is reduced on the driver: one pass counts the labels and measures
the partitions, so a row's key is its global position (or its id with
`ids=`); the plan comes from the counts alone; for the split, the k-fold and
the sample, one more pass gathers only the rows whose rank hash lies near a
cut; the result is a lazy `mapInArrow` that assigns each Arrow batch on its
own. Nothing row-sized reaches the driver. A row's position is carried in
the data (a `monotonically_increasing_id` column: its partition index and its
index in the partition, dropped from the result), so a `coalesce` or `union`
of the result changes nothing. The DataFrame is persisted first
(`persist=False` to skip), so every pass reads the same partitions in the
same order; the caller unpersists it (`df.unpersist()`), which changes
nothing as long as recomputing it gives the same partitions. With `ids=`
the result does not depend on the order at all.

Install with `pip install 'fastbal[spark]'`.
"""

from __future__ import annotations

import functools
import itertools
import pickle
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pyarrow as pa

import fastbal
from fastbal import (
    ClassWeights,
    FastbalError,
    InvalidInputError,
    SplitSummary,
    ValueCounts,
    checks,
    contract,
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

#: The schema of a pass's result: one row per task.
_PASS_SCHEMA = "rows long, blob binary"
#: The column of each row's `monotonically_increasing_id`, added to the frame
#: the passes read and dropped from every result: its bits above 33 are the
#: row's partition index, its 33 low bits the row's index in the partition.
_ROW = "__fastbal_row__"
_ROW_BITS = 33
#: The start of the message of an id held by two rows (checked over the whole
#: column, not within a batch).
_REPEATED_IDS = "ids must be unique"


def _spark() -> Any:
    try:
        import pyspark.sql
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("fastbal.spark needs pyspark: pip install 'fastbal[spark]'") from e
    return pyspark.sql


def _col(name: str) -> Any:
    """The column `name`, quoted: a dot or a backtick in a name is no path."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _parts_rows(mid: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each row's partition index and index in its partition."""
    m = mid.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return m >> _ROW_BITS, m & ((1 << _ROW_BITS) - 1)


def _positions(offsets: npt.NDArray[np.int64], mid: Any) -> npt.NDArray[np.int64]:
    """Each row's global position: its partition's offset plus its index in the
    partition (whatever task reads it, after a coalesce or a union)."""
    parts, rows = _parts_rows(mid)
    if len(parts) and (parts.max() >= len(offsets) or (offsets[parts] < 0).any()):
        raise FastbalError(
            "a row of a partition the count did not see: the DataFrame changed between passes"
        )
    return offsets[parts] + rows


def _runs(pos: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """The (start, end) of each run of consecutive positions in a batch."""
    cuts = np.flatnonzero(np.diff(pos) != 1) + 1
    bounds = [0, *cuts.tolist(), len(pos)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _global_rows(msg: str, offset: int) -> str:
    """A batch's error message with its row numbers ("row 3", "rows 3 and 9") made global."""

    def shift(m: re.Match[str]) -> str:
        rows = [str(int(r) + offset) for r in m.groups()[1:] if r is not None]
        return f"{m.group(1)} {' and '.join(rows)}"

    return re.sub(r"\b(rows?) (\d+)(?: and (\d+))?", shift, msg)


def _map_in_arrow(df: Any, fn: Callable[..., Any], schema: Any) -> Any:
    """`df.mapInArrow(fn, schema)`, without pyspark's warning about the pandas
    version: the batches here are Arrow from end to end, pandas is not used."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "PySpark does not yet fully support pandas", category=FutureWarning
        )
        return df.mapInArrow(fn, schema)


def _pass_row(rows: int, result: Any) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {"rows": [rows], "blob": [pickle.dumps(result, protocol=5)]},
        schema=pa.schema([("rows", pa.int64()), ("blob", pa.binary())]),
    )


# ------------------------------------------------------------ per partition


def _count_partition(has_ids: bool, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The task's counter, partition lengths (by partition index), id nulls and
    first refusal (its type, message, partition and row in the partition of the
    batch's first row), as one row."""
    counter, rows, id_nulls, refusal = LabelCounter(), 0, 0, None
    sizes: dict[int, int] = {}
    for b in batches:
        parts, in_part = _parts_rows(b.column(b.num_columns - 1))
        for part, n in zip(*np.unique(parts, return_counts=True), strict=True):
            sizes[int(part)] = sizes.get(int(part), 0) + int(n)
        if refusal is None:
            try:
                counter.update(b.column(0))
                if has_ids:
                    ids = b.column(1)
                    id_nulls += ids.null_count
                    if not ids.null_count:
                        _keys(ids)
            except (TypeError, ValueError) as e:
                refusal = (type(e), str(e), int(parts[0]), int(in_part[0]))
        rows += b.num_rows
    yield _pass_row(rows, (None if refusal else counter, sizes, id_nulls, refusal))


def _keys(ids: Any) -> npt.NDArray[np.uint64] | None:
    """`row_keys` of a batch, None when two of its rows share an id (left to
    the check over the whole column, which names the pair one machine names)."""
    try:
        return row_keys(ids)
    except ValueError as e:
        if str(e).startswith(_REPEATED_IDS):
            return None
        raise


def _probe_partition(
    counter: LabelCounter,
    probes: Probes,
    offsets: npt.NDArray[np.int64],
    has_ids: bool,
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    reports, rows = [], 0
    for b in batches:
        pos = _positions(offsets, b.column(b.num_columns - 1))
        for a, e in _runs(pos):
            run = b.slice(a, e - a)
            keys = row_keys(run.column(1)) if has_ids else None
            reports.append(probes.run(counter.codes(run.column(0)), int(pos[a]), keys))
        rows += b.num_rows
    yield _pass_row(rows, ProbeReport.merge(reports) if reports else None)


def _id_keys(
    offsets: npt.NDArray[np.int64], batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Each row's id key (as a signed 64-bit int) and global position."""
    for b in batches:
        keys = _fast_keys(b.column(0))
        rows = _positions(offsets, b.column(1))
        yield pa.RecordBatch.from_arrays(
            [pa.array(keys.view(np.int64)), pa.array(rows)], ["key", "row"]
        )


def _fast_keys(ids: Any) -> npt.NDArray[np.uint64]:
    """The key of each id, repeats allowed: a batch with a repeat is keyed id by id."""
    keys = _keys(ids)
    if keys is not None:
        return keys
    return np.concatenate([row_keys(ids.slice(i, 1)) for i in range(len(ids))])


class _Column:
    """How an output column's values become an Arrow array."""

    def __init__(self, values: Callable[[Any, int, Any], npt.NDArray[Any]], kind: str):
        self.values, self.kind = values, kind

    def arrow(self, v: npt.NDArray[Any]) -> pa.Array:
        if self.kind == "split":
            left_out = v < 0
            codes = pa.array(np.where(left_out, 0, v).astype(np.int8), mask=left_out)
            names = pa.array(list(contract.SPLIT_NAMES))
            return pa.DictionaryArray.from_arrays(codes, names).cast(pa.string())
        if self.kind == "fold":
            return pa.array(v, mask=v == contract.LEFT_OUT)
        return pa.array(v)


def _assign_partition(
    label: int,
    ids: int | None,
    offsets: npt.NDArray[np.int64],
    column: _Column | None,
    keep: Callable[[Any, int, Any], npt.NDArray[np.bool_]] | None,
    names: list[str],
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    """Each batch with its new column (`column`), or its kept rows (`keep`),
    without the position column; a batch is assigned run by run of
    consecutive positions (a coalesce can join partitions in a batch)."""
    for b in batches:
        pos = _positions(offsets, b.column(b.num_columns - 1))
        out = b.select(list(range(b.num_columns - 1)))
        fn = keep if keep is not None else column.values if column is not None else None
        assert fn is not None
        parts = []
        for a, e in _runs(pos):
            run = b.slice(a, e - a)
            i = None if ids is None else run.column(ids)
            parts.append(np.asarray(fn(run.column(label), int(pos[a]), i)))
        v = np.concatenate(parts) if parts else np.zeros(0, dtype=np.bool_)
        if keep is not None:
            kept = out.filter(pa.array(v.astype(np.bool_, copy=False)))
            yield pa.RecordBatch.from_arrays(kept.columns, names)
        else:
            assert column is not None
            yield pa.RecordBatch.from_arrays([*out.columns, column.arrow(v)], names)


def _lookup(table: ClassTable) -> Callable[[Any, int, Any], npt.NDArray[Any]]:
    return lambda y, offset, ids: table.lookup(y)


def _assign(assigner: Assigner) -> Callable[[Any, int, Any], npt.NDArray[Any]]:
    return lambda y, offset, ids: assigner.assign(y, offset, ids)


# ------------------------------------------------------------------ the driver


class _CountedFrame:
    """A Spark DataFrame persisted, its labels counted and its partitions measured
    in one pass."""

    def __init__(self, df: Any, label: str, ids: str | None = None, persist: bool = True):
        sql = _spark()
        if not isinstance(df, sql.DataFrame):
            raise TypeError(f"df must be a Spark DataFrame; got {type(df).__name__}")
        for name, what in [(label, "label"), (ids, "ids")]:
            if name is None:
                continue
            if not isinstance(name, str):
                raise TypeError(f"{what} must name a column; got {type(name).__name__}")
            if name not in df.columns:
                names = ", ".join(df.columns)
                raise InvalidInputError(f"no column {name!r}; the columns are: {names}")
        if _ROW in df.columns:
            raise InvalidInputError(f"the DataFrame already has a column {_ROW!r}")
        from pyspark.sql import functions as F

        #: the input, persisted unless `persist=False` (the caller unpersists it)
        self.source = df.persist() if persist else df
        #: the frame every pass reads: the input and each row's position column
        self.df = self.source.withColumn(_ROW, F.monotonically_increasing_id())
        self.label, self.ids = label, ids
        cols = [label] if ids is None else [label, ids]
        fn = functools.partial(_count_partition, ids is not None)
        rows = _map_in_arrow(self._select(*cols, _ROW), fn, _PASS_SCHEMA).collect()
        #: bytes of the results the passes brought to the driver
        self.received = sum(len(r.blob) + 8 for r in rows)
        results = [pickle.loads(r.blob) for r in rows]
        sizes: dict[int, int] = {}
        for r in results:
            for part, n in r[1].items():
                sizes[part] = sizes.get(part, 0) + n
        #: each partition's first global position, by partition index (-1: none seen)
        self.offsets = np.full(max(sizes, default=-1) + 1, -1, dtype=np.int64)
        total = 0
        for part in sorted(sizes):
            self.offsets[part] = total
            total += sizes[part]
        self.rows = total
        refusals = sorted(
            (int(self.offsets[r[3][2]]) + r[3][3], r[3]) for r in results if r[3] is not None
        )
        if refusals:  # the first refused batch, as one machine reads in order
            start, (kind, msg, _, _) = refusals[0]
            raise kind(_global_rows(msg, start))
        id_nulls = sum(r[2] for r in results)
        if id_nulls:
            raise InvalidInputError(f"ids have {id_nulls} null rows; every row needs an id")
        self.counter = LabelCounter.combine(r[0] for r in results)
        self.passes = 1

    def _select(self, *names: str) -> Any:
        """The columns `names`, renamed `_0`, `_1`...: `mapInArrow` itself
        resolves each column by its name, which fails on a name with a dot."""
        return self.df.select(*(_col(n).alias(f"_{i}") for i, n in enumerate(names)))

    def check_unique_ids(self) -> None:
        """Refuse an id held by two rows anywhere, naming the rows one machine
        names (the smallest repeated key, its first two rows): the ids' 64-bit
        keys are grouped by key in Spark; only the repeat found reaches the driver."""
        if self.ids is None:
            return
        from pyspark.sql import functions as F

        self.passes += 1
        keyed = _map_in_arrow(
            self._select(self.ids, _ROW),
            functools.partial(_id_keys, self.offsets),
            "key long, row long",
        )
        repeated = keyed.groupBy("key").count().filter(F.col("count") > 1)
        first = repeated.orderBy(F.col("key") < 0, "key").limit(1).collect()
        if first:
            key = first[0]["key"]
            a, b = (r["row"] for r in keyed.filter(F.col("key") == key).orderBy("row").take(2))
            raise InvalidInputError(f"{_REPEATED_IDS}: rows {a} and {b} have the same id")

    def search(self, ranks: npt.NDArray[np.uint64], seed: int) -> CutSearch:
        """The cuts at `ranks`, probed over the partitions until found."""
        search = CutSearch(self.counter, ranks, seed)
        cols = [self.label] if self.ids is None else [self.label, self.ids]
        while not search.done:
            fn = functools.partial(
                _probe_partition, self.counter, search.probes(), self.offsets, self.ids is not None
            )
            rows = _map_in_arrow(self._select(*cols, _ROW), fn, _PASS_SCHEMA).collect()
            self.received += sum(len(r.blob) + 8 for r in rows)
            reports = [pickle.loads(r.blob) for r in rows]
            search.advance(ProbeReport.merge(r for r in reports if r is not None))
            self.passes += 1
        return search

    def _map(self, column: _Column | None, keep: Any, name: str, field: Any) -> Any:
        from pyspark.sql.types import StructType

        schema = self.source.schema
        if field is not None:
            if name in self.source.columns:
                raise InvalidInputError(f"the DataFrame already has a column {name!r}")
            schema = StructType([*schema.fields, field])  # `add` would change df.schema
        idx = self.df.columns.index
        fn = functools.partial(
            _assign_partition,
            idx(self.label),
            None if self.ids is None else idx(self.ids),
            self.offsets,
            column,
            keep,
            schema.names,
        )
        return _map_in_arrow(self._select(*self.df.columns), fn, schema)

    def with_column(self, name: str, values: Any, kind: str, spark_type: Any) -> Any:
        """The DataFrame with a column `name`: `values(labels, offset, ids)` per batch."""
        from pyspark.sql.types import StructField

        return self._map(_Column(values, kind), None, name, StructField(name, spark_type, True))

    def kept(self, keep: Any) -> Any:
        """The rows for which `keep(labels, offset, ids)` is True."""
        return self._map(None, keep, "", None)


# ------------------------------------------------------------------ public


def label_counter(df: Any, label: str) -> LabelCounter:
    """The merged `LabelCounter` of a Spark label column (one pass, one small
    result per partition)."""
    return _CountedFrame(df, label, persist=False).counter


def value_counts(df: Any, label: str) -> ValueCounts:
    """`fastbal.value_counts` of a Spark label column (examples: docs/spark.md)."""
    return label_counter(df, label).counts


def class_weights(
    df: Any,
    label: str,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
    classes: Sequence[Any] | None = None,
) -> ClassWeights:
    """`fastbal.class_weights` of a Spark label column (from its counts alone)."""
    counts = label_counter(df, label).counts
    return fastbal.class_weights(
        counts, strategy, beta=beta, normalize=normalize, max_weight=max_weight, classes=classes
    )


def _mask(rule: str, df: Any, label: str, k: int, persist: bool) -> Any:
    k = checks.count("k", k, clamp=True)
    frame = _CountedFrame(df, label, persist=persist)
    keep = mask_table(frame.counter, rule, k)
    return frame.kept(_lookup(ClassTable(frame.counter, keep, False)))


def filter_min_count(df: Any, label: str, k: int, *, persist: bool = False) -> Any:
    """The rows of `df` that `fastbal.filter_min_count` keeps: those of the
    classes with at least `k` rows (null labels dropped)."""
    return _mask("min_count", df, label, k, persist)


def top_k(df: Any, label: str, k: int, *, persist: bool = False) -> Any:
    """The rows of `df` that `fastbal.top_k_mask` keeps: those of the `k` most
    frequent classes."""
    return _mask("top_k", df, label, k, persist)


def sample_weights(
    df: Any,
    label: str,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
    name: str = "weight",
    persist: bool = False,
) -> Any:
    """`df` with a float64 column `weight`: `fastbal.sample_weights` of its labels
    (0.0 for a null label)."""
    from pyspark.sql.types import DoubleType

    frame = _CountedFrame(df, label, persist=persist)
    w = weight_table(frame.counter, strategy, beta=beta, normalize=normalize, max_weight=max_weight)
    return frame.with_column(
        name, _lookup(ClassTable(frame.counter, w, 0.0)), "weight", DoubleType()
    )


@overload
def stratified_split(
    df: Any,
    label: str,
    test_size: float | int = ...,
    val_size: float | int = ...,
    seed: int = ...,
    rare: str = ...,
    ids: str | None = ...,
    *,
    name: str = ...,
    persist: bool = ...,
    check_ids: bool = ...,
    return_summary: Literal[False] = ...,
) -> Any: ...
@overload
def stratified_split(
    df: Any,
    label: str,
    test_size: float | int = ...,
    val_size: float | int = ...,
    seed: int = ...,
    rare: str = ...,
    ids: str | None = ...,
    *,
    name: str = ...,
    persist: bool = ...,
    check_ids: bool = ...,
    return_summary: Literal[True],
) -> tuple[Any, SplitSummary]: ...
def stratified_split(
    df: Any,
    label: str,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    seed: int = 0,
    rare: str = "train",
    ids: str | None = None,
    *,
    name: str = "split",
    persist: bool = True,
    check_ids: bool = True,
    return_summary: bool = False,
) -> Any:
    """`df` with a string column `split`: "train", "valid" or "test" for each
    row as `fastbal.stratified_split` places it, null for a row left out (null
    label, dropped rare class).

    Same contract, same rows: a row's split depends on (seed, its key, its
    class, the class counts), the key being its position in `df` or, with
    `ids` (the name of a column of unique ids), its id. Passes over the data:
    one to count, one (rarely more) to find the cuts, and the assignment when
    the result is computed; with `ids`, one more groups the ids' 64-bit keys
    to refuse an id held by two rows, as one machine does (`check_ids=False`
    skips it for ids known to be unique).
    """
    from pyspark.sql.types import StringType

    seed = checks.seed(seed)
    frame = _CountedFrame(df, label, ids, persist=persist)
    summary, ranks = split_plan(frame.counter, test_size, val_size, rare)
    if check_ids:
        frame.check_unique_ids()
    search = frame.search(ranks, seed)
    assigner = search.assigner(frame.counter, np.array(SPLIT_PART_CODES, dtype=np.int8))
    out = frame.with_column(name, _assign(assigner), "split", StringType())
    return (out, summary) if return_summary else out


def stratified_kfold(
    df: Any,
    label: str,
    k: int = 5,
    seed: int = 0,
    ids: str | None = None,
    rare: str = "train",
    *,
    name: str = "fold",
    persist: bool = True,
    check_ids: bool = True,
) -> Any:
    """`df` with a column `fold`: `fastbal.stratified_kfold`'s code of each row
    (its test fold; -2 for a rare class in the training part of every fold),
    null for a row left out. A byte column up to 127 folds, else a short;
    up to 254 folds."""
    from pyspark.sql.types import ByteType, ShortType

    seed = checks.seed(seed)
    frame = _CountedFrame(df, label, ids, persist=persist)
    plan = kfold_plan(frame.counter, k, rare)
    if check_ids:
        frame.check_unique_ids()
    search = frame.search(plan.ranks, seed)
    codes = plan.part_codes
    spark_type = ByteType() if codes.dtype == np.int8 else ShortType()
    return frame.with_column(
        name, _assign(search.assigner(frame.counter, codes)), "fold", spark_type
    )


def stratified_sample(
    df: Any,
    label: str,
    fraction: float | None = None,
    n: int | None = None,
    seed: int = 0,
    ids: str | None = None,
    *,
    persist: bool = True,
    check_ids: bool = True,
) -> Any:
    """The rows of `df` that `fastbal.stratified_sample` samples (`fraction` of
    the labeled rows, or `n` rows; every class within one row of its share)."""
    seed = checks.seed(seed)
    frame = _CountedFrame(df, label, ids, persist=persist)
    ranks = sample_ranks(frame.counter, fraction=fraction, n=n)
    if check_ids:
        frame.check_unique_ids()
    search = frame.search(ranks, seed)
    return frame.kept(_assign(search.assigner(frame.counter, np.array([True, False]))))


__all__ = [
    "class_weights",
    "filter_min_count",
    "label_counter",
    "sample_weights",
    "stratified_kfold",
    "stratified_sample",
    "stratified_split",
    "top_k",
    "value_counts",
]
