"""Multilabel split, k-fold and counts: the contract on every input form."""

from __future__ import annotations

import itertools

import fastbal
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def random_sets(rows: int, labels: int, rate: float, seed: int) -> np.ndarray:
    """A 0/1 matrix with label j on about rate / (j + 1) of the rows."""
    rng = np.random.default_rng(seed)
    p = rate / (np.arange(labels) + 1)
    return (rng.random((rows, labels)) < p).astype(np.int8)


def label_lists(y: np.ndarray) -> list[list[int]]:
    return [np.flatnonzero(r).tolist() for r in y]


def cells_from(y: np.ndarray, codes: np.ndarray, parts: int) -> np.ndarray:
    """Positives per (label, part), computed from the assignment."""
    return np.stack([y[codes == p].sum(axis=0) for p in range(parts)], axis=1)


def test_split_sizes_and_every_label_everywhere():
    y = random_sets(1000, 12, 0.6, 0)
    s = fastbal.multilabel_split(y, test_size=0.2, val_size=0.1, seed=3)
    assert (len(s.train), len(s.valid), len(s.test)) == (700, 100, 200)
    cells = cells_from(y, s.assignment, 3)
    assert (cells > 0).all()
    assert s.summary.uncovered == []
    share = y.sum(axis=0)[:, None] * np.array([700, 100, 200])[None, :] / 1000
    assert np.abs(cells - share).max() < 2
    assert s.summary.max_deviation == pytest.approx(np.abs(cells - share).max())
    assert (s.summary.cells == cells).all()
    assert s.summary.classes.tolist() == list(range(12))
    assert np.array_equal(np.sort(np.concatenate(list(s))), np.arange(1000))


def test_split_three_rows_per_label_one_in_each_split():
    # label j on rows 3j, 3j+1, 3j+2 only: one positive per split
    y = np.zeros((30, 10), dtype=bool)
    y[np.arange(30), np.arange(30) // 3] = True
    s = fastbal.multilabel_split(y, test_size=10, val_size=10, seed=1)
    assert (cells_from(y, s.assignment, 3) == 1).all()


def test_kfold_partition_and_sizes():
    y = random_sets(503, 8, 0.5, 1)
    kf = fastbal.multilabel_kfold(y, k=5, seed=2)
    assert kf.sizes == [101, 101, 101, 100, 100]
    tests = [t for _, t in kf]
    assert np.array_equal(np.sort(np.concatenate(tests)), np.arange(503))
    for train, test in kf:
        assert len(np.intersect1d(train, test)) == 0
        assert len(train) + len(test) == 503
    cells = cells_from(y, kf.folds, 5)
    assert (kf.plan == cells).all()
    assert (cells.max(axis=1) - cells.min(axis=1)).max() <= 2
    assert repr(kf) == "MultilabelKFold(k=5, fold sizes=[101, 101, 101, 100, 100])"


def test_null_and_empty_rows():
    y = [["a"], None, [], ["a", "b"], ["b"], [], ["a"], None, ["b"], []]
    s = fastbal.multilabel_split(y, test_size=0.25, val_size=0.25, seed=0)
    assert s.assignment[1] == s.assignment[7] == -1
    assert (len(s.train), len(s.valid), len(s.test)) == (4, 2, 2)
    assert s.summary.null_rows == 2
    assert s.summary.empty_rows == 3
    kf = fastbal.multilabel_kfold(y, k=2)
    assert kf.folds[1] == kf.folds[7] == -1
    assert sorted(np.concatenate([t for _, t in kf]).tolist()) == [0, 2, 3, 4, 5, 6, 8, 9]


def forms(y: np.ndarray):
    """The same label sets as every input form."""
    import scipy.sparse as sp

    lists = label_lists(y)
    yield "numpy int8", y
    yield "numpy bool", y.astype(bool)
    yield "numpy uint64", y.astype(np.uint64)
    yield "numpy float", y.astype(np.float32)
    yield "csr_matrix", sp.csr_matrix(y)
    yield "csr_array", sp.csr_array(y)
    yield "csc_matrix", sp.csc_matrix(y)
    yield "coo_array", sp.coo_array(y)
    yield "list", lists
    yield "list, labels unsorted", [r[::-1] for r in lists]
    yield "pyarrow list", pa.array(lists, type=pa.list_(pa.int32()))
    yield "pyarrow large_list", pa.array(lists, type=pa.large_list(pa.int64()))
    yield "pyarrow sliced", pa.array([[0], *lists], type=pa.list_(pa.int64())).slice(1)
    yield "pyarrow chunked", pa.chunked_array([pa.array(lists[:7]), pa.array(lists[7:])])
    yield "big ids", [[v * 10**12 for v in r] for r in lists]


def test_same_split_whatever_the_form():
    pytest.importorskip("scipy")
    y = random_sets(60, 6, 0.7, 4)
    expected = fastbal.multilabel_split(y, seed=5).assignment
    expected_k = fastbal.multilabel_kfold(y, k=3, seed=5).folds
    for name, form in forms(y):
        assert np.array_equal(fastbal.multilabel_split(form, seed=5).assignment, expected), name
        assert np.array_equal(fastbal.multilabel_kfold(form, k=3, seed=5).folds, expected_k), name


def test_polars_and_pandas_forms():
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    y = [["x", "y"], ["y"], [], None, ["x"], ["z", "y"], ["x"]]
    expected = fastbal.multilabel_split(y, test_size=2, val_size=1).assignment
    for form in (pl.Series(y), pd.Series(y), pa.array(y), pa.array(y, pa.large_list(pa.string()))):
        assert np.array_equal(
            fastbal.multilabel_split(form, test_size=2, val_size=1).assignment, expected
        )
    assert expected[3] == -1


def test_string_labels_keep_their_values():
    y = [["cat"], ["dog", "cat"], ["bird"], ["dog"], ["cat"], ["dog"]]
    s = fastbal.multilabel_split(y, test_size=0.34, val_size=0, seed=0)
    assert s.summary.classes.tolist() == ["bird", "cat", "dog"]
    c = fastbal.multilabel_counts(y)
    assert c.to_dict() == {"cat": 3, "dog": 3, "bird": 1}
    assert c.pairs == [(("cat", "dog"), 1)]
    assert c.cardinality == pytest.approx(7 / 6)


def test_counts():
    y = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 0]])
    c = fastbal.multilabel_counts(y)
    assert c.labels.tolist() == [0, 1]
    assert c.counts.tolist() == [3, 2]
    assert (c.rows, c.null_rows, c.empty_rows, c.distinct_sets) == (4, 0, 1, 3)
    assert c.pairs == [((0, 1), 2)]
    assert "4 rows, 2 labels" in str(c)


