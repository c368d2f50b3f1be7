"""Hashed factorization: the segmented and the partitioned paths agree.

Columns of strings and sparse integers are hashed by one of two paths, chosen
from an estimate of their distinct count: one small table per segment of
rows (few distinct values), or tables per hash partition (many). Whatever
the column, both give the same classes (sorted by value), counts and codes,
and `fastbal.value_counts` equals a plain count.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

import fastbal
import numpy as np
import pyarrow as pa
import pytest
from fastbal import _fastbal
from fastbal._labels import to_native
from hypothesis import given, settings
from hypothesis import strategies as st

PATHS = ("auto", "segmented", "partitioned")


def by_path(x: Any) -> dict[str, tuple[list[Any], list[int], int, list[int]]]:
    out = {}
    for path in PATHS:
        inner = _fastbal.Labels(to_native(x), hash_path=path)
        classes = list(inner.classes)
        out[path] = (classes, inner.counts.tolist(), inner.null_count, inner.codes().tolist())
    return out


@st.composite
def sparse_ints(draw: st.DrawFn) -> tuple[np.ndarray, list[int | None]]:
    """Rows drawn from a pool of wide-ranging int64 values (few or many), with nulls."""
    pool = draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=400, unique=True))
    picks = draw(st.lists(st.integers(0, len(pool)), max_size=600))  # len(pool) = null
    return np.array(pool, dtype=np.int64), [pool[i] if i < len(pool) else None for i in picks]


@settings(max_examples=60, deadline=None)
@given(sparse_ints(), st.integers(1, 4))
def test_paths_agree_on_sparse_ints(case: tuple[np.ndarray, list[int | None]], chunks: int) -> None:
    _, rows = case
    cut = [len(rows) * i // chunks for i in range(chunks + 1)]
    pieces = [pa.array(rows[a:b], pa.int64()) for a, b in pairwise(cut)]
    column = pa.chunked_array(pieces, pa.int64())
    got = by_path(column)
    assert got["segmented"] == got["partitioned"] == got["auto"]
    classes, counts, nulls, codes = got["auto"]
    want = Counter(v for v in rows if v is not None)
    assert classes == sorted(want)
    assert counts == [want[c] for c in classes]
    assert nulls == rows.count(None)
    assert codes == [-1 if v is None else classes.index(v) for v in rows]


TEXT = st.text(alphabet=st.sampled_from("ab\u00e9\u65e5 \x00z"), max_size=24)


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=300, unique=True), st.data())
def test_paths_agree_on_strings(pool: list[str], data: st.DataObject) -> None:
    picks = data.draw(st.lists(st.integers(0, len(pool)), max_size=500))
    rows = [pool[i] if i < len(pool) else None for i in picks]
    for type_ in (pa.large_string(), pa.string(), pa.string_view()):
        got = by_path(pa.array(rows, type_))
        assert got["segmented"] == got["partitioned"] == got["auto"], type_
    classes, counts, nulls, _ = got["auto"]
    want = Counter(v for v in rows if v is not None)
    assert classes == sorted(want)  # code point order, long and short strings alike
    assert counts == [want[c] for c in classes]
    assert nulls == rows.count(None)
    numpy_rows = np.array([v if v is not None else "" for v in rows], dtype=str)
    assert by_path(numpy_rows)["segmented"] == by_path(numpy_rows)["partitioned"]


@pytest.mark.parametrize("distinct", [3, 5_000, 60_000, 200_000])
def test_many_distinct_values_count_like_numpy(distinct: int) -> None:
    """Columns on either side of the path threshold, counted like np.unique."""
    rng = np.random.default_rng(distinct)
    pool = rng.integers(-(2**62), 2**62, distinct, dtype=np.int64)
    y = pool[rng.integers(0, distinct, 300_000)]
    values, counts = np.unique(y, return_counts=True)
    labels = fastbal.Labels(y)
    np.testing.assert_array_equal(labels.classes, values)
    np.testing.assert_array_equal(labels.counts, counts)
    np.testing.assert_array_equal(values[labels.codes], y)
    vc = fastbal.value_counts(y)
    order = np.lexsort((values, -counts))  # by count descending, ties by value
    np.testing.assert_array_equal(vc.classes, values[order])
    np.testing.assert_array_equal(vc.counts, counts[order])
    strings = pa.array([f"id-{v:x}" for v in y.tolist()], pa.large_string())
    s_values, s_counts = np.unique(np.array(strings.to_pylist(), dtype=object), return_counts=True)
    s_labels = fastbal.Labels(strings)
    assert s_labels.classes.tolist() == s_values.tolist()
    np.testing.assert_array_equal(s_labels.counts, s_counts)


def test_hash_path_is_checked() -> None:
    with pytest.raises(fastbal.FastbalError, match="hash_path must be"):
        _fastbal.Labels([1, 2], hash_path="sorted")


def test_repeated_ids_are_named_among_many() -> None:
    ids = np.arange(500_000, dtype=np.int64) * 7919
    ids[123_456] = ids[400_000]
    y = np.zeros(len(ids), dtype=np.int32)
    with pytest.raises(fastbal.FastbalError, match="rows 123456 and 400000 have the same id"):
        fastbal.stratified_split(y, ids=ids)
