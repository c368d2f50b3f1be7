"""HuggingFace `datasets`: split a `Dataset` by label, count it, and weigh a loss.

Every function here reads the label column from the Dataset's Arrow table
(`dataset.data.column(name)`), never row by row and never through pandas. A
Dataset that went through `shuffle`, `select` or `filter` keeps its rows in
an indices mapping on top of that table; the column is composed with the
mapping (one Arrow `take`), so the labels are those of the rows the Dataset
shows, in its order. Splits are built with `select(..., keep_in_memory=True)`:
new indices mappings over the same table, no copy of any other column.

Label columns: `ClassLabel` (its -1, "no label", is a missing label),
integers, strings and booleans. Missing labels are left out of splits and
counted apart, as everywhere in fastbal. Floats are refused. A column of
lists (`Sequence(ClassLabel)`, lists of ints or strings) holds label sets:
`split`, `value_counts` and `report` take it as `fastbal.multilabel_split`,
`fastbal.multilabel_counts` and `fastbal.report` do, ClassLabel names shown.

>>> import datasets, fastbal.hf
>>> ds = datasets.Dataset.from_dict(
...     {"text": [f"row {i}" for i in range(12)], "label": [0] * 8 + [1] * 3 + [2]},
...     features=datasets.Features(
...         {"text": datasets.Value("string"),
...          "label": datasets.ClassLabel(names=["rent", "travel", "tax"])}
...     ),
... )
>>> fastbal.hf.value_counts(ds, "label")
ValueCounts(3 classes, 12 rows, 0 null)
  'rent'  8
  'travel'  3
  'tax'  1
>>> parts = fastbal.hf.split(ds, "label", test_size=0.25, val_size=0.0, seed=42)
>>> {name: part.num_rows for name, part in parts.items()}
{'train': 9, 'validation': 0, 'test': 3}
>>> fastbal.hf.class_weights(ds, "label", "balanced").round(3).tolist()
[0.5, 1.333, 4.0]

This module needs the `datasets` package (`pip install 'fastbal[hf]'`).
torch is never imported: `weighted_loss` works on torch tensors and numpy
arrays alike, through their shared operators.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

try:
    import datasets
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "fastbal.hf needs the HuggingFace datasets package: pip install 'fastbal[hf]'"
    ) from e

import fastbal
from fastbal import FastbalError, InvalidInputError, checks, contract
from fastbal.distributed import (
    SPLIT_PART_CODES,
    Assigner,
    CutSearch,
    LabelCounter,
    ProbeReport,
    length_histogram,
    row_keys,
    split_plan,
)

#: HuggingFace's names of fastbal's splits, where the two differ.
_HF_NAMES = {"valid": "validation"}
#: The DatasetDict keys `split` returns, in code order (HuggingFace's names).
SPLIT_NAMES = tuple(_HF_NAMES.get(s, s) for s in contract.SPLIT_NAMES)
#: Rows per Arrow batch when a stream (an `IterableDataset`) is counted.
STREAM_BATCH_ROWS = 100_000
#: `class_weights` infers a vector indexed by label only below this length
#: (2**24 entries); larger labels need `classes=` or `num_classes=`.
DENSE_LIMIT = 2**24

Weights = npt.NDArray[np.float64]
#: ClassLabel names indexed by id (an object array of str): ids -> names in one `take`.
Names = npt.NDArray[np.object_]


# --------------------------------------------------------------------------- reading a column


@dataclass(frozen=True)
class _DatasetLabels:
    """The label column of a Dataset: values in row order (missing labels null), and
    the ClassLabel names when the feature is a ClassLabel."""

    values: pa.ChunkedArray
    names: Names | None


def _dataset(dataset: Any, what: str, *, stream_ok: bool) -> Any:
    """`dataset` itself, once it is known to be a Dataset (or a stream where allowed)."""
    if isinstance(dataset, datasets.Dataset):
        if dataset.num_rows == 0:
            raise InvalidInputError(f"{what}: the dataset has no rows")
        return dataset
    if isinstance(dataset, datasets.IterableDataset):
        if stream_ok:
            return dataset
        raise TypeError(
            f"{what} needs a map-style datasets.Dataset: the rows of an IterableDataset "
            "cannot be selected by index. Count, weigh and report a stream with "
            "fastbal.hf.value_counts / class_weights / report; to split it, write it to "
            "Parquet and run `fastbal split FILE --label COL ...`, or load it as a "
            "Dataset (load_dataset(..., streaming=False))"
        )
    if isinstance(dataset, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        raise TypeError(
            f"{what} takes one split, not a {type(dataset).__name__}; "
            f"pass one of {sorted(dataset)}, e.g. dataset[{next(iter(dataset), 'train')!r}]"
        )
    raise TypeError(f"{what} takes a datasets.Dataset; got {type(dataset).__name__}")


def _check_name(dataset: Any, column: Any, role: str) -> str:
    if not isinstance(column, str):
        raise TypeError(f"{role} must be a column name (str); got {type(column).__name__}")
    names = dataset.column_names
    if names is not None and column not in names:
        raise InvalidInputError(
            f"{role} {column!r} is not a column of the dataset; its columns: "
            + ", ".join(map(repr, names))
        )
    return column


def _classlabel_names(dataset: Any, column: str) -> Names | None:
    """The names of the column's ClassLabel feature by id, or None (not a
    ClassLabel, or a stream whose features are unknown)."""
    features = dataset.features
    feature = features.get(column) if features is not None else None
    if not isinstance(feature, datasets.ClassLabel):
        return None
    table = np.empty(len(feature.names), dtype=object)
    table[:] = feature.names
    return table


def _check_type(column: str, kind: pa.DataType, role: str = "label column") -> None:
    """Refuse Arrow types that are not a label: floats, lists, structs, binary."""
    t = kind.value_type if pa.types.is_dictionary(kind) else kind
    if (
        pa.types.is_integer(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
        or pa.types.is_boolean(t)
        or pa.types.is_null(t)
    ):
        return
    if pa.types.is_floating(t):
        raise TypeError(
            f"{role} {column!r} holds floats ({kind}); labels are discrete: cast it "
            f"(dataset.cast_column({column!r}, datasets.Value('int64'))) or encode it "
            f"(dataset.class_encode_column({column!r}))"
        )
    if (
        pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t)
        or pa.types.is_list_view(t)
        or pa.types.is_large_list_view(t)
    ):
        raise TypeError(
            f"{role} {column!r} holds lists ({kind}); one label per row is needed here "
            "(fastbal.hf.split of a map-style Dataset, value_counts and report take "
            "such a column as label sets)"
        )
    raise TypeError(
        f"{role} {column!r} has Arrow type {kind}; labels must be integers, strings, "
        "booleans or a ClassLabel"
    )


def _label_sets(dataset: Any, column: str) -> pa.ChunkedArray | None:
    """The column's label sets when it holds lists (a `Sequence(ClassLabel)`
    or lists of ints or strings), read from the Arrow table; else None."""
    t = dataset.data.schema.field(_check_name(dataset, column, "label column")).type
    if not (pa.types.is_list(t) or pa.types.is_large_list(t)):
        return None
    return _table_column(dataset, column)


def _is_sets(kind: pa.DataType) -> bool:
    """Whether an Arrow type holds label sets (a `list` or `large_list`)."""
    return bool(pa.types.is_list(kind) or pa.types.is_large_list(kind))


def _set_names(dataset: Any, column: str) -> Names | None:
    """The ClassLabel names by id of a column of lists of ClassLabel
    (`Sequence(ClassLabel)`, `List(ClassLabel)`), or None."""
    features = dataset.features
    feature = features.get(column) if features is not None else None
    inner = getattr(feature, "feature", None)
    if isinstance(feature, datasets.ClassLabel) or not isinstance(inner, datasets.ClassLabel):
        return None
    table = np.empty(len(inner.names), dtype=object)
    table[:] = inner.names
    return table


def _named_sets(values: pa.ChunkedArray, names: Names | None, column: str) -> Any:
    """Label sets with ClassLabel ids replaced by their names (a dictionary of
    the names, so each name is held once); the ids are checked against them."""
    if names is None:
        return values
    arr = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    offsets = arr.offsets
    lo, hi = offsets[0].as_py(), offsets[-1].as_py()
    used = arr.values.slice(lo, hi - lo)
    if used.null_count:
        raise InvalidInputError(f"label column {column!r} holds a null label inside a row")
    if len(used):
        smallest, largest = (v.as_py() for v in pc.min_max(used).values())
        if smallest < 0 or largest >= len(names):
            bad = smallest if smallest < 0 else largest
            raise InvalidInputError(
                f"label column {column!r} holds lists of a ClassLabel of {len(names)} names "
                f"but holds {bad}; its labels must be 0..{len(names) - 1}"
            )
    labels = pa.DictionaryArray.from_arrays(
        used.cast(pa.int32()), pa.array(names.tolist(), pa.string())
    )
    kind = pa.LargeListArray if pa.types.is_large_list(arr.type) else pa.ListArray
    return kind.from_arrays(
        pc.subtract(offsets, offsets[0]), labels, mask=arr.is_null() if arr.null_count else None
    )


def _missing_classlabel(values: Any, column: str, names: Names) -> Any:
    """ClassLabel storage with -1 ("no label") as null; values outside -1..k-1 refused."""
    lo, hi = (v.as_py() for v in pc.min_max(values).values())
    if lo is not None and (lo < -1 or hi >= len(names)):
        bad = lo if lo < -1 else hi
        raise InvalidInputError(
            f"label column {column!r} is a ClassLabel of {len(names)} names but holds "
            f"{bad}; its values must be -1 (no label) or 0..{len(names) - 1}"
        )
    if lo is not None and lo < 0:
        return pc.if_else(pc.equal(values, -1), pa.scalar(None, values.type), values)
    return values


def _table_column(dataset: Any, column: str) -> pa.ChunkedArray:
    """`column` of the rows `dataset` shows, in its order, straight from the Arrow table.

    `dataset.data` ignores the indices mapping that `shuffle`, `select`,
    `filter` and `train_test_split` leave behind (`Dataset._indices`, a
    one-column table of row numbers into `dataset.data`). Composing the
    column with it is one Arrow `take`; the public row-wise readers cost
    tens of seconds at a few million rows, `flatten_indices` more.
    """
    values = dataset.data.column(column)
    indices = dataset._indices
    if indices is not None:
        values = values.take(indices.column(0))
    if not isinstance(values, pa.ChunkedArray):
        values = pa.chunked_array([values])
    return values


def _read(dataset: Any, column: str) -> _DatasetLabels:
    """The label column of a (map-style, non-empty) Dataset."""
    _check_name(dataset, column, "label column")
    values = _table_column(dataset, column)
    _check_type(column, values.type)
    names = _classlabel_names(dataset, column)
    if names is None:
        return _DatasetLabels(values, None)
    return _DatasetLabels(_missing_classlabel(values, column, names), names)


def _stream(dataset: Any, columns: list[str], batch_size: int) -> Iterator[pa.Table]:
    """The stream's `columns` as Arrow tables of up to `batch_size` rows."""
    batch_size = checks.count("batch_size", batch_size)
    if batch_size == 0:
        raise FastbalError("batch_size must be positive")
    part = dataset.select_columns(columns).with_format("arrow")
    yield from part.iter(batch_size=batch_size)


