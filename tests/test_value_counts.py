"""Label counting over every input kind, checked against collections.Counter and polars.

Every test builds the same labels two ways: as a plain Python list (the oracle,
None for a missing label) and as the input kind under test. fastbal must then
agree with `Counter` on the list, and with `polars.Series.value_counts`:

- `value_counts(x)`: (class, count) pairs by count descending, ties by class value;
- `Labels(x)`: classes sorted by value, counts in that order, a code per row
  (-1 for a missing label), the null count;
- class values keep their type: the input's integer dtype, bool, or str.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import subprocess
import sys
from collections import Counter
from typing import Any

import fastbal
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
ARROW_INTS = [pa.from_numpy_dtype(d) for d in INT_DTYPES]
POLARS_INTS = [pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64]
POLARS_OF = {
    **{np.dtype(d): p for d, p in zip(INT_DTYPES, POLARS_INTS, strict=True)},
    np.dtype(bool): pl.Boolean,
    np.dtype(object): pl.String,
}

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
U64_MAX = 2**64 - 1
STR = np.dtype(object)


# ------------------------------------------------------------------ oracle


def by_count(values: list[Any]) -> list[tuple[Any, int]]:
    """(class, count) of the non-None values: count descending, ties by value."""
    counts = Counter(v for v in values if v is not None)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def polars_counts(values: list[Any], dtype: Any) -> tuple[dict[Any, int], int]:
    """{class: count} and the null count, as polars computes them."""
    s = pl.Series("x", values, dtype=dtype)
    counts = {k: n for k, n in s.value_counts().iter_rows() if k is not None}
    return counts, s.null_count()


def check(x: Any, values: list[Any], value_dtype: Any) -> None:
    """fastbal on `x` agrees with Counter and polars on `values`, the same labels as a list."""
    expected = by_count(values)
    classes = sorted(c for c, _ in expected)
    counts = dict(expected)
    nulls = sum(v is None for v in values)
    value_dtype = np.dtype(value_dtype)

    vc = fastbal.value_counts(x)
    assert list(vc) == expected
    assert vc.null_count == nulls
    assert vc.total == len(values) - nulls
    assert vc.classes.dtype == value_dtype
    assert vc.counts.dtype == np.int64
    # True == 1 in Python: the pairs above match only if the types match too
    assert [type(c) for c in vc.classes.tolist()] == [type(c) for c, _ in expected]
    if value_dtype in POLARS_OF:
        assert (vc.to_dict(), vc.null_count) == polars_counts(values, POLARS_OF[value_dtype])

    labels = fastbal.Labels(x)
    assert labels.classes.tolist() == classes
    assert labels.classes.dtype == value_dtype
    assert labels.counts.tolist() == [counts[c] for c in classes]
    assert labels.null_count == nulls
    assert len(labels) == len(values)
    code = {c: i for i, c in enumerate(classes)}
    assert labels.codes.tolist() == [-1 if v is None else code[v] for v in values]
    # a Labels counts like the column it was built from
    assert list(fastbal.value_counts(labels)) == expected


# -------------------------------------------------------------- strategies


def column(pool: st.SearchStrategy[list[Any]], nulls: bool) -> st.SearchStrategy[list[Any]]:
    """Rows drawn from a pool of a few distinct values, so that classes repeat."""

    def rows(values: list[Any]) -> st.SearchStrategy[list[Any]]:
        item = st.sampled_from(values)
        return st.lists(st.one_of(item, st.none()) if nulls else item, max_size=60)

    return pool.flatmap(rows)


def int_pool(dtype: Any) -> st.SearchStrategy[list[int]]:
    """Distinct values of an integer dtype: near zero (a dense range) or anywhere (sparse)."""
    info = np.iinfo(dtype)
    dense = st.integers(max(int(info.min), -5), min(int(info.max), 40))
    anywhere = st.integers(int(info.min), int(info.max))
    return st.sampled_from([dense, anywhere]).flatmap(
        lambda ints: st.lists(ints, min_size=1, max_size=8, unique=True)
    )


# short strings are stored inline in a string view, long ones (> 12 bytes) out of line
TEXT = st.text(max_size=4) | st.text(min_size=13, max_size=20)
STR_POOL = st.lists(TEXT, min_size=1, max_size=8, unique=True)


@st.composite
def int_column(draw: st.DrawFn) -> tuple[int, list[int]]:
    """An index into INT_DTYPES and rows of that dtype (numpy integers have no nulls)."""
    index = draw(st.integers(0, len(INT_DTYPES) - 1))
    return index, draw(column(int_pool(INT_DTYPES[index]), nulls=False))


def cut_points() -> st.SearchStrategy[list[int]]:
    """Where to split rows into chunks (repeats make empty chunks)."""
    return st.lists(st.integers(0, 60), max_size=4)


def chunked(values: list[Any], type_: pa.DataType, cuts: list[int]) -> pa.ChunkedArray:
    bounds = [0, *sorted(min(c, len(values)) for c in cuts), len(values)]
    chunks = [pa.array(values[a:b], type=type_) for a, b in itertools.pairwise(bounds)]
    return pa.chunked_array(chunks, type=type_)


def sliced(before: list[Any], values: list[Any], after: list[Any], type_: pa.DataType) -> pa.Array:
    """`values` as a slice (non-zero offset) of a longer array."""
    return pa.array(before + values + after, type=type_).slice(len(before), len(values))


# ------------------------------------------------------------------- numpy


@given(int_column())
@example((3, [I64_MIN, I64_MAX, I64_MIN, 0]))
@example((7, [U64_MAX, 2**63, 0, 2**63, 2**63 - 1]))
@example((0, [-128, 127, -128]))
@example((2, []))
@example((4, [7] * 5))
def test_numpy_ints(case: tuple[int, list[int]]) -> None:
    index, values = case
    dtype = INT_DTYPES[index]
    check(np.array(values, dtype=dtype), values, dtype)
    # a strided view (every other element) and a byte-swapped copy count the same
    wide = np.zeros(2 * len(values), dtype=dtype)
    wide[::2] = values
    check(wide[::2], values, dtype)
    check(np.array(values, dtype=np.dtype(dtype).newbyteorder(">")), values, dtype)


@given(st.lists(st.booleans(), max_size=60))
@example([])
@example([True] * 3)
def test_numpy_bool(values: list[bool]) -> None:
    check(np.array(values, dtype=bool), values, bool)
    check(np.array(values[::-1], dtype=bool)[::-1], values, bool)
    check(np.array([v for v in values for _ in (0, 1)], dtype=bool)[::2], values, bool)


@given(column(STR_POOL, nulls=False))
@example([])
@example(["", "", "a"])
@example(["b", "a", "B", "é", "z", "a"])
def test_numpy_unicode(values: list[str]) -> None:
    x = np.array(values, dtype=str)
    # numpy drops trailing NUL characters: its own view of the strings is the oracle
    values = x.tolist()
    check(x, values, STR)
    check(np.repeat(x, 2)[::2], values, STR)
    check(x.astype(x.dtype.newbyteorder(">")), values, STR)


@given(column(STR_POOL, nulls=True))
@example([None, None])
@example(["x", None, "x"])
def test_numpy_object_str(values: list[str | None]) -> None:
    x = np.empty(len(values), dtype=object)
    x[:] = values
    check(x, values, STR if any(v is not None for v in values) else np.int64)


def test_numpy_object_nan_is_missing() -> None:
    x = np.array(["a", np.nan, "b", None, "a"], dtype=object)
    check(x, ["a", None, "b", None, "a"], STR)


# ----------------------------------------------------------- Python lists


@given(column(int_pool(np.int64), nulls=True))
@example([I64_MIN, I64_MAX, None, I64_MAX])
@example([])
@example([None])
def test_list_of_int(values: list[int | None]) -> None:
    check(values, values, np.int64)
    check(tuple(values), values, np.int64)


@given(column(STR_POOL, nulls=True))
@example(["b", "a", None, "b"])
def test_list_of_str(values: list[str | None]) -> None:
    check(values, values, STR if any(v is not None for v in values) else np.int64)


def test_list_of_bool() -> None:
    check([True, None, False, True], [True, None, False, True], bool)


# ----------------------------------------------------------------- pyarrow


@st.composite
def arrow_case(draw: st.DrawFn, pool: st.SearchStrategy[list[Any]]) -> dict[str, Any]:
    """Rows, the rows before and after them in a longer array, and chunk cut points."""
    values = draw(pool)
    rows = column(st.just(values), nulls=True)
    return {
        "values": draw(rows),
        "before": draw(rows),
        "after": draw(rows),
        "cuts": draw(cut_points()),
    }


def check_arrow(case: dict[str, Any], type_: pa.DataType, value_dtype: Any) -> None:
    values = case["values"]
    check(pa.array(values, type=type_), values, value_dtype)
    check(sliced(case["before"], values, case["after"], type_), values, value_dtype)
    check(chunked(values, type_, case["cuts"]), values, value_dtype)


@pytest.mark.parametrize("index", range(len(INT_DTYPES)), ids=[str(t) for t in ARROW_INTS])
@given(data=st.data())
def test_arrow_ints(index: int, data: st.DataObject) -> None:
    case = data.draw(arrow_case(int_pool(INT_DTYPES[index])))
    check_arrow(case, ARROW_INTS[index], INT_DTYPES[index])


@pytest.mark.parametrize("type_", [pa.string(), pa.large_string(), pa.string_view()], ids=str)
@given(case=arrow_case(STR_POOL))
def test_arrow_strings(type_: pa.DataType, case: dict[str, Any]) -> None:
    check_arrow(case, type_, STR)


@given(case=arrow_case(st.just([False, True])))
def test_arrow_bool(case: dict[str, Any]) -> None:
    check_arrow(case, pa.bool_(), bool)


KEY_TYPES = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint32()]


@st.composite
def dictionary_case(draw: st.DrawFn, pool: st.SearchStrategy[list[Any]]) -> dict[str, Any]:
    """A dictionary (in no particular order) and rows indexing it, not all entries used."""
    dictionary = draw(pool)
    keys = draw(st.lists(st.none() | st.integers(0, len(dictionary) - 1), max_size=60))
    return {
        "dictionary": dictionary,
        "keys": keys,
        "key_type": draw(st.sampled_from(KEY_TYPES)),
        "cuts": draw(cut_points()),
    }


def check_dictionary(case: dict[str, Any], value_type: pa.DataType, value_dtype: Any) -> None:
    dictionary, keys, key_type = case["dictionary"], case["keys"], case["key_type"]
    values = [None if k is None else dictionary[k] for k in keys]
    x = pa.DictionaryArray.from_arrays(pa.array(keys, key_type), pa.array(dictionary, value_type))
    check(x, values, value_dtype)
    check(x.slice(1), values[1:], value_dtype)
    # chunks with different dictionaries: chunk i's dictionary is rotated by i
    bounds = [0, *sorted(min(c, len(keys)) for c in case["cuts"]), len(keys)]
    chunks = []
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        shift = i % len(dictionary)
        rotated = dictionary[shift:] + dictionary[:shift]
        chunk_keys = [None if k is None else (k - shift) % len(dictionary) for k in keys[a:b]]
        chunks.append(
            pa.DictionaryArray.from_arrays(
                pa.array(chunk_keys, key_type), pa.array(rotated, value_type)
            )
        )
    check(pa.chunked_array(chunks, type=x.type), values, value_dtype)


@given(case=dictionary_case(STR_POOL))
def test_arrow_dictionary_of_strings(case: dict[str, Any]) -> None:
    check_dictionary(case, pa.string(), STR)


@pytest.mark.parametrize("index", [0, 3, 5, 7], ids=lambda i: str(ARROW_INTS[i]))
@given(data=st.data())
def test_arrow_dictionary_of_ints(index: int, data: st.DataObject) -> None:
    case = data.draw(dictionary_case(int_pool(INT_DTYPES[index])))
    check_dictionary(case, ARROW_INTS[index], INT_DTYPES[index])


@given(case=arrow_case(STR_POOL), cuts=cut_points())
def test_chunked_and_contiguous_agree(case: dict[str, Any], cuts: list[int]) -> None:
    values = case["values"]
    for type_ in [pa.string(), pa.string_view()]:
        whole = pa.array(values, type=type_)
        parts = chunked(values, type_, cuts)
        assert list(fastbal.value_counts(parts)) == list(fastbal.value_counts(whole))
        assert fastbal.value_counts(parts).null_count == fastbal.value_counts(whole).null_count
        assert fastbal.Labels(parts).codes.tolist() == fastbal.Labels(whole).codes.tolist()


# ------------------------------------------------------------ polars, pandas


@pytest.mark.parametrize("index", range(len(INT_DTYPES)), ids=[str(t) for t in POLARS_INTS])
@given(data=st.data())
def test_polars_ints(index: int, data: st.DataObject) -> None:
    values = data.draw(column(int_pool(INT_DTYPES[index]), nulls=True))
    check(pl.Series("y", values, dtype=POLARS_INTS[index]), values, INT_DTYPES[index])


@given(column(STR_POOL, nulls=True), column(STR_POOL, nulls=True))
def test_polars_strings(values: list[str | None], more: list[str | None]) -> None:
    check(pl.Series("y", values, dtype=pl.String), values, STR)
    check(pl.Series("y", values, dtype=pl.Categorical), values, STR)
    # two chunks (no rechunk): the stream carries them separately
    both = pl.concat(
        [pl.Series("y", values, pl.String), pl.Series("y", more, pl.String)], rechunk=False
    )
    check(both, values + more, STR)


@given(pool=STR_POOL, data=st.data())
def test_polars_enum(pool: list[str], data: st.DataObject) -> None:
    # categories in the pool's (random) order; classes still come sorted by value
    values = data.draw(column(st.just(pool), nulls=True))
    check(pl.Series("y", values, dtype=pl.Enum(pool)), values, STR)


@given(column(int_pool(np.int64), nulls=True))
def test_pandas_ints(values: list[int | None]) -> None:
    check(pd.Series(values, dtype="Int64"), values, np.int64)
    if None not in values:
        check(pd.Series(values, dtype=np.int64), values, np.int64)


@given(column(STR_POOL, nulls=True))
def test_pandas_strings(values: list[str | None]) -> None:
    check(pd.Series(values, dtype="str"), values, STR)
    if any(v is not None for v in values):
        # with no string at all, pandas exports null (or float) categories and an object
        # column as a null column: nothing says the labels are strings
        check(pd.Series(values, dtype="category"), values, STR)
        check(pd.Series(values, dtype=object), values, STR)


# ---------------------------------------------------------------- floats


@given(column(st.lists(st.integers(-(2**24), 2**24), min_size=1, max_size=8, unique=True), True))
@example([1, None, 2, 2])
@example([None, None])
def test_integral_floats(values: list[int | None]) -> None:
    """Floats holding integers count as int64 labels; NaN and null are missing."""
    floats = [np.nan if v is None else float(v) for v in values]
    check(np.array(floats, dtype=np.float64), values, np.int64)
    check(np.array(floats, dtype=np.float32), values, np.int64)
    check(pa.array(values, type=pa.float64()), values, np.int64)
    check(pl.Series("y", values, dtype=pl.Float64), values, np.int64)
    check(pd.Series(floats, dtype=np.float64), values, np.int64)


def test_nan_and_null_in_one_arrow_float_column_are_both_missing() -> None:
    x = pa.array([1.0, float("nan"), None, 1.0, -0.0, 0.0])
    check(x, [1, None, None, 1, 0, 0], np.int64)


def test_integral_float_at_two_to_the_53_is_counted() -> None:
    check(np.array([2.0**53, -(2.0**53), 2.0**53]), [2**53, -(2**53), 2**53], np.int64)


# ------------------------------------------------- edge cases, pinned by hand


@pytest.mark.parametrize(
    ("x", "dtype"),
    [
        pytest.param(np.array([], dtype=np.int32), np.int32, id="numpy int32"),
        pytest.param(np.array([], dtype=np.uint64), np.uint64, id="numpy uint64"),
        pytest.param(np.array([], dtype=bool), bool, id="numpy bool"),
        pytest.param(np.array([], dtype="<U3"), STR, id="numpy <U3"),
        pytest.param([], np.int64, id="list"),
        pytest.param(pa.array([], pa.string()), STR, id="pyarrow string"),
        pytest.param(pa.array([], pa.int16()), np.int16, id="pyarrow int16"),
        pytest.param(pa.chunked_array([], pa.uint8()), np.uint8, id="no chunks"),
        pytest.param(pa.chunked_array([[], []], pa.large_string()), STR, id="empty chunks"),
        pytest.param(pl.Series("y", [], dtype=pl.Categorical), STR, id="polars categorical"),
    ],
)
def test_empty(x: Any, dtype: Any) -> None:
    vc = fastbal.value_counts(x)
    assert (len(vc), vc.total, vc.null_count, vc.to_dict()) == (0, 0, 0, {})
    assert vc.classes.dtype == np.dtype(dtype)
    labels = fastbal.Labels(x)
    assert (len(labels), labels.n_classes, labels.null_count) == (0, 0, 0)
    assert labels.codes.tolist() == []


@pytest.mark.parametrize(
    "x",
    [
        pytest.param([None, None, None], id="list"),
        pytest.param(pa.array([None, None, None], pa.int32()), id="pyarrow int32"),
        pytest.param(pa.array([None, None, None], pa.string_view()), id="pyarrow string_view"),
        pytest.param(pa.nulls(3), id="pyarrow null"),
        pytest.param(pa.chunked_array([[None], [], [None, None]], pa.string()), id="chunked"),
        pytest.param(
            pa.DictionaryArray.from_arrays(pa.array([None] * 3, pa.int8()), pa.array(["a", "b"])),
            id="dictionary",
        ),
        pytest.param(pl.Series("y", [None] * 3, dtype=pl.String), id="polars string"),
        pytest.param(np.array([np.nan] * 3), id="numpy NaN"),
        pytest.param(np.array([None] * 3, dtype=object), id="numpy object"),
    ],
)
def test_all_null(x: Any) -> None:
    vc = fastbal.value_counts(x)
    assert (vc.to_dict(), vc.null_count, vc.total) == ({}, 3, 0)
    labels = fastbal.Labels(x)
    assert (labels.n_classes, labels.null_count, labels.codes.tolist()) == (0, 3, [-1, -1, -1])


@pytest.mark.parametrize(
    ("x", "label"),
    [
        pytest.param(np.full(5, -7, dtype=np.int16), -7, id="numpy int16"),
        pytest.param(np.full(5, "cat"), "cat", id="numpy <U3"),
        pytest.param(pa.array(["cat"] * 5, pa.string_view()), "cat", id="pyarrow string_view"),
        pytest.param(pl.Series("y", ["cat"] * 5, dtype=pl.Categorical), "cat", id="polars cat"),
        pytest.param([2**62] * 5, 2**62, id="list"),
    ],
)
def test_one_class(x: Any, label: Any) -> None:
    assert fastbal.value_counts(x).to_dict() == {label: 5}
    labels = fastbal.Labels(x)
    assert labels.classes.tolist() == [label]
    assert labels.codes.tolist() == [0] * 5


def test_int64_extremes() -> None:
    x = np.array([I64_MAX, I64_MIN, 0, I64_MAX, -1], dtype=np.int64)
    vc = fastbal.value_counts(x)
    assert list(vc) == [(I64_MAX, 2), (I64_MIN, 1), (-1, 1), (0, 1)]
    assert fastbal.Labels(x).codes.tolist() == [3, 0, 2, 3, 1]
    assert fastbal.value_counts(pa.array(x)).to_dict() == vc.to_dict()


@pytest.mark.parametrize(
    "make",
    [
        lambda v: np.array(v, dtype=np.uint64),
        lambda v: pa.array(v, pa.uint64()),
        lambda v: pl.Series("y", v, dtype=pl.UInt64),
        lambda v: pd.Series(v, dtype=np.uint64),
    ],
    ids=["numpy", "pyarrow", "polars", "pandas"],
)
def test_uint64_above_int64_max(make: Any) -> None:
    # as signed 64-bit, 2**63 would be the smallest value: it must sort as the largest
    x = make([2**63, 1, U64_MAX, 2**63, I64_MAX])
    vc = fastbal.value_counts(x)
    assert list(vc) == [(2**63, 2), (1, 1), (I64_MAX, 1), (U64_MAX, 1)]
    assert vc.classes.dtype == np.uint64
    assert fastbal.Labels(x).codes.tolist() == [2, 0, 3, 2, 1]


def test_list_of_int_above_int64_max() -> None:
    vc = fastbal.value_counts([2**63, 1, 2**63])
    assert list(vc) == [(2**63, 2), (1, 1)]


@pytest.mark.parametrize(
    ("type_", "values"),
    [
        pytest.param(pa.int32(), [5, None, 7, 7, None, 5, 5, 9], id="int32"),
        pytest.param(pa.uint64(), [U64_MAX, None, 0, U64_MAX, None, 3, 3, 3], id="uint64"),
        pytest.param(pa.string(), ["a", None, "bb", "bb", None, "a", "a", "c"], id="string"),
        pytest.param(
            pa.large_string(), ["a", None, "bb", "bb", None, "a", "a", "c"], id="large_string"
        ),
        pytest.param(
            pa.string_view(),
            ["a", None, "b" * 20, "b" * 20, None, "a", "a", "c" * 13],
            id="string_view",
        ),
        pytest.param(pa.bool_(), [True, None, False, False, None, True, True, True], id="bool"),
    ],
)
def test_sliced_arrow_array(type_: pa.DataType, values: list[Any]) -> None:
    # rows 3..10 of 13: the offset (3) is not a multiple of 8, so the validity
    # bitmap is read from the middle of a byte
    x = pa.array([values[0], values[0], None, *values, values[0], None], type=type_).slice(3, 8)
    assert x.offset == 3
    value_dtype = {pa.bool_(): bool, pa.int32(): np.int32, pa.uint64(): np.uint64}.get(type_, STR)
    check(x, values, value_dtype)


def test_sliced_dictionary_array() -> None:
    x = pa.DictionaryArray.from_arrays(
        pa.array([0, 0, 1, None, 2, 1, 0], pa.int8()), pa.array(["z", "y", "x"])
    ).slice(2, 4)
    check(x, ["y", None, "x", "y"], STR)


def test_sliced_polars_and_pandas_series() -> None:
    check(pl.Series("y", [1, None, 2, 3, None, 3, 2], pl.Int16).slice(3, 3), [3, None, 3], np.int16)
    strings = ["a", None, "b", "c", None, "c"]
    check(pl.Series("y", strings, pl.String).slice(3), ["c", None, "c"], STR)
    check(pl.Series("y", strings, pl.Categorical).slice(2, 3), ["b", "c", None], STR)
    check(pd.Series(strings, dtype="str").iloc[3:], ["c", None, "c"], STR)
    check(pd.Series([1, 2, None, 3], dtype="Int64").iloc[1:], [2, None, 3], np.int64)


def test_packed_struct_field() -> None:
    # a field of a packed record array: strided and unaligned
    records = np.zeros(4, dtype=[("flag", "u1"), ("label", "<i4")])
    records["label"] = [7, 8, 7, 7]
    assert not records["label"].flags.aligned
    check(records["label"], [7, 8, 7, 7], np.int32)


@pytest.mark.parametrize(
    ("dtype", "values", "value_dtype"),
    [
        (np.int32, [5, 6, 5], np.int32),
        ("<U2", ["ab", "c", "ab"], STR),
        (np.float64, [1, 1], np.int64),
    ],
)
def test_unaligned_numpy_buffer(dtype: Any, values: list[Any], value_dtype: Any) -> None:
    # e.g. labels read straight from a file or network buffer at an odd byte offset
    raw = b"\x00" + np.array(values, dtype=dtype).tobytes()
    x = np.frombuffer(raw, dtype=dtype, offset=1)
    assert x.flags.c_contiguous
    assert not x.flags.aligned
    check(x, values, value_dtype)


def test_chunked_with_empty_chunks() -> None:
    x = pa.chunked_array([[], [3, None], [], [], [3, 1], []], pa.int64())
    check(x, [3, None, 3, 1], np.int64)
    y = pa.chunked_array([[], ["b", "a"], [], ["b"]], pa.string_view())
    check(y, ["b", "a", "b"], STR)


def test_strided_and_reversed_numpy_views() -> None:
    base = np.array([4, 1, 4, 2, 9, 3, 4, 5], dtype=np.int32)
    check(base[::2], [4, 4, 9, 4], np.int32)
    check(base[1::3], [1, 9, 5], np.int32)
    check(base[::-1], [5, 4, 3, 9, 2, 4, 1, 4], np.int32)
    strings = np.array(["x", "y", "x", "z", "w", "y"])
    check(strings[::2], ["x", "x", "w"], STR)
    column_of_2d = np.array([[1, 2], [3, 2], [1, 2]], dtype=np.int64)[:, 0]
    check(column_of_2d, [1, 3, 1], np.int64)


@pytest.mark.parametrize("dtype", [">i2", ">i4", ">i8", ">u4", ">u8"])
def test_big_endian(dtype: str) -> None:
    x = np.array([300, 1, 300, 2, 300, 1], dtype=dtype)
    assert not x.dtype.isnative
    vc = fastbal.value_counts(x)
    assert list(vc) == [(300, 3), (1, 2), (2, 1)]
    assert vc.classes.dtype == x.dtype.newbyteorder("=")


def test_big_endian_unicode_and_float() -> None:
    check(np.array(["é", "a", "é"], dtype=">U1"), ["é", "a", "é"], STR)
    check(np.array([2.0, np.nan, 2.0], dtype=">f8"), [2, None, 2], np.int64)


def test_dictionary_unused_entries_are_not_classes() -> None:
    x = pa.DictionaryArray.from_arrays(
        pa.array([3, 1, None, 3], pa.int16()), pa.array(["never", "b", "unused", "a", "gone"])
    )
    check(x, ["a", "b", None, "a"], STR)
    assert "unused" not in fastbal.value_counts(x).to_dict()


def test_dictionary_entry_that_is_null_counts_as_missing() -> None:
    x = pa.DictionaryArray.from_arrays(pa.array([0, 1, None, 1]), pa.array(["a", None]))
    check(x, ["a", None, None, None], STR)


def test_chunked_dictionaries_with_different_dictionaries() -> None:
    x = pa.chunked_array(
        [
            pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int32()), pa.array(["b", "a"])),
            pa.DictionaryArray.from_arrays(pa.array([], pa.int32()), pa.array(["q"])),
            pa.DictionaryArray.from_arrays(
                pa.array([1, 2, None], pa.int32()), pa.array(["c", "a", "d", "unused"])
            ),
        ]
    )
    check(x, ["b", "a", "b", "a", "d", None], STR)
    # the same class has code 0 in the first chunk and 1 in the third
    assert fastbal.Labels(x).codes.tolist() == [1, 0, 1, 0, 2, -1]


def test_polars_categorical_and_enum_unused_categories() -> None:
    enum = pl.Series("y", ["b", None, "b", "a"], dtype=pl.Enum(["z", "b", "never", "a"]))
    check(enum, ["b", None, "b", "a"], STR)


def test_dense_and_sparse_integers() -> None:
    # a range of 6: counted in place
    check(np.array([100, 105, 100, 101], dtype=np.int64), [100, 105, 100, 101], np.int64)
    # the same shape spread over 10**15: hashed
    spread = [10**15, -(10**15), 10**15, 3]
    check(np.array(spread, dtype=np.int64), spread, np.int64)
    check(pa.array([*spread, None], pa.int64()), [*spread, None], np.int64)
    ends = [0, 2**32 - 1, 0]
    check(np.array(ends, dtype=np.uint32), ends, np.uint32)


def test_ordering_rule() -> None:
    # counts descending, ties broken by class value (numeric, then code point)
    assert list(fastbal.value_counts([3, 1, 2, 2, 1, 3, 7])) == [(1, 2), (2, 2), (3, 2), (7, 1)]
    assert list(fastbal.value_counts([5, -1, -10, 5])) == [(5, 2), (-10, 1), (-1, 1)]
    strings = ["é", "z", "Z", "a", "é"]
    assert list(fastbal.value_counts(strings)) == [("é", 2), ("Z", 1), ("a", 1), ("z", 1)]
    assert list(fastbal.value_counts(np.array(strings))) == list(fastbal.value_counts(strings))
    assert list(fastbal.value_counts([False, True, True, False])) == [(False, 2), (True, 2)]


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_classes_keep_the_input_integer_type(dtype: Any) -> None:
    x = np.array([1, 2, 2], dtype=dtype)
    vc = fastbal.value_counts(x)
    assert vc.classes.dtype == np.dtype(dtype)
    assert all(type(c) is int for c in vc.classes.tolist())
    assert fastbal.value_counts(pa.array(x)).classes.dtype == np.dtype(dtype)


def test_conversions() -> None:
    vc = fastbal.value_counts(["b", "a", "b", None])
    assert vc.to_dict() == {"b": 2, "a": 1}
    table = vc.to_arrow()
    assert table.column_names == ["class", "count"]
    assert table.schema.field("class").type == pa.string()
    assert table.to_pylist() == [{"class": "b", "count": 2}, {"class": "a", "count": 1}]
    df = vc.to_polars()
    assert df.schema == pl.Schema({"class": pl.String, "count": pl.Int64})
    assert df.rows() == [("b", 2), ("a", 1)]
    ints = fastbal.value_counts(np.array([9, 9, 4], dtype=np.uint16)).to_arrow()
    assert ints.schema.field("class").type == pa.uint16()


def test_labels_of_labels() -> None:
    labels = fastbal.Labels(["b", "a", "b"])
    again = fastbal.Labels(labels)
    assert again.codes.tolist() == [1, 0, 1]


# --------------------------------------- many rows: every parallel code path


@functools.cache
def large_columns() -> dict[str, Any]:
    """Columns over several parallel segments (2**16 rows each) and blocks."""
    rng = np.random.default_rng(7)
    n = 300_001
    dense = rng.zipf(1.5, n).clip(0, 500).astype(np.int32)
    sparse = rng.choice(np.array([-(2**62), -1, 0, 2**40, 2**62, 12345], dtype=np.int64), n)
    words = np.array(["alpha", "b", "a longer label than twelve bytes", "", "日本"])
    strings = rng.choice(words, n)
    return {"dense": dense, "sparse": sparse, "strings": strings}


@pytest.mark.parametrize("name", ["dense", "sparse", "strings"])
def test_many_rows_match_numpy_unique(name: str) -> None:
    x = large_columns()[name]
    classes, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    labels = fastbal.Labels(x)
    assert labels.classes.tolist() == classes.tolist()
    assert labels.counts.tolist() == counts.tolist()
    assert np.array_equal(labels.codes, inverse)
    vc = fastbal.value_counts(x)
    order = np.lexsort((np.arange(len(counts)), -counts))
    assert vc.classes.tolist() == classes[order].tolist()
    assert vc.counts.tolist() == counts[order].tolist()


def test_many_rows_arrow_dictionary_and_chunks() -> None:
    x = large_columns()["strings"]
    arr = pa.array(x).dictionary_encode()
    cut = [0, 1, 70_000, 70_000, 200_000, len(x)]
    parts = pa.chunked_array(
        [pa.array(x[a:b], pa.string_view()) for a, b in itertools.pairwise(cut)]
    )
    expected = fastbal.value_counts(x).to_dict()
    assert fastbal.value_counts(arr).to_dict() == expected
    assert fastbal.value_counts(parts).to_dict() == expected
    assert dict(Counter(x.tolist())) == expected


_COUNT_SCRIPT = """
import json, os, sys
import numpy as np
import fastbal

