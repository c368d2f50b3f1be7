"""Refused inputs and bad arguments: each gets its error type and a message naming the problem."""

from __future__ import annotations

import datetime
from typing import Any

import fastbal
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

# ---------------------------------------------------------------- labels


def both(x: Any) -> list[Any]:
    """The two ways to read a label column; each must refuse `x` the same way."""
    return [lambda: fastbal.value_counts(x), lambda: fastbal.Labels(x)]


@pytest.mark.parametrize(
    ("x", "shape"),
    [
        (np.zeros((2, 3), dtype=np.int64), r"\(2, 3\)"),
        (np.array([["a", "b"]]), r"\(1, 2\)"),
        (np.zeros((4, 1), dtype=np.uint32), r"\(4, 1\)"),
        (np.array(5), r"\(\)"),
    ],
    ids=["int 2-D", "str 2-D", "uint32 2-D", "0-D"],
)
def test_not_one_dimensional(x: Any, shape: str) -> None:
    for call in both(x):
        with pytest.raises(ValueError, match=rf"labels must be 1-D; got an array of shape {shape}"):
            call()


@pytest.mark.parametrize(
    ("x", "row", "value"),
    [
        (np.array([1.0, 2.0, 2.5]), 2, "2.5"),
        (np.array([0.5], dtype=np.float32), 0, "0.5"),
        (np.array([1.0, np.inf]), 1, "inf"),
        ([1, 2, -3.25], 2, "-3.25"),
        (pa.array([1.0, None, 1.5]), 2, "1.5"),
        (pl.Series("y", [4.0, 4.75]), 1, "4.75"),
        (pd.Series([0.0, 1.0, 0.1]), 2, "0.1"),
    ],
    ids=["numpy float64", "numpy float32", "inf", "list", "pyarrow", "polars", "pandas"],
)
def test_non_integral_float(x: Any, row: int, value: str) -> None:
    message = rf"row {row} holds the float {value}, which is not an integer"
    for call in both(x):
        with pytest.raises(TypeError, match=message):
            call()


def test_float_error_says_what_to_do() -> None:
    with pytest.raises(TypeError, match="map the column to integers or strings"):
        fastbal.value_counts(np.array([0.5]))


@pytest.mark.parametrize(
    "x",
    [
        [1, "a"],
        ["a", 1],
        [True, 1],
        np.array([1, "a", None], dtype=object),
    ],
    ids=repr,
)
def test_mixed_kinds(x: Any) -> None:
    for call in both(x):
        with pytest.raises(TypeError, match=r"labels must all be of one kind \(all int or all str"):
            call()


@pytest.mark.parametrize("x", [np.array([b"a", b"b"]), np.array([b"a"], dtype="S3")], ids=repr)
def test_numpy_bytes(x: Any) -> None:
    for call in both(x):
        with pytest.raises(TypeError, match="numpy bytes dtype are not supported; decode them"):
            call()


@pytest.mark.parametrize(
    ("x", "dtype"),
    [
        (np.array([1j]), "complex128"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), r"datetime64\[D\]"),
        (np.zeros(2, dtype="V4"), r"\|V4"),
    ],
    ids=["complex", "datetime", "void"],
)
def test_unsupported_numpy_dtype(x: Any, dtype: str) -> None:
    for call in both(x):
        with pytest.raises(TypeError, match=f"unsupported numpy label dtype {dtype}"):
            call()


def test_integral_numpy_float16_is_counted() -> None:
    # integral floats are labels: float32, float64 and pyarrow float16 are accepted
    halves = np.array([1.0, 2.0, 2.0], dtype=np.float16)
    assert fastbal.value_counts(pa.array(halves)).to_dict() == {2: 2, 1: 1}
    assert fastbal.value_counts(halves).to_dict() == {2: 2, 1: 1}


