"""fastbal.imblearn as a drop-in for imbalanced-learn's random samplers: imbalanced-learn's
own tests for RandomOverSampler / RandomUnderSampler, ported where they apply, and a
differential on the rows per class for every sampling_strategy spelling. Which rows are
drawn differs (a different generator); counts and guarantees do not.
"""

from __future__ import annotations

import pickle
from collections import Counter

import fastbal
import imblearn.over_sampling as imb_over
import imblearn.under_sampling as imb_under
import numpy as np
import pandas as pd
import pytest
from fastbal.imblearn import RandomOverSampler, RandomUnderSampler
from fastbal.sklearn import StratifiedKFold
from hypothesis import given
from hypothesis import strategies as st
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score

X10 = np.array(
    [
        [0.04352327, -0.20515826],
        [0.92923648, 0.76103773],
        [0.20792588, 1.49407907],
        [0.47104475, 0.44386323],
        [0.22950086, 0.33367433],
        [0.15490546, 0.3130677],
        [0.09125309, -0.85409574],
        [0.12372842, 0.6536186],
        [0.13347175, 0.12167502],
        [0.094035, -2.55298982],
    ]
)
Y10 = np.array([1, 0, 1, 0, 1, 1, 1, 1, 0, 1])


def test_over_sampling_keeps_every_row_and_adds_minority_rows():
    # imbalanced-learn's test_ros_fit_resample, counts and structure (rows drawn differ)
    ros = RandomOverSampler(random_state=0)
    X_res, y_res = ros.fit_resample(X10, Y10)
    assert X_res.shape == (14, 2)
    np.testing.assert_array_equal(X_res[:10], X10)
    np.testing.assert_array_equal(y_res, [1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0])
    assert set(ros.sample_indices_[10:].tolist()) <= {1, 3, 8}  # minority rows
    np.testing.assert_array_equal(X_res, X10[ros.sample_indices_])
    assert ros.sampling_strategy_ == {0: 4}
    assert ros.n_features_in_ == 2


def test_dataframes_stay_dataframes():
    X = pd.DataFrame(X10, columns=["a", "b"])
    y = pd.Series(Y10, name="target")
    X_res, y_res = RandomOverSampler(random_state=0).fit_resample(X, y)
    assert isinstance(X_res, pd.DataFrame)
    assert list(X_res.columns) == ["a", "b"]
    assert isinstance(y_res, pd.Series)
    assert y_res.name == "target"
    assert Counter(y_res.tolist()) == {0: 7, 1: 7}


def test_explicit_counts_equal_to_the_data_change_nothing():
    # imbalanced-learn's test_ros_fit_resample_half
    X_res, y_res = RandomOverSampler(sampling_strategy={0: 3, 1: 7}).fit_resample(X10, Y10)
    np.testing.assert_array_equal(X_res, X10)
    np.testing.assert_array_equal(y_res, Y10)


def test_multiclass():
    # imbalanced-learn's test_multiclass_fit_resample (over and under)
    y = Y10.copy()
    y[5] = y[6] = 2
    _, y_res = RandomOverSampler(random_state=0).fit_resample(X10, y)
    assert Counter(y_res.tolist()) == {0: 5, 1: 5, 2: 5}
    _, y_res = RandomUnderSampler(random_state=0).fit_resample(X10, y)
    assert Counter(y_res.tolist()) == {0: 2, 1: 2, 2: 2}


def test_heterogeneous_and_string_data():
    # imbalanced-learn's test_random_*_sampling_heterogeneous_data and _strings
    X = np.array([["xxx", 1, 1.0], ["yyy", 2, 2.0], ["zzz", 3, 3.0]], dtype=object)
    y = np.array(["b", "a", "a"])
    X_res, y_res = RandomOverSampler(random_state=0).fit_resample(X, y)
    assert X_res.shape == (4, 3)
    assert X_res.dtype == object
    assert X_res[-1, 0] == "xxx"
    assert y_res.tolist() == ["b", "a", "a", "b"]
    X_res, y_res = RandomUnderSampler(random_state=0).fit_resample(X, y)
    assert sorted(y_res.tolist()) == ["a", "b"]


