"""fastbal.hf on real HuggingFace datasets: the DatasetDict holds the rows of
`fastbal.stratified_split` / `prepare_split` on the same labels (ClassLabel,
int and string columns, indices-mapped datasets), features are kept, streamed
counts equal in-memory ones, weights come in ClassLabel order, and the loss
reduction adds up across gradient-accumulation micro-batches."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import fastbal
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from sklearn.utils.class_weight import compute_class_weight

datasets = pytest.importorskip("datasets")
import fastbal.hf  # noqa: E402  (needs datasets)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = ["rent", "travel", "tax", "fees", "audit", "bank"]


def make(labels: list[Any], kind: str) -> Any:
    """A Dataset with a `row` column (0..n-1), a `text` column and `label` of `kind`."""
    n = len(labels)
    data = {"row": list(range(n)), "text": [f"t{'x' * (i % 7)}" for i in range(n)], "label": labels}
    if kind == "classlabel":
        features = datasets.Features(
            {
                "row": datasets.Value("int64"),
                "text": datasets.Value("string"),
                "label": datasets.ClassLabel(names=NAMES),
            }
        )
        return datasets.Dataset.from_dict(data, features=features)
    return datasets.Dataset.from_dict(data)


def rows_of(part: Any) -> list[int]:
    return [int(r) for r in part["row"]]


def expected_labels(labels: list[Any], kind: str) -> list[Any]:
    """What fastbal sees: a ClassLabel's -1 is a missing label."""
    if kind == "classlabel":
        return [None if v == -1 else v for v in labels]
    return labels


@st.composite
def label_columns(draw: Any) -> tuple[list[Any], str]:
    kind = draw(st.sampled_from(["classlabel", "int", "str", "bool"]))
    if kind == "classlabel":
        pool = st.integers(-1, len(NAMES) - 1)
    elif kind == "int":
        pool = st.sampled_from([3, 10, 2, -7, 2**40, None])
    elif kind == "str":
        pool = st.sampled_from(["10", "2", "a", "é", "", None])
    else:
        pool = st.sampled_from([True, False, None])
    labels = draw(st.lists(pool, min_size=1, max_size=60))
    return labels, kind


SIZES = st.sampled_from([(0.2, 0.1), (0.25, 0.0), (0.0, 0.5), (3, 2), (0.5, 0.5)])


@given(label_columns(), SIZES, st.integers(0, 2**64 - 1), st.sampled_from(["train", "drop"]))
@example(([0] * 8 + [1] * 3 + [2], "classlabel"), (0.25, 0.0), 42, "train")
@example(([1] * 5 + [-1] * 3, "classlabel"), (0.2, 0.2), 0, "drop")
@example((["10", "2", "2", "10", "2"], "str"), (0.2, 0.2), 7, "train")
def test_split_rows_equal_stratified_split(
    col: tuple[list[Any], str], sizes: tuple[float, float], seed: int, rare: str
) -> None:
    labels, kind = col
    ds = make(labels, kind)
    kw = {"test_size": sizes[0], "val_size": sizes[1], "seed": seed, "rare": rare}
    if all(v is None for v in expected_labels(labels, kind)):
        with pytest.raises(ValueError, match="has no label: every row is missing one"):
            fastbal.hf.split(ds, "label", **kw)
        return
    try:
        want = fastbal.stratified_split(expected_labels(labels, kind), **kw)
    except ValueError as e:  # e.g. more rows asked for than there are: the same error
        with pytest.raises(ValueError, match=re.escape(str(e))):
            fastbal.hf.split(ds, "label", **kw)
        return
    parts = fastbal.hf.split(ds, "label", **kw)
    assert list(parts) == ["train", "validation", "test"]
    for name, idx in zip(("train", "validation", "test"), want, strict=True):
        assert rows_of(parts[name]) == idx.tolist()
        assert parts[name].features == ds.features
        assert [r["label"] for r in parts[name]] == [labels[i] for i in idx.tolist()]


