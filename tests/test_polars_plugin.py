"""The polars expression plugin equals the Python API on the same column, in
every polars context: eager, lazy, streaming, many chunks, `.over()`,
`group_by().agg()`, and after a plan is serialized."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import fastbal
import fastbal.polars as fbp
import numpy as np
import polars as pl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

SPLIT_NAMES = np.array(fastbal.SPLIT_NAMES, dtype=object)


def split_column(y: Any, **kwargs: Any) -> list[str | None]:
    """The plugin's expected split column: `stratified_split`'s assignment as names."""
    a = fastbal.stratified_split(y, **kwargs).assignment
    return [None if c < 0 else SPLIT_NAMES[c] for c in a.tolist()]


def kfold_column(y: Any, **kwargs: Any) -> list[int | None]:
    folds = fastbal.stratified_kfold(y, **kwargs).folds
    return [None if f == -1 else int(f) for f in folds.tolist()]


def sample_column(y: Any, **kwargs: Any) -> list[bool]:
    rows = fastbal.stratified_sample(y, **kwargs)
    mask = np.zeros(len(y), dtype=bool)
    mask[rows] = True
    return mask.tolist()


# (plugin expression, the Python API's result as a column)
CASES: dict[str, tuple[Callable[[pl.Expr], pl.Expr], Callable[[pl.Series], list[Any]]]] = {
    "min_count_mask": (
        lambda e: e.fastbal.min_count_mask(3),
        lambda y: fastbal.filter_min_count(y, 3).tolist(),
    ),
    "max_count_mask": (
        lambda e: e.fastbal.max_count_mask(2),
        lambda y: fastbal.filter_max_count(y, 2).tolist(),
    ),
    "top_k_mask": (lambda e: e.fastbal.top_k_mask(2), lambda y: fastbal.top_k_mask(y, 2).tolist()),
    "split": (
        lambda e: e.fastbal.split(test_size=0.2, val_size=0.1, seed=7),
        lambda y: split_column(y, test_size=0.2, val_size=0.1, seed=7),
    ),
    "split_rows_drop": (
        lambda e: e.fastbal.split(test_size=3, val_size=2, seed=1, rare="drop"),
        lambda y: split_column(y, test_size=3, val_size=2, seed=1, rare="drop"),
    ),
    "kfold": (lambda e: e.fastbal.kfold(3, seed=5), lambda y: kfold_column(y, k=3, seed=5)),
    "kfold_drop": (
        lambda e: e.fastbal.kfold(4, seed=2, rare="drop"),
        lambda y: kfold_column(y, k=4, seed=2, rare="drop"),
    ),
    "class_weight": (
        lambda e: e.fastbal.class_weight("sqrt", normalize="mean"),
        lambda y: fastbal.sample_weights(y, "sqrt", normalize="mean").tolist(),
    ),
    "sample_mask": (
        lambda e: e.fastbal.sample_mask(fraction=0.5, seed=3),
        lambda y: sample_column(y, fraction=0.5, seed=3),
    ),
}

DTYPES = [
    pl.Int8,
    pl.Int16,
    pl.Int32,
    pl.Int64,
    pl.UInt8,
    pl.UInt16,
    pl.UInt32,
    pl.UInt64,
    pl.String,
    pl.Categorical,
    pl.Enum([str(i) for i in range(8)]),
]

LABEL_LISTS = st.lists(st.one_of(st.none(), st.integers(0, 7)), min_size=0, max_size=60)


def column(values: list[int | None], dtype: Any) -> pl.Series:
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        strs = [None if v is None else str(v) for v in values]
        return pl.Series("y", strs, dtype=pl.String).cast(dtype)
    return pl.Series("y", values, dtype=dtype)


def as_list(name: str, column: pl.Series) -> list[Any]:
    """A plugin output column as the Python API's values (split names as strings)."""
    return (column.cast(pl.String) if name.startswith("split") else column).to_list()