def threads():
    return len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 0

before = threads()
out = {}
with np.load(sys.argv[1]) as columns:
    for name in columns.files:
        x = columns[name]
        labels = fastbal.Labels(x)
        out[name] = {
            "counts": [[c, n] for c, n in fastbal.value_counts(x)],
            "codes_sum": int(labels.codes.sum()),
            "codes_head": labels.codes[:1000].tolist(),
        }
print(json.dumps({"columns": out, "threads_started": threads() - before}))
"""


def test_result_does_not_depend_on_thread_count(tmp_path: Any) -> None:
    path = tmp_path / "columns.npz"
    columns = large_columns()
    np.savez(path, **columns)
    results = []
    for threads in ["1", "2", "5"]:
        env = {**os.environ, "RAYON_NUM_THREADS": threads}
        out = subprocess.run(
            [sys.executable, "-c", _COUNT_SCRIPT, str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout))
    if os.path.isdir("/proc/self/task"):
        # the variable took effect: the 5-thread run started 4 more threads than the 1-thread run
        assert results[2]["threads_started"] - results[0]["threads_started"] == 4
    one, two, five = (r["columns"] for r in results)
    assert one == two == five
    for name, x in columns.items():
        assert [tuple(p) for p in one[name]["counts"]] == by_count(x.tolist())
        codes = fastbal.Labels(x).codes
        assert one[name]["codes_sum"] == int(codes.sum())
        assert one[name]["codes_head"] == codes[:1000].tolist()