@pytest.mark.parametrize("kind", ["classlabel", "int", "str"])
@pytest.mark.parametrize(
    "transform",
    [
        lambda d: d.shuffle(seed=3),
        lambda d: d.select(list(range(len(d) - 1, -1, -3))),
        lambda d: d.filter(lambda r: r["row"] % 4 != 1),
        lambda d: d.shuffle(seed=1).select(range(10, 70)),  # a contiguous slice of a mapping
        lambda d: d.train_test_split(test_size=0.3, seed=0)["train"],
    ],
    ids=["shuffle", "select", "filter", "shuffle+slice", "train_test_split"],
)
def test_indices_mapping_is_honoured(kind: str, transform: Any) -> None:
    rng = np.random.default_rng(5)
    raw = rng.choice(len(NAMES), size=90, p=[0.4, 0.25, 0.15, 0.1, 0.06, 0.04]).tolist()
    labels = raw if kind != "str" else [NAMES[v] for v in raw]
    mapped = transform(make(labels, kind))
    shown_rows = rows_of(mapped)  # the public, row-by-row reading: the oracle
    shown_labels = [labels[r] for r in shown_rows]
    parts = fastbal.hf.split(mapped, "label", test_size=0.2, val_size=0.2, seed=11)
    want = fastbal.stratified_split(shown_labels, test_size=0.2, val_size=0.2, seed=11)
    for name, idx in zip(("train", "validation", "test"), want, strict=True):
        assert rows_of(parts[name]) == [shown_rows[i] for i in idx.tolist()]
    counts = fastbal.hf.value_counts(mapped, "label", names=False).to_dict()
    assert counts == Counter(shown_labels)


def test_config_block_equals_prepare_split() -> None:
    from fastbal.datasets import seed_shaped

    y = seed_shaped()[:40_000]
    ds = datasets.Dataset.from_dict({"acct": y, "row": np.arange(len(y))})
    kw = {"test_size": 0.2, "val_size": 0.1, "seed": 42, "max_classes": 150, "min_count": 10}
    parts, prepared = fastbal.hf.split(ds, "acct", extract_ratio=0.5, return_summary=True, **kw)
    want = fastbal.prepare_split(y, extract_ratio=0.5, **kw)
    assert prepared.log() == want.log()
    for name, idx in zip(("train", "validation", "test"), want.split, strict=True):
        assert rows_of(parts[name]) == idx.tolist()
    assert [str(s).split(":")[0] for s in prepared.steps] == [
        "extract(0.5)",
        "top_k(150)",
        "min_count(10)",
    ]


def test_ids_key_the_split_whatever_the_row_order() -> None:
    labels = [0] * 30 + [1] * 12 + [2] * 5
    ds = make(labels, "classlabel").map(lambda r: {"key": f"id-{r['row'] * 7919 % 1000}"})
    a = fastbal.hf.split(ds, "label", seed=3, ids="key")
    b = fastbal.hf.split(ds.shuffle(seed=9), "label", seed=3, ids="key")
    for name in ("train", "validation", "test"):
        assert sorted(rows_of(a[name])) == sorted(rows_of(b[name]))
    want = fastbal.stratified_split(
        labels, seed=3, ids=[f"id-{i * 7919 % 1000}" for i in range(47)]
    )
    assert rows_of(a["test"]) == want.test.tolist()
    # ids as values, one per row
    c = fastbal.hf.split(ds, "label", seed=3, ids=np.arange(47) * 7919 % 1000)
    d = fastbal.stratified_split(labels, seed=3, ids=np.arange(47) * 7919 % 1000)
    assert rows_of(c["validation"]) == d.valid.tolist()


# ---------------------------------------------------------------- a streamed split


def streamed_rows(parts: Any) -> dict[str, list[int]]:
    return {name: [int(r["row"]) for r in part] for name, part in parts.items()}


@settings(max_examples=40, deadline=None)
@given(
    label_columns(),
    SIZES,
    st.integers(0, 2**64 - 1),
    st.sampled_from(["train", "drop"]),
    st.integers(1, 9),
    st.integers(1, 3),
)
@example(([0] * 8 + [1] * 3 + [2], "classlabel"), (0.25, 0.0), 42, "train", 5, 3)
def test_streamed_split_rows_equal_in_memory(
    col: tuple[list[Any], str],
    sizes: tuple[float, float],
    seed: int,
    rare: str,
    batch: int,
    shards: int,
) -> None:
    labels, kind = col
    assume(any(v is not None for v in expected_labels(labels, kind)))
    ds = make(labels, kind)
    stream = ds.to_iterable_dataset(num_shards=min(shards, len(labels)))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fastbal.hf, "STREAM_BATCH_ROWS", batch)  # several batches per stream
        try:
            whole, prepared = fastbal.hf.split(
                ds, "label", *sizes, seed=seed, rare=rare, return_summary=True
            )
        except fastbal.FastbalError as e:
            with pytest.raises(type(e), match=re.escape(str(e))):
                fastbal.hf.split(stream, "label", *sizes, seed=seed, rare=rare)
            return
        parts, summary = fastbal.hf.split(
            stream, "label", *sizes, seed=seed, rare=rare, return_summary=True
        )
        assert isinstance(parts, datasets.IterableDatasetDict)
        assert streamed_rows(parts) == {name: rows_of(part) for name, part in whole.items()}
    assert str(summary) == str(prepared.split.summary)