def run_case(name: str, y: pl.Series) -> tuple[list[Any], list[Any]]:
    expr, expected = CASES[name]
    got = pl.DataFrame({"y": y}).select(expr(pl.col("y")))["y"]
    return as_list(name, got), expected(y)


def assert_same(name: str, got: list[Any], want: list[Any]) -> None:
    if name == "class_weight":
        np.testing.assert_allclose(got, want, rtol=1e-12)
    else:
        assert got == want


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(values=LABEL_LISTS)
@example(values=[])
@example(values=[None, None])
@example(values=[3])
@example(values=[1] * 10 + [2] * 5 + [3])
def test_plugin_equals_python_api(name: str, dtype: Any, values: list[int | None]) -> None:
    y = column(values, dtype)
    # The Python API reads a Categorical or Enum through polars' Arrow export, which
    # polars 1.32 gets wrong; the labels as strings have the same classes in the same order.
    categorical = dtype == pl.Categorical or isinstance(dtype, pl.Enum)
    reference = y.cast(pl.String) if categorical else y
    try:
        want = CASES[name][1](reference)
    except ValueError as e:
        with pytest.raises(pl.exceptions.ComputeError, match=str(e).split(";")[0]):
            run_case(name, y)
        return
    got = as_list(name, pl.DataFrame({"y": y}).select(CASES[name][0](pl.col("y")))["y"])
    assert_same(name, got, want)


@pytest.mark.parametrize("name", ["min_count_mask", "split", "kfold", "class_weight"])
def test_boolean_labels(name: str) -> None:
    y = pl.Series("y", [True, False, True, True, None, False, True, True, False, True])
    got, want = run_case(name, y)
    assert_same(name, got, want)


def seed_shaped(n: int) -> pl.Series:
    rng = np.random.default_rng(0)
    p = 1.0 / np.arange(1, 41) ** 1.2
    return pl.Series("y", rng.choice(40, size=n, p=p / p.sum()).astype(np.int32))


@pytest.mark.parametrize("name", CASES)
def test_lazy_streaming_and_chunks_equal_eager(name: str) -> None:
    y = seed_shaped(30_000)
    expr = CASES[name][0](pl.col("y"))
    eager = pl.DataFrame({"y": y}).select(expr)
    lazy = pl.LazyFrame({"y": y}).select(expr).collect()
    streaming = pl.LazyFrame({"y": y}).select(expr).collect(engine="streaming")
    parts = [pl.DataFrame({"y": y[i : i + 3_000]}) for i in range(0, len(y), 3_000)]
    chunked = pl.concat(parts, rechunk=False)
    assert chunked["y"].n_chunks() == 10
    many = chunked.lazy().select(expr).collect(engine="streaming")
    for other in (lazy, streaming, many):
        assert other.equals(eager)
    _, want = run_case(name, y)
    assert_same(name, as_list(name, eager["y"]), want)


@pytest.mark.parametrize("name", CASES)
def test_over_groups_equals_each_group_alone(name: str) -> None:
    rng = np.random.default_rng(1)
    n = 3_000
    df = pl.DataFrame(
        {"g": rng.integers(0, 5, n), "y": rng.integers(0, 6, n).astype(np.int64), "i": range(n)}
    )
    expr = CASES[name][0](pl.col("y"))
    got = df.with_columns(out=expr.over("g"))
    for (g,), part in got.group_by("g"):
        alone = part.select(expr.alias("out"))
        assert part["out"].equals(alone["out"]), g


def test_group_by_agg_equals_each_group_alone() -> None:
    df = pl.DataFrame({"g": [1, 1, 1, 1, 2, 2, 2], "y": ["a", "a", "b", "a", "c", "c", "d"]})
    got = (
        df.group_by("g", maintain_order=True)
        .agg(pl.col("y").fastbal.min_count_mask(2).alias("keep"))
        .sort("g")
    )
    assert got["keep"].to_list() == [[True, True, False, True], [True, True, False]]