# --------------------------------------------------------------------------- split


@overload
def split(
    dataset: Any,
    label_column: str,
    test_size: float | int = ...,
    val_size: float | int = ...,
    seed: int = ...,
    min_count: int | None = ...,
    max_classes: int | None = ...,
    extract_ratio: float | None = ...,
    rare: str = ...,
    ids: Any = ...,
    *,
    return_summary: Literal[False] = ...,
) -> Any: ...
@overload
def split(
    dataset: Any,
    label_column: str,
    test_size: float | int = ...,
    val_size: float | int = ...,
    seed: int = ...,
    min_count: int | None = ...,
    max_classes: int | None = ...,
    extract_ratio: float | None = ...,
    rare: str = ...,
    ids: Any = ...,
    *,
    return_summary: Literal[True],
) -> tuple[Any, fastbal.PreparedSplit]: ...
def split(
    dataset: Any,
    label_column: str,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    seed: int = 0,
    min_count: int | None = None,
    max_classes: int | None = None,
    extract_ratio: float | None = None,
    rare: str = "train",
    ids: Any = None,
    *,
    return_summary: bool = False,
) -> Any:
    """Split a Dataset by label into a `DatasetDict` of train, validation and test.

    The `split:` block of a training config in one call: stratified
    extraction of `extract_ratio` of the rows, the `max_classes` most
    frequent classes, classes with at least `min_count` rows, then the exact
    stratified split of `fastbal.stratified_split` (see its contract). The
    rows are those of `fastbal.prepare_split` on the label column, which are
    those of `fastbal.stratified_split` when no step filters: every class
    within one row of its share in every split, every class big enough for
    every split in each of them, smaller ones by `rare` ("train", "drop",
    "error"), never a silent random fallback.

    Sizes are fractions of the labeled rows or row counts. `ids` (a column
    name, or one value per row) keys the split instead of the row position:
    then row order does not change which split a row lands in (extraction,
    when asked for, still ranks by position). Rows with a missing label
    (null, or -1 in a ClassLabel) are left out.

    The three Datasets keep every column and the features (ClassLabel names
    included); they are index mappings over the same Arrow table, rows in
    their original order, built with `select(..., keep_in_memory=True)` (no
    cache file, nothing flattened). A split of size 0 is an empty Dataset.
    `return_summary=True` also returns the `PreparedSplit`: each filter
    step's summary, the split summary and `log()` (ClassLabel classes by
    name).

    A label column of lists (`Sequence(ClassLabel)`, or lists of ints or
    strings) is split by `fastbal.multilabel_split`: every label in every
    split wherever the sizes allow, each near its share; the filtering steps
    are refused there, `rare` does not apply, and `return_summary=True`
    returns that `Split`.

    An `IterableDataset` is split as a stream: the label column (and `ids`,
    a column name) is read twice in Arrow batches, to count and to find each
    class's cuts, holding the counts and the rows near the cuts only; the
    result is an `IterableDatasetDict` whose three streams filter the source
    batch by batch and hold the rows the in-memory split gives (keyed by
    position in the stream, or by id). The filtering steps are refused
    there, and `return_summary=True` returns the `SplitSummary`. Ids are
    checked for repeats over the whole stream (their 64-bit keys, 8 bytes a
    row, sorted once), as one machine does. Positions restart in each shard
    of a sharded stream, so a stream split by
    `datasets.distributed.split_dataset_by_node`, or read by several
    DataLoader workers, needs `ids`: without them it is refused where that
    can be seen (a sharded source; the streams read by several workers). A
    result stream sharded by node afterwards cannot be seen from inside: pass
    `ids` whenever the streams are to be sharded.

    >>> import datasets, fastbal.hf
    >>> ds = datasets.Dataset.from_dict({"acct": [10] * 20 + [2] * 10 + [7] * 3})
    >>> parts, prepared = fastbal.hf.split(
    ...     ds, "acct", test_size=0.2, val_size=0.1, seed=42, min_count=5, return_summary=True
    ... )
    >>> parts
    DatasetDict({
        train: Dataset({
            features: ['acct'],
            num_rows: 21
        })
        validation: Dataset({
            features: ['acct'],
            num_rows: 3
        })
        test: Dataset({
            features: ['acct'],
            num_rows: 6
        })
    })
    >>> print(prepared.log())
    min_count(5): kept 2 of 3 classes and 30 of 33 rows; removed 1 class and 3 rows (9.091%) [7]; imbalance ratio 6.7 : 1 -> 2 : 1; smallest class left: 2 (10 rows)
    split: train 21 (70.0%, 2 classes), valid 3 (10.0%, 2 classes), test 6 (20.0%, 2 classes)
    classes in valid/test missing from train: 0
    """  # noqa: E501
    if isinstance(dataset, datasets.IterableDataset):
        steps = {"min_count": min_count, "max_classes": max_classes, "extract_ratio": extract_ratio}
        asked = [k for k, v in steps.items() if v is not None]
        if asked:
            raise TypeError(
                f"a streamed split takes no {', '.join(asked)}: filter the stream first "
                "(the class counts come from fastbal.hf.value_counts on it)"
            )
        parts, summary = _split_stream(dataset, label_column, test_size, val_size, seed, rare, ids)
        return (parts, summary) if return_summary else parts
    ds = _dataset(dataset, "fastbal.hf.split", stream_ok=False)
    sets = _label_sets(ds, label_column)
    if sets is not None:
        steps = {"min_count": min_count, "max_classes": max_classes, "extract_ratio": extract_ratio}
        asked = [k for k, v in steps.items() if v is not None]
        if asked:
            raise TypeError(
                f"a multi-label split takes no {', '.join(asked)}; "
                f"label column {label_column!r} holds lists"
            )
        if isinstance(ids, str):
            ids = _table_column(ds, _check_name(ds, ids, "ids column"))
        ml = fastbal.multilabel_split(
            sets, test_size=test_size, val_size=val_size, seed=seed, ids=ids
        )
        parts = datasets.DatasetDict(
            {
                name: ds.select(rows, keep_in_memory=True)
                for name, rows in zip(SPLIT_NAMES, ml, strict=True)
            }
        )
        return (parts, ml) if return_summary else parts
    col = _read(ds, label_column)
    if col.values.null_count == len(col.values):
        raise InvalidInputError(
            f"label column {label_column!r} has no label: every row is missing one"
        )
    keys = None
    if ids is not None:
        if isinstance(ids, str):
            keys = _table_column(ds, _check_name(ds, ids, "ids column"))
        else:
            keys = ids
            if len(keys) != ds.num_rows:
                raise FastbalError(f"ids has {len(keys):,} values for {ds.num_rows:,} rows")
    prepared = fastbal.prepare_split(
        col.values,
        test_size=test_size,
        val_size=val_size,
        seed=seed,
        max_classes=max_classes,
        min_count=min_count,
        extract_ratio=1.0 if extract_ratio is None else extract_ratio,
        rare=rare,
        ids=keys,
    )
    if col.names is not None:
        prepared = _with_names(prepared, col.names)
    parts = datasets.DatasetDict(
        {
            name: ds.select(rows, keep_in_memory=True)
            for name, rows in zip(SPLIT_NAMES, prepared.split, strict=True)
        }
    )
    return (parts, prepared) if return_summary else parts


