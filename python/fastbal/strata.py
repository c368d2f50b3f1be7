"""Strata built from several columns or from a continuous target.

Every fastbal function stratifies by one label column. The two builders here
turn what is not one label column into one, which `stratified_split`,
`stratified_kfold`, `stratified_group_split`, `stratified_sample`,
`class_weights`, `sample_weights` and the `fastbal.sklearn` splitters take as
they take any other:

- `joint(*columns, min_count=None)`: the combination of several columns
  (label x source, label x language), rare combinations coarsened to their
  first column(s);
- `quantiles(y, q=10)`: the quantile bin of a continuous target, so every
  part of a regression split gets the target's distribution.

Both return a pyarrow array with a null where the stratum is missing (a null
in any column, a NaN target), which every fastbal function reads as a missing
label, left out of splits as any null label is.

>>> import fastbal
>>> from fastbal import strata
>>> label = ["cat", "cat", "dog", "dog", "cat", "dog"]
>>> lang = ["en", "fr", "en", "en", "en", None]
>>> strata.joint(label, lang).to_pylist()
['cat | en', 'cat | fr', 'dog | en', 'dog | en', 'cat | en', None]
>>> fastbal.stratified_split(strata.joint(label, lang), test_size=0.5, val_size=0)
Split(train=3, valid=0, test=2, left_out=1)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fastbal import checks
from fastbal._fastbal import FastbalError
from fastbal._labels import Labels

#: Shown in a joint key for a column a rare combination was coarsened away from.
ANY = "*"
#: Between the columns' values in a joint key.
SEPARATOR = " | "

Codes = npt.NDArray[np.int64]


def _compact(key: Codes, valid: npt.NDArray[np.bool_]) -> tuple[Codes, int]:
    """Dense codes (0..k, in key order, -1 where not `valid`) and k."""
    labels = Labels(np.ma.MaskedArray(key, mask=~valid))
    return labels.codes, labels.n_classes


def joint(*columns: Any, min_count: int | None = None) -> pa.DictionaryArray:
    """The combination of several label columns, as one label column.

    Each column is any label column fastbal takes (numpy, pyarrow, polars,
    pandas, a list, a `fastbal.Labels`), of any label type; all have the same
    length. A row's stratum is the tuple of its values; a null in any column
    makes the row's stratum null (left out of splits, as a null label).

    With `min_count`, a combination with fewer than `min_count` rows falls
    back to a coarser key, column by column from the last: its rows are
    grouped by their first `m - 1` columns, and such a group with at least
    `min_count` rows is a stratum (`'cat | *'`); the rows still left are
    grouped by their first `m - 2` columns, and so on down to the first
    column, whose group is kept whatever its size (the first column's class
    itself is rare there, and the splitter's `rare` policy applies to it).
    Combinations with at least `min_count` rows keep their full key. So rare
    combinations are stratified coarsely instead of failing a k-fold or going
    whole to train.

    Returns a `pyarrow.DictionaryArray`: per row an index (int32) into a
    dictionary of keys, strings of the values joined by `' | '`, with `'*'`
    for a column coarsened away (values are shown with `repr` when `str`
    would make two keys equal). Read the combinations back with
    `.to_pylist()` (the key per row) or `fastbal.value_counts(...)` (rows per
    combination); `fastbal.Labels(...).codes` gives an integer code per row.

    >>> from fastbal import strata
    >>> label = ["a"] * 6 + ["b"] * 4
    >>> source = ["web"] * 4 + ["book", "news", "web", "web", "web", "book"]
    >>> keys = strata.joint(label, source, min_count=2).to_pylist()
    >>> keys[:6]
    ['a | web', 'a | web', 'a | web', 'a | web', 'a | *', 'a | *']
    >>> keys[6:]
    ['b | web', 'b | web', 'b | web', 'b | *']
    """
    if not columns:
        raise FastbalError("joint needs at least one column")
    if min_count is not None:
        min_count = checks.count("min_count", min_count, clamp=True)
    labels = [Labels(c) for c in columns]
    n = len(labels[0])
    for i, lab in enumerate(labels[1:], start=1):
        if len(lab) != n:
            raise FastbalError(
                f"every column of joint must have the same length; column 0 has {n} rows, "
                f"column {i} has {len(lab)}"
            )
    codes = [lab.codes for lab in labels]
    valid = np.ones(n, dtype=bool)
    for c in codes:
        valid &= c >= 0
    m = len(labels)
    # prefix[j]: a dense code of the row's first j + 1 values, in value order
    prefix: list[Codes] = []
    sizes: list[int] = []
    p, k = _compact(codes[0], valid)
    prefix.append(p)
    sizes.append(k)
    for j in range(1, m):
        key = np.where(valid, prefix[-1] * labels[j].n_classes + codes[j], 0)
        p, k = _compact(key, valid)
        prefix.append(p)
        sizes.append(k)

    # level[i]: how many of row i's first values its stratum keeps
    level = np.where(valid, m, 0)
    if min_count is not None and m > 1:
        left = valid.copy()
        for j in range(m, 1, -1):
            p = prefix[j - 1]
            counts = np.bincount(p[left], minlength=sizes[j - 1] + 1)
            keep = left & (counts[np.maximum(p, 0)] >= min_count)
            level[keep] = j
            left &= ~keep
        level[left] = 1

    # one id per (level, prefix code), then the keys of the ids in use
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    lev = np.maximum(level, 1) - 1
    gid = np.where(valid, offsets[lev] + np.stack(prefix)[lev, np.arange(n)], -1)
    code, n_strata = _compact(gid, valid)
    rows = np.zeros(n_strata, dtype=np.int64)  # a row of each stratum, to read its values
    rows[code[valid]] = np.flatnonzero(valid)
    inverse = code[valid]
    values = [lab.classes[c[rows]].tolist() for lab, c in zip(labels, codes, strict=True)]
    kept = level[rows]
    keys = _keys(values, kept, str)
    if len(set(keys)) < len(keys):
        keys = _keys(values, kept, repr)
    order = np.argsort(np.array(keys, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    index_type = pa.int32() if len(keys) < 2**31 else pa.int64()
    indices = np.zeros(n, dtype=np.int64)
    indices[valid] = rank[inverse.reshape(-1)]
    dictionary = pa.array([keys[i] for i in order.tolist()], type=pa.string())
    return pa.DictionaryArray.from_arrays(
        pa.array(indices, type=index_type, mask=~valid), dictionary
    )


def _keys(values: list[list[Any]], kept: Codes, show: Any) -> list[str]:
    """Each stratum's key: its first `kept` values shown by `show`, then `*`."""
    m = len(values)
    return [
        SEPARATOR.join(show(values[j][r]) if j < kept[r] else ANY for j in range(m))
        for r in range(len(kept))
    ]


def _numeric(y: Any) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
    """`y`'s values as numpy and where they are missing (null, NaN or masked)."""
    if isinstance(y, Labels):
        raise TypeError("quantiles takes the target's values, not a fastbal.Labels")
    if isinstance(y, np.ma.MaskedArray):
        values = np.asarray(y.data)
        missing = np.ma.getmaskarray(y).copy()
    elif isinstance(y, (list, tuple)):
        missing = np.array([v is None for v in y], dtype=bool)
        fill = next((v for v in y if v is not None), 0.0)
        values = np.asarray([fill if v is None else v for v in y])
    elif isinstance(y, np.ndarray) or not (
        hasattr(y, "__arrow_c_stream__") or hasattr(y, "__arrow_c_array__")
    ):
        values = np.asarray(y)
        missing = np.zeros(values.shape[:1], dtype=bool)
    else:
        arr = pa.chunked_array(y) if hasattr(y, "__arrow_c_stream__") else pa.array(y)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks else pa.array([], type=arr.type)
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        missing = arr.is_null().to_numpy(zero_copy_only=False)
        values = arr.fill_null(0).to_numpy(zero_copy_only=False) if arr.null_count else arr
        values = np.asarray(values)
    if values.ndim != 1:
        raise FastbalError(f"the target must be 1-D; got an array of shape {values.shape}")
    if values.dtype.kind not in "iufbmM":
        raise FastbalError(
            f"quantiles needs a numeric target (integers, floats, dates); got dtype {values.dtype}"
        )
    if values.dtype.kind in "fc":
        missing |= np.isnan(values)
    elif values.dtype.kind in "mM":
        missing |= np.isnat(values)
    return values, missing


def quantiles(y: Any, q: int = 10) -> pa.Int64Array:
    """The quantile bin of each row of a continuous target, as a label column.

    `y` is numeric (integers, floats, dates) in any form fastbal takes: a
    numpy array (a masked one's masked entries are missing), a pyarrow,
    polars or pandas column, a list. NaN and null stay missing (null bins,
    left out of splits as null labels). Rows are ranked by value; a row's bin
    is `floor(q * r / n)`, where `n` is the count of non-missing rows and `r`
    the number of rows with a smaller value, so bins hold `n / q` rows each
    (within one row) and rows of equal value share the bin of the first of
    them: a value repeated across a bin edge makes its bin larger and the
    next smaller (or empty: bin numbers can then skip).

    Returns a `pyarrow.Int64Array` of bin numbers in `0..q` (0 holds the
    smallest values), null where the target is missing. Stratifying on it
    gives every part of a split the target's distribution; fit on `y`
    itself.

    >>> import numpy as np, fastbal
    >>> from fastbal import strata
    >>> y = np.array([0.5, 3.0, 1.0, np.nan, 2.0, 2.0, 9.0, 4.0])
    >>> strata.quantiles(y, q=3).to_pylist()
    [0, 1, 0, None, 0, 0, 2, 2]
    >>> fastbal.value_counts(strata.quantiles(np.arange(100.0), q=4)).to_dict()
    {0: 25, 1: 25, 2: 25, 3: 25}
    """
    q = checks.integer("q", q)
    if q < 1:
        raise FastbalError(f"q must be at least 1; got {q}")
    values, missing = _numeric(y)
    present = ~missing
    n = int(present.sum())
    bins = np.zeros(len(values), dtype=np.int64)
    if not n:
        return pa.array(bins, type=pa.int64(), mask=missing)
    v = values[present] if n < len(values) else values
    if v.dtype.kind == "b":
        v = v.astype(np.int8)
    if q <= n:
        # bin floor(q * r / n), r the rows of smaller value, is b or more when
        # r >= p_b = ceil(b * n / q), that is when the value exceeds the order
        # statistic s[p_b - 1]: the bin counts the thresholds below the value
        b = np.arange(1, q, dtype=np.int64)
        p = (
            (b * n + q - 1) // q
            if q * n < 2**62
            else np.array([-(-i * n // q) for i in b.tolist()])
        )
        s = np.partition(v, np.unique(p - 1)) if 0 < len(p) <= 256 else np.sort(v)
        bins[present] = np.searchsorted(s[p - 1], v, side="left")
    else:  # more bins than rows: bin numbers skip, from each row's rank
        order = np.argsort(v, kind="stable")
        sorted_v = v[order]
        starts = np.ones(n, dtype=bool)
        starts[1:] = sorted_v[1:] != sorted_v[:-1]
        below = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
        out = np.empty(n, dtype=np.int64)
        out[order] = [r * q // n for r in below.tolist()]
        bins[present] = out
    return pa.array(bins, type=pa.int64(), mask=missing)


__all__ = ["ANY", "SEPARATOR", "joint", "quantiles"]