@pytest.mark.parametrize(
    ("x", "type_name"),
    [
        (pa.array([datetime.date(2024, 1, 1)], pa.date32()), "Date32"),
        (pa.array([[1], [2]]), r"List\(Int64\)"),
        (pa.array([[1]], pa.large_list(pa.int64())), r"LargeList\(Int64\)"),
        (pa.array([{"a": 1}]), "Struct"),
        (pa.array([b"a"]), "Binary"),
        (pa.array([b"a"], pa.binary_view()), "BinaryView"),
        (pa.array([1], pa.decimal128(5, 0)), r"Decimal128\(5, 0\)"),
        (pa.array([1], pa.timestamp("s")), r"Timestamp\(s"),
        (pa.array([datetime.date(2024, 1, 1)]).dictionary_encode(), "Date32"),
        (pa.chunked_array([[[1]], [[2]]]), r"List\(Int64\)"),
        (pl.Series("y", [datetime.date(2024, 1, 1)]), "Date32"),
        (pd.Series(pd.to_datetime(["2024-01-01"])), "Timestamp"),
    ],
    ids=[
        "date32",
        "list",
        "large_list",
        "struct",
        "binary",
        "binary_view",
        "decimal",
        "timestamp",
        "dictionary of date32",
        "chunked list",
        "polars date",
        "pandas datetime",
    ],
)
def test_unsupported_arrow_type(x: Any, type_name: str) -> None:
    message = (
        rf"unsupported label type {type_name}.*"
        "labels must be integers of up to 64 bits, strings, booleans"
    )
    for call in both(x):
        with pytest.raises(TypeError, match=message):
            call()


def test_unsupported_type_from_a_list() -> None:
    with pytest.raises(TypeError, match=r"unsupported label type binary; labels must be integers"):
        fastbal.value_counts(np.array([b"a"], dtype=object))
    with pytest.raises(TypeError, match=r"unsupported label type list<item: int64>"):
        fastbal.value_counts([[1, 2], [3, 4]])


@pytest.mark.parametrize(
    ("x", "name"),
    [
        ({"a": 1}, "dict"),
        ({1, 2}, "set"),
        ("abc", "str"),
        (5, "int"),
        (None, "NoneType"),
        pytest.param((i for i in range(3)), "generator", id="generator"),
    ],
)
def test_not_a_label_column(x: Any, name: str) -> None:
    message = rf"labels must be a numpy array, an Arrow array .* or a list; got {name}$"
    for call in both(x):
        with pytest.raises(TypeError, match=message):
            call()


def test_invalid_code_point_in_numpy_unicode() -> None:
    # numpy can hold a lone surrogate; it is no character, so no label
    with pytest.raises(ValueError, match="invalid code point 0xd800"):
        fastbal.value_counts(np.array(["a", "\ud800"]))


# --------------------------------------------------- arguments of functions

Y = ["a"] * 8 + ["b"] * 2
MASKS = [fastbal.filter_min_count, fastbal.filter_max_count, fastbal.top_k_mask]


@pytest.mark.parametrize(
    "fn", [fastbal.filter_min_count, fastbal.filter_max_count, fastbal.top_k_mask]
)
def test_k_negative(fn: Any) -> None:
    with pytest.raises(ValueError, match=r"k must not be negative; got -1"):
        fn(Y, -1)


@pytest.mark.parametrize(
    ("k", "shown"),
    [(1.5, "float 1.5"), (True, "bool True"), ("2", "str '2'"), (None, "NoneType None")],
    ids=repr,
)
@pytest.mark.parametrize(
    "fn", [fastbal.filter_min_count, fastbal.filter_max_count, fastbal.top_k_mask]
)
def test_k_not_an_int(fn: Any, k: Any, shown: str) -> None:
    with pytest.raises(TypeError, match=f"k must be an int; got {shown}"):
        fn(Y, k)


def test_k_numpy_integer_is_an_int() -> None:
    assert fastbal.filter_min_count(Y, np.int64(3)).tolist() == [True] * 8 + [False] * 2


def test_k_huge_keeps_nothing() -> None:
    assert not fastbal.filter_min_count(Y, 2**70).any()


@pytest.mark.parametrize("fraction", [0, 0.0, 1.5, -0.5, float("nan")], ids=repr)
def test_fraction_outside_unit_interval(fraction: float) -> None:
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]; got"):
        fastbal.stratified_sample(Y, fraction=fraction)


def test_fraction_not_a_number() -> None:
    with pytest.raises(TypeError, match="fraction must be a float; got str"):
        fastbal.stratified_sample(Y, fraction="0.5")  # type: ignore[arg-type]


def test_fraction_bool() -> None:
    with pytest.raises(TypeError, match="fraction must be a float"):
        fastbal.stratified_sample(Y, fraction=True)


def test_fraction_or_n_exactly_one() -> None:
    with pytest.raises(ValueError, match="pass exactly one of fraction and n"):
        fastbal.stratified_sample(Y)
    with pytest.raises(ValueError, match="pass exactly one of fraction and n"):
        fastbal.stratified_sample(Y, fraction=0.5, n=2)


