"""Multilabel stratification: rows that carry a set of labels.

Every form of label sets is read into one CSR-like shape (row offsets, label
codes, a mask of null rows) that the extension borrows: scipy CSR and Arrow
list arrays in place, everything else converted once. Label codes follow the
order of the label values (column index for a matrix), so the same rows and
label values give the same split whatever the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fastbal import _fastbal, _format, checks
from fastbal._fastbal import InvalidInputError
from fastbal._labels import to_native
from fastbal._split import SPLITS, KFold, Split, SplitSummary

_EXPECTED = (
    "a 2-D 0/1 matrix (numpy bool or integer, or 0/1 floats), a scipy.sparse matrix or array "
    "of 0/1, a list of label lists (ints or strings, None for a null row), or an Arrow list "
    "array (pyarrow, polars List, pandas Series of lists)"
)


@dataclass(frozen=True)
class _Sets:
    """Label sets as the extension reads them: row i holds
    `codes[offsets[i]:offsets[i + 1]]`, labels[code] is the label's value."""

    offsets: npt.NDArray[np.integer[Any]]
    codes: npt.NDArray[np.integer[Any]]
    null: npt.NDArray[np.bool_] | None
    labels: npt.NDArray[Any]

    def args(self) -> tuple[Any, Any, Any, int]:
        """The extension's first four arguments."""
        return (self.offsets, self.codes, self.null, len(self.labels))


def _int_array(a: Any) -> npt.NDArray[np.integer[Any]]:
    a = np.asarray(a)
    if a.dtype not in (np.int32, np.int64):
        a = a.astype(np.int64)
    return np.ascontiguousarray(a)