def test_ids_make_the_split_independent_of_row_order():
    y = random_sets(300, 7, 0.6, 5)
    ids = [f"row-{i}" for i in range(300)]
    a = fastbal.multilabel_kfold(y, k=4, seed=9, ids=ids).folds
    perm = np.random.default_rng(0).permutation(300)
    b = fastbal.multilabel_kfold(y[perm], k=4, seed=9, ids=[ids[i] for i in perm]).folds
    assert np.array_equal(b, a[perm])
    s = fastbal.multilabel_split(y, seed=9, ids=ids).assignment
    t = fastbal.multilabel_split(y[perm], seed=9, ids=[ids[i] for i in perm]).assignment
    assert np.array_equal(t, s[perm])


def test_seed_changes_the_split():
    y = random_sets(200, 5, 0.5, 6)
    a = fastbal.multilabel_split(y, seed=1).assignment
    assert np.array_equal(a, fastbal.multilabel_split(y, seed=1).assignment)
    assert not np.array_equal(a, fastbal.multilabel_split(y, seed=2).assignment)


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.array([[0, 2], [1, 0]]), "only 0 and 1; got 2"),
        (np.array([[0.5, 1.0]]), "only 0 and 1; got 0.5"),
        (np.array([[np.nan, 1.0]]), "only 0 and 1"),
        (np.array([0, 1, 1]), "must be 2-D"),
        (np.zeros((2, 2, 2)), "must be 2-D"),
        ([[0, -1], [2]], "must not be negative"),
        ([[1, 1]], "twice"),
        ([[0.5]], "ints or strings"),
        ([["a", None]], "null"),
        (np.array([["a", "b"]]), "0/1 values"),
        (pa.array([1, 2]), "Arrow array of type int64"),
    ],
)
def test_bad_input_says_what_was_expected(y, match):
    with pytest.raises(fastbal.InvalidInputError, match=match):
        fastbal.multilabel_split(y)


def test_bad_sparse_values():
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(fastbal.InvalidInputError, match="only 0 and 1; got 3"):
        fastbal.multilabel_kfold(sp.csr_matrix(np.array([[3, 0], [1, 1]])), k=2)
    # explicit zeros are not positives
    m = sp.csr_matrix((np.array([1, 0, 1]), np.array([0, 1, 1]), np.array([0, 2, 3])), shape=(2, 2))
    assert fastbal.multilabel_counts(m).to_dict() == {0: 1, 1: 1}