def test_streamed_split_by_ids_and_its_errors() -> None:
    labels = [0] * 30 + [1] * 12 + [2] * 5 + [-1]
    ds = make(labels, "classlabel").map(lambda r: {"key": f"id-{r['row'] * 7919 % 1000}"})
    whole = fastbal.hf.split(ds, "label", seed=3, ids="key")
    stream = ds.shuffle(seed=9).to_iterable_dataset(num_shards=4)
    parts = fastbal.hf.split(stream, "label", seed=3, ids="key")
    for name, part in parts.items():
        assert sorted(r["row"] for r in part) == sorted(rows_of(whole[name]))
    first = next(iter(parts["train"]))
    assert set(first) == {"row", "text", "label", "key"}
    assert parts["train"].features["label"].names == NAMES
    dup = datasets.Dataset.from_dict({"y": [1, 2, 1, 2], "k": [5, 6, 6, 7]})
    with pytest.raises(fastbal.InvalidInputError, match="rows 1 and 2 have the same id"):
        fastbal.hf.split(dup.to_iterable_dataset(), "y", ids="k")
    with pytest.raises(TypeError, match="takes ids as a column name"):
        fastbal.hf.split(dup.to_iterable_dataset(), "y", ids=[1, 2, 3, 4])
    with pytest.raises(fastbal.InvalidInputError, match="'z' is not a column"):
        fastbal.hf.split(dup.to_iterable_dataset(), "z")


