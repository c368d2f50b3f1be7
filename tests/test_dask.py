"""fastbal on a Dask cluster equals fastbal on the collected column, row for row.

One `distributed.LocalCluster` (two worker processes) serves the session.
Every distributed result is compared with the single-machine function run
on the same column computed to the client, across partition counts and the
partitionings that break naive implementations: unknown partition lengths
after a filter, empty partitions, a class present in one partition only,
null labels, and ids on a reordered frame.
"""

from __future__ import annotations

import itertools
import pickle
from collections import Counter
from collections.abc import Iterator
from typing import Any

import fastbal
import numpy as np
import pandas as pd
import pytest
from fastbal.distributed import (
    SPLIT_PART_CODES,
    CutSearch,
    LabelCounter,
    ProbeReport,
    sample_ranks,
    split_plan,
)
from hypothesis import example, given
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
fdask = pytest.importorskip("fastbal.dask")

PARTITIONS = [1, 3, 16]


@pytest.fixture(scope="session")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def frame(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Skewed string labels with nulls, a class of one row, a class living in
    rows 100..139 only (one partition at most partition counts), int labels
    with nulls (float64 NaN in pandas), unique int ids, and a filter column."""
    rng = np.random.default_rng(seed)
    classes = np.array(["a", "b", "c", "d", "e"])
    y = classes[np.minimum(rng.geometric(0.45, n) - 1, 4)].astype(object)
    y[100:140] = "solo"
    y[7] = "one"
    y[rng.random(n) < 0.03] = None
    z = np.where(rng.random(n) < 0.05, np.nan, rng.zipf(1.8, n) % 40).astype(np.float64)
    return pd.DataFrame(
        {
            "y": pd.Series(y, dtype=object),
            "z": z,
            "id": rng.permutation(n) * 7 + 3,
            "keep": rng.random(n) < 0.7,
        }
    )


def partitioned(nparts: int) -> Any:
    """The frame in `nparts` partitions; from 3 partitions on, filtered: partition
    lengths unknown, and rows 1000..1999 gone (at 16 partitions, several
    partitions empty). The class "solo" lives in one partition."""
    ddf = dd.from_pandas(frame(), npartitions=nparts, sort=True)
    if nparts == 1:
        return ddf
    return ddf[ddf.keep & ((ddf.index < 1000) | (ddf.index >= 2000))]


def collected(s: Any) -> pd.Series:
    return s.compute().reset_index(drop=True)


def test_the_partitionings_are_the_hard_ones() -> None:
    ddf = partitioned(16)
    lengths = ddf.map_partitions(len).compute().tolist()
    assert not ddf.known_divisions or len(lengths) == 16
    assert lengths.count(0) >= 4
    solo = ddf["y"].map_partitions(lambda p: int((p == "solo").sum())).compute().tolist()
    assert sorted(solo)[-1] == sum(solo) > 0  # one partition holds the class


@pytest.mark.parametrize("nparts", PARTITIONS)
def test_counts_weights_and_masks_equal_one_machine(client: Any, nparts: int) -> None:
    ddf = partitioned(nparts)
    for col in ["y", "z"]:
        s = ddf[col]
        y = collected(s)
        vc, one = fdask.value_counts(s), fastbal.value_counts(y)
        assert vc.to_dict() == one.to_dict(), col
        assert vc.null_count == one.null_count > 0
        assert vc.classes.dtype == one.classes.dtype
    s = ddf["y"]
    y = collected(s)
    cw = fdask.class_weights(s, "effective", normalize="mean", max_weight=20.0)
    assert (
        cw.to_dict()
        == fastbal.class_weights(y, "effective", normalize="mean", max_weight=20.0).to_dict()
    )
    got, summary = fdask.filter_min_count(s, 41, return_summary=True)
    got = got.compute()
    assert got.index.equals(s.index.compute())  # aligned with the labels
    mask, one_summary = fastbal.filter_min_count(y, 41, return_summary=True)
    np.testing.assert_array_equal(got.to_numpy(), mask)
    assert str(summary) == str(one_summary)
    got = fdask.top_k_mask(ddf["z"], 3).compute().to_numpy()
    np.testing.assert_array_equal(got, fastbal.top_k_mask(collected(ddf["z"]), 3))
    got = fdask.sample_weights(s, "sqrt").compute()
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.to_numpy(), fastbal.sample_weights(y, "sqrt"))


@pytest.mark.parametrize("nparts", PARTITIONS)
def test_split_and_sample_equal_one_machine(client: Any, nparts: int) -> None:
    s = partitioned(nparts)["y"]
    y = collected(s)
    for kw in [
        {"test_size": 0.2, "val_size": 0.1, "seed": 3},
        {"test_size": 100, "val_size": 0.05, "seed": 2**64 - 1, "rare": "drop"},
    ]:
        got, summary = fdask.stratified_split(s, return_summary=True, **kw)
        one = fastbal.stratified_split(y, **kw)
        got = got.compute()
        assert got.dtype == np.int8
        np.testing.assert_array_equal(got.to_numpy(), one.assignment, err_msg=str(kw))
        assert str(summary) == str(one.summary)
        np.testing.assert_array_equal(summary.cells, one.summary.cells)
    for kw in [{"fraction": 0.1, "seed": 1}, {"n": 7, "seed": 5}]:
        mask = fdask.stratified_sample(s, **kw).compute().to_numpy()
        np.testing.assert_array_equal(np.flatnonzero(mask), fastbal.stratified_sample(y, **kw))


@pytest.mark.parametrize("nparts", PARTITIONS)
def test_kfold_equals_one_machine(client: Any, nparts: int) -> None:
    ddf = partitioned(nparts)
    y, ids = collected(ddf["y"]), collected(ddf["id"])
    for kw in [{"k": 5, "seed": 3}, {"k": 41, "seed": 2**64 - 1, "rare": "drop"}]:
        one = fastbal.stratified_kfold(y, **kw).folds
        got = fdask.stratified_kfold(ddf["y"], **kw).compute()
        assert got.dtype == np.int8
        np.testing.assert_array_equal(got.to_numpy(), one, err_msg=str(kw))
        rare_code = fastbal.LEFT_OUT if kw.get("rare") == "drop" else fastbal.ALWAYS_TRAIN
        assert (one == rare_code).any()  # a class with fewer rows than folds
        keyed = fdask.stratified_kfold(ddf["y"], ids=ddf["id"], **kw).compute()
        np.testing.assert_array_equal(
            keyed.to_numpy(), fastbal.stratified_kfold(y, ids=ids, **kw).folds, err_msg=str(kw)
        )
    # 200 folds: int16 codes, as on one machine
    got = fdask.stratified_kfold(ddf["z"], k=200, seed=1).compute()
    one = fastbal.stratified_kfold(collected(ddf["z"]), k=200, seed=1).folds
    assert got.dtype == one.dtype == np.int16
    np.testing.assert_array_equal(got.to_numpy(), one)


def test_kfold_with_ids_follows_ids_and_refuses_what_one_machine_refuses(client: Any) -> None:
    df = frame(2000, seed=1)
    shuffled = df.sample(frac=1.0, random_state=4).reset_index(drop=True)
    base = fastbal.stratified_kfold(df["y"], k=4, seed=9, ids=df["id"]).folds
    by_id = dict(zip(df["id"], base, strict=True))
    ddf = dd.from_pandas(shuffled, npartitions=7, sort=False)
    got = fdask.stratified_kfold(ddf["y"], k=4, seed=9, ids=ddf["id"]).compute()
    assert got.tolist() == [by_id[i] for i in shuffled["id"]]
    # the sample keyed by ids: the same ids sampled whatever the row order
    keep = fdask.stratified_sample(ddf["y"], fraction=0.3, seed=2, ids=ddf["id"]).compute()
    one = fastbal.stratified_sample(shuffled["y"], fraction=0.3, seed=2, ids=shuffled["id"])
    np.testing.assert_array_equal(np.flatnonzero(keep.to_numpy()), one)
    base = fastbal.stratified_sample(df["y"], fraction=0.3, seed=2, ids=df["id"])
    assert set(shuffled["id"][keep.to_numpy()]) == set(df["id"].to_numpy()[base])
    assert len(base) == len(fastbal.stratified_sample(df["y"], fraction=0.3, seed=2)) == 581
    y = pd.Series(["a"] * 10 + ["b", "c"])
    s = dd.from_pandas(y, npartitions=2)
    for kw in [{"k": 3, "rare": "error"}, {"k": 1}, {"k": 20}]:
        with pytest.raises(fastbal.FastbalError) as one:
            fastbal.stratified_kfold(y, **kw)
        with pytest.raises(fastbal.FastbalError) as got_err:
            fdask.stratified_kfold(s, **kw)
        assert type(got_err.value) is type(one.value)
        assert str(got_err.value) == str(one.value)
    with pytest.raises(fastbal.FastbalError, match="k must be at most 254 on batches; got 300"):
        fdask.stratified_kfold(partitioned(3)["y"], k=300)
    ids = pd.Series([7, 1, 2, 3, 7, 2, 8, 9, 10, 11, 12, 13])
    with pytest.raises(fastbal.InvalidInputError) as got_err:
        fdask.stratified_kfold(s, k=2, ids=dd.from_pandas(ids, npartitions=2))
    assert str(got_err.value) == "ids must be unique: rows 2 and 5 have the same id"


def test_split_with_ids_follows_ids_not_row_order(client: Any) -> None:
    df = frame(2000, seed=1)
    shuffled = df.sample(frac=1.0, random_state=4).reset_index(drop=True)
    base = fastbal.stratified_split(df["y"], 0.2, 0.1, seed=9, ids=df["id"]).assignment
    by_id = dict(zip(df["id"], base, strict=True))
    for nparts in [3, 16]:
        ddf = dd.from_pandas(shuffled, npartitions=nparts, sort=False)
        ddf = ddf[ddf.keep | ~ddf.keep]  # same rows, lengths unknown
        got = fdask.stratified_split(ddf["y"], 0.2, 0.1, seed=9, ids=ddf["id"]).compute()
        np.testing.assert_array_equal(
            got.to_numpy(),
            fastbal.stratified_split(
                shuffled["y"], 0.2, 0.1, seed=9, ids=shuffled["id"]
            ).assignment,
        )
        assert got.tolist() == [by_id[i] for i in shuffled["id"]]


def test_dataframe_with_column_and_its_errors(client: Any) -> None:
    ddf = dd.from_pandas(frame(300), npartitions=3)
    assert (
        fdask.value_counts(ddf, column="y").to_dict()
        == fastbal.value_counts(ddf["y"].compute()).to_dict()
    )
    with pytest.raises(
        fastbal.InvalidInputError, match=r"^no column 'label'; the columns are: y, z, id, keep$"
    ):
        fdask.value_counts(ddf, column="label")
    with pytest.raises(TypeError, match="name the label column with column="):
        fdask.stratified_split(ddf)
    with pytest.raises(TypeError, match="must be a Dask Series or DataFrame; got list"):
        fdask.value_counts([1, 2])


def test_bad_labels_give_the_single_machine_errors(client: Any) -> None:
    floats = pd.Series([1.0, 2.0, 2.5, 1.0])
    with pytest.raises(TypeError) as one:
        fastbal.value_counts(floats)
    s = dd.from_pandas(floats, npartitions=2)
    for fn in [fdask.value_counts, fdask.stratified_split]:
        with pytest.raises(TypeError) as got:
            fn(s)
        assert str(got.value) == str(one.value)
        assert "row 2 holds the float 2.5" in str(got.value)  # the global row, not partition's
    # duplicate ids within a partition, named by global rows
    y = pd.Series(["a", "b"] * 3)
    ids = pd.Series([0, 1, 2, 3, 3, 5])
    with pytest.raises(ValueError, match="ids must be unique") as one:
        fastbal.stratified_split(y, ids=ids)
    with pytest.raises(ValueError, match="ids must be unique") as got:
        fdask.stratified_split(
            dd.from_pandas(y, npartitions=2), ids=dd.from_pandas(ids, npartitions=2)
        )
    assert str(got.value) == str(one.value) == "ids must be unique: rows 3 and 4 have the same id"
    assert type(got.value) is type(one.value) is fastbal.InvalidInputError
    # and across partitions, found by shuffling the ids' keys
    ids = pd.Series([7, 1, 2, 3, 7, 2])
    with pytest.raises(ValueError, match="ids must be unique") as one:
        fastbal.stratified_split(y, ids=ids)
    with pytest.raises(ValueError, match="ids must be unique") as got:
        fdask.stratified_split(
            dd.from_pandas(y, npartitions=3), ids=dd.from_pandas(ids, npartitions=3)
        )
    assert str(got.value) == str(one.value) == "ids must be unique: rows 2 and 5 have the same id"
    assert type(got.value) is type(one.value) is fastbal.InvalidInputError
    # rare classes under rare="error" are named by value, as on one machine
    y = pd.Series(["a"] * 10 + ["b", "c"])
    with pytest.raises(ValueError, match="too few to appear") as one:
        fastbal.stratified_split(y, rare="error")
    with pytest.raises(ValueError, match="too few to appear") as got:
        fdask.stratified_split(dd.from_pandas(y, npartitions=2), rare="error")
    assert str(got.value) == str(one.value)
    assert '2 classes have fewer than 3 rows, too few to appear in every split: "b", "c"' in str(
        got.value
    )
    # ids not aligned with the labels
    ids = dd.from_pandas(pd.Series(range(12)), npartitions=3)
    with pytest.raises(
        fastbal.FastbalError, match="ids must be aligned with the labels: 3 partitions"
    ):
        fdask.stratified_split(dd.from_pandas(y, npartitions=2), ids=ids)
    # a bad argument: the single-machine class and message
    with pytest.raises(fastbal.FastbalError) as one:
        fastbal.stratified_sample(y)
    with pytest.raises(fastbal.FastbalError) as got:
        fdask.stratified_sample(dd.from_pandas(y, npartitions=2))
    assert str(got.value) == str(one.value) == "pass exactly one of fraction and n"


# ------------------------------------------------- the engine-neutral phases

label_lists = st.lists(st.one_of(st.none(), st.sampled_from(["x", "y", "zz", "é"])), max_size=60)


@given(y=label_lists, cuts=st.lists(st.integers(0, 60), max_size=5))
@example(y=[], cuts=[])
@example(y=[None, None], cuts=[1])
@example(y=["x", None, "y", "x"], cuts=[0, 0, 4])
def test_counters_of_any_batches_merge_to_the_whole_counts(y: list[Any], cuts: list[int]) -> None:
    bounds = [0, *sorted(min(c, len(y)) for c in cuts), len(y)]
    parts = [LabelCounter().update(y[a:b]) for a, b in itertools.pairwise(bounds)]
    # merged in a tree, through pickles
    while len(parts) > 1:
        parts = [
            pickle.loads(pickle.dumps(LabelCounter.combine(parts[i : i + 2])))
            for i in range(0, len(parts), 2)
        ]
    counted = Counter(v for v in y if v is not None)
    got = parts[0].counts
    assert got.to_dict() == dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))
    assert got.null_count == y.count(None)
    assert parts[0].rows == len(y)


def test_counter_of_labels_ints_and_kind_mismatch() -> None:
    c = LabelCounter().update(fastbal.Labels(np.array([5, 3, 5], dtype=np.int32)))
    c.update(np.array([3, 9], dtype=np.int32))
    assert c.counts.to_dict() == {3: 2, 5: 2, 9: 1}
    assert c.counts.classes.dtype == np.int32
    assert c.codes(np.array([9, 3], dtype=np.int32)).tolist() == [2, 0]
    with pytest.raises(ValueError, match="label 4 was not counted"):
        c.codes(np.array([4], dtype=np.int32))
    with pytest.raises(
        ValueError, match="cannot merge counts of signed integer labels with counts"
    ):
        c.update(["a"])
    with pytest.raises(TypeError, match="can only merge a LabelCounter"):
        c.merge([1])  # type: ignore[arg-type]
    restored = pickle.loads(pickle.dumps(c))
    assert restored.counts.to_dict() == c.counts.to_dict()
    assert restored.counts.classes.dtype == np.int32
    assert pickle.loads(pickle.dumps(LabelCounter())).rows == 0


@pytest.mark.parametrize("gather_limit", [None, 3])
def test_cut_search_by_hand_equals_the_split(gather_limit: int | None) -> None:
    rng = np.random.default_rng(5)
    y = rng.choice(np.array([10, 20, 30]), size=5000, p=[0.7, 0.25, 0.05])
    batches = [(0, y[:1234]), (1234, y[1234:1234]), (1234, y[1234:])]
    counter = LabelCounter.combine(LabelCounter().update(b) for _, b in batches)
    _, ranks = split_plan(counter, 0.2, 0.1)
    search = CutSearch(counter, ranks, seed=11, gather_limit=gather_limit)
    reports = []
    while not search.done:
        probes = search.probes()
        report = ProbeReport.merge([probes.run(counter.codes(b), o) for o, b in batches])
        reports.append(report)
        search.advance(report)
    assigner = search.assigner(counter, np.array(SPLIT_PART_CODES, dtype=np.int8))
    got = np.concatenate([assigner.assign(b, o) for o, b in batches])
    np.testing.assert_array_equal(got, fastbal.stratified_split(y, 0.2, 0.1, seed=11).assignment)
    if gather_limit is None:
        # one pass, gathering ~12 standard deviations of rows around each of 6 cuts
        assert search.passes == 1
        assert 0 < len(reports[0].row) < 1500
    else:
        assert search.passes == 2  # a histogram narrowed each window to a few rows first
    # sample cuts from the same counter
    sample = CutSearch(counter, sample_ranks(counter, n=50), seed=2)
    while not sample.done:
        probes = sample.probes()
        sample.advance(ProbeReport.merge([probes.run(counter.codes(b), o) for o, b in batches]))
    keep = np.concatenate(
        [sample.assigner(counter, np.array([True, False])).assign(b, o) for o, b in batches]
    )
    np.testing.assert_array_equal(np.flatnonzero(keep), fastbal.stratified_sample(y, n=50, seed=2))


def test_all_null_labels_equal_one_machine(client: Any) -> None:
    s = dd.from_pandas(pd.Series([None] * 5, dtype=object), npartitions=3)
    y = collected(s)
    assert fdask.value_counts(s).null_count == fastbal.value_counts(y).null_count == 5
    np.testing.assert_array_equal(
        fdask.stratified_split(s).compute().to_numpy(), fastbal.stratified_split(y).assignment
    )
    assert fdask.stratified_split(s).compute().tolist() == [-1] * 5
    assert not fdask.stratified_sample(s, fraction=0.5).compute().any()