def read_sets(y: Any) -> _Sets:
    """`y` in any supported form as `_Sets`, or InvalidInputError/TypeError."""
    if type(y).__module__.startswith("scipy.sparse"):
        return _sparse(y)
    if isinstance(y, np.ndarray):
        if y.dtype.kind == "O" and y.ndim == 1:
            return _arrow(pa.array(list(y), from_pandas=True))
        return _dense(y)
    module = type(y).__module__
    if module.startswith("polars"):
        return _arrow(y.to_arrow())
    if module.startswith("pandas"):
        if getattr(y, "ndim", 1) == 2:
            return _dense(np.asarray(y))
        return _arrow(pa.array(y, from_pandas=True))
    if isinstance(y, (pa.Array, pa.ChunkedArray)):
        return _arrow(y)
    if hasattr(y, "__arrow_c_array__"):
        return _arrow(pa.array(y))
    if hasattr(y, "__arrow_c_stream__"):
        return _arrow(pa.chunked_array(y))
    if isinstance(y, (list, tuple)):
        if len(y) and all(isinstance(r, np.ndarray) and r.dtype.kind in "biuf" for r in y[:1]):
            return _dense(np.asarray(y))
        try:
            arr = pa.array(list(y), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as e:
            raise InvalidInputError(
                f"label sets must be {_EXPECTED}; could not read the list: {e}"
            ) from None
        return _arrow(arr)
    if hasattr(y, "__array__"):
        return _dense(np.asarray(y))
    raise TypeError(f"label sets must be {_EXPECTED}; got {type(y).__name__}")


def _dense(y: npt.NDArray[Any]) -> _Sets:
    if y.ndim != 2:
        raise InvalidInputError(
            f"a label matrix must be 2-D (rows x labels); got an array of shape {y.shape}. "
            f"Label sets must be {_EXPECTED}"
        )
    if y.dtype.kind not in "biuf":
        raise InvalidInputError(f"a label matrix must hold 0/1 values; got dtype {y.dtype}")
    if y.dtype.kind != "b" and (y.dtype.kind == "f" or (y.size and (y.min() < 0 or y.max() > 1))):
        bad = (y != 0) & (y != 1)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise InvalidInputError(
                f"a label matrix must hold only 0 and 1; got {y[r, c].item()!r} "
                f"at row {r}, column {c}"
            )
    n, q = y.shape
    # 0/1 checked: one-byte values are bools as they are (numpy finds the
    # positives of a bool array several times faster than of int8)
    mask = y.view(np.bool_) if y.dtype.itemsize == 1 else y != 0
    flat = np.flatnonzero(np.ascontiguousarray(mask))  # row-major: rows in order, columns sorted
    offsets = np.searchsorted(flat, np.arange(n + 1, dtype=np.int64) * q)
    return _Sets(offsets.astype(np.int64), flat % q, None, np.arange(q))


def _sparse(y: Any) -> _Sets:
    if len(y.shape) != 2:
        raise InvalidInputError(f"a sparse label matrix must be 2-D; got shape {y.shape}")
    if y.format != "csr":
        y = y.tocsr()
    data = y.data
    if data.dtype.kind not in "biuf":
        raise InvalidInputError(f"a label matrix must hold 0/1 values; got dtype {data.dtype}")
    if data.dtype.kind != "b":
        ones = data == 1
        if not ones.all():
            if ((data != 0) & ~ones).any():
                v = data[(data != 0) & ~ones][0]
                raise InvalidInputError(f"a label matrix must hold only 0 and 1; got {v.item()!r}")
            y = y.copy()
            y.eliminate_zeros()
    elif not data.all():
        y = y.copy()
        y.eliminate_zeros()
    return _Sets(_int_array(y.indptr), _int_array(y.indices), None, np.arange(y.shape[1]))


def _arrow(arr: pa.Array | pa.ChunkedArray) -> _Sets:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    t = arr.type
    if pa.types.is_null(t):  # every row null
        return _Sets(
            np.zeros(len(arr) + 1, np.int64),
            np.zeros(0, np.int64),
            np.ones(len(arr), bool),
            np.zeros(0, np.int64),
        )
    if not (pa.types.is_list(t) or pa.types.is_large_list(t)):
        raise InvalidInputError(f"label sets must be {_EXPECTED}; got an Arrow array of type {t}")
    offsets = arr.offsets.to_numpy()
    null = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else None
    values = arr.values
    lo, hi = int(offsets[0]), int(offsets[-1])
    vt = values.type
    if pa.types.is_null(vt) or hi == lo:
        return _Sets(offsets - lo, np.zeros(0, np.int64), null, np.zeros(0, np.int64))
    used = values.slice(lo, hi - lo)
    if used.null_count:
        raise InvalidInputError("a label inside a row is null; labels must be ints or strings")
    if pa.types.is_dictionary(vt):
        used = used.cast(vt.value_type)
        vt = vt.value_type
    if pa.types.is_integer(vt):
        v = used.to_numpy()
        vmin, vmax = int(v.min()), int(v.max())
        if vmin < 0:
            raise InvalidInputError(f"label ids must not be negative; got {vmin}")
        if vmax < 4 * len(v) + 1024 and values.offset == 0 and v.dtype in (np.int32, np.int64):
            # small ids read in place: the id is the code
            codes = values.to_numpy()
            return _Sets(offsets, codes, null, np.arange(vmax + 1))
        labels, codes = np.unique(v, return_inverse=True)
        return _Sets(offsets - lo, codes.astype(np.int64), null, labels)
    if pa.types.is_string(vt) or pa.types.is_large_string(vt) or pa.types.is_string_view(vt):
        enc = pc.dictionary_encode(used)
        dictionary = enc.dictionary
        order = np.asarray(pc.array_sort_indices(dictionary))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes = rank[enc.indices.to_numpy()]
        return _Sets(
            offsets - lo,
            codes,
            null,
            np.asarray(dictionary.take(pa.array(order)).to_pylist(), dtype=object),
        )
    raise InvalidInputError(f"labels in label sets must be ints or strings; got {vt}")


def _ids(ids: Any) -> Any:
    return None if ids is None else to_native(ids)


@dataclass(frozen=True)
class MultilabelCounts:
    """What the label sets hold: positives per label (most frequent first,
    ties by label value), rows, null and empty rows, mean labels per row,
    distinct label sets and the most frequent label pairs."""

    labels: npt.NDArray[Any]
    counts: npt.NDArray[np.int64]
    rows: int
    null_rows: int
    empty_rows: int
    cardinality: float
    distinct_sets: int
    pairs: list[tuple[tuple[Any, Any], int]]

    def to_dict(self) -> dict[Any, int]:
        """`{label: positives}`, most frequent first."""
        return dict(zip(self.labels.tolist(), self.counts.tolist(), strict=True))

    def __repr__(self) -> str:
        return (
            f"MultilabelCounts(labels={len(self.labels)}, rows={self.rows:,}, "
            f"cardinality={self.cardinality:.2f}, distinct_sets={self.distinct_sets:,})"
        )

    def __str__(self) -> str:
        head = ", ".join(
            f"{v} {n:,}"
            for v, n in zip(self.labels[:10].tolist(), self.counts[:10].tolist(), strict=True)
        )
        lines = [
            f"{self.rows:,} rows, {_format.plural(len(self.labels), 'label')}, "
            f"{self.cardinality:.2f} labels a row, {self.distinct_sets:,} distinct label sets",
            f"most frequent: {head}" + (" ..." if len(self.labels) > 10 else ""),
        ]
        if self.empty_rows or self.null_rows:
            lines.append(f"{self.empty_rows:,} rows without a label, {self.null_rows:,} null rows")
        if self.pairs:
            lines.append(
                "frequent pairs: " + ", ".join(f"{a}+{b} {n:,}" for (a, b), n in self.pairs[:5])
            )
        return "\n".join(lines)


def multilabel_counts(y: Any, top_pairs: int = 10) -> MultilabelCounts:
    """Count the label sets `y`: positives per label, most frequent first.

    `y` is a 2-D 0/1 matrix (numpy, scipy.sparse), a list of label lists or an
    Arrow list array; see `multilabel_split`.

    >>> import fastbal
    >>> c = fastbal.multilabel_counts([["a", "b"], ["b"], [], None, ["b", "c"]])
    >>> c
    MultilabelCounts(labels=3, rows=5, cardinality=1.25, distinct_sets=4)
    >>> c.to_dict(), c.empty_rows, c.null_rows
    ({'b': 3, 'a': 1, 'c': 1}, 1, 1)
    >>> c.pairs
    [(('a', 'b'), 1), (('b', 'c'), 1)]
    """
    return count_sets(read_sets(y), checks.count("top_pairs", top_pairs))[0]


def count_sets(sets: _Sets, top_pairs: int) -> tuple[MultilabelCounts, npt.NDArray[np.int64]]:
    """The counts of label sets already read, and the positives by label code."""
    r = _fastbal.label_set_stats(*sets.args(), top=top_pairs)
    counts = r.counts.view(np.int64)
    present = np.flatnonzero(counts)
    order = present[np.lexsort((present, -counts[present]))]
    n = len(sets.offsets) - 1
    non_null = n - int(r.null_rows)
    values = sets.labels.tolist()
    mc = MultilabelCounts(
        labels=sets.labels[order],
        counts=counts[order],
        rows=n,
        null_rows=int(r.null_rows),
        empty_rows=int(r.empty_rows),
        cardinality=float(counts.sum() / non_null) if non_null else 0.0,
        distinct_sets=int(r.distinct_sets),
        pairs=[((values[a], values[b]), int(k)) for a, b, k in r.pairs],
    )
    return mc, counts


def _quality(
    cells: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]
) -> tuple[float, float, float]:
    """(LD of Sechidis et al. 2011, the largest |positives - share| in rows,
    the share of (label, part) cells within one row of their share), over
    labels with positives and parts with rows."""
    counts = cells.sum(axis=1)
    keep = counts > 0
    cells, counts = cells[keep], counts[keep]
    part = sizes > 0
    cells, sizes = cells[:, part], sizes[part]
    n = sizes.sum()
    if not len(cells) or not n:
        return 0.0, 0.0, 1.0
    share = counts[:, None] * sizes[None, :] / n
    dev = np.abs(cells - share)

    def ratio(pos: npt.NDArray[Any], neg: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        out = np.divide(pos, neg, out=np.full(pos.shape, np.inf), where=neg > 0)
        return np.where((pos == 0) & (neg == 0), 0.0, out)

    whole = ratio(counts.astype(np.float64), (n - counts).astype(np.float64))
    parts = ratio(cells.astype(np.float64), (sizes[None, :] - cells).astype(np.float64))
    with np.errstate(invalid="ignore"):
        diff = np.abs(parts - whole[:, None])
    finite = np.isfinite(diff)  # a part or the data all positive: no ratio to compare
    ld = float(diff[finite].mean()) if finite.any() else 0.0
    return ld, float(dev.max()), float((dev < 1).mean())


@dataclass(frozen=True)
class MultilabelSplitSummary(SplitSummary):
    """How a multilabel split came out: `cells[i]` holds the train, valid and
    test positives of label `classes[i]`; `uncovered` lists the labels with
    at least as many positives as non-empty splits that still miss one."""

    uncovered: list[Any]
    empty_rows: int
    ld: float
    max_deviation: float
    within_one_row: float

    @property
    def labels_per_split(self) -> dict[str, int]:
        """Labels with at least one positive in each split."""
        return self.classes_per_split

    def __str__(self) -> str:
        total = sum(self.sizes.values())
        parts = ", ".join(
            f"{s} {self.sizes[s]:,} ({100 * self.sizes[s] / max(total, 1):.1f}%, "
            f"{self.classes_per_split[s]} labels)"
            for s in SPLITS
        )
        lines = [
            f"split: {parts}",
            f"label distribution (LD) {self.ld:.4f}; worst label off its share by "
            f"{self.max_deviation:.2f} rows; "
            f"{100 * self.within_one_row:.1f}% of cells within one row",
        ]
        if self.uncovered:
            lines.append(
                f"{_format.plural(len(self.uncovered), 'label')} missing from a split: "
                + ", ".join(map(str, self.uncovered[:20]))
                + (" ..." if len(self.uncovered) > 20 else "")
            )
        if self.empty_rows:
            lines.append(f"{_format.plural(self.empty_rows, 'row')} without a label")
        if self.null_rows:
            lines.append(f"{_format.plural(self.null_rows, 'null row')} left out")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sizes": self.sizes,
            "target": self.target,
            "labels_per_split": self.labels_per_split,
            "uncovered": self.uncovered,
            "null_rows": self.null_rows,
            "empty_rows": self.empty_rows,
            "ld": self.ld,
            "max_deviation": self.max_deviation,
            "within_one_row": self.within_one_row,
        }


