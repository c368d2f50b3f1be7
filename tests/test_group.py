"""Stratified splits that keep groups whole: groups never cross splits, results do not
depend on row order, and class shares are at least as close as scikit-learn's
StratifiedGroupKFold on the same data.

Oracles: plain Python (Counter, sets) for what a split must hold; scikit-learn's
StratifiedGroupKFold and GroupKFold for how close the shares come.
"""

from __future__ import annotations

import warnings
from collections import Counter, defaultdict

import fastbal
import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sklearn.model_selection import GroupKFold
from sklearn.model_selection import StratifiedGroupKFold as SkStratifiedGroupKFold

# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


def grouped(n_groups: int, seed: int, max_size: int = 12, n_classes: int = 6, purity: float = 0.8):
    """(labels, group values): groups of 1..max_size rows, each mostly of one class,
    classes geometric (class 0 the largest), rows shuffled."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, max_size + 1, n_groups)
    main = np.minimum(rng.geometric(0.45, n_groups) - 1, n_classes - 1)
    y = np.repeat(main, sizes)
    noise = rng.random(len(y)) > purity
    y[noise] = rng.integers(0, n_classes, noise.sum())
    groups = np.repeat(rng.choice(10 * n_groups, n_groups, replace=False), sizes)
    order = rng.permutation(len(y))
    return y[order], groups[order]


def deviation(y, test_folds: list[np.ndarray]) -> tuple[float, float]:
    """(worst, mean) over classes of the largest gap, over folds, between the share of
    a class's rows in a fold and 1 / k."""
    y = np.asarray(y)
    classes, codes = np.unique(y, return_inverse=True)
    n = np.bincount(codes)
    k = len(test_folds)
    per_class = np.zeros(len(classes))
    for test in test_folds:
        share = np.bincount(codes[test], minlength=len(classes)) / n
        per_class = np.maximum(per_class, np.abs(share - 1 / k))
    return float(per_class.max()), float(per_class.mean())


def check_groups_whole(assignment, groups):
    where = defaultdict(set)
    for a, g in zip(assignment.tolist(), list(groups), strict=True):
        if a >= 0:
            where[g].add(a)
    assert all(len(s) == 1 for s in where.values())


@st.composite
def grouped_columns(draw):
    """(labels with nulls, group values as ints or strings) of up to ~150 rows."""
    n_groups = draw(st.integers(1, 30))
    sizes = draw(st.lists(st.integers(1, 8), min_size=n_groups, max_size=n_groups))
    n_classes = draw(st.integers(1, 5))
    y, g = [], []
    for i, size in enumerate(sizes):
        main = draw(st.integers(0, n_classes - 1))
        for _ in range(size):
            mixed = draw(st.booleans()) and draw(st.booleans())
            y.append(draw(st.integers(0, n_classes - 1)) if mixed else main)
            g.append(i * 37 - 100)
    for i in draw(st.lists(st.integers(0, len(y) - 1), max_size=3)):
        y[i] = None
    if draw(st.booleans()):
        g = [f"patient {v}" for v in g]
    order = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(len(y))
    return [y[i] for i in order], [g[i] for i in order]


# ---------------------------------------------------------------------------
# the split
# ---------------------------------------------------------------------------


@given(data=grouped_columns(), seed=st.integers(0, 2**64 - 1))
@example(data=([0, 0, 1, 1], ["a", "a", "b", "b"]), seed=0)
@example(data=([None, 1, 1], [5, 5, 6]), seed=3)
def test_split_keeps_groups_whole_and_counts_add_up(data, seed):
    y, groups = data
    s = fastbal.stratified_group_split(y, groups, test_size=0.2, val_size=0.1, seed=seed)
    check_groups_whole(s.assignment, groups)
    labeled = [i for i, v in enumerate(y) if v is not None]
    assert sorted(np.concatenate(list(s)).tolist()) == labeled
    assert all(s.assignment[i] == -1 for i, v in enumerate(y) if v is None)
    # cells and sizes are what the assignment says
    summary = s.summary
    for j, (split, rows) in enumerate(zip(("train", "valid", "test"), s, strict=True)):
        assert summary.sizes[split] == len(rows)
        got = Counter(y[i] for i in rows.tolist())
        cells = summary.cells[:, j].tolist()
        assert dict(got) == {
            c: n for c, n in zip(summary.classes.tolist(), cells, strict=True) if n
        }
        assert summary.groups[split] == len({groups[i] for i in rows.tolist()})
    assert sum(summary.target.values()) == len(labeled)


@given(data=grouped_columns(), seed=st.integers(0, 2**32))
def test_split_does_not_depend_on_row_order(data, seed):
    y, groups = data
    perm = np.random.default_rng(seed).permutation(len(y))
    a = fastbal.stratified_group_split(y, groups, 0.25, 0.1, seed=seed)
    b = fastbal.stratified_group_split(
        [y[i] for i in perm], [groups[i] for i in perm], 0.25, 0.1, seed=seed
    )
    np.testing.assert_array_equal(a.assignment[perm], b.assignment)
    np.testing.assert_array_equal(a.summary.cells, b.summary.cells)