def test_too_few_rows_for_the_folds():
    with pytest.raises(fastbal.InfeasibleError, match="3 folds out of 2"):
        fastbal.multilabel_kfold([[0], [1]], k=3)


def test_summary_text():
    y = random_sets(100, 4, 0.5, 7)
    text = str(fastbal.multilabel_split(y, seed=0).summary)
    assert text.startswith("split: train 70 (70.0%, 4 labels), valid 10 (10.0%, 4 labels)")
    assert "label distribution (LD)" in text


@st.composite
def label_sets(draw):
    rows = draw(st.integers(3, 80))
    q = draw(st.integers(1, 8))
    sets = draw(
        st.lists(
            st.one_of(st.none(), st.lists(st.integers(0, q - 1), unique=True, max_size=q)),
            min_size=rows,
            max_size=rows,
        )
    )
    return sets


@settings(max_examples=60, deadline=None)
@given(sets=label_sets(), seed=st.integers(0, 2**64 - 1), k=st.integers(2, 5))
def test_property_kfold(sets, seed, k):
    non_null = [i for i, r in enumerate(sets) if r is not None]
    if len(non_null) < k:
        with pytest.raises(fastbal.InfeasibleError):
            fastbal.multilabel_kfold(sets, k=k, seed=seed)
        return
    kf = fastbal.multilabel_kfold(sets, k=k, seed=seed)
    assert np.array_equal(np.flatnonzero(kf.folds >= 0), non_null)
    sizes = np.bincount(kf.folds[kf.folds >= 0], minlength=k)
    assert sizes.max() - sizes.min() <= 1
    assert np.array_equal(kf.folds, fastbal.multilabel_kfold(sets, k=k, seed=seed).folds)
    # every label with at least k positives is in every fold, or named
    for label, cells in zip(kf.classes.tolist(), kf.plan, strict=True):
        if cells.sum() >= k and (cells == 0).any():
            assert label in kf.uncovered
    # the rows reversed with ids: the same folds, reversed
    ids = list(range(len(sets)))
    a = fastbal.multilabel_kfold(sets, k=k, seed=seed, ids=ids).folds
    b = fastbal.multilabel_kfold(sets[::-1], k=k, seed=seed, ids=ids[::-1]).folds
    assert np.array_equal(a, b[::-1])


@settings(max_examples=60, deadline=None)
@given(sets=label_sets(), seed=st.integers(0, 1000))
def test_property_split(sets, seed):
    n = sum(r is not None for r in sets)
    s = fastbal.multilabel_split(sets, test_size=0.2, val_size=0.1, seed=seed)
    assert len(s.train) + len(s.valid) + len(s.test) == n
    ref = fastbal.stratified_split([0] * n, test_size=0.2, val_size=0.1).summary.target
    assert s.summary.sizes == ref
    assert np.array_equal(
        np.flatnonzero(s.assignment < 0), [i for i, r in enumerate(sets) if r is None]
    )
    active = sum(v > 0 for v in s.summary.sizes.values())
    for label, cells in zip(s.summary.classes.tolist(), s.summary.cells, strict=True):
        present = cells[[v > 0 for v in s.summary.sizes.values()]]
        if cells.sum() >= active and (present == 0).any():
            assert label in s.summary.uncovered


def missing_cells(y: np.ndarray, codes: np.ndarray, sizes: list[int]) -> set[tuple[int, int]]:
    """(label, part) cells without a positive, for labels with a positive
    per non-empty part."""
    cells = cells_from(y, codes, len(sizes))
    active = [p for p, size in enumerate(sizes) if size > 0]
    need = y.sum(axis=0) >= len(active)
    return {(int(j), p) for j in np.flatnonzero(need) for p in active if cells[j, p] == 0}