def test_nan_and_inf_pass_through():
    # imbalanced-learn's test_random_over_sampling_nan_inf
    X = X10.copy()
    X[0, 0], X[1, 1] = np.nan, np.inf
    X_res, y_res = RandomOverSampler(random_state=0).fit_resample(X, Y10)
    assert y_res.shape == (14,)
    assert X_res.shape == (14, 2)
    assert np.any(~np.isfinite(X_res))


@pytest.mark.parametrize(
    "strategy",
    ["auto", "minority", "not minority", "not majority", "all", 0.5, 0.8, 1.0, {1: 9, 2: 7}],
)
def test_over_sampling_counts_equal_imblearn(strategy):
    y = (
        np.repeat([0, 1, 2], [10, 7, 3])
        if not isinstance(strategy, float)
        else np.repeat([0, 1], [10, 3])
    )
    X = np.arange(len(y)).reshape(-1, 1)
    ours = RandomOverSampler(sampling_strategy=strategy, random_state=0)
    theirs = imb_over.RandomOverSampler(sampling_strategy=strategy, random_state=0)
    assert Counter(ours.fit_resample(X, y)[1].tolist()) == Counter(
        theirs.fit_resample(X, y)[1].tolist()
    )
    assert ours.sampling_strategy_ == {k: v for k, v in theirs.sampling_strategy_.items() if v}


@pytest.mark.parametrize("replacement", [False, True])
@pytest.mark.parametrize(
    "strategy",
    ["auto", "majority", "not minority", "not majority", "all", 0.5, 1.0, {0: 4, 1: 2}],
)
def test_under_sampling_counts_equal_imblearn(strategy, replacement):
    y = (
        np.repeat([0, 1, 2], [10, 7, 3])
        if not isinstance(strategy, float)
        else np.repeat([0, 1], [10, 3])
    )
    X = np.arange(len(y)).reshape(-1, 1)
    ours = RandomUnderSampler(sampling_strategy=strategy, random_state=0, replacement=replacement)
    theirs = imb_under.RandomUnderSampler(
        sampling_strategy=strategy, random_state=0, replacement=replacement
    )
    X_res, y_res = ours.fit_resample(X, y)
    assert Counter(y_res.tolist()) == Counter(theirs.fit_resample(X, y)[1].tolist())
    np.testing.assert_array_equal(X_res[:, 0], ours.sample_indices_)
    np.testing.assert_array_equal(y[ours.sample_indices_], y_res)
    if not replacement:
        assert len(set(ours.sample_indices_.tolist())) == len(y_res)


def test_replacement_draws_can_repeat_rows():
    y = np.repeat([0, 1], [200, 100])
    rus = RandomUnderSampler(random_state=0, replacement=True)
    _, y_res = rus.fit_resample(np.zeros((300, 1)), y)
    assert Counter(y_res.tolist()) == {0: 100, 1: 100}
    drawn = rus.sample_indices_[y_res == 0]
    assert len(set(drawn.tolist())) < 100  # 100 draws from 200 rows repeat some (p > 1 - 1e-9)
    assert (drawn < 200).all()
    with pytest.raises(TypeError, match="replacement must be True or False"):
        RandomUnderSampler(replacement="yes").fit_resample(np.zeros((300, 1)), y)


def test_a_float_ratio_that_adds_or_removes_nothing():
    y = np.repeat([0, 1], [10, 5])
    X = np.zeros((15, 1))
    # 0.5 * 10 = 5 minority rows, nothing to add: fastbal leaves the data as it is,
    # where imbalanced-learn raises (a documented difference)
    X_res, y_res = RandomOverSampler(sampling_strategy=0.5).fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: 10, 1: 5}
    assert X_res.shape == (15, 1)
    with pytest.raises(ValueError, match="remove samples from the minority class"):
        imb_over.RandomOverSampler(sampling_strategy=0.5).fit_resample(X, y)
    # 0.4 would remove minority rows: both refuse with ValueError
    with pytest.raises(ValueError, match="would move a class the wrong way"):
        RandomOverSampler(sampling_strategy=0.4).fit_resample(X, y)
    with pytest.raises(ValueError, match="remove samples from the minority class"):
        imb_over.RandomOverSampler(sampling_strategy=0.4).fit_resample(X, y)
    # under-sampling to exactly the majority's rows: both keep every row
    _, y_res = RandomUnderSampler(sampling_strategy=0.5).fit_resample(X, y)
    _, y_imb = imb_under.RandomUnderSampler(sampling_strategy=0.5).fit_resample(X, y)
    assert Counter(y_res.tolist()) == Counter(y_imb.tolist()) == {0: 10, 1: 5}