@given(data=grouped_columns(), k=st.integers(2, 6), seed=st.integers(0, 2**32))
def test_kfold_keeps_groups_whole_and_does_not_depend_on_row_order(data, k, seed):
    y, groups = data
    n_groups = len({g for g, v in zip(groups, y, strict=True) if v is not None})
    if n_groups < k:
        with pytest.raises(ValueError, match=f"cannot make {k} folds out of {n_groups} groups"):
            fastbal.stratified_group_kfold(y, groups, k=k, seed=seed)
        return
    kf = fastbal.stratified_group_kfold(y, groups, k=k, seed=seed)
    check_groups_whole(kf.folds, groups)
    assert all(size > 0 for size in kf.summary.sizes.values())
    tests = [test for _, test in kf]
    assert sorted(np.concatenate(tests).tolist()) == [i for i, v in enumerate(y) if v is not None]
    perm = np.random.default_rng(seed).permutation(len(y))
    again = fastbal.stratified_group_kfold(
        [y[i] for i in perm], [groups[i] for i in perm], k=k, seed=seed
    )
    np.testing.assert_array_equal(kf.folds[perm], again.folds)


def test_split_on_a_larger_column_meets_the_shares():
    y, groups = grouped(20_000, seed=1)
    s = fastbal.stratified_group_split(y, groups, test_size=0.2, val_size=0.1, seed=42)
    check_groups_whole(s.assignment, groups)
    n = len(y)
    # groups of at most 12 rows: sizes within a few groups of the request
    assert abs(s.summary.size_change["test"]) <= 24
    assert abs(len(s.test) - 0.2 * n) <= 24
    # every class within a tenth of a point of its share in every split
    assert s.summary.class_deviation().max() < 0.001


def test_group_column_kinds_give_the_same_split():
    y, groups = grouped(500, seed=2)
    names = np.array([f"user-{g}" for g in groups])
    ref = fastbal.stratified_group_split(y, names, 0.2, 0.1, seed=5).assignment
    kinds = {
        "numpy str": names,
        "list": names.tolist(),
        "pyarrow": pa.array(names),
        "pyarrow dictionary": pa.array(names).dictionary_encode(),
        "chunked": pa.chunked_array(
            [pa.array(names[:100]), pa.array([], pa.string()), pa.array(names[100:])]
        ),
        "polars": pl.Series(names),
        "polars categorical": pl.Series(names, dtype=pl.Categorical),
        "Labels": fastbal.Labels(names),
    }
    for kind, g in kinds.items():
        np.testing.assert_array_equal(
            fastbal.stratified_group_split(y, g, 0.2, 0.1, seed=5).assignment, ref, err_msg=kind
        )
    # integer group values of any width give the same split as each other
    ints = fastbal.stratified_group_split(y, groups.astype(np.int64), 0.2, 0.1, seed=5)
    for dtype in (np.int32, np.uint32, np.uint64):
        again = fastbal.stratified_group_split(y, groups.astype(dtype), 0.2, 0.1, seed=5)
        np.testing.assert_array_equal(again.assignment, ints.assignment, err_msg=str(dtype))


def test_seed_changes_the_placement():
    y, groups = grouped(300, seed=3)
    a = fastbal.stratified_group_split(y, groups, 0.2, 0.1, seed=0).assignment
    b = fastbal.stratified_group_split(y, groups, 0.2, 0.1, seed=1).assignment
    np.testing.assert_array_equal(
        a, fastbal.stratified_group_split(y, groups, 0.2, 0.1, seed=0).assignment
    )
    assert (a != b).any()


def test_summary_names_large_groups_and_lone_classes():
    # patient "big" holds 60 of 100 rows; class "z" lives in one group
    y = ["a", "b"] * 30 + ["a", "b"] * 19 + ["z", "a"]
    groups = ["big"] * 60 + [f"p{i // 2}" for i in range(40)]
    s = fastbal.stratified_group_split(y, groups, test_size=0.2, val_size=0.1, seed=0)
    summary = s.summary
    assert summary.large_groups == {"big": 60}
    assert summary.lone_classes == ["z"]
    assert s.assignment[0] == 0  # the big group is in train
    text = str(summary)
    assert "1 group larger than the smallest split asked for: 'big' (60 rows)" in text
    assert "1 class in fewer groups than splits, so not in every split: z" in text
    assert summary.to_dict()["large_groups"] == {"big": 60}