def test_filter_with_a_mask_and_a_split_column() -> None:
    y = seed_shaped(20_000)
    df = pl.DataFrame({"y": y, "x": range(len(y))})
    kept = df.filter(pl.col("y").fastbal.min_count_mask(100))
    assert kept.height == int(fastbal.filter_min_count(y, 100).sum())
    parts = df.with_columns(split=pl.col("y").fastbal.split(seed=42))
    s = fastbal.stratified_split(y, seed=42)
    assert parts.filter(pl.col("split") == "test")["x"].to_list() == s.test.tolist()
    assert parts.schema["split"] == pl.Enum(["train", "valid", "test"])


def test_split_with_ids_does_not_depend_on_row_order() -> None:
    rng = np.random.default_rng(2)
    df = pl.DataFrame({"y": rng.integers(0, 4, 500), "id": rng.permutation(10_000)[:500]})
    expr = pl.col("y").fastbal.split(seed=3, ids=pl.col("id")).alias("s")
    a = df.with_columns(expr).sort("id")
    b = df.reverse().with_columns(expr).sort("id")
    assert a.equals(b)
    want = split_column(df["y"], seed=3, ids=df["id"])
    assert df.select(expr)["s"].cast(pl.String).to_list() == want


def test_kfold_int16_beyond_127_folds() -> None:
    df = pl.DataFrame({"y": [0] * 300})
    out = df.select(fbp.kfold("y", 200, seed=4))
    assert out.dtypes == [pl.Int16]
    assert out["y"].to_list() == kfold_column(df["y"], k=200, seed=4)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (
            pl.col("y").fastbal.split(rare="both"),
            'rare must be "train", "drop", "error" or "spread"; got "both"',
        ),
        (pl.col("y").fastbal.split(test_size=1.5), r"test_size must be in \[0, 1\) as a fraction"),
        (pl.col("y").fastbal.kfold(1), "k must be between 2 and 32767; got 1"),
        (pl.col("y").fastbal.class_weight("loud"), 'strategy must be "balanced"'),
        (pl.col("y").fastbal.class_weight(normalize="x"), 'normalize must be "none", "mean"'),
        (pl.col("y").fastbal.class_weight(max_weight=0), "max_weight must be positive; got 0"),
        (pl.col("y").fastbal.sample_mask(), "pass exactly one of fraction and n"),
        (pl.col("y").fastbal.sample_mask(n=100), "n = 100 is more than the 4 labeled rows"),
        (pl.col("y").fastbal.split(rare="error"), "fewer than 3 rows.*: 2"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_arguments_give_the_python_message(expr: pl.Expr, message: str) -> None:
    df = pl.DataFrame({"y": [1, 1, 1, 2]})
    with pytest.raises(pl.exceptions.ComputeError, match=message):
        df.select(expr)


@pytest.mark.parametrize(
    "series",
    [pl.Series("y", [1.0, 2.0]), pl.Series("y", [[1], [2]]), pl.Series("y", [b"a", b"b"])],
    ids=lambda s: str(s.dtype),
)
def test_unsupported_dtypes_are_a_polars_error(series: pl.Series) -> None:
    accepted_head = "labels must be integers of up to 64 bits, strings"
    with pytest.raises(pl.exceptions.ComputeError, match=accepted_head):
        series.to_frame().select(pl.col("y").fastbal.min_count_mask(1))


def _refused_dtypes() -> list[tuple[pl.Series, str]]:
    """Columns of dtypes fastbal does not read, with the name its message gives
    each: some (Struct, Decimal, Int128, ...) this build of polars cannot even
    convert, so they are refused before polars sees them."""
    cases = [
        (pl.Series("y", [{"a": 1}, {"a": 2}]), "struct[1]"),
        (pl.Series("y", [Decimal("1.5"), Decimal("2.5")]), "decimal[38,1]"),
        (pl.Series("y", [1, 2], dtype=pl.Int128), "i128"),
        (pl.Series("y", [[1], [2]], dtype=pl.Array(pl.Int64, 1)), "array[i64, 1]"),
        (pl.Series("y", [[1], [2]]), "list[i64]"),
        (pl.Series("y", [b"a", b"b"]), "binary"),
        (pl.Series("y", [datetime.date(2024, 1, 1)] * 2), "date"),
        (pl.Series("y", [datetime.datetime(2024, 1, 1)] * 2), "datetime[μs]"),
        (pl.Series("y", [datetime.timedelta(1)] * 2), "duration[μs]"),
        (pl.Series("y", [datetime.time(1)] * 2), "time"),
    ]
    for name, shown in [("UInt128", "u128"), ("Float16", "f16")]:  # newer polars only
        if hasattr(pl, name):
            cases.append((pl.Series("y", [1, 2], dtype=getattr(pl, name)), shown))
    return cases


@pytest.mark.parametrize(("series", "shown"), _refused_dtypes(), ids=lambda v: str(v)[:20])
def test_refused_dtypes_name_the_dtypes_taken_never_a_panic(series: pl.Series, shown: str) -> None:
    frame = series.to_frame().with_columns(k=pl.lit(1))
    accepted = "must be integers of up to 64 bits, strings, booleans, categoricals or enums"
    exprs = [
        pl.col("y").fastbal.min_count_mask(1),
        pl.col("y").fastbal.sample_mask(n=1),
        pl.col("y").fastbal.class_weight(),
        pl.col("y").fastbal.split(),
        pl.col("y").fastbal.kfold(2),
    ]
    for expr in exprs:
        with pytest.raises(
            pl.exceptions.ComputeError, match=re.escape(f"labels {accepted}; got {shown}")
        ):
            frame.select(expr)
    with pytest.raises(pl.exceptions.ComputeError, match=re.escape(f"ids {accepted}; got {shown}")):
        frame.select(pl.col("k").fastbal.split(ids="y"))
    with pytest.raises(pl.exceptions.ComputeError) as e:  # lazy, streaming: the same message
        frame.lazy().select(pl.col("y").fastbal.split()).collect(engine="streaming")
    assert "labels must be" in str(e.value)
    assert "panicked" not in str(e.value)


def test_python_side_type_errors() -> None:
    with pytest.raises(TypeError, match="k must be an int"):
        pl.col("y").fastbal.min_count_mask("3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"test_size must be a row count in \[0, 2\*\*64\)"):
        pl.col("y").fastbal.split(test_size=-1)
    with pytest.raises(TypeError, match="seed must be an int"):
        pl.col("y").fastbal.split(seed=1.5)  # type: ignore[arg-type]


def test_numpy_scalars_and_huge_seed_are_accepted() -> None:
    y = pl.Series("y", [0, 0, 0, 1, 1, 1])
    got = y.to_frame().select(
        pl.col("y").fastbal.split(np.float64(0.34), np.int64(0), seed=2**64 - 1)
    )
    assert got["y"].cast(pl.String).to_list() == split_column(
        y, test_size=0.34, val_size=0, seed=2**64 - 1
    )


def test_plan_is_a_plugin_not_a_python_udf() -> None:
    lf = pl.LazyFrame({"y": [1, 2]}).select(pl.col("y").fastbal.min_count_mask(1))
    plan = lf.explain()
    assert "_fastbal" in plan
    assert "min_count_mask" in plan
    assert "python_udf" not in plan  # how polars 2 shows a Python callback


def test_serialized_plan_runs_in_a_fresh_process(tmp_path: Any) -> None:
    lf = pl.LazyFrame({"y": ["a", "a", "b", "b", "b", None]}).select(
        pl.col("y").fastbal.split(test_size=0.2, val_size=0.2, seed=9),
        w=pl.col("y").fastbal.class_weight(),
    )
    path = tmp_path / "plan.bin"
    lf.serialize(path)
    script = (
        "import sys, polars as pl\n"
        "lf = pl.LazyFrame.deserialize(sys.argv[1])\n"
        "df = lf.collect()\n"
        "print(repr((df['y'].cast(pl.String).to_list(), df['w'].round(4).to_list())))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()
    df = lf.collect()
    assert out == repr((df["y"].cast(pl.String).to_list(), df["w"].round(4).to_list()))
    assert df["y"].cast(pl.String).to_list() == split_column(
        ["a", "a", "b", "b", "b", None], test_size=0.2, val_size=0.2, seed=9
    )


# ------------------------------------------------------------------ multilabel


def ml_split_column(y: Any, **kwargs: Any) -> list[str | None]:
    """`fastbal.multilabel_split`'s assignment as split names (None for a null row)."""
    a = fastbal.multilabel_split(y, **kwargs).assignment
    return [None if c < 0 else SPLIT_NAMES[c] for c in a.tolist()]


def ml_kfold_column(y: Any, **kwargs: Any) -> list[int | None]:
    folds = fastbal.multilabel_kfold(y, **kwargs).folds
    return [None if f == -1 else int(f) for f in folds.tolist()]


ML_CASES: dict[str, tuple[Callable[[pl.Expr], pl.Expr], Callable[[Any], list[Any]]]] = {
    "multilabel_split": (
        lambda e: e.fastbal.multilabel_split(test_size=0.2, val_size=0.1, seed=7),
        lambda y: ml_split_column(y, test_size=0.2, val_size=0.1, seed=7),
    ),
    "multilabel_split_rows": (
        lambda e: e.fastbal.multilabel_split(test_size=3, val_size=2, seed=1),
        lambda y: ml_split_column(y, test_size=3, val_size=2, seed=1),
    ),
    "multilabel_kfold": (
        lambda e: e.fastbal.multilabel_kfold(3, seed=5),
        lambda y: ml_kfold_column(y, k=3, seed=5),
    ),
}

ML_DTYPES = [pl.Int64, pl.Int32, pl.UInt8, pl.UInt64, pl.String, pl.Categorical]

LABEL_SETS = st.lists(
    st.one_of(st.none(), st.lists(st.integers(0, 7), unique=True, max_size=4)), max_size=40
)


def label_sets(rows: list[list[int] | None], dtype: Any) -> pl.Series:
    if dtype in (pl.String, pl.Categorical):
        strs = [None if r is None else [f"t{v}" for v in r] for r in rows]
        return pl.Series("y", strs, dtype=pl.List(pl.String)).cast(pl.List(dtype))
    return pl.Series("y", rows, dtype=pl.List(dtype))


def ml_run(name: str, y: pl.Series) -> list[Any]:
    got = pl.DataFrame({"y": y}).select(ML_CASES[name][0](pl.col("y")))["y"]
    return as_list(name.removeprefix("multilabel_"), got)


@pytest.mark.parametrize("name", ML_CASES)
@pytest.mark.parametrize("dtype", ML_DTYPES, ids=str)
@given(rows=LABEL_SETS)
@example(rows=[])
@example(rows=[None, None])
@example(rows=[[], [], []])
@example(rows=[[3], [3, 1], None, [], [1], [0, 1, 2], [2]])
def test_multilabel_equals_python_api(name: str, dtype: Any, rows: list[list[int] | None]) -> None:
    y = label_sets(rows, dtype)
    # the Python API reads a categorical through polars' Arrow export: compare with its strings
    reference = y.cast(pl.List(pl.String)) if dtype == pl.Categorical else y
    try:
        want = ML_CASES[name][1](reference)
    except ValueError as e:
        with pytest.raises(pl.exceptions.ComputeError, match=re.escape(str(e).split(";")[0])):
            ml_run(name, y)
        return
    assert ml_run(name, y) == want


def test_multilabel_output_dtypes_and_null_rows() -> None:
    df = pl.DataFrame({"y": [[1, 2], None, [2], [], [1], [2, 3], [3], None, [1, 3]]})
    out = df.select(
        s=pl.col("y").fastbal.multilabel_split(test_size=2, val_size=2, seed=3),
        f=pl.col("y").fastbal.multilabel_kfold(3, seed=3),
    )
    assert out.schema == pl.Schema({"s": pl.Enum(["train", "valid", "test"]), "f": pl.Int8})
    assert out["s"].is_null().to_list() == df["y"].is_null().to_list()
    assert out["f"].is_null().to_list() == df["y"].is_null().to_list()
    assert out["s"].drop_nulls().value_counts().sort("s").rows() == [
        ("train", 3),
        ("valid", 2),
        ("test", 2),
    ]
    assert sorted(out["f"].drop_nulls().value_counts().sort("f")["count"].to_list()) == [2, 2, 3]
    assert out["s"].cast(pl.String).to_list() == ml_split_column(
        df["y"], test_size=2, val_size=2, seed=3
    )
    assert out["f"].to_list() == ml_kfold_column(df["y"], k=3, seed=3)
    many = pl.DataFrame({"y": [[r % 7] for r in range(300)]})
    wide = many.select(pl.col("y").fastbal.multilabel_kfold(200, seed=4))
    assert wide.dtypes == [pl.Int16]
    assert wide["y"].to_list() == ml_kfold_column(many["y"], k=200, seed=4)


def test_multilabel_all_null_and_all_empty_columns() -> None:
    nulls = pl.Series("y", [None, None, None])  # the Null dtype
    out = nulls.to_frame().select(pl.col("y").fastbal.multilabel_split())["y"]
    assert out.to_list() == [None, None, None]
    assert out.to_list() == ml_split_column(nulls)
    empty = pl.Series("y", [[], [], [], []])  # list[null]
    assert empty.dtype == pl.List(pl.Null)
    out = empty.to_frame().select(pl.col("y").fastbal.multilabel_kfold(2))["y"]
    assert sorted(out.to_list()) == [0, 0, 1, 1]
    assert out.to_list() == ml_kfold_column(empty, k=2)


def zipf_label_sets(n: int, q: int, seed: int = 0) -> pl.Series:
    """`n` rows of about two labels each out of `q`, label rates Zipf-like; a few null rows."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, q + 1) ** 1.1
    sizes = rng.integers(0, 5, n)
    rows: list[list[int] | None] = []
    for size in sizes:
        rows.append(sorted(set(rng.choice(q, size=size, p=p / p.sum()).tolist())))
    for i in rng.choice(n, size=n // 100, replace=False):
        rows[i] = None
    return pl.Series("y", rows, dtype=pl.List(pl.Int32))


@pytest.mark.parametrize("name", ML_CASES)
@pytest.mark.parametrize("strings", [False, True], ids=["ints", "strings"])
def test_multilabel_lazy_streaming_and_chunks_equal_eager(name: str, strings: bool) -> None:
    y = zipf_label_sets(20_000, 60)
    if strings:
        y = y.list.eval(pl.format("tag{}", pl.element()))
    expr = ML_CASES[name][0](pl.col("y"))
    eager = pl.DataFrame({"y": y}).select(expr)
    lazy = pl.LazyFrame({"y": y}).select(expr).collect()
    streaming = pl.LazyFrame({"y": y}).select(expr).collect(engine="streaming")
    parts = [pl.DataFrame({"y": y[i : i + 2_000]}) for i in range(0, len(y), 2_000)]
    chunked = pl.concat(parts, rechunk=False)
    assert chunked["y"].n_chunks() == 10
    many = chunked.select(expr)
    many_streaming = chunked.lazy().select(expr).collect(engine="streaming")
    for other in (lazy, streaming, many, many_streaming):
        assert other.equals(eager)
    assert as_list(name.removeprefix("multilabel_"), eager["y"]) == ML_CASES[name][1](y)


def test_multilabel_sliced_chunks_read_from_their_offsets() -> None:
    y = zipf_label_sets(3_000, 20, seed=4)
    pieces = [y.slice(100, 900), y.slice(1_500, 1_000), y.slice(2_999, 1)]
    chunked = pl.concat([p.to_frame() for p in pieces], rechunk=False)["y"]
    whole = chunked.rechunk()
    expr = pl.col("y").fastbal.multilabel_kfold(4, seed=2)
    got = chunked.to_frame().select(expr)["y"].to_list()
    assert got == whole.to_frame().select(expr)["y"].to_list()
    assert got == ml_kfold_column(whole, k=4, seed=2)


def test_multilabel_with_ids_does_not_depend_on_row_order() -> None:
    y = zipf_label_sets(600, 12, seed=5)
    rng = np.random.default_rng(5)
    df = pl.DataFrame({"y": y, "id": rng.permutation(10_000)[:600]})
    for expr in (
        pl.col("y").fastbal.multilabel_split(seed=3, ids=pl.col("id")).alias("s"),
        fbp.multilabel_kfold("y", 5, seed=3, ids="id").alias("s"),
    ):
        a = df.with_columns(expr).sort("id")
        b = df.reverse().with_columns(expr).sort("id")
        assert a.equals(b)
    got = df.select(fbp.multilabel_split("y", seed=3, ids="id"))["y"].cast(pl.String).to_list()
    assert got == ml_split_column(df["y"], seed=3, ids=df["id"])
    got_folds = df.select(pl.col("y").fastbal.multilabel_kfold(5, seed=3, ids="id"))["y"]
    assert got_folds.to_list() == ml_kfold_column(df["y"], k=5, seed=3, ids=df["id"])


def test_multilabel_over_groups_equals_each_group_alone() -> None:
    y = zipf_label_sets(2_000, 10, seed=6)
    df = pl.DataFrame({"g": np.arange(2_000) % 3, "y": y})
    expr = pl.col("y").fastbal.multilabel_kfold(4, seed=1)
    got = df.with_columns(out=expr.over("g"))
    for (g,), part in got.group_by("g"):
        assert part["out"].equals(part.select(expr.alias("out"))["out"]), g


def test_multilabel_every_label_in_every_part() -> None:
    # each label on exactly three rows: one in each split
    rows = [[r // 3] for r in range(30)]
    df = pl.DataFrame({"y": rows})
    out = df.with_columns(s=pl.col("y").fastbal.multilabel_split(test_size=10, val_size=10))
    per_label = out.explode("y").group_by("y").agg(pl.col("s").n_unique())
    assert per_label["s"].to_list() == [3] * 10


@pytest.mark.parametrize(
    ("rows", "dtype", "expr", "message"),
    [
        ([[0, -1], [1]], pl.Int64, None, "label ids must not be negative; got -1"),
        ([[0, None], [1]], pl.Int64, None, "a label inside a row is null"),
        ([["a", "a"], ["b"]], pl.String, None, "row 0 holds label 0 twice"),
        ([[0], [1]], pl.Int64, None, "cannot make 3 folds out of 2 non-null rows"),
        (
            [[0], [1]],
            pl.Int64,
            pl.col("y").fastbal.multilabel_kfold(1),
            "k must be between 2 and 32767; got 1",
        ),
        (
            [[0], [1]],
            pl.Int64,
            pl.col("y").fastbal.multilabel_split(test_size=1.5),
            r"test_size must be in \[0, 1\) as a fraction",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_multilabel_bad_input_gives_the_python_message(
    rows: list[Any], dtype: Any, expr: Any, message: str
) -> None:
    y = pl.Series("y", rows, dtype=pl.List(dtype))
    if expr is None:  # the k-fold, as the Python API refuses it
        expr = pl.col("y").fastbal.multilabel_kfold(3)
        with pytest.raises(fastbal.FastbalError, match=message):
            fastbal.multilabel_kfold(y, k=3)
    with pytest.raises(pl.exceptions.ComputeError, match=message):
        y.to_frame().select(expr)


@pytest.mark.parametrize(
    ("series", "shown"),
    [
        (pl.Series("y", [1, 2]), "i64"),
        (pl.Series("y", ["a", "b"]), "str"),
        (pl.Series("y", [[1.5], [2.0]]), "list[f64]"),
        (pl.Series("y", [[True], [False]]), "list[bool]"),
        (pl.Series("y", [[[1]], [[2]]]), "list[list[i64]]"),
        (pl.Series("y", [[1], [2]], dtype=pl.Array(pl.Int64, 1)), "array[i64, 1]"),
        (pl.Series("y", [{"a": 1}, {"a": 2}]), "struct[1]"),
    ],
    ids=lambda v: str(v)[:20],
)
def test_multilabel_refuses_other_dtypes_by_name(series: pl.Series, shown: str) -> None:
    accepted = "labels must be a list column of integers or strings (the labels of each row)"
    frame = series.to_frame()
    for expr in (pl.col("y").fastbal.multilabel_split(), pl.col("y").fastbal.multilabel_kfold(2)):
        with pytest.raises(pl.exceptions.ComputeError, match=re.escape(f"{accepted}; got {shown}")):
            frame.select(expr)
        with pytest.raises(pl.exceptions.ComputeError) as e:
            frame.lazy().select(expr).collect(engine="streaming")
        assert accepted in str(e.value)
        assert "panicked" not in str(e.value)


def test_multilabel_enum_labels_read_as_strings_and_group_by_agg() -> None:
    rows = [["a", "b"], ["b"], None, ["c"], [], ["a"], ["c", "a"], ["b"]]
    y = pl.Series("y", rows, dtype=pl.List(pl.Enum(["c", "b", "a"])))
    got = y.to_frame().select(pl.col("y").fastbal.multilabel_split(test_size=2, val_size=2))
    want = ml_split_column(y.cast(pl.List(pl.String)), test_size=2, val_size=2)
    assert got["y"].cast(pl.String).to_list() == want
    df = pl.DataFrame({"g": [1, 1, 1, 1, 2, 2, 2, 2], "y": y})
    agg = df.group_by("g", maintain_order=True).agg(pl.col("y").fastbal.multilabel_kfold(2))
    groups = df.group_by("g", maintain_order=True)
    for (g, folds), (_, part) in zip(agg.rows(), groups, strict=True):
        assert folds == ml_kfold_column(part["y"].cast(pl.List(pl.String)), k=2), g


@pytest.mark.parametrize(
    ("alphabet", "dtype"),
    [
        (["é", "z", "Z", "ä", "a", "ß", "日本", "", "a b", "😀"], pl.String),
        ([0, 5, 10**12, 2**40 + 1, 7, 2**63 - 1, 3, 99], pl.Int64),
        ([0, 2**64 - 1, 2**63, 12, 1], pl.UInt64),
    ],
    ids=["unicode", "sparse_ints", "huge_uints"],
)
def test_multilabel_label_values_ordered_as_the_python_api(alphabet: list[Any], dtype: Any) -> None:
    rng = np.random.default_rng(1)
    rows = [
        [alphabet[i] for i in rng.choice(len(alphabet), size=rng.integers(0, 4), replace=False)]
        for _ in range(300)
    ]
    y = pl.Series("y", rows, dtype=pl.List(dtype))
    got = y.to_frame().select(pl.col("y").fastbal.multilabel_kfold(5, seed=1))["y"].to_list()
    assert got == ml_kfold_column(y, k=5, seed=1)
    got_split = y.to_frame().select(pl.col("y").fastbal.multilabel_split(seed=2))["y"]
    assert got_split.cast(pl.String).to_list() == ml_split_column(y, seed=2)