def test_a_dict_moving_a_class_the_wrong_way_is_refused():
    with pytest.raises(
        fastbal.FastbalError, match="over-sampling cannot take class 0 from 10 to 6 rows"
    ):
        RandomOverSampler(sampling_strategy={0: 6}).fit_resample(
            np.zeros((15, 1)), [0] * 10 + [1] * 5
        )
    with pytest.raises(
        fastbal.FastbalError, match="under-sampling cannot take class 1 from 5 to 9 rows"
    ):
        RandomUnderSampler(sampling_strategy={1: 9}).fit_resample(
            np.zeros((15, 1)), [0] * 10 + [1] * 5
        )


def test_list_strategy_and_shrinkage_are_refused():
    with pytest.raises(fastbal.FastbalError, match="sampling_strategy cannot be a list"):
        RandomOverSampler(sampling_strategy=[0]).fit_resample(X10, Y10)
    with pytest.raises(fastbal.FastbalError, match="sampling_strategy cannot be a list"):
        RandomUnderSampler(sampling_strategy=[1]).fit_resample(X10, Y10)
    with pytest.raises(fastbal.FastbalError, match="shrinkage must be None"):
        RandomOverSampler(shrinkage=0.5).fit_resample(X10, Y10)
    with pytest.raises(fastbal.FastbalError, match="inconsistent numbers of samples: \\[10, 9\\]"):
        RandomOverSampler().fit_resample(X10, Y10[:9])


def test_callable_strategy_gets_fit_resample_keyword_arguments():
    def strategy(y, multiplier):
        counts = Counter(y.tolist())
        return {c: int(n * multiplier) for c, n in counts.items() if c == 0}

    ros = RandomOverSampler(sampling_strategy=strategy, random_state=0)
    _, y_res = ros.fit_resample(X10, Y10, multiplier=2)
    assert Counter(y_res.tolist()) == {0: 6, 1: 7}


@given(counts=st.lists(st.integers(1, 40), min_size=2, max_size=6), seed=st.integers(0, 2**32))
def test_resampled_rows_come_from_their_class(counts, seed):
    y = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(counts)), counts))
    X = np.arange(len(y))
    for sampler in (RandomOverSampler(random_state=seed), RandomUnderSampler(random_state=seed)):
        X_res, y_res = sampler.fit_resample(X.reshape(-1, 1), y)
        np.testing.assert_array_equal(y[X_res[:, 0]], y_res)
        target = max(counts) if isinstance(sampler, RandomOverSampler) else min(counts)
        assert Counter(y_res.tolist()) == dict.fromkeys(range(len(counts)), target)


def test_in_an_imblearn_pipeline_with_search_and_clone():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [180, 30])
    X = rng.normal(size=(210, 2)) + 3.0 * y[:, None]
    for sampler in (RandomOverSampler(random_state=0), RandomUnderSampler(random_state=0)):
        pipe = Pipeline([("sample", sampler), ("clf", LogisticRegression())])
        scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(3), scoring="balanced_accuracy")
        assert scores.min() > 0.9
        grid = GridSearchCV(
            pipe, {"sample__sampling_strategy": ["auto", 0.5]}, cv=StratifiedKFold(3)
        )
        grid.fit(X, y)
        assert grid.best_params_["sample__sampling_strategy"] in ("auto", 0.5)
        copy = clone(sampler)
        assert copy.get_params() == sampler.get_params()
        assert pickle.loads(pickle.dumps(sampler)).get_params() == sampler.get_params()
    assert repr(RandomUnderSampler(replacement=True)) == "RandomUnderSampler(replacement=True)"


def test_fit_sets_the_strategy_without_resampling():
    rus = RandomUnderSampler().fit(X10, Y10)
    assert rus.sampling_strategy_ == {1: 3}
    assert not hasattr(rus, "sample_indices_")
