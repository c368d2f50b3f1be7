"""fastbal on Spark equals fastbal on the collected column, row for row.

One local Spark session (`local[2]`) serves the test run: it takes seconds
to start. Every result is compared with the single-machine function run on the
same rows collected to the driver, across partitionings: one partition
(coalesce), a repartition by another column (the rows reordered), and many
small partitions, some empty; Arrow batches of 64 rows, so that a partition
spans several batches. With ids, the result is compared id by id with the
one-machine call on the original frame.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import fastbal
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

pytest.importorskip("pyspark")
fspark = pytest.importorskip("fastbal.spark")

# pyspark's own warning when it meets pandas 3 (the tests build frames from Arrow)
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The session of the whole test run (the documentation's examples, run
    after the tests, find it active)."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("fastbal-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def frame(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Skewed string labels with nulls, a class of one row, a class living in
    rows 100..139 only, int labels with nulls, unique int ids, string ids and
    a column to repartition by."""
    rng = np.random.default_rng(seed)
    classes = np.array(["a", "b", "c", "d", "e"])
    y = classes[np.minimum(rng.geometric(0.45, n) - 1, 4)].astype(object)
    y[100:140] = "solo"
    y[7] = "one"
    y[rng.random(n) < 0.03] = None
    z = pd.array(rng.zipf(1.8, n) % 40, dtype="Int64")
    z[rng.random(n) < 0.05] = pd.NA
    ids = rng.permutation(n) * 7 + 3
    return pd.DataFrame(
        {
            "y": pd.Series(y, dtype=object),
            "z": z,
            "id": ids,
            "sid": [f"doc-{i}" for i in ids],
            "grp": rng.integers(0, 5, n),
        }
    )


FRAME = frame()


@pytest.fixture(scope="module")
def base(spark: Any) -> Any:
    return spark.createDataFrame(pa.Table.from_pandas(FRAME, preserve_index=False))


@pytest.fixture(scope="module")
def frames(base: Any) -> Iterator[dict[str, Any]]:
    """The frame partitioned three ways, each persisted once."""
    out = {
        "one partition": base.coalesce(1).persist(),
        "by another column": base.repartition(3, "grp").persist(),
        "many partitions": base.repartition(8).persist(),
    }
    yield out
    for df in out.values():
        df.unpersist()


def arrow(df: Any) -> pa.Table:
    return df.toArrow()


def column(t: pa.Table, name: str) -> Any:
    return t.column(name).combine_chunks()


def test_the_partitionings_are_the_hard_ones(frames: dict[str, Any]) -> None:
    from pyspark.sql import functions as F

    def lengths(df: Any) -> list[int]:
        rows = df.groupBy(F.spark_partition_id().alias("p")).count().collect()
        return [r["count"] for r in rows]

    assert lengths(frames["one partition"]) == [len(FRAME)]
    many = lengths(frames["many partitions"])
    assert len(many) == 8
    assert max(many) > 64  # several Arrow batches in a partition
    reordered = arrow(frames["by another column"].select("id"))
    assert column(reordered, "id").to_pylist() != FRAME["id"].tolist()


def test_counts_weights_and_masks_equal_one_machine(frames: dict[str, Any]) -> None:
    for df in frames.values():
        got, one = fspark.value_counts(df, "y"), fastbal.value_counts(FRAME["y"])
        assert got.to_dict() == one.to_dict()
        assert got.null_count == one.null_count > 0
    df = frames["many partitions"]
    t = arrow(df)
    z = fastbal.value_counts(column(t, "z")).to_dict()
    assert fspark.value_counts(df, "z").to_dict() == z
    short = df.select(df["z"].cast("short").alias("z"))  # any integer type Spark has
    assert fspark.value_counts(short, "z").to_dict() == z
    y = column(t, "y")
    cw = fspark.class_weights(df, "y", "effective", normalize="mean", max_weight=20.0)
    one_cw = fastbal.class_weights(y, "effective", normalize="mean", max_weight=20.0)
    assert cw.to_dict() == one_cw.to_dict()
    kept = arrow(fspark.filter_min_count(df, "y", 41))
    assert (
        column(kept, "id").to_pylist()
        == t.filter(fastbal.filter_min_count(y, 41)).column("id").to_pylist()
    )
    top = arrow(fspark.top_k(df, "z", 3))
    assert (
        column(top, "id").to_pylist()
        == t.filter(fastbal.top_k_mask(column(t, "z"), 3)).column("id").to_pylist()
    )
    w = arrow(fspark.sample_weights(df, "y", "sqrt"))
    assert w.schema.names == [*t.schema.names, "weight"]
    np.testing.assert_array_equal(column(w, "weight").to_numpy(), fastbal.sample_weights(y, "sqrt"))