def test_streamed_ids_are_checked_over_the_whole_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeat in two different batches is refused, naming the rows one machine names."""
    monkeypatch.setattr(fastbal.hf, "STREAM_BATCH_ROWS", 4)
    y, ids = ["a", "b"] * 6, [9, 1, 2, 3, 4, 5, 6, 7, 8, 2, 10, 9]
    with pytest.raises(fastbal.InvalidInputError) as one:
        fastbal.stratified_split(y, ids=ids)
    stream = datasets.Dataset.from_dict({"y": y, "k": ids}).to_iterable_dataset()
    with pytest.raises(fastbal.InvalidInputError) as got:
        fastbal.hf.split(stream, "y", ids="k")
    assert str(got.value) == str(one.value)
    assert re.search(r"rows (0 and 11|2 and 9) have the same id", str(got.value))


def test_streamed_split_by_position_refuses_a_sharded_stream() -> None:
    from datasets.distributed import split_dataset_by_node

    y = ["a", "b", "a", "c"] * 25
    ds = datasets.Dataset.from_dict({"y": y, "k": list(range(100))})
    shard = split_dataset_by_node(ds.to_iterable_dataset(num_shards=4), rank=0, world_size=2)
    with pytest.raises(fastbal.InvalidInputError, match="pass ids="):
        fastbal.hf.split(shard, "y")
    parts = fastbal.hf.split(shard, "y", ids="k")  # keyed by id: any shard splits
    assert sum(1 for p in parts.values() for _ in p) == 50


def test_streams_keyed_by_position_refuse_several_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import ModuleType, SimpleNamespace

    ds = datasets.Dataset.from_dict({"y": ["a", "b"] * 20, "k": list(range(40))})
    by_position = fastbal.hf.split(ds.to_iterable_dataset(), "y", seed=1)
    by_id = fastbal.hf.split(ds.to_iterable_dataset(), "y", seed=1, ids="k")
    assert sum(1 for _ in by_position["test"]) == 8
    workers = SimpleNamespace(num_workers=2, id=0)
    # a worker's view (torch imported, its worker info set), without torch installed
    if "torch" not in sys.modules:
        for name in ["torch", "torch.utils", "torch.utils.data"]:
            monkeypatch.setitem(sys.modules, name, ModuleType(name))
        monkeypatch.setattr(sys.modules["torch"], "utils", sys.modules["torch.utils"], False)
        utils = sys.modules["torch.utils"]
        monkeypatch.setattr(utils, "data", sys.modules["torch.utils.data"], False)
        monkeypatch.setattr(utils.data, "IterableDataset", type("IterableDataset", (), {}), False)
    data = sys.modules["torch.utils.data"]
    monkeypatch.setattr(data, "get_worker_info", lambda: workers, False)
    with pytest.raises(fastbal.InvalidInputError, match="pass ids="):
        next(iter(by_position["test"]))
    assert sum(1 for _ in by_id["test"]) == 8


def test_classlabel_names_and_features_kept() -> None:
    ds = make([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 5, -1], "classlabel")
    parts = fastbal.hf.split(ds, "label", test_size=0.34, val_size=0.0, seed=1)
    for part in parts.values():
        assert part.features["label"].names == NAMES
    # -1 ("no label") is left out of every split
    got = sorted(r for p in parts.values() for r in rows_of(p))
    assert got == list(range(11))
    # the one-row class 5 goes to train by default
    assert 10 in rows_of(parts["train"])


def test_rare_classes() -> None:
    ds = make(["a"] * 20 + ["b"] * 2 + ["c"], "str")
    train = rows_of(fastbal.hf.split(ds, "label", seed=0)["train"])
    assert {20, 21, 22} <= set(train)
    dropped = fastbal.hf.split(ds, "label", seed=0, rare="drop")
    assert all(r < 20 for p in dropped.values() for r in rows_of(p))
    with pytest.raises(ValueError, match=r"too few to appear in every split: \"b\", \"c\""):
        fastbal.hf.split(ds, "label", seed=0, rare="error")


def test_summary_log() -> None:
    ds = make([0] * 50 + [1] * 30 + [2] * 2 + [3], "classlabel")
    parts, prepared = fastbal.hf.split(ds, "label", min_count=2, seed=42, return_summary=True)
    assert isinstance(prepared, fastbal.PreparedSplit)
    # ClassLabel classes by name
    assert prepared.log().splitlines()[0] == (
        "min_count(2): kept 3 of 4 classes and 82 of 83 rows; removed 1 class and 1 row "
        "(1.205%) [fees]; imbalance ratio 50 : 1 -> 25 : 1; smallest class left: tax (2 rows)"
    )
    assert prepared.split.summary.classes.tolist() == ["rent", "travel", "tax"]
    assert prepared.split.summary.rare_classes == ["tax"]
    assert "too small for every split, all in train: tax" in prepared.log()
    parts, prepared = fastbal.hf.split(ds, "label", min_count=10, seed=42, return_summary=True)
    assert str(prepared.steps[0]).startswith("min_count(10): kept 2 of 4 classes and 80 of 83 rows")
    assert prepared.split.summary.missing_from_train == []
    assert [parts[n].num_rows for n in parts] == [56, 8, 16]


# ---------------------------------------------------------------- counting


@given(label_columns(), st.integers(1, 50), st.integers(1, 4))
@example(([2, 2, -1, 0], "classlabel"), 1, 1)
def test_streamed_counts_equal_in_memory(
    col: tuple[list[Any], str], batch_size: int, shards: int
) -> None:
    labels, kind = col
    ds = make(labels, kind)
    stream = ds.to_iterable_dataset(num_shards=min(shards, len(labels)))
    for names in (True, False):
        whole = fastbal.hf.value_counts(ds, "label", names=names)
        streamed = fastbal.hf.value_counts(stream, "label", names=names, batch_size=batch_size)
        assert streamed.to_dict() == whole.to_dict()
        assert streamed.null_count == whole.null_count
    oracle = Counter(v for v in expected_labels(labels, kind) if v is not None)
    got = fastbal.hf.value_counts(ds, "label", names=False).to_dict()
    assert got == dict(oracle)
    a = fastbal.hf.report(ds, "label", "text").to_dict()
    b = fastbal.hf.report(stream, "label", "text", batch_size=batch_size).to_dict()
    assert a == b


def test_streamed_report_with_batches_without_labels() -> None:
    ds = datasets.Dataset.from_dict(
        {"y": ["a", "b", None, None, "a"], "t": ["x", "yy", "z", "w", "vvv"]}
    )
    whole = fastbal.hf.report(ds, "y", "t").to_dict()
    streamed = fastbal.hf.report(ds.to_iterable_dataset(), "y", "t", batch_size=2).to_dict()
    assert streamed == whole
    assert [(c["class"], c["rows"], c["max"]) for c in whole["text_length"]["classes"]] == [
        ("a", 2, 3),
        ("b", 1, 2),
    ]


def test_value_counts_names() -> None:
    ds = make([1, 1, 0, 5, 1, -1], "classlabel")
    vc = fastbal.hf.value_counts(ds, "label")
    assert vc.to_dict() == {"travel": 3, "rent": 1, "bank": 1}
    assert vc.null_count == 1
    assert fastbal.hf.value_counts(ds, "label", names=False).to_dict() == {1: 3, 0: 1, 5: 1}


def test_report_names_and_lengths() -> None:
    ds = make([0, 0, 0, 1, 1, 2], "classlabel")
    r = fastbal.hf.report(ds, "label", "text")
    assert r.one_row_classes == ["tax"]
    table = r.lengths.table if r.lengths is not None else None
    assert table is not None
    assert sorted(table["class"].to_list()) == ["rent", "tax", "travel"]
    # texts "t", "tx", "txx" for rows 0..2: rent's lengths are 1, 2, 3
    rent = table.filter(table["class"] == "rent").row(0, named=True)
    assert (rent["min"], rent["max"], rent["rows"]) == (1, 3, 3)


# ---------------------------------------------------------------- weights


def test_class_weights_classlabel_order_and_fill() -> None:
    ds = make([0, 0, 0, 1, 3, 3, -1], "classlabel")
    w = fastbal.hf.class_weights(ds, "label")
    present = compute_class_weight("balanced", classes=np.array([0, 1, 3]), y=[0, 0, 0, 1, 3, 3])
    assert len(w) == len(NAMES)
    np.testing.assert_allclose(w[[0, 1, 3]], present, rtol=1e-12)
    assert w[[2, 4, 5]].tolist() == [0.0, 0.0, 0.0]
    assert fastbal.hf.class_weights(ds, "label", fill=1.0)[[2, 4, 5]].tolist() == [1.0] * 3
    by_name = fastbal.hf.class_weights(ds, "label", classes=["fees", "rent", "travel", "audit"])
    np.testing.assert_allclose(by_name, [present[2], present[0], present[1], 0.0], rtol=1e-12)


def test_class_weights_int_and_str_columns() -> None:
    ds = make([4, 4, 1, 1, 1, 1], "int")
    np.testing.assert_allclose(
        fastbal.hf.class_weights(ds, "label", "inverse"), [0.0, 0.25, 0.0, 0.0, 0.5]
    )
    assert len(fastbal.hf.class_weights(ds, "label", num_classes=9)) == 9
    s = make(["b", "a", "a", "a"], "str")
    np.testing.assert_allclose(
        fastbal.hf.class_weights(s, "label", "inverse", classes=["a", "z", "b"]),
        [1 / 3, 0.0, 1.0],
    )
    with pytest.raises(TypeError, match="holds strings, which fix no order: pass classes="):
        fastbal.hf.class_weights(s, "label")
    lacking = r"classes lacks 1 class\(es\) of the data: \['b'\]"
    with pytest.raises(fastbal.FastbalError, match=lacking):
        fastbal.hf.class_weights(s, "label", classes=["a"])
    with pytest.raises(fastbal.FastbalError, match=lacking):  # the rule of fastbal.class_weights
        fastbal.class_weights(["b", "a", "a", "a"], classes=["a"])
    with pytest.raises(fastbal.FastbalError, match="classes holds 'a' more than once"):
        fastbal.hf.class_weights(s, "label", classes=["a", "b", "a"])
    with pytest.raises(fastbal.FastbalError, match="classes holds 'a' more than once"):
        fastbal.class_weights(["b", "a"], classes=["a", "b", "a"])
    with pytest.raises(fastbal.FastbalError, match="negative labels"):
        fastbal.hf.class_weights(make([-2, 1], "int"), "label")
    with pytest.raises(
        fastbal.FastbalError, match=r"labels up to 16,777,216: a vector indexed by label"
    ):
        fastbal.hf.class_weights(make([2**24, 1], "int"), "label")
    assert fastbal.hf.class_weights(
        make([2**40, 1], "int"), "label", classes=[1, 2**40]
    ).tolist() == [1.0, 1.0]


@given(label_columns(), st.sampled_from(["balanced", "sqrt", "effective"]))
def test_streamed_weights_equal_in_memory(col: tuple[list[Any], str], strategy: str) -> None:
    labels, kind = col
    ds = make(labels, kind)
    order = {
        "classlabel": None,
        "int": [3, 10, 2, -7, 2**40],
        "str": ["10", "2", "a", "é", ""],
        "bool": [False, True],
    }[kind]
    whole = fastbal.hf.class_weights(ds, "label", strategy, classes=order, normalize="mean")
    streamed = fastbal.hf.class_weights(
        ds.to_iterable_dataset(num_shards=2 if len(labels) > 1 else 1),
        "label",
        strategy,
        classes=order,
        normalize="mean",
        batch_size=7,
    )
    np.testing.assert_allclose(streamed, whole, rtol=1e-12)


def test_class_weights_of_value_counts() -> None:
    parts = [fastbal.value_counts(["a"] * 50), fastbal.value_counts(["a"] * 49 + ["b"])]
    merged = fastbal.ValueCounts.merge(parts)
    assert (
        fastbal.class_weights(merged, "sqrt").to_dict()
        == fastbal.class_weights(["a"] * 99 + ["b"], "sqrt").to_dict()
    )


def test_class_weights_of_counts_refuses_empty_classes() -> None:
    counts = fastbal.ValueCounts(np.array([1, 2]), np.array([3, 0]), 0)
    with pytest.raises(ValueError, match="class counts must be positive"):
        fastbal.class_weights(counts)


# ---------------------------------------------------------------- the loss reduction


def test_weighted_loss_by_hand() -> None:
    losses = np.array([1.0, 2.0, 3.0, 4.0])
    labels = np.array([0, 1, -100, 1])
    w = np.array([0.5, 2.0])
    # (0.5 * 1 + 2 * 2 + 2 * 4) / 3 labeled items
    assert fastbal.hf.weighted_loss(losses, labels, w) == pytest.approx(12.5 / 3)
    # the Trainer's count of the accumulated batch replaces the local count
    assert fastbal.hf.weighted_loss(losses, labels, w, 10) == pytest.approx(1.25)
    # no labeled item: 0, not nan
    assert fastbal.hf.weighted_loss(losses[2:3], labels[2:3], w) == 0.0
    # unit weights: the plain mean over labeled items
    assert fastbal.hf.weighted_loss(losses, labels, np.ones(2)) == pytest.approx(7 / 3)


@given(
    st.lists(
        st.tuples(st.floats(0, 20), st.sampled_from([0, 1, 2, -100])), min_size=1, max_size=40
    ),
    st.lists(st.floats(0.01, 50), min_size=3, max_size=3),
    st.integers(1, 8),
)
def test_micro_batches_add_up_to_the_whole_batch(
    items: list[tuple[float, int]], weights: list[float], n_micro: int
) -> None:
    losses = np.array([x for x, _ in items])
    labels = np.array([y for _, y in items])
    w = np.array(weights)
    n_items = int((labels != -100).sum())
    whole = fastbal.hf.weighted_loss(losses, labels, w)
    oracle = sum(w[y] * x for x, y in items if y != -100) / max(n_items, 1)
    assert whole == pytest.approx(oracle, rel=1e-12, abs=1e-12)
    if n_items:  # (the Trainer counts at least one labeled item per step)
        parts = sum(
            fastbal.hf.weighted_loss(lo, la, w, n_items)
            for lo, la in zip(
                np.array_split(losses, n_micro), np.array_split(labels, n_micro), strict=True
            )
        )
        assert parts == pytest.approx(whole, rel=1e-12, abs=1e-12)


def _example(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_loss_recipe_with_torch() -> None:
    torch = pytest.importorskip("torch")
    recipe = _example("hf_trainer_loss")
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(12, 3, generator=gen, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 0, 0, -100, 1, 0, 2, 0, 0, 1])
    w = [0.5, 2.0, 4.0]
    keep = labels != -100
    ce = torch.nn.functional.cross_entropy(logits[keep], labels[keep], reduction="none")
    wt = torch.tensor(w)[labels[keep]]
    # weighted cross entropy: sum(w * ce) / labeled items
    loss = recipe.class_weighted_loss(w)({"logits": logits}, labels)
    torch.testing.assert_close(loss, (wt * ce).sum() / keep.sum())
    # focal loss, gamma 2, alpha = w
    focal = recipe.class_weighted_loss(w, gamma=2.0)({"logits": logits}, labels)
    p = torch.exp(-ce)
    torch.testing.assert_close(focal, (wt * (1 - p) ** 2 * ce).sum() / keep.sum())
    # under gradient accumulation: micro-batch gradients add up to the whole batch's
    fn = recipe.class_weighted_loss(w, gamma=2.0)
    (whole_grad,) = torch.autograd.grad(fn({"logits": logits}, labels), logits)
    n = keep.sum()
    acc = sum(
        torch.autograd.grad(fn({"logits": logits}, torch.where(part, labels, -100), n), logits)[0]
        for part in (torch.arange(12) < 5, torch.arange(12) >= 5)
    )
    torch.testing.assert_close(acc, whole_grad)


# third-party deprecation notices are not what this test is about
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_trainer_step_equals_one_full_batch_step(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    recipe = _example("hf_trainer_loss")
    torch.manual_seed(0)
    n_classes, vocab = 3, 20
    rng = np.random.default_rng(1)
    ds = datasets.Dataset.from_dict(
        {
            "input_ids": rng.integers(0, vocab, size=(8, 4)).tolist(),
            "labels": [0, 0, 0, 0, 0, 1, 1, 2],
        }
    ).with_format("torch")
    w = fastbal.hf.class_weights(ds, "labels", "balanced")
    loss_func = recipe.class_weighted_loss(w, gamma=2.0)

    def step(micro: int) -> Any:
        torch.manual_seed(0)
        model = recipe.TinyClassifier(vocab, n_classes)
        start = {k: v.detach().clone() for k, v in model.state_dict().items()}
        trainer = transformers.Trainer(
            model=model,
            args=transformers.TrainingArguments(
                output_dir=str(tmp_path / f"m{micro}"),
                per_device_train_batch_size=micro,
                gradient_accumulation_steps=8 // micro,
                max_steps=1,
                learning_rate=0.5,
                optim="sgd",
                lr_scheduler_type="constant",
                max_grad_norm=0.0,  # no clipping
                weight_decay=0.0,
                report_to=[],
                use_cpu=True,
                save_strategy="no",
            ),
            train_dataset=ds,
            compute_loss_func=loss_func,
        )
        trainer.train()
        return {k: model.state_dict()[k] - start[k] for k in start}

    whole, accumulated = step(8), step(2)
    for k in whole:
        torch.testing.assert_close(accumulated[k], whole[k])


def test_pipeline_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    module = _example("hf_create_dataset")
    module.main()
    out = capsys.readouterr().out
    assert "missing from train: []" in out
    assert "class weights (sqrt, mean 1 per row): 224 ids" in out


# ---------------------------------------------------------------- bad input


def test_missing_column_lists_the_columns() -> None:
    ds = make([1, 2], "int")
    with pytest.raises(
        fastbal.InvalidInputError,
        match=r"label column 'lable' is not a column of the dataset; "
        r"its columns: 'row', 'text', 'label'",
    ):
        fastbal.hf.split(ds, "lable")
    with pytest.raises(fastbal.InvalidInputError, match="ids column 'id' is not a column"):
        fastbal.hf.split(ds, "label", ids="id")
    with pytest.raises(fastbal.InvalidInputError, match="text column 'body' is not a column"):
        fastbal.hf.report(ds, "label", "body")
    with pytest.raises(TypeError, match="label column must be a column name"):
        fastbal.hf.value_counts(ds, 2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([0.5, 1.0], r"holds floats \(double\); labels are discrete: cast it"),
        ([[1, 2], [3]], r"holds lists \(list<item: int64>\); one label per row"),
        ([{"a": 1}, {"a": 2}], "has Arrow type struct<a: int64>"),
        ([b"x", b"y"], "has Arrow type binary"),
    ],
    ids=["float", "list", "struct", "binary"],
)
def test_unlabel_like_columns(values: list[Any], match: str) -> None:
    ds = datasets.Dataset.from_dict({"y": values})
    fns = [fastbal.hf.class_weights]
    if not isinstance(values[0], list):  # a column of lists is split and counted as label sets
        fns += [fastbal.hf.split, fastbal.hf.value_counts]
    for fn in fns:
        with pytest.raises(TypeError, match=match):
            fn(ds, "y")
        with pytest.raises(TypeError, match=match):
            fn(ds.to_iterable_dataset(), "y")


def test_empty_and_unlabeled() -> None:
    empty = datasets.Dataset.from_dict({"y": pa.array([], pa.int64())})
    for fn in (fastbal.hf.split, fastbal.hf.value_counts, fastbal.hf.class_weights):
        with pytest.raises(fastbal.InvalidInputError, match="the dataset has no rows"):
            fn(empty, "y")
    stream = make([1, 2], "int").to_iterable_dataset().filter(lambda r: False)
    with pytest.raises(fastbal.InvalidInputError, match="the dataset has no rows"):
        fastbal.hf.value_counts(stream, "label")
    filtered = make([1, 2, 3], "int").filter(lambda r: r["label"] > 5)
    with pytest.raises(fastbal.InvalidInputError, match="the dataset has no rows"):
        fastbal.hf.split(filtered, "label")
    nulls = datasets.Dataset.from_dict({"y": pa.array([None, None], pa.int64())})
    with pytest.raises(
        fastbal.InvalidInputError, match="label column 'y' has no label: every row is missing one"
    ):
        fastbal.hf.split(nulls, "y")


def test_classlabel_out_of_range() -> None:
    ds = datasets.Dataset.from_dict({"y": [0, 1, 9]}).cast_column("y", datasets.Value("int64"))
    bad = datasets.Dataset(
        ds.data.table,
        info=datasets.DatasetInfo(
            features=datasets.Features({"y": datasets.ClassLabel(names=["a", "b"])})
        ),
    )
    with pytest.raises(fastbal.InvalidInputError, match=r"is a ClassLabel of 2 names but holds 9"):
        fastbal.hf.value_counts(bad, "y")


def test_wrong_containers() -> None:
    ds = make([1, 1, 2], "int")
    with pytest.raises(TypeError, match=r"takes one split, not a DatasetDict; pass one of \['a'\]"):
        fastbal.hf.split(datasets.DatasetDict({"a": ds}), "label")
    with pytest.raises(TypeError, match=r"^a streamed split takes no min_count, extract_ratio:"):
        fastbal.hf.split(ds.to_iterable_dataset(), "label", min_count=2, extract_ratio=0.5)
    with pytest.raises(TypeError, match=r"takes a datasets\.Dataset; got list"):
        fastbal.hf.value_counts([1, 2], "label")
    with pytest.raises(fastbal.FastbalError, match="ids has 2 values for 3 rows"):
        fastbal.hf.split(ds, "label", ids=[1, 2])
    with pytest.raises(fastbal.FastbalError, match="batch_size must be positive"):
        fastbal.hf.value_counts(ds.to_iterable_dataset(), "label", batch_size=0)
    with pytest.raises(TypeError, match="num_classes applies to integer label columns"):
        fastbal.hf.class_weights(make([0, 1], "classlabel"), "label", num_classes=6)


# ---------------------------------------------------------------------------- label sets

TAG_NAMES = ["zeta", "alpha", "mid"]
TAG_ROWS = [[0, 1], [1], [], None, [2, 0], [0, 1, 2], [1, 2]]
# by hand: alpha 4, mid 3, zeta 3 (ties by name); pairs alpha+zeta 2, alpha+mid 2, mid+zeta 2


def tag_dataset() -> Any:
    features = datasets.Features(
        {
            "tags": datasets.Sequence(datasets.ClassLabel(names=TAG_NAMES)),
            "text": datasets.Value("string"),
        }
    )
    return datasets.Dataset.from_dict(
        {"tags": TAG_ROWS, "text": [f"t{i}" for i in range(len(TAG_ROWS))]}, features=features
    )


def tag_names(rows: list[Any]) -> list[Any]:
    return [None if r is None else [TAG_NAMES[i] for i in r] for r in rows]


def test_value_counts_of_classlabel_sets_by_hand() -> None:
    ds = tag_dataset()
    for form in (ds, ds.to_iterable_dataset()):
        c = fastbal.hf.value_counts(form, "tags", batch_size=2)
        assert isinstance(c, fastbal.MultilabelCounts)
        assert c.to_dict() == {"alpha": 4, "mid": 3, "zeta": 3}
        assert (c.rows, c.null_rows, c.empty_rows, c.distinct_sets) == (7, 1, 1, 6)
        assert c.cardinality == pytest.approx(10 / 6)
        assert c.pairs == [(("alpha", "mid"), 2), (("alpha", "zeta"), 2), (("mid", "zeta"), 2)]
    ids = fastbal.hf.value_counts(ds, "tags", names=False)
    assert ids.to_dict() == {1: 4, 0: 3, 2: 3}


def test_label_sets_counts_and_report_equal_the_python_api() -> None:
    ds = tag_dataset()
    want = fastbal.multilabel_counts(tag_names(TAG_ROWS))
    report = fastbal.report(tag_names(TAG_ROWS), top=2, min_count=4).to_dict()
    # shuffled, selected and streamed datasets show their own rows in their order
    shuffled = ds.shuffle(seed=3)
    picked = ds.select([6, 4, 0, 3])
    for form, rows in (
        (ds, TAG_ROWS),
        (ds.to_iterable_dataset(), TAG_ROWS),
        (shuffled, shuffled["tags"]),
        (picked, [TAG_ROWS[i] for i in (6, 4, 0, 3)]),
    ):
        got = fastbal.hf.value_counts(form, "tags", batch_size=3)
        py = fastbal.multilabel_counts(tag_names(rows))
        assert (got.to_dict(), got.pairs, repr(got)) == (py.to_dict(), py.pairs, repr(py))
        r = fastbal.hf.report(form, "tags", top=2, min_count=4, batch_size=3)
        assert isinstance(r, fastbal.MultilabelReport)
        assert r.to_dict() == fastbal.report(tag_names(rows), top=2, min_count=4).to_dict()
    assert fastbal.hf.value_counts(ds, "tags").to_dict() == want.to_dict()
    assert fastbal.hf.report(ds, "tags", top=2, min_count=4).to_dict() == report
    assert report["labels_under_min_count"] == ["mid", "zeta"]


def test_label_sets_of_ints_and_strings() -> None:
    ints = datasets.Dataset.from_dict({"y": [[3, 1], [1], [], [7, 1]]})
    assert fastbal.hf.value_counts(ints, "y").to_dict() == {1: 3, 3: 1, 7: 1}
    strs = datasets.Dataset.from_dict({"y": [["b", "a"], ["a"], None]})
    r = fastbal.hf.report(strs.to_iterable_dataset(), "y")
    assert (r.n_labels, r.rows, r.counts.null_rows, r.pairs[0]["labels"]) == (2, 3, 1, ["a", "b"])


def test_label_sets_refusals() -> None:
    ds = tag_dataset()
    for form in (ds, ds.to_iterable_dataset()):
        with pytest.raises(fastbal.FastbalError, match=r"holds lists .* without text_column"):
            fastbal.hf.report(form, "tags", "text")
        with pytest.raises(TypeError, match="one label per row is needed here"):
            fastbal.hf.class_weights(form, "tags")
    bad = datasets.Dataset(
        pa.table({"tags": pa.array([[0, 1], [3]])}),
        info=datasets.DatasetInfo(
            features=datasets.Features(
                {"tags": datasets.Sequence(datasets.ClassLabel(names=["a", "b"]))}
            )
        ),
    )
    with pytest.raises(fastbal.InvalidInputError, match="ClassLabel of 2 names but holds 3"):
        fastbal.hf.value_counts(bad, "tags")
