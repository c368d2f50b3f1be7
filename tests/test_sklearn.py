"""fastbal.sklearn as a drop-in for scikit-learn's splitters: scikit-learn's own tests for
StratifiedKFold, StratifiedShuffleSplit and StratifiedGroupKFold, ported with fastbal's
classes substituted where the behaviour applies, and the places fastbal deliberately
differs pinned (docs/sklearn.md, "Where fastbal deliberately differs").
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import fastbal
import numpy as np
import pandas as pd
import polars as pl
import pytest
from fastbal.sklearn import (
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    mix64,
    split_seed,
)
from hypothesis import given
from hypothesis import strategies as st
from sklearn import config_context
from sklearn.base import clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    BaseCrossValidator,
    BaseShuffleSplit,
    GridSearchCV,
    HalvingGridSearchCV,
    check_cv,
    cross_val_score,
    cross_validate,
)
from sklearn.model_selection._split import _yields_constant_splits

ALL = [StratifiedKFold(), StratifiedShuffleSplit(), StratifiedGroupKFold()]


def blobs(n_per_class=(60, 30, 12), seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])[: len(n_per_class)]
    return centers[y] + rng.normal(size=(len(y), 2)), y


def folds_of(cv, X, y, groups=None):
    return [(train.tolist(), test.tolist()) for train, test in cv.split(X, y, groups)]


# ---------------------------------------------------------------------------
# the three contract fixes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "k", "rare_rows"), [([0] * 6 + [1], 3, [6]), ([3, 3, -1, -1, 2], 2, [4])]
)
def test_kfold_classes_smaller_than_n_splits_stay_in_train(y, k, rare_rows):
    X = np.zeros((len(y), 1))
    with pytest.warns(UserWarning, match="The least populated class in y has only 1 members"):
        folds = list(StratifiedKFold(k, rare="train").split(X, y))
    for train, test in folds:
        assert set(rare_rows) <= set(train.tolist())
        assert not set(rare_rows) & set(test.tolist())
        # every class of the test part is in the training part
        assert {y[i] for i in test} <= {y[i] for i in train}
    tests = sorted(i for _, test in folds for i in test.tolist())
    assert tests == [i for i in range(len(y)) if i not in rare_rows]


def test_kfold_rare_policies():
    y = [0] * 6 + [1]
    with pytest.warns(UserWarning, match="left out of every fold"):
        folds = list(StratifiedKFold(3, rare="drop").split(None, y))
    assert all(6 not in train and 6 not in test for train, test in folds)
    with (
        pytest.warns(UserWarning, match="The least populated class"),
        pytest.raises(ValueError, match=r"fewer than 3 rows.*: 1"),
    ):
        list(StratifiedKFold(3, rare="error").split(None, y))
    with pytest.raises(ValueError, match='rare must be "train", "drop", "error" or "spread"'):
        list(StratifiedKFold(3, rare="keep").split(None, [0] * 6))


def test_kfold_default_is_a_partition_that_cross_val_predict_takes():
    # scikit-learn's splitter puts every row in one test fold even when a class
    # is smaller than n_splits; cross_val_predict refuses anything else
    from sklearn.model_selection import cross_val_predict

    X, y = blobs((40, 20, 3))
    y = np.concatenate([y, [7]])  # and a one-row class
    X = np.vstack([X, [[3.0, 3.0]]])
    with pytest.warns(UserWarning, match=r"missing from the training part .* tests it: 7 "):
        pred = cross_val_predict(LogisticRegression(), X, y, cv=StratifiedKFold(5))
    assert pred.shape == (64,)
    with pytest.warns(UserWarning, match="spread over distinct test folds"):
        folds = list(StratifiedKFold(5, shuffle=True, random_state=1).split(X, y))
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests.tolist()) == list(range(64))  # a partition
    for train, test in folds:
        assert sorted(np.concatenate([train, test]).tolist()) == list(range(64))
    # the three rows of class 2 in three distinct test folds, in every training part
    # but the one-row class's fold
    fold_of = {int(i): f for f, (_, test) in enumerate(folds) for i in test}
    assert len({fold_of[i] for i in np.flatnonzero(y == 2)}) == 3
    assert sum(2 in set(y[train]) for train, _ in folds) == 5
    assert sum(7 in set(y[train]) for train, _ in folds) == 4
    assert [len(test) for _, test in folds] == [13, 13, 13, 13, 12]


@given(
    st.lists(st.integers(1, 12), min_size=1, max_size=8),
    st.integers(2, 6),
    st.integers(0, 2**32 - 1),
)
def test_kfold_spread_partitions_rows_for_any_class_sizes(counts, k, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    y = y[np.random.default_rng(seed).permutation(len(y))]
    if (np.array(counts) < k).all() or len(y) < k:
        return  # refused, as scikit-learn refuses
    cv = StratifiedKFold(k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folds = list(cv.split(None, y))
        again = list(cv.split(None, y))
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again, strict=True))  # seeded
    fold = np.full(len(y), -1)
    for f, (train, test) in enumerate(folds):
        assert (fold[test] == -1).all()
        fold[test] = f
        assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(y)))
    assert (fold >= 0).all()  # every row in exactly one test fold
    sizes = np.bincount(fold, minlength=k)
    assert sizes.max() - sizes.min() <= 1
    for c in range(len(counts)):
        per_fold = np.bincount(fold[y == c], minlength=k)
        assert per_fold.max() - per_fold.min() <= 1  # distinct folds for a class smaller than k


def test_kfold_spread_in_fastbal_and_refused_by_a_split():
    kf = fastbal.stratified_kfold([0] * 6 + [1, 1], k=3, rare="spread", seed=5)
    assert kf.rare_classes == [1]
    assert sorted(kf.folds.tolist()) == [0, 0, 0, 1, 1, 1, 2, 2]
    assert kf.folds[6] != kf.folds[7]
    assert kf.plan.tolist() == [[2, 2, 2], [1, 1, 0]]  # the rotation starts at fold 0
    with pytest.raises(fastbal.FastbalError, match='rare="spread" is for k-folds'):
        fastbal.stratified_split([0] * 6, rare="spread")


def test_cross_val_predict_unbalanced():
    # scikit-learn's test of that name, with the one-row class's fold looked up
    # instead of assumed (fastbal places rows by hash, not in file order)
    from sklearn.datasets import make_classification
    from sklearn.model_selection import cross_val_predict

    X, y = make_classification(
        n_samples=100,
        n_features=2,
        n_redundant=0,
        n_informative=2,
        n_clusters_per_class=1,
        random_state=1,
    )
    y[0] = 2  # a one-row class
    cv = StratifiedKFold(n_splits=2)
    with pytest.warns(UserWarning, match="tests it: 2 "):
        folds = list(cv.split(X, y))
    (alone,) = [test for _, test in folds if 0 in test]
    (other,) = [test for _, test in folds if 0 not in test]
    with warnings.catch_warnings():  # fastbal's and scikit-learn's about class 2
        warnings.simplefilter("ignore")
        proba = cross_val_predict(
            LogisticRegression(random_state=1), X, y, cv=cv, method="predict_proba"
        )
    assert np.all(proba[alone][:, 2] == 0)  # class 2 is in no training part of its fold
    assert np.all(proba[alone][:, 0:1] > 0)
    assert np.all(proba[other] > 0)
    np.testing.assert_array_almost_equal(proba.sum(axis=1), np.ones(y.shape), decimal=12)


def test_kfold_spread_is_the_same_from_polars_and_dask():
    import fastbal.polars  # registers the namespace

    y = [0] * 20 + [1] * 2 + [2] + [None]
    one = fastbal.stratified_kfold(y, k=5, seed=3, rare="spread").folds.tolist()
    assert one[-1] == -1
    assert sorted(one[20:23]) == sorted(set(one[20:23]))  # distinct folds
    got = pl.DataFrame({"y": y}).select(pl.col("y").fastbal.kfold(5, seed=3, rare="spread"))
    assert got["y"].to_list() == [*one[:-1], None]
    dd = pytest.importorskip("dask.dataframe")
    fdask = pytest.importorskip("fastbal.dask")
    series = dd.from_pandas(pd.Series(y, dtype="Int64"), npartitions=3)
    folds = fdask.stratified_kfold(series, k=5, seed=3, rare="spread").compute()
    assert folds.tolist() == one


def test_kfold_refuses_when_no_class_fills_the_folds():
    with pytest.raises(ValueError, match="n_splits=3 cannot be greater than the number of members"):
        next(StratifiedKFold(3).split(None, [0, 0, 1, 1]))
    with pytest.raises(ValueError, match="Cannot have number of splits n_splits=5 greater"):
        next(StratifiedKFold(5).split(None, [0, 0, 1, 1]))


@pytest.mark.parametrize("test_size", [0, 0.0, -1, 1.0, 2.0, 10, 11, True, "0.2"])
def test_shuffle_split_refuses_empty_or_impossible_test_sizes(test_size):
    X, y = np.zeros(10), [0, 1] * 5
    with pytest.raises(ValueError, match="test_size"):
        next(StratifiedShuffleSplit(test_size=test_size).split(X, y))


@pytest.mark.parametrize(("test_size", "train_size"), [(0.1, 0.95), (None, 1j), (8, 3), (0.5, 0)])
def test_shuffle_split_refuses_what_sklearn_refuses(test_size, train_size):
    # scikit-learn's test_shufflesplit_errors
    with pytest.raises(ValueError, match="size"):
        next(
            StratifiedShuffleSplit(test_size=test_size, train_size=train_size).split(
                None, [0, 1] * 5
            )
        )


def test_shuffle_split_empty_trainset():
    # scikit-learn's test_shuffle_split_empty_trainset
    with pytest.raises(ValueError, match="the resulting train set will be empty"):
        next(StratifiedShuffleSplit(test_size=0.99).split([[1]], [0]))


def test_neighbouring_seeds_share_no_split():
    X, y = blobs()
    tests = {
        seed: [
            tuple(test.tolist())
            for _, test in StratifiedShuffleSplit(10, test_size=0.25, random_state=seed).split(X, y)
        ]
        for seed in range(3)
    }
    assert not set(tests[0]) & set(tests[1])
    assert not set(tests[1]) & set(tests[2])
    assert len(set(tests[0])) == 10


def test_split_seed_is_the_fixed_64_bit_mix():
    # the core's pinned value of mix64(1), and a seed derivation that never uses hash()
    assert mix64(0) == 0
    assert mix64(1) == 0x5692_161D_100B_05E5
    assert split_seed(0, 0) == mix64(mix64(0x243F6A8885A308D3))
    assert split_seed(2**64 - 1, 3) < 2**64
    X, y = blobs()
    (_, test), *_ = StratifiedShuffleSplit(3, test_size=0.25, random_state=7).split(X, y)
    direct = fastbal.stratified_split(y, test_size=0.25, val_size=0, seed=split_seed(7, 0))
    np.testing.assert_array_equal(test, direct.test)


# ---------------------------------------------------------------------------
# scikit-learn objects
# ---------------------------------------------------------------------------


def test_they_are_scikit_learn_cross_validators():
    assert isinstance(StratifiedKFold(), BaseCrossValidator)
    assert isinstance(StratifiedGroupKFold(), BaseCrossValidator)
    assert isinstance(StratifiedShuffleSplit(), BaseShuffleSplit)
    for cv in ALL:
        assert check_cv(cv) is cv


def test_repr_get_params_set_params_clone_pickle():
    cv = StratifiedKFold(4, shuffle=True, random_state=3)
    assert repr(cv) == "StratifiedKFold(n_splits=4, random_state=3, rare='spread', shuffle=True)"
    assert repr(StratifiedShuffleSplit(3, test_size=0.25)) == (
        "StratifiedShuffleSplit(n_splits=3, random_state=None, test_size=0.25,\n"
        "            train_size=None)"
    )
    assert repr(StratifiedGroupKFold(3)) == (
        "StratifiedGroupKFold(n_splits=3, random_state=None, shuffle=False)"
    )
    assert cv.get_params() == {"n_splits": 4, "random_state": 3, "rare": "spread", "shuffle": True}
    copy = clone(cv)
    assert copy is not cv
    assert copy.get_params() == cv.get_params()
    assert cv.set_params(n_splits=5) is cv
    assert cv.n_splits == 5
    with pytest.raises(ValueError, match="Invalid parameter 'k' for StratifiedKFold"):
        cv.set_params(k=3)
    X, y = blobs()
    for splitter in (cv, StratifiedShuffleSplit(3, random_state=1), StratifiedGroupKFold(3)):
        back = pickle.loads(pickle.dumps(splitter))
        groups = np.arange(len(y)) // 2
        assert folds_of(back, X, y, groups if isinstance(back, StratifiedGroupKFold) else None) == (
            folds_of(splitter, X, y, groups if isinstance(splitter, StratifiedGroupKFold) else None)
        )


def test_init_checks_use_sklearn_exception_types():
    # scikit-learn's test_kfold_valueerrors (the constructor part)
    for cls in (StratifiedKFold, StratifiedGroupKFold):
        with pytest.raises(ValueError, match="k-fold cross-validation requires at least one"):
            cls(1)
        with pytest.raises(ValueError, match="The number of folds must be of Integral type"):
            cls(1.5)
        with pytest.raises(ValueError, match="The number of folds must be of Integral type"):
            cls(2.0)
        with pytest.raises(TypeError, match="shuffle must be True or False"):
            cls(2, shuffle=None)
        with pytest.raises(ValueError, match="Setting a random_state has no effect"):
            cls(2, random_state=0)


@pytest.mark.parametrize(
    ("cv", "expected"),
    [
        (StratifiedKFold(), True),
        (StratifiedKFold(shuffle=True, random_state=123), True),
        (StratifiedGroupKFold(), True),
        (StratifiedGroupKFold(shuffle=True, random_state=123), True),
        (StratifiedShuffleSplit(random_state=123), True),
        (StratifiedKFold(shuffle=True, random_state=np.random.RandomState(0)), False),
        (StratifiedShuffleSplit(random_state=None), False),
        (StratifiedShuffleSplit(random_state=np.random.RandomState(0)), False),
    ],
)
def test_yields_constant_splits(cv, expected):
    # scikit-learn's test_yields_constant_splits
    assert _yields_constant_splits(cv) == expected


def test_random_state_semantics():
    # scikit-learn's test_shuffle_kfold_stratifiedkfold_reproducibility
    X, y = np.ones(15), [0] * 7 + [1] * 8
    groups = np.arange(15)
    for cv in (
        StratifiedKFold(3, shuffle=True, random_state=0),
        StratifiedGroupKFold(3, shuffle=True, random_state=0),
    ):
        assert folds_of(
            cv, X, y, groups if isinstance(cv, StratifiedGroupKFold) else None
        ) == folds_of(cv, X, y, groups if isinstance(cv, StratifiedGroupKFold) else None)
    cv = StratifiedKFold(3, shuffle=True, random_state=np.random.RandomState(0))
    assert folds_of(cv, X, y) != folds_of(cv, X, y)
    sss = StratifiedShuffleSplit(2, test_size=5, random_state=np.random.RandomState(0))
    assert folds_of(sss, X, y) != folds_of(sss, X, y)
    # shuffle=False is one fixed order; shuffle=True with different seeds differs
    assert folds_of(StratifiedKFold(3), X, y) == folds_of(
        StratifiedKFold(3, shuffle=True, random_state=0), X, y
    )
    a, b = (
        StratifiedKFold(5, shuffle=True, random_state=0),
        StratifiedKFold(5, shuffle=True, random_state=1),
    )
    X40, y40 = np.ones(40), [0] * 20 + [1] * 20
    for (_, t0), (_, t1) in zip(a.split(X40, y40), b.split(X40, y40), strict=True):
        assert set(t0.tolist()) != set(t1.tolist())


def test_groups_warn_where_ignored_and_metadata_routing():
    # scikit-learn's test_no_group_splitters_warns_with_groups and metadata tests
    X, y = blobs()
    groups = np.arange(len(y)) % 7
    for cv in (StratifiedKFold(), StratifiedShuffleSplit()):
        with pytest.warns(
            UserWarning, match=f"The groups parameter is ignored by {type(cv).__name__}"
        ):
            cv.split(X, y, groups=groups)
        assert not cv.get_metadata_routing().split.requests
        assert not hasattr(cv, "set_split_request")
    sgkf = StratifiedGroupKFold()
    assert sgkf.get_metadata_routing().split.requests["groups"] is True
    assert hasattr(sgkf, "set_split_request")
    with config_context(enable_metadata_routing=True):
        scores = cross_validate(
            LogisticRegression(max_iter=1000),
            X,
            y,
            cv=StratifiedGroupKFold(3),
            params={"groups": groups},
        )
    assert len(scores["test_score"]) == 3


def test_y_is_required_and_lengths_must_agree():
    # scikit-learn's test_stratified_splitter_without_y
    for cv in ALL:
        with pytest.raises(TypeError, match="missing 1 required positional argument: 'y'"):
            cv.split(np.zeros(4))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        next(StratifiedKFold(2).split(np.zeros(5), [0, 1] * 3))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        next(StratifiedShuffleSplit().split(np.zeros(5), [0, 1] * 3))
    with pytest.raises(ValueError, match="The 'groups' parameter should not be None"):
        next(StratifiedGroupKFold(2).split(np.zeros(4), [0, 1] * 2))


def test_y_shapes():
    X, y = blobs()
    ref = folds_of(StratifiedKFold(3), X, y)
    for form in (
        y.reshape(-1, 1),
        pd.DataFrame({"label": y}),
        pl.DataFrame({"label": y}),
        pd.Series(y),
        pl.Series(y),
        y.tolist(),
    ):
        assert folds_of(StratifiedKFold(3), X, form) == ref, type(form)
    with pytest.raises(ValueError, match="Supported target types are"):
        next(StratifiedKFold(3).split(X, np.c_[y, y]))
    # string and integer labels in the same order give the same folds
    y1 = ["1", "1", "1", "0", "0", "0", "0"]
    y2 = [1, 1, 1, 0, 0, 0, 0]
    assert folds_of(StratifiedKFold(2), np.ones(7), y1) == folds_of(
        StratifiedKFold(2), np.ones(7), y2
    )


def test_shuffle_split_multilabel_rows_are_classes():
    # scikit-learn's test_stratified_shuffle_split_multilabel: each distinct row of y is a class
    y = np.array([[0, 1], [1, 0], [1, 0], [0, 1]] * 10)
    for train, test in StratifiedShuffleSplit(3, test_size=0.5, random_state=0).split(
        np.ones(40), y
    ):
        assert sorted(map(tuple, y[test].tolist())).count((0, 1)) == 10
        assert len(train) == 20


# ---------------------------------------------------------------------------
# behaviour ported from scikit-learn's test_split.py
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("k", [4, 5, 6, 7, 8, 9, 10])
@pytest.mark.parametrize("kfold", [StratifiedKFold, StratifiedGroupKFold])
def test_stratified_kfold_ratios(k, shuffle, kfold):
    n = 1000
    y = np.array([4] * 100 + [0] * 890 + [1] * 10)
    groups = np.arange(n)
    distr = np.bincount(y) / n
    sizes = []
    cv = kfold(k, shuffle=shuffle, random_state=0 if shuffle else None)
    with_groups = groups if kfold is StratifiedGroupKFold else None
    for train, test in cv.split(np.ones(n), y, with_groups):
        np.testing.assert_allclose(np.bincount(y[train]) / len(train), distr, atol=0.02)
        np.testing.assert_allclose(np.bincount(y[test]) / len(test), distr, atol=0.02)
        sizes.append(len(test))
    assert np.ptp(sizes) <= 1


def test_stratified_kfold_balance():
    X, y = np.ones(17), [0] * 3 + [1] * 14
    for shuffle in (True, False):
        cv = StratifiedKFold(3, shuffle=shuffle)
        for i in range(11, 17):
            sizes = [len(test) for _, test in cv.split(X[:i], y[:i])]
            assert np.ptp(sizes) <= 1
            assert sum(sizes) == i


def test_shuffle_split_default_test_size():
    for train_size, exp_train, exp_test in [(None, 9, 1), (8, 8, 2), (0.8, 8, 2)]:
        train, test = next(
            StratifiedShuffleSplit(train_size=train_size).split(np.ones(10), np.ones(10))
        )
        assert (len(train), len(test)) == (exp_train, exp_test)


def test_shuffle_split_respects_sizes():
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2])
    for train, test in StratifiedShuffleSplit(6, test_size=5, train_size=10, random_state=0).split(
        np.ones(15), y
    ):
        assert (len(train), len(test)) == (10, 5)
        assert not set(train.tolist()) & set(test.tolist())
    # a train size smaller than the rest leaves a stratified remainder out
    train, test = next(
        StratifiedShuffleSplit(test_size=0.2, train_size=0.5, random_state=0).split(
            None, [0] * 50 + [1] * 50
        )
    )
    assert (len(train), len(test)) == (50, 20)
    assert np.bincount(np.array([0] * 50 + [1] * 50)[test]).tolist() == [10, 10]


def test_shuffle_split_list_input():
    # scikit-learn's test_stratifiedshufflesplit_list_input
    sss = StratifiedShuffleSplit(test_size=2, random_state=42)
    y1 = ["1"] * 4 + ["0"] * 3
    y2 = np.hstack((np.ones(4), np.zeros(3)))
    assert folds_of(sss, np.ones(7), y1) == folds_of(sss, np.ones(7), y2)
    assert folds_of(sss, np.ones(7), y2.tolist()) == folds_of(sss, np.ones(7), y2)


@given(counts=st.lists(st.integers(3, 30), min_size=2, max_size=6), seed=st.integers(0, 2**32))
def test_shuffle_split_proportions(counts, seed):
    # scikit-learn's test_stratified_shuffle_split_even / _iter: each class's test share
    # within one row of its proportion, train and test disjoint
    y = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(counts)), counts))
    for train, test in StratifiedShuffleSplit(4, test_size=0.3, random_state=seed).split(None, y):
        assert not set(train.tolist()) & set(test.tolist())
        assert len(train) + len(test) == len(y)
        got = np.bincount(y[test], minlength=len(counts))
        assert (np.abs(got - 0.3 * np.array(counts)) < 1 + 1e-9).all() or (got >= 1).all()


# ---------------------------------------------------------------------------
# in scikit-learn's machinery
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cv",
    [
        StratifiedKFold(4),
        StratifiedShuffleSplit(3, test_size=0.25, random_state=1),
        StratifiedGroupKFold(3),
    ],
)
def test_cross_val_score(cv):
    X, y = blobs()
    groups = np.arange(len(y)) // 3
    scores = cross_val_score(
        LogisticRegression(max_iter=1000),
        X,
        y,
        cv=cv,
        groups=groups if isinstance(cv, StratifiedGroupKFold) else None,
    )
    assert len(scores) == cv.get_n_splits()
    assert scores.min() >= 0.9  # three well separated blobs


def test_grid_search_and_halving_search():
    X, y = blobs((120, 60, 30))
    grid = GridSearchCV(
        LogisticRegression(max_iter=1000), {"C": [0.01, 1.0]}, cv=StratifiedKFold(3)
    )
    grid.fit(X, y)
    assert grid.best_score_ > 0.9
    halving = HalvingGridSearchCV(
        LogisticRegression(max_iter=1000),
        {"C": [0.01, 0.1, 1.0]},
        cv=StratifiedKFold(3),
        min_resources=60,
        random_state=0,
    )
    halving.fit(X, y)
    assert halving.n_iterations_ >= 1
    with pytest.raises(ValueError, match="The cv parameter must yield consistent folds"):
        HalvingGridSearchCV(
            LogisticRegression(), {"C": [1.0]}, cv=StratifiedShuffleSplit(random_state=None)
        ).fit(X, y)


def test_importing_fastbal_does_not_import_sklearn():
    code = "import sys, fastbal; print('sklearn' in sys.modules, 'imblearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_no_warning_when_every_class_fills_the_folds():
    X, y = blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(StratifiedKFold(5).split(X, y))


def test_refusals_are_fastbal_errors_as_well_as_scikit_learn_value_errors():
    with pytest.raises(fastbal.FastbalError, match="k-fold cross-validation requires at least one"):
        StratifiedKFold(1)
    with pytest.raises(fastbal.FastbalError, match=r"^The 'y' parameter should not be None\.$"):
        list(StratifiedKFold(2).split(None, None))
    with pytest.raises(fastbal.FastbalError, match=r"^Invalid parameter 'k' for StratifiedKFold"):
        StratifiedKFold(2).set_params(k=3)