def _stream_batches(
    dataset: Any, column: str, ids: str | None, names: Names | None
) -> Iterator[tuple[pa.ChunkedArray, pa.ChunkedArray | None, int]]:
    """A stream's labels (and ids) batch by batch, with each batch's row offset."""
    offset = 0
    for batch in _stream(dataset, [column] if ids is None else [column, ids], STREAM_BATCH_ROWS):
        yield (
            _stream_labels(column, names, batch),
            None if ids is None else batch.column(ids),
            offset,
        )
        offset += batch.num_rows


def _split_stream(
    dataset: Any,
    column: str,
    test_size: float | int,
    val_size: float | int,
    seed: int,
    rare: str,
    ids: Any,
) -> tuple[Any, fastbal.SplitSummary]:
    """The split of an `IterableDataset`: one pass counts the labels, one
    (rarely more) finds each class's cuts in the rank order, holding only
    the counts and the rows near the cuts; then three streams filter the
    source batch by batch with the cuts."""
    seed = checks.seed(seed)
    _check_name(dataset, column, "label column")
    if ids is not None:
        if not isinstance(ids, str):
            raise TypeError("a streamed split takes ids as a column name")
        _check_name(dataset, ids, "ids column")
    if ids is None and _sharded(dataset):
        raise InvalidInputError(_SHARDED)
    names = _classlabel_names(dataset, column)
    counter = LabelCounter()
    all_keys: list[npt.NDArray[np.uint64]] = []
    for labels, keys, _ in _stream_batches(dataset, column, ids, names):
        counter.update(labels)
        if keys is not None:
            all_keys.append(_stream_keys(keys))
    if all_keys:
        _check_unique(np.concatenate(all_keys))
    if not counter.rows:
        raise InvalidInputError("fastbal.hf.split: the dataset has no rows")
    if not len(counter):
        raise InvalidInputError(f"label column {column!r} has no label: every row is missing one")
    summary, ranks = split_plan(counter, test_size, val_size, rare)
    search = CutSearch(counter, ranks, seed)
    while not search.done:
        probes, report = search.probes(), None
        for labels, keys, offset in _stream_batches(dataset, column, ids, names):
            got = probes.run(
                counter.codes(labels), offset, None if keys is None else row_keys(keys)
            )
            report = got if report is None else ProbeReport.merge([report, got])
        assert report is not None
        search.advance(report)
    assigner = search.assigner(counter, np.array(SPLIT_PART_CODES, dtype=np.int8))
    if names is not None:
        summary = dataclasses.replace(
            summary,
            classes=names[summary.classes.astype(np.int64)],
            rare_classes=[names[i] for i in summary.rare_classes],
        )
    formatting = getattr(dataset, "_formatting", None)
    out_format = None if formatting is None else formatting.format_type
    source = dataset.with_format("arrow")
    parts = {
        name: source.filter(
            _InSplit(assigner, column, ids, names, code),
            with_indices=True,
            batched=True,
            batch_size=STREAM_BATCH_ROWS,
        ).with_format(out_format)
        for code, name in enumerate(SPLIT_NAMES)
    }
    return datasets.IterableDatasetDict(parts), summary