@settings(max_examples=150, deadline=None)
@given(
    y=st.integers(1, 5).flatmap(
        lambda q: st.lists(st.lists(st.booleans(), min_size=q, max_size=q), min_size=3, max_size=30)
    ),
    seed=st.integers(0, 2**32),
    small=st.integers(1, 10),
)
def test_property_split_coverage_no_single_swap_fills_a_cell(y, seed, small):
    # tight parts: valid and test of `small` rows at most (a third each)
    y = np.array(y, dtype=bool)
    n = len(y)
    small = min(small, n // 3)
    s = fastbal.multilabel_split(y, test_size=small, val_size=small, seed=seed)
    sizes = [len(s.train), len(s.valid), len(s.test)]
    assert sizes == [n - 2 * small, small, small]
    codes = s.assignment.astype(np.int64)
    missing = missing_cells(y, codes, sizes)
    assert set(s.summary.uncovered) == {j for j, _ in missing}
    # no swap of two rows between parts fills a missing cell without emptying another
    for a, b in itertools.combinations(range(n), 2):
        if codes[a] == codes[b]:
            continue
        swapped = codes.copy()
        swapped[[a, b]] = codes[[b, a]]
        after = missing_cells(y, swapped, sizes)
        assert not (after < missing), (a, b, missing, after)


def test_split_coverage_repaired_on_the_tags_example():
    tags = [
        ["sports", "news"],
        ["news"],
        ["tech"],
        ["sports"],
        ["tech", "news"],
        [],
        ["sports", "tech"],
        ["news"],
        None,
        ["tech"],
    ]
    s = fastbal.multilabel_split(tags, test_size=0.3, val_size=0.2, seed=0)
    assert (len(s.train), len(s.valid), len(s.test)) == (4, 2, 3)
    assert s.summary.uncovered == []
    assert s.summary.labels_per_split == {"train": 3, "valid": 3, "test": 3}
    assert s.assignment[8] == -1


def test_sklearn_splitters_in_model_selection():
    pytest.importorskip("sklearn")
    from fastbal.sklearn import MultilabelStratifiedKFold, MultilabelStratifiedShuffleSplit
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, cross_val_predict, cross_val_score
    from sklearn.multiclass import OneVsRestClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    Y = (X[:, :3] + rng.normal(scale=0.5, size=(200, 3)) > 0.3).astype(int)
    est = OneVsRestClassifier(LogisticRegression())
    cv = MultilabelStratifiedKFold(n_splits=4, shuffle=True, random_state=1)
    assert clone(cv).get_params() == {"n_splits": 4, "random_state": 1, "shuffle": True}
    scores = cross_val_score(est, X, Y, cv=cv)
    assert len(scores) == 4
    pred = cross_val_predict(est, X, Y, cv=cv)  # needs every row in one test fold
    assert pred.shape == Y.shape
    for _train, test in cv.split(X, Y):
        assert len(test) == 50
        assert (Y[test].sum(axis=0) > 0).all()
    ss = MultilabelStratifiedShuffleSplit(n_splits=3, test_size=0.25, random_state=0)
    assert clone(ss).get_params()["test_size"] == 0.25
    splits = list(ss.split(X, Y))
    assert [len(t) for _, t in splits] == [50, 50, 50]
    assert all(len(tr) == 150 for tr, _ in splits)
    grid = GridSearchCV(est, {"estimator__C": [0.1, 1.0]}, cv=ss).fit(X, Y)
    assert grid.best_params_["estimator__C"] in (0.1, 1.0)
    sp = pytest.importorskip("scipy.sparse")
    assert [t.tolist() for _, t in cv.split(X, sp.csr_matrix(Y))] == [
        t.tolist() for _, t in cv.split(X, Y)
    ]


def test_hf_split_on_a_sequence_of_classlabels():
    datasets = pytest.importorskip("datasets")
    import fastbal.hf

    tags = [[0, 1], [1], [2], [0, 2], [], [0], [1, 2], [0], [1], [2]] * 3
    features = datasets.Features(
        {"tags": datasets.Sequence(datasets.ClassLabel(names=["a", "b", "c"]))}
    )
    ds = datasets.Dataset.from_dict({"tags": tags}, features=features).shuffle(seed=0)
    parts, s = fastbal.hf.split(ds, "tags", test_size=0.2, val_size=0.2, return_summary=True)
    assert {k: v.num_rows for k, v in parts.items()} == {"train": 18, "validation": 6, "test": 6}
    shown = [ds[i]["tags"] for i in range(len(ds))]
    assert np.array_equal(s.assignment, fastbal.multilabel_split(shown, 0.2, 0.2).assignment)
    for part in parts.values():
        assert {t for row in part["tags"] for t in row} == {0, 1, 2}
    with pytest.raises(TypeError, match="multi-label split takes no min_count"):
        fastbal.hf.split(ds, "tags", min_count=2)


THREAD_SCRIPT = """
import sys
import numpy as np, pyarrow as pa, fastbal
with np.load(sys.argv[1]) as f:
    offsets, codes, null, ids = f["offsets"], f["codes"], f["null"], f["ids"]
y = pa.ListArray.from_arrays(pa.array(offsets), pa.array(codes), mask=pa.array(null))
out = {}
for seed in (0, 7):
    out[f"split{seed}"] = fastbal.multilabel_split(y, 0.2, 0.1, seed=seed).assignment
    out[f"kfold{seed}"] = fastbal.multilabel_kfold(y, k=5, seed=seed).folds
out["split_ids"] = fastbal.multilabel_split(y, 0.2, 0.1, seed=3, ids=ids).assignment
out["kfold_ids"] = fastbal.multilabel_kfold(y, k=4, seed=3, ids=ids).folds
np.savez(sys.argv[2], **out)
"""


def zipf_sets(rows: int, labels: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR offsets and codes: 0-4 labels a row, label j drawn with weight 1 / (j + 1)."""
    rng = np.random.default_rng(seed)
    p = 1 / np.arange(1, labels + 1)
    per_row = rng.integers(0, 5, rows)
    offsets = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64)
    codes = []
    for n in per_row:
        codes.append(rng.choice(labels, n, replace=False, p=p / p.sum()) if n else [])
    return offsets, np.concatenate(codes).astype(np.int64)


def test_split_and_kfold_do_not_depend_on_the_thread_count(tmp_path, run_with_threads):
    n = 150_000  # several 65,536-row segments, so two threads share the ranking
    offsets, codes = zipf_sets(n, 200, 0)
    rng = np.random.default_rng(1)
    null = rng.random(n) < 0.01
    ids = rng.choice(2**40, n, replace=False).astype(np.int64)
    np.savez(tmp_path / "in.npz", offsets=offsets, codes=codes, null=null, ids=ids)
    one, two = run_with_threads(THREAD_SCRIPT, 1), run_with_threads(THREAD_SCRIPT, 2)
    assert (
        sorted(one)
        == sorted(two)
        == sorted(["split0", "split7", "kfold0", "kfold7", "split_ids", "kfold_ids"])
    )
    for key in one:
        np.testing.assert_array_equal(one[key], two[key], err_msg=key)
    # and they are this process's result, null rows left out
    y = pa.ListArray.from_arrays(pa.array(offsets), pa.array(codes), mask=pa.array(null))
    split = fastbal.multilabel_split(y, 0.2, 0.1, seed=0)
    np.testing.assert_array_equal(one["split0"], split.assignment)
    assert (one["split0"][null] == -1).all()
    assert (one["kfold7"][null] == -1).all()
    assert np.bincount(one["split0"][~null]).tolist() == list(split.summary.target.values())


def test_chunked_label_sets_equal_one_chunk():
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(2)
    words = np.array(["ant", "bee", "cat", "dog", "eel", "fox", "gnu"])
    lists: list[list[str] | None] = [
        None
        if rng.random() < 0.05
        else rng.choice(words, rng.integers(0, 4), replace=False).tolist()
        for _ in range(3000)
    ]
    whole = pa.array(lists, pa.list_(pa.string()))
    cuts = [0, 1, 1, 700, 2100, 2999, 3000]  # an empty chunk, a one-row chunk, a sliced one
    chunked = pa.chunked_array([whole.slice(a, b - a) for a, b in itertools.pairwise(cuts)])
    assert chunked.num_chunks == 6
    polars_chunks = pl.concat(
        [pl.Series(whole.slice(0, 1000)), pl.Series(whole.slice(1000))], rechunk=False
    )
    assert polars_chunks.n_chunks() == 2
    ids = np.arange(3000) * 7 + 11
    for seed in (0, 9):
        split = fastbal.multilabel_split(whole, 0.25, 0.15, seed=seed, ids=ids).assignment
        folds = fastbal.multilabel_kfold(whole, k=3, seed=seed).folds
        for form in (chunked, polars_chunks, lists):
            got = fastbal.multilabel_split(form, 0.25, 0.15, seed=seed, ids=ids).assignment
            np.testing.assert_array_equal(got, split)
            np.testing.assert_array_equal(
                fastbal.multilabel_kfold(form, k=3, seed=seed).folds, folds
            )
    counts = fastbal.multilabel_counts(whole)
    assert fastbal.multilabel_counts(chunked).to_dict() == counts.to_dict()
    assert fastbal.report(chunked).to_dict() == fastbal.report(whole).to_dict()
    assert counts.null_rows == sum(r is None for r in lists)


def test_dense_matrix_layouts_and_widths_give_one_split() -> None:
    """A 0/1 matrix splits alike whatever its dtype, memory order or strides."""
    rng = np.random.default_rng(1)
    y = rng.random((3000, 40)) < 0.1
    want = fastbal.multilabel_split(y, seed=3).assignment
    forms = [
        y.astype(np.int8),
        y.astype(np.uint8),
        np.asfortranarray(y.astype(np.int8)),
        np.repeat(y.astype(np.int8), 2, axis=1)[:, ::2],  # strided columns
        y.astype(np.int32),
        y.astype(np.float32),
    ]
    for form in forms:
        np.testing.assert_array_equal(fastbal.multilabel_split(form, seed=3).assignment, want)