def multilabel_split(
    y: Any,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    seed: int = 0,
    ids: Any = None,
) -> Split:
    """Split rows that carry label sets into train, valid and test.

    `y` is a 2-D 0/1 matrix (numpy bool or integer, 0/1 floats, scipy.sparse
    CSR/CSC/COO), a list of label lists (ints or strings; None for a null
    row), or an Arrow list array (pyarrow, polars `List`, a pandas Series of
    lists). A matrix's labels are its column indices. The same rows and label
    values give the same split whatever the form.

    The contract:

    - exact sizes: as `stratified_split` computes them for the non-null rows;
    - every label with at least as many positives as non-empty splits has a
      positive in each, wherever the sizes allow (`summary.uncovered` names any
      label for which they did not);
    - each label's positives per split as close to its share as the sizes
      allow; rows without a label fill the splits to size; a null row is left
      out (-1);
    - determinism: the result depends only on the seed, the label sets and
      each row's key (its position, or `ids[i]`); never on the thread count,
      and with `ids`, not on row order.

    >>> import fastbal
    >>> y = [["a", "b"], ["a"], ["b"], ["a", "c"], ["c"], [], ["a"], ["b", "c"], ["a"], ["b"]]
    >>> s = fastbal.multilabel_split(y, test_size=0.3, val_size=0.3, seed=0)
    >>> s
    Split(train=4, valid=3, test=3, left_out=0)
    >>> s.summary.classes_per_split
    {'train': 3, 'valid': 3, 'test': 3}
    """
    sets = read_sets(y)
    r = _fastbal.multilabel_split(
        *sets.args(),
        checks.size(test_size),
        checks.size(val_size),
        seed=checks.seed(seed),
        ids=_ids(ids),
    )
    plan = r.plan
    cells = plan.cells.view(np.int64)
    sizes = np.asarray(plan.sizes, dtype=np.int64)
    ld, worst, within = _quality(cells, sizes)
    present = np.flatnonzero(cells.sum(axis=1))
    target = dict(zip(SPLITS, plan.sizes, strict=True))
    summary = MultilabelSplitSummary(
        classes=sets.labels[present],
        cells=cells[present],
        rare_classes=[],
        rare_action="train",
        null_rows=int(plan.null_rows),
        target=target,
        sizes=dict(target),
        uncovered=sets.labels[np.asarray(plan.uncovered, dtype=np.int64)].tolist(),
        empty_rows=int(plan.empty_rows),
        ld=ld,
        max_deviation=worst,
        within_one_row=within,
    )
    return Split(r.train, r.valid, r.test, r.assignment, summary)