#: The refusal of position keys on a sharded stream.
_SHARDED = (
    "a stream sharded by node or by DataLoader worker restarts the row positions "
    "in each shard, so a split keyed by position would place rows wrongly; pass ids= "
    "(a column of unique ids) to split a sharded stream"
)


def _sharded(dataset: Any) -> bool:
    """Whether `dataset` is split by `datasets.distributed.split_dataset_by_node`
    or read by one of several DataLoader workers."""
    if getattr(dataset, "_distributed", None) is not None:
        return True
    torch = sys.modules.get("torch")  # no DataLoader worker without torch imported
    if torch is None:
        return False
    info = torch.utils.data.get_worker_info()
    return info is not None and info.num_workers > 1


def _stream_keys(ids: Any) -> npt.NDArray[np.uint64]:
    """The keys of a batch of ids, a batch with a repeated id keyed id by id
    (the repeat is named by the check over the whole stream)."""
    try:
        return row_keys(ids)
    except ValueError as e:
        if not str(e).startswith("ids must be unique"):
            raise
    return np.concatenate([row_keys(ids.slice(i, 1)) for i in range(len(ids))])


def _check_unique(keys: npt.NDArray[np.uint64]) -> None:
    """Refuse an id held by two rows anywhere in the stream, naming the first
    two rows of the smallest repeated key (8 bytes a row, plus the sort)."""
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    repeats = np.flatnonzero(ranked[1:] == ranked[:-1])
    if repeats.size:
        i = int(repeats[0])
        a, b = int(order[i]), int(order[i + 1])
        raise InvalidInputError(f"ids must be unique: rows {a} and {b} have the same id")