def test_sample_n() -> None:
    with pytest.raises(ValueError, match="n must not be negative; got -1"):
        fastbal.stratified_sample(Y, n=-1)
    with pytest.raises(TypeError, match="n must be an int; got bool True"):
        fastbal.stratified_sample(Y, n=True)
    with pytest.raises(ValueError, match="n = 11 is more than the 10 labeled rows"):
        fastbal.stratified_sample(Y, n=11)


SEEDED = {
    "stratified_sample": lambda seed: fastbal.stratified_sample(Y, fraction=0.5, seed=seed),
    "stratified_split": lambda seed: fastbal.stratified_split(
        Y, test_size=0.2, val_size=0.2, seed=seed
    ),
    "stratified_kfold": lambda seed: fastbal.stratified_kfold(Y, k=2, seed=seed),
    "oversample": lambda seed: fastbal.oversample(Y, seed=seed),
    "undersample": lambda seed: fastbal.undersample(Y, max_count=2, seed=seed),
}


@pytest.mark.parametrize("seed", [-1, 2**64], ids=repr)
@pytest.mark.parametrize("name", SEEDED)
def test_seed_out_of_range(name: str, seed: int) -> None:
    with pytest.raises(ValueError, match=rf"seed must be in \[0, 2\*\*64\); got {seed}"):
        SEEDED[name](seed)


@pytest.mark.parametrize(
    ("seed", "shown"), [(1.5, "float 1.5"), (True, "bool True"), (None, "NoneType None")], ids=repr
)
@pytest.mark.parametrize("name", SEEDED)
def test_seed_not_an_int(name: str, seed: Any, shown: str) -> None:
    with pytest.raises(TypeError, match=f"seed must be an int; got {shown}"):
        SEEDED[name](seed)


def test_largest_seed_is_accepted() -> None:
    rows = fastbal.stratified_sample(Y, n=5, seed=2**64 - 1)
    assert sorted(Y[i] for i in rows) == ["a", "a", "a", "a", "b"]


@pytest.mark.parametrize("k", [1, 0, 32768], ids=repr)
def test_kfold_k_out_of_range(k: int) -> None:
    with pytest.raises(ValueError, match=f"k must be between 2 and 32767; got {k}"):
        fastbal.stratified_kfold(Y, k=k)


@pytest.mark.parametrize(("k", "shown"), [(1.5, "float 1.5"), (True, "bool True")], ids=repr)
def test_kfold_k_not_an_int(k: Any, shown: str) -> None:
    with pytest.raises(TypeError, match=f"k must be an int; got {shown}"):
        fastbal.stratified_kfold(Y, k=k)


# ---------------------------------------------------------------- one family across front ends


def test_distributed_phases_refuse_with_fastbal_errors() -> None:
    from fastbal.distributed import CutSearch, LabelCounter, ProbeReport, sample_ranks

    counter = LabelCounter().update([1, 1, 2])
    # the message and class of fastbal.stratified_sample for the same mistake
    with pytest.raises(fastbal.FastbalError, match=r"^pass exactly one of fraction and n$"):
        sample_ranks(counter)
    with pytest.raises(fastbal.FastbalError, match=r"^no report to merge$"):
        ProbeReport.merge([])
    with pytest.raises(
        fastbal.FastbalError, match=r"^ranks must be a \(classes, cuts\) array; got shape \(2,\)$"
    ):
        CutSearch(counter, np.array([1, 1], dtype=np.uint64))


def test_prepare_split_ids_of_another_length() -> None:
    with pytest.raises(fastbal.FastbalError, match=r"^ids has 2 values for 3 labels$"):
        fastbal.prepare_split([1, 1, 2], ids=[0, 1])


def test_class_order_rule_is_one() -> None:
    # fastbal.class_weights(classes=) and ClassWeights.in_order: one rule, one class
    cw = fastbal.class_weights([0, 0, 1])
    with pytest.raises(fastbal.FastbalError, match=r"^classes not present in the labels: \[2\]$"):
        cw.in_order([0, 1, 2])
    with pytest.raises(fastbal.FastbalError, match=r"^classes not present in the labels: \[2\]$"):
        fastbal.class_weights([0, 0, 1], classes=[0, 1, 2])
    assert cw.in_order([1, 2, 0], fill=0.5).weights.tolist() == [1.5, 0.5, 0.75]
    with pytest.raises(
        fastbal.FastbalError, match=r"^classes lacks 1 class\(es\) of the data: \[1\]$"
    ):
        cw.in_order([0, 2], fill=0.5)