@dataclass(frozen=True)
class MultilabelKFold(KFold):
    """A multilabel stratified k-fold: `folds[i]` is row i's test fold (-1 for
    a null row); `plan[i, f]` the positives of label `classes[i]` in fold `f`;
    `sizes[f]` the rows of fold `f`. Iterating gives `(train, test)` pairs."""

    sizes: list[int] = field(default_factory=list)
    uncovered: list[Any] = field(default_factory=list)
    ld: float = 0.0
    max_deviation: float = 0.0
    within_one_row: float = 1.0

    def __repr__(self) -> str:
        miss = f", {len(self.uncovered)} labels missing from a fold" if self.uncovered else ""
        return f"MultilabelKFold(k={self.k}, fold sizes={self.sizes}{miss})"


def multilabel_kfold(y: Any, k: int = 5, seed: int = 0, ids: Any = None) -> MultilabelKFold:
    """Assign rows that carry label sets to `k` folds, stratified per label.

    The folds partition the non-null rows (a null row gets -1); their sizes
    differ by at most one row, the larger first. `y`, the guarantees and the
    determinism are those of `multilabel_split`, with the folds as parts.

    >>> import numpy as np, fastbal
    >>> Y = np.array([[1, 0], [1, 1], [0, 1], [1, 0], [0, 1], [0, 0]])
    >>> kf = fastbal.multilabel_kfold(Y, k=3)
    >>> kf
    MultilabelKFold(k=3, fold sizes=[2, 2, 2])
    >>> kf.plan.tolist()  # positives of labels 0 and 1 per fold
    [[1, 1, 1], [1, 1, 1]]
    """
    k = checks.integer("k", k)
    k = min(max(k, -(2**63)), 2**63 - 1)
    sets = read_sets(y)
    r = _fastbal.multilabel_kfold(*sets.args(), k=k, seed=checks.seed(seed), ids=_ids(ids))
    plan = r.plan
    cells = plan.cells.view(np.int64)
    ld, worst, within = _quality(cells, np.asarray(plan.sizes, dtype=np.int64))
    present = np.flatnonzero(cells.sum(axis=1))
    folds = r.folds
    if k <= np.iinfo(np.int8).max:
        folds = folds.astype(np.int8)
    return MultilabelKFold(
        folds=folds,
        plan=cells[present],
        classes=sets.labels[present],
        rare_classes=[],
        sizes=[int(s) for s in plan.sizes],
        uncovered=sets.labels[np.asarray(plan.uncovered, dtype=np.int64)].tolist(),
        ld=ld,
        max_deviation=worst,
        within_one_row=within,
    )