@dataclass(frozen=True)
class _InSplit:
    """Whether each row of a stream's Arrow batch is in split `code` (pickles,
    for DataLoader workers)."""

    assigner: Assigner
    column: str
    ids: str | None
    names: Names | None
    code: int

    def __call__(self, batch: pa.Table, indices: list[int]) -> pa.Array:
        if not batch.num_rows:
            return pa.array([], pa.bool_())
        if self.ids is None and _sharded(None):
            raise InvalidInputError(_SHARDED)
        labels = _stream_labels(self.column, self.names, batch)
        ids = None if self.ids is None else batch.column(self.ids)
        codes = self.assigner.assign(labels, indices[0], ids)
        return pa.array(codes == self.code)


def _with_names(prepared: fastbal.PreparedSplit, names: Names) -> fastbal.PreparedSplit:
    """`prepared` with ClassLabel ids replaced by their names in every summary."""

    def named(ids: list[Any]) -> list[Any]:
        return [names[i] for i in ids]

    steps: list[fastbal.FilterSummary | str] = []
    for step in prepared.steps:
        if isinstance(step, fastbal.FilterSummary):
            smallest = step.smallest_after
            step = dataclasses.replace(
                step,
                removed_classes=named(step.removed_classes),
                smallest_after=None if smallest is None else (names[smallest[0]], smallest[1]),
            )
        steps.append(step)
    summary = prepared.split.summary
    summary = dataclasses.replace(
        summary,
        classes=names[summary.classes.astype(np.int64)],
        rare_classes=named(summary.rare_classes),
    )
    split = dataclasses.replace(prepared.split, summary=summary)
    return fastbal.PreparedSplit(prepared.assignment, split, steps)


# --------------------------------------------------------------------------- counts and report


def _named(counts: fastbal.ValueCounts, names: Names | None) -> fastbal.ValueCounts:
    """`counts` with ClassLabel ids replaced by their names."""
    if names is None:
        return counts
    classes = names[counts.classes.astype(np.int64)]
    return fastbal.ValueCounts(classes, counts.counts, counts.null_count)