def test_errors():
    with pytest.raises(ValueError, match="groups have 1 null rows; every row needs a group"):
        fastbal.stratified_group_split([0, 1, 0], ["a", None, "b"])
    with pytest.raises(ValueError, match="groups has 2 rows but the labels have 3"):
        fastbal.stratified_group_split([0, 1, 0], ["a", "b"])
    with pytest.raises(ValueError, match="cannot make 3 folds out of 2 groups"):
        fastbal.stratified_group_kfold([0, 1, 0, 1], [1, 1, 2, 2], k=3)
    with pytest.raises(ValueError, match="test_size must be in"):
        fastbal.stratified_group_split([0, 1], [1, 2], test_size=1.5)
    with pytest.raises(ValueError, match="k must be between 2"):
        fastbal.stratified_group_kfold([0, 1], [1, 2], k=1)
    with pytest.raises(TypeError, match="seed must be an int"):
        fastbal.stratified_group_split([0, 1], [1, 2], seed="x")


# ---------------------------------------------------------------------------
# scikit-learn's StratifiedGroupKFold: its tests, and a differential on deviation
# ---------------------------------------------------------------------------


def test_trivial_groups_stratify_exactly():
    # scikit-learn's test_stratified_group_kfold_trivial
    y = np.array([1] * 6 + [0] * 12)
    groups = np.array([1, 2, 3, 4, 5, 6, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6])
    distr = np.bincount(y) / len(y)
    kf = fastbal.stratified_group_kfold(y, groups, k=3)
    for train, test in kf:
        assert not set(groups[train]) & set(groups[test])
        np.testing.assert_allclose(np.bincount(y[test]) / len(test), distr, atol=0.02)
        np.testing.assert_allclose(np.bincount(y[train]) / len(train), distr, atol=0.02)
    assert list(kf.summary.sizes.values()) == [6, 6, 6]


@pytest.mark.parametrize(
    ("y", "groups", "expected"),
    [
        ([0] * 6 + [1] * 6, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6], [0.5, 0.5]),
        ([0] * 9 + [1] * 3, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5, 6], [0.75, 0.25]),
    ],
)
def test_homogeneous_groups(y, groups, expected):
    # scikit-learn's test_stratified_group_kfold_homogeneous_groups
    y, groups = np.array(y), np.array(groups)
    for _, test in fastbal.stratified_group_kfold(y, groups, k=3):
        np.testing.assert_allclose(np.bincount(y[test]) / len(test), expected, atol=0.001)


@pytest.mark.parametrize("seed", range(0, 100, 7))
def test_perfect_stratification_is_found_whatever_the_seed(seed):
    # scikit-learn's test_stratified_group_kfold_shuffle_preserves_stratification
    y = np.array([0] * 12 + [1] * 6)
    groups = np.array([1, 1, 3, 3, 3, 4, 5, 5, 5, 5, 7, 7, 2, 2, 6, 6, 8, 8])
    for train, test in fastbal.stratified_group_kfold(y, groups, k=3, seed=seed):
        np.testing.assert_allclose(np.bincount(y[test]) / len(test), [2 / 3, 1 / 3], atol=1e-8)
        np.testing.assert_allclose(np.bincount(y[train]) / len(train), [2 / 3, 1 / 3], atol=1e-8)


@pytest.mark.parametrize("cls_distr", [(0.4, 0.6), (0.3, 0.7), (0.2, 0.8), (0.8, 0.2)])
@pytest.mark.parametrize("n_groups", [5, 30, 70])
def test_closer_than_group_kfold(cls_distr, n_groups):
    # scikit-learn's test_stratified_group_kfold_against_group_kfold: stratifying by
    # class must beat ignoring it
    rng = np.random.RandomState(0)
    n = 1000
    y = rng.choice(2, size=n, p=cls_distr)
    groups = rng.choice(n_groups, size=n)
    ours = deviation(y, [t for _, t in fastbal.stratified_group_kfold(y, groups, k=5)])
    plain = deviation(y, [t for _, t in GroupKFold(5).split(np.zeros(n), y, groups)])
    assert ours[0] <= plain[0]


@pytest.mark.parametrize(
    ("n_groups", "max_size", "k", "seed"),
    [(300, 12, 5, 0), (2_000, 6, 5, 1), (2_000, 30, 3, 2), (800, 3, 10, 3), (5_000, 12, 5, 4)],
)
def test_deviation_no_worse_than_sklearn(n_groups, max_size, k, seed):
    y, groups = grouped(n_groups, seed, max_size=max_size)
    sk_cv = SkStratifiedGroupKFold(k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scikit-learn's least-populated warning
        sk = deviation(y, [t for _, t in sk_cv.split(np.zeros(len(y)), y, groups)])
    ours = deviation(y, [t for _, t in fastbal.stratified_group_kfold(y, groups, k=k, seed=seed)])
    assert ours[1] <= sk[1], (ours, sk)  # mean over classes
    assert ours[0] <= sk[0] + 1e-12, (ours, sk)  # worst class