def split_names(assignment: np.ndarray) -> list[str | None]:
    names = [*fastbal.SPLIT_NAMES, None]
    return [names[c] for c in assignment]


def test_split_kfold_and_sample_equal_one_machine(frames: dict[str, Any]) -> None:
    kw = {"test_size": 0.2, "val_size": 0.1, "seed": 3}
    for how, df in frames.items():
        out, summary = fspark.stratified_split(df, "y", return_summary=True, **kw)
        t = arrow(out)  # the rows in the order the split saw them
        one = fastbal.stratified_split(column(t, "y"), **kw)
        assert column(t, "split").to_pylist() == split_names(one.assignment), how
        assert str(summary) == str(one.summary)
        assert summary.sizes == {"train": 1019, "valid": 145, "test": 291}
    t = arrow(fspark.stratified_kfold(frames["many partitions"], "y", k=5, seed=2))
    folds = fastbal.stratified_kfold(column(t, "y"), k=5, seed=2).folds
    assert t.schema.field("fold").type == pa.int8()
    got = pc.fill_null(column(t, "fold"), -1).to_numpy()
    np.testing.assert_array_equal(got, folds)
    assert (folds == fastbal.ALWAYS_TRAIN).sum() == 1  # the class of one row
    df = frames["by another column"]
    sample = fspark.stratified_sample(df, "y", n=100, seed=5)
    t = arrow(df)
    rows = fastbal.stratified_sample(column(t, "y"), n=100, seed=5)
    assert arrow(sample).column("id").to_pylist() == t.column("id").take(rows).to_pylist()


def test_with_ids_every_result_follows_the_ids(base: Any) -> None:
    """Whatever the partitioning and row order, each id gets the split, fold
    and sampling of the one-machine call on the original frame with the same
    ids (int and string ids)."""
    y, sid = FRAME["y"], FRAME["sid"]
    split = split_names(fastbal.stratified_split(y, seed=9, ids=sid).assignment)
    by_sid = dict(zip(sid, split, strict=True))
    folds = fastbal.stratified_kfold(y, k=4, seed=9, ids=FRAME["id"]).folds.tolist()
    by_id = dict(zip(FRAME["id"], folds, strict=True))
    sample = set(sid.to_numpy()[fastbal.stratified_sample(y, fraction=0.25, seed=9, ids=sid)])
    shuffled, ordered = base.repartition(5, "grp"), base.orderBy("z").coalesce(2)
    t = arrow(fspark.stratified_split(shuffled, "y", seed=9, ids="sid", persist=False))
    assert column(t, "split").to_pylist() == [by_sid[i] for i in column(t, "sid").to_pylist()]
    t = arrow(fspark.stratified_kfold(ordered, "y", k=4, seed=9, ids="id", persist=False))
    got = pc.fill_null(column(t, "fold"), -1).to_pylist()
    assert got == [by_id[i] for i in column(t, "id").to_pylist()]
    t = arrow(fspark.stratified_sample(ordered, "y", fraction=0.25, seed=9, ids="sid"))
    assert set(column(t, "sid").to_pylist()) == sample


def test_errors_are_the_single_machine_errors(spark: Any, base: Any) -> None:
    with pytest.raises(
        fastbal.InvalidInputError,
        match=r"^no column 'label'; the columns are: y, z, id, sid, grp$",
    ):
        fspark.value_counts(base, "label")
    with pytest.raises(TypeError, match="must be a Spark DataFrame; got DataFrame"):
        fspark.value_counts(FRAME, "y")
    # float labels: refused, naming the global row
    floats = pd.DataFrame({"y": [1.0, 2.0, 1.0, 2.0, 2.5, 1.0], "id": range(6)})
    with pytest.raises(TypeError) as one:
        fastbal.value_counts(pa.array(floats["y"]))
    df = spark.createDataFrame(pa.Table.from_pandas(floats)).repartition(3).persist()
    order = [r["id"] for r in df.select("id").collect()]
    with pytest.raises(TypeError) as got:
        fspark.stratified_split(df, "y")
    assert str(got.value) == str(one.value).replace("row 4", f"row {order.index(4)}")
    # repeated ids, in different partitions: the rows one machine names
    rows = pd.DataFrame({"y": ["a", "b"] * 6, "id": [7, 1, 2, 3, 7, 2, 8, 9, 10, 11, 12, 13]})
    df = spark.createDataFrame(pa.Table.from_pandas(rows)).coalesce(1).repartition(3)
    t = arrow(df)
    with pytest.raises(fastbal.InvalidInputError) as one:
        fastbal.stratified_split(column(t, "y"), ids=column(t, "id"))
    for fn in [fspark.stratified_split, fspark.stratified_kfold]:
        with pytest.raises(fastbal.InvalidInputError) as got:
            fn(df, "y", ids="id")
        assert str(got.value) == str(one.value)
    # null ids
    rows = pd.DataFrame({"y": ["a", "b"] * 3, "id": pd.array([1, None, 3, 4, None, 6], "Int64")})
    with pytest.raises(fastbal.InvalidInputError) as one:
        fastbal.stratified_split(rows["y"], ids=pa.array(rows["id"]))
    with pytest.raises(fastbal.InvalidInputError) as got:
        fspark.stratified_sample(
            spark.createDataFrame(pa.Table.from_pandas(rows)).repartition(2), "y", n=2, ids="id"
        )
    assert str(got.value) == str(one.value) == "ids have 2 null rows; every row needs an id"
    # plans from counts: rare classes named by value, bad arguments
    rows = pd.DataFrame({"y": ["a"] * 10 + ["b", "c"]})
    df = spark.createDataFrame(pa.Table.from_pandas(rows))
    for fn, kw in [
        ("stratified_split", {"rare": "error"}),
        ("stratified_kfold", {"k": 3, "rare": "error"}),
        ("stratified_sample", {}),
    ]:
        with pytest.raises(fastbal.FastbalError) as one:
            getattr(fastbal, fn)(rows["y"], **kw)
        with pytest.raises(fastbal.FastbalError) as got:
            getattr(fspark, fn)(df, "y", **kw)
        assert type(got.value) is type(one.value)
        assert str(got.value) == str(one.value)
    with pytest.raises(fastbal.InvalidInputError, match="already has a column 'y'"):
        fspark.stratified_split(df, "y", name="y")