def _stream_labels(column: str, names: Names | None, batch: pa.Table) -> pa.ChunkedArray:
    """The label column of one batch of a stream (ClassLabel -1 as null)."""
    values = batch.column(column)
    _check_type(column, values.type)
    return values if names is None else _missing_classlabel(values, column, names)


def _stream_column(
    dataset: Any, column: str, batch_size: int
) -> tuple[fastbal.ValueCounts | pa.ChunkedArray, Names | None]:
    """A stream's label column read in one pass, with its ClassLabel names: the
    counts of one label a row (a `LabelCounter` over the batches), or the label
    sets of a column of lists (the column's batches, held)."""
    _check_name(dataset, column, "label column")
    names = _classlabel_names(dataset, column)
    counter, chunks, batches = LabelCounter(), [], 0
    sets: bool | None = None
    for batch in _stream(dataset, [column], batch_size):
        values = batch.column(column)
        if sets is None:
            sets = _is_sets(values.type)
        if sets:
            chunks.extend(values.chunks)
        else:
            counter.update(_stream_labels(column, names, batch))
        batches += 1
    if not batches:
        raise InvalidInputError("the dataset has no rows")
    if sets:
        return pa.chunked_array(chunks), _set_names(dataset, column)
    return counter.counts, names


def _stream_counts(
    dataset: Any, column: str, batch_size: int
) -> tuple[fastbal.ValueCounts, Names | None]:
    """Counts of a stream's label column of one label a row in one pass, and
    its ClassLabel names."""
    counts, names = _stream_column(dataset, column, batch_size)
    if not isinstance(counts, fastbal.ValueCounts):
        _check_type(column, counts.type)
        raise AssertionError("unreachable: a column of lists is refused above")
    return counts, names


def value_counts(
    dataset: Any, label_column: str, *, names: bool = True, batch_size: int = STREAM_BATCH_ROWS
) -> fastbal.ValueCounts | fastbal.MultilabelCounts:
    """Rows per class of a Dataset's label column, most frequent first.

    With a ClassLabel column and `names=True` the classes are its names, else
    its ids. An `IterableDataset` is counted in one streamed pass over Arrow
    batches of `batch_size` rows (only the label column is read); the
    counts merge exactly, so they equal the in-memory ones.

    A column of lists (`Sequence(ClassLabel)`, lists of ints or strings)
    gives the `fastbal.multilabel_counts` of its label sets: positives per
    label (ClassLabel names when `names=True`), null and empty rows, labels
    per row, distinct sets, frequent pairs. A stream's label sets are held
    while they are counted (the label column only).

    >>> import datasets, fastbal.hf
    >>> ds = datasets.Dataset.from_dict({"y": ["b", "a", "b", None]})
    >>> fastbal.hf.value_counts(ds, "y").to_dict()
    {'b': 2, 'a': 1}
    >>> fastbal.hf.value_counts(ds.to_iterable_dataset(), "y", batch_size=3).to_dict()
    {'b': 2, 'a': 1}
    >>> tags = datasets.Features({"tags": datasets.Sequence(datasets.ClassLabel(names=["x", "y"]))})
    >>> ml = datasets.Dataset.from_dict({"tags": [[0, 1], [1], [], None]}, features=tags)
    >>> fastbal.hf.value_counts(ml, "tags").to_dict()
    {'y': 2, 'x': 1}
    """
    ds = _dataset(dataset, "fastbal.hf.value_counts", stream_ok=True)
    if isinstance(ds, datasets.IterableDataset):
        counts, table = _stream_column(ds, label_column, batch_size)
        if not isinstance(counts, fastbal.ValueCounts):
            return fastbal.multilabel_counts(
                _named_sets(counts, table if names else None, label_column)
            )
        return _named(counts, table if names else None)
    sets = _label_sets(ds, label_column)
    if sets is not None:
        shown = _set_names(ds, label_column) if names else None
        return fastbal.multilabel_counts(_named_sets(sets, shown, label_column))
    col = _read(ds, label_column)
    return _named(fastbal.value_counts(col.values), col.names if names else None)


#: The refusal of a text column with label sets.
_SETS_TEXTS = (
    "label column {!r} holds lists (label sets): text length and duplicates per class "
    "need one label per row; report the label sets without text_column"
)


def report(
    dataset: Any,
    label_column: str,
    text_column: str | None = None,
    *,
    names: bool = True,
    top: int = 5,
    min_count: int | None = None,
    thresholds: tuple[int, ...] = fastbal.DEFAULT_THRESHOLDS,
    batch_size: int = STREAM_BATCH_ROWS,
) -> fastbal.LabelReport | fastbal.MultilabelReport:
    """`fastbal.report` of a Dataset's label column (and text length per class
    with `text_column`), ClassLabel names shown when `names=True`.

    An `IterableDataset` is read once, batch by batch (the label and text
    columns only); counts and length histograms merge exactly.

    A column of lists (`Sequence(ClassLabel)`, lists of ints or strings)
    gives the `fastbal.MultilabelReport` of its label sets, equal to
    `fastbal.report` on them (ClassLabel names as the labels when
    `names=True`); `text_column` is refused there.

    >>> import datasets, fastbal.hf
    >>> ds = datasets.Dataset.from_dict({"y": [1] * 6 + [2] * 3 + [3]})
    >>> r = fastbal.hf.report(ds, "y")
    >>> r.n_classes, r.imbalance_ratio, r.one_row_classes
    (3, 6.0, [3])
    >>> ml = datasets.Dataset.from_dict({"tags": [["a", "b"], ["a"], ["a", "c"], []]})
    >>> r = fastbal.hf.report(ml, "tags", top=1)
    >>> r.n_labels, r.head, r.pairs
    (3, [{'label': 'a', 'positives': 3, 'share': 0.75}], [{'labels': ['a', 'b'], 'rows': 1, 'share': 0.25}])
    """  # noqa: E501
    ds = _dataset(dataset, "fastbal.hf.report", stream_ok=True)
    _check_name(ds, label_column, "label column")
    if text_column is not None:
        _check_name(ds, text_column, "text column")
    options: dict[str, Any] = {"top": top, "min_count": min_count, "thresholds": thresholds}
    label_names: Names | None
    if isinstance(ds, datasets.IterableDataset):
        if text_column is None:
            got, label_names = _stream_column(ds, label_column, batch_size)
            if not isinstance(got, fastbal.ValueCounts):
                shown = label_names if names else None
                return fastbal.report(_named_sets(got, shown, label_column), **options)
            counts, hist = got, None
        else:
            label_names = _classlabel_names(ds, label_column)
            counter, hists = LabelCounter(), []
            for batch in _stream(ds, [label_column, text_column], batch_size):
                if _is_sets(batch.column(label_column).type):
                    raise FastbalError(_SETS_TEXTS.format(label_column))
                labels = fastbal.Labels(_stream_labels(label_column, label_names, batch))
                counter.update(labels)
                hists.append(length_histogram(labels, batch.column(text_column)))
            if not hists:
                raise InvalidInputError("the dataset has no rows")
            counts = counter.counts
            hist = pl.concat(hists)
    else:
        sets = _label_sets(ds, label_column)
        if sets is not None:
            if text_column is not None:
                raise FastbalError(_SETS_TEXTS.format(label_column))
            shown = _set_names(ds, label_column) if names else None
            return fastbal.report(_named_sets(sets, shown, label_column), **options)
        col = _read(ds, label_column)
        label_names = col.names
        if text_column is None:
            counts, hist = fastbal.value_counts(col.values), None
        else:
            labels = fastbal.Labels(col.values)
            counts = labels.value_counts()
            hist = length_histogram(labels, _table_column(ds, text_column))
    shown = label_names if names else None
    lengths = None
    if hist is not None:
        if shown is not None:  # ClassLabel ids -> names
            ids = hist["class"].to_numpy().astype(np.int64)
            hist = hist.with_columns(pl.Series("class", shown[ids], dtype=pl.String))
        lengths = fastbal.LengthStats.from_histogram(hist)
    return fastbal.LabelReport(
        _named(counts, shown),
        top=top,
        min_count=min_count,
        thresholds=tuple(thresholds),
        lengths=lengths,
    )


# --------------------------------------------------------------------------- weights