def test_results_survive_a_coalesce_or_a_union_downstream(spark: Any, base: Any) -> None:
    """A row's position is carried in the data, not taken from the task: a
    coalesce, a union or a repartition of the result changes no row's value."""
    df = base.repartition(4).persist()
    t = arrow(df)
    y, sid = column(t, "y"), column(t, "sid")
    split = dict(
        zip(
            sid.to_pylist(),
            split_names(fastbal.stratified_split(y, seed=4).assignment),
            strict=True,
        )
    )
    with_ids = split_names(fastbal.stratified_split(y, seed=4, ids=sid).assignment)
    by_ids = dict(zip(sid.to_pylist(), with_ids, strict=True))
    folds = dict(
        zip(sid.to_pylist(), fastbal.stratified_kfold(y, k=3, seed=4).folds.tolist(), strict=True)
    )
    weights = dict(zip(sid.to_pylist(), fastbal.sample_weights(y, "sqrt").tolist(), strict=True))
    results = [
        (fspark.stratified_split(df, "y", seed=4), "split", split),
        (fspark.stratified_split(df, "y", seed=4, ids="sid"), "split", by_ids),
        (fspark.stratified_kfold(df, "y", k=3, seed=4), "fold", folds),
        (fspark.sample_weights(df, "y", "sqrt"), "weight", weights),
    ]
    for out, name, want in results:
        for after in [
            out.coalesce(1),
            out.union(out.limit(0)),
            out.limit(0).union(out),
            out.repartition(3, "grp"),
        ]:
            r = arrow(after)
            got = column(r, name).to_pylist()
            if name == "fold":
                got = [-1 if g is None else g for g in got]
            assert got == [want[s] for s in column(r, "sid").to_pylist()], name
    df.unpersist()


def test_column_names_with_dots(spark: Any) -> None:
    rows = pd.DataFrame({"y.lab": ["a", "b", "a", "a", "b", "a"] * 5, "i`d": range(30)})
    df = spark.createDataFrame(pa.Table.from_pandas(rows))
    assert fspark.value_counts(df, "y.lab").to_dict() == {"a": 20, "b": 10}
    one = fastbal.stratified_split(rows["y.lab"], seed=1, ids=rows["i`d"])
    t = arrow(fspark.stratified_split(df, "y.lab", seed=1, ids="i`d"))
    by_id = dict(zip(rows["i`d"], split_names(one.assignment), strict=True))
    assert column(t, "split").to_pylist() == [by_id[i] for i in column(t, "i`d").to_pylist()]


def test_a_row_of_an_unknown_partition_is_refused() -> None:
    """Positions come from the partition index in the row's id: partition 1
    of 2 starts at row 5; a partition the count did not see is an error, never
    a default offset."""
    offsets = np.array([0, 5, -1], dtype=np.int64)
    mid = pa.array([(1 << 33) + 0, (1 << 33) + 1, 3], pa.int64())
    assert fspark._positions(offsets, mid).tolist() == [5, 6, 3]
    assert fspark._runs(fspark._positions(offsets, mid)) == [(0, 2), (2, 3)]
    for part in [2, 3]:
        with pytest.raises(fastbal.FastbalError, match="a partition the count did not see"):
            fspark._positions(offsets, pa.array([part << 33], pa.int64()))