def class_weights(
    dataset: Any,
    label_column: str,
    strategy: str = "balanced",
    *,
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
    classes: Sequence[Any] | None = None,
    num_classes: int | None = None,
    fill: float = 0.0,
    batch_size: int = STREAM_BATCH_ROWS,
) -> Weights:
    """Class weights as the dense float64 vector a loss takes
    (`torch.nn.CrossEntropyLoss(weight=torch.from_numpy(w).float())`).

    The strategies, `beta`, `normalize` and `max_weight` are those of
    `fastbal.class_weights`. The vector's order:

    - a ClassLabel column: ClassLabel order, one weight per name (the ids
      the model predicts);
    - `classes` given (e.g. `[model.config.id2label[i] for i in range(n)]`,
      or ClassLabel names): that order; every class of the data must be in it;
    - an integer column: indexed by label value, `num_classes` long
      (default: the largest label + 1);
    - a string column needs `classes`, since nothing else fixes an order.

    A class with no row in the data (e.g. removed by a min-count filter, or
    absent from this split) gets `fill` (default 0.0: no row of it is
    weighed in training). An `IterableDataset` is counted in one streamed
    pass (see `value_counts`). For a loss under gradient accumulation see
    `weighted_loss`; `normalize="mean"` keeps the weighted loss on the scale
    of the unweighted one.

    >>> import datasets, fastbal.hf
    >>> ds = datasets.Dataset.from_dict(
    ...     {"y": [0, 0, 0, 1, 3]},
    ...     features=datasets.Features({"y": datasets.ClassLabel(names=["a", "b", "c", "d"])}),
    ... )
    >>> fastbal.hf.class_weights(ds, "y").tolist()  # "c" has no row: fill 0.0
    [0.5555555555555556, 1.6666666666666667, 0.0, 1.6666666666666667]
    >>> fastbal.hf.class_weights(ds, "y", classes=["d", "a", "b"]).tolist()
    [1.6666666666666667, 0.5555555555555556, 1.6666666666666667]
    """
    ds = _dataset(dataset, "fastbal.hf.class_weights", stream_ok=True)
    if isinstance(ds, datasets.IterableDataset):
        counts, names = _stream_counts(ds, label_column, batch_size)
        cw = fastbal.class_weights(
            counts, strategy, beta=beta, normalize=normalize, max_weight=max_weight
        )
    else:
        col = _read(ds, label_column)
        names = col.names
        cw = fastbal.class_weights(
            col.values, strategy, beta=beta, normalize=normalize, max_weight=max_weight
        )
    fill = checks.fraction("fill", fill)
    if num_classes is not None and (names is not None or classes is not None):
        raise TypeError(
            "num_classes applies to integer label columns without classes=; "
            + ("a ClassLabel has its own" if names is not None else "classes= fixes the length")
        )
    if classes is None and names is None:
        kind = cw.classes.dtype.kind
        if kind not in "iu":
            raise TypeError(
                f"label column {label_column!r} holds {'booleans' if kind == 'b' else 'strings'}"
                ", which fix no order: pass classes= (the model's label order, e.g. "
                "[model.config.id2label[i] for i in range(n)]) or make it a ClassLabel "
                f"(dataset.class_encode_column({label_column!r}))"
            )
        largest = int(cw.classes.max()) if len(cw.classes) else -1
        if num_classes is None and largest >= DENSE_LIMIT:
            raise FastbalError(
                f"label column {label_column!r} holds labels up to {largest:,}: a vector "
                f"indexed by label would have {largest + 1:,} entries; pass classes= (the "
                "model's label order) or num_classes="
            )
        if len(cw.classes) and cw.classes.min() < 0:
            raise FastbalError(
                f"label column {label_column!r} holds negative labels (the smallest is "
                f"{cw.classes.min()}); a vector indexed by label needs 0..k-1: pass classes="
            )
        return cw.dense(num_classes, fill)
    if names is not None:  # ClassLabel ids -> names
        cw = fastbal.ClassWeights(names[cw.classes.astype(np.int64)], cw.weights, cw.strategy)
    # a ClassLabel without classes=: its own order, one weight per name
    order = list(classes) if classes is not None else (names.tolist() if names is not None else [])
    return cw.in_order(order, fill).weights


def weighted_loss(
    losses: Any,
    labels: Any,
    weights: Any,
    num_items_in_batch: Any = None,
    ignore_index: int = -100,
) -> Any:
    """Reduce per-item losses with per-class weights, as the `Trainer` expects.

    `losses[i]` is item i's unreduced loss (cross entropy, focal loss, ...),
    `labels[i]` its class id (`ignore_index` for an item without one, whose
    loss is left out), `weights` the vector `class_weights` returns (as a
    tensor on the model's device). Works on torch tensors and numpy arrays.

    The result is `sum(weights[labels[i]] * losses[i]) / n`, where `n` is
    `num_items_in_batch` when the Trainer passes it, else the number of
    labeled items here. Under gradient accumulation the Trainer passes the
    labeled items of the whole accumulated batch (of every device, with
    `average_tokens_across_devices`) to `compute_loss_func` and does not
    divide the returned loss again, so the micro-batch losses then add up to
    exactly the loss of the whole batch taken at once. (Dividing by the
    micro-batch's weight sum, as `CrossEntropyLoss(weight=)` does, would
    weigh rows by how the batch was cut, and the Trainer cannot know the
    weight sum of the accumulated batch.) With `normalize="mean"` weights
    the mean weight per row is 1, so the loss keeps the unweighted scale.

    >>> import numpy as np, fastbal.hf
    >>> losses = np.array([1.0, 2.0, 3.0, 4.0])
    >>> labels = np.array([0, 1, -100, 1])
    >>> w = np.array([0.5, 2.0])
    >>> float(fastbal.hf.weighted_loss(losses, labels, w))  # (0.5*1 + 2*2 + 2*4) / 3
    4.166666666666667
    >>> # two micro-batches of an accumulated batch of 3 labeled items add up to it
    >>> halves = np.split(np.arange(4), 2)
    >>> parts = [fastbal.hf.weighted_loss(losses[h], labels[h], w, 3) for h in halves]
    >>> [float(p) for p in parts], round(float(sum(parts)), 12)
    ([1.5, 2.6666666666666665], 4.166666666667)
    """
    labeled = labels != ignore_index
    item_weights = weights[labels * labeled] * labeled  # ignored items: class 0's weight, times 0
    total = (item_weights * losses).sum()
    if num_items_in_batch is None:
        return total / labeled.sum().clip(min=1)  # no labeled item: 0, not 0 / 0
    return total / num_items_in_batch


__all__ = [
    "DENSE_LIMIT",
    "SPLIT_NAMES",
    "STREAM_BATCH_ROWS",
    "class_weights",
    "report",
    "split",
    "value_counts",
    "weighted_loss",
]
