"""`fastbal.strata`: joint strata of several columns, quantile bins of a target.

Oracles are plain Python: Counter over tuples of values for the joint keys
(and a direct transcription of the coarsening rule), sorted values for the
quantile bins.
"""

from __future__ import annotations

import warnings
from collections import Counter

import fastbal
import fastbal.sklearn
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from fastbal import strata
from hypothesis import example, given, settings
from hypothesis import strategies as st

SETTINGS = settings(deadline=None)


@st.composite
def columns(draw, min_rows=0):
    """2-3 columns of small alphabets (ints, strs, bools), with a few nulls."""
    n = draw(st.integers(min_rows, 60))
    kinds = draw(st.lists(st.sampled_from(["int", "str", "bool"]), min_size=1, max_size=3))
    out = []
    for kind in kinds:
        if kind == "int":
            values = st.integers(-2, 3)
        elif kind == "str":
            values = st.sampled_from(["a", "b", "c", "d e"])
        else:
            values = st.booleans()
        col = draw(st.lists(st.one_of(values, values, values, st.none()), min_size=n, max_size=n))
        out.append(col)
    return out


def expected_keys(cols, min_count=None):
    """The joint key of every row, from the rule in `strata.joint`'s docstring."""
    n, m = len(cols[0]), len(cols)
    rows = [tuple(c[i] for c in cols) for i in range(n)]
    valid = [all(v is not None for v in r) for r in rows]
    level = [m if v else 0 for v in valid]
    if min_count is not None and m > 1:
        left = set(i for i in range(n) if valid[i])
        for j in range(m, 1, -1):
            count = Counter(rows[i][:j] for i in left)
            keep = {i for i in left if count[rows[i][:j]] >= min_count}
            for i in keep:
                level[i] = j
            left -= keep
        for i in left:
            level[i] = 1
    return [
        " | ".join(str(v) if j < level[i] else "*" for j, v in enumerate(rows[i]))
        if valid[i]
        else None
        for i in range(n)
    ]


@given(columns(), st.one_of(st.none(), st.integers(1, 8)))
@example([[1, 1, 2], ["x", "y", "x"]], 2)
@example([[], []], None)
@example([[None, None]], 3)
@SETTINGS
def test_joint_keys_are_the_combinations_coarsened_where_rare(cols, min_count):
    out = strata.joint(*cols, min_count=min_count)
    assert isinstance(out, pa.DictionaryArray)
    assert out.to_pylist() == expected_keys(cols, min_count)
    assert len(out.dictionary) == len(set(out.dictionary.to_pylist()))


def test_joint_coarsens_exactly_the_rare_combinations():
    label = ["a"] * 10 + ["b"] * 7
    lang = ["en"] * 6 + ["fr"] * 3 + ["de"] + ["en"] * 5 + ["fr", "de"]
    src = ["web"] * 17
    out = strata.joint(label, lang, src, min_count=3)
    assert fastbal.value_counts(out).to_dict() == {
        "a | en | web": 6,
        "b | en | web": 5,
        "a | fr | web": 3,
        "b | * | *": 2,  # (b, fr) and (b, de) have one row each, and (b, *) two
        "a | * | *": 1,  # (a, de): the first column's key, whatever its size
    }
    # with min_count=2, (b, fr, *) and (b, de, *) are still one row each: (b, *, *) holds both
    assert fastbal.value_counts(strata.joint(label, lang, min_count=2)).to_dict() == {
        "a | en": 6,
        "b | en": 5,
        "a | fr": 3,
        "b | *": 2,
        "a | *": 1,
    }


def test_joint_is_the_same_from_every_input_form():
    label = [3, 1, 3, None, 1, 3]
    lang = ["en", "fr", "en", "en", None, "fr"]
    want = ["3 | en", "1 | fr", "3 | en", None, None, "3 | fr"]
    forms = [
        (label, lang),
        (pa.array(label), pa.array(lang)),
        (pl.Series(label), pl.Series(lang)),
        (pd.Series(label, dtype="Int64"), pd.Series(lang)),
        (np.ma.masked_equal([3, 1, 3, -1, 1, 3], -1), pa.array(lang).dictionary_encode()),
        (fastbal.Labels(label), pa.chunked_array([pa.array(lang[:2]), [], pa.array(lang[2:])])),
    ]
    for a, b in forms:
        assert strata.joint(a, b).to_pylist() == want


def test_joint_keys_stay_distinct_when_values_hold_the_separator():
    a, b = ["x | y", "x"], ["z", "y | z"]
    out = strata.joint(a, b).to_pylist()
    assert out == ["'x | y' | 'z'", "'x' | 'y | z'"]
    # a value equal to the coarsening marker is told apart from it
    out = strata.joint(["p", "p", "p"], ["*", "*", "q"], min_count=2).to_pylist()
    assert out == ["'p' | '*'", "'p' | '*'", "'p' | *"]


def test_joint_of_joint_and_of_quantiles():
    y = np.arange(12.0)
    label = ["a", "b"] * 6
    out = strata.joint(label, strata.quantiles(y, q=3))
    assert fastbal.value_counts(out).to_dict() == {f"{c} | {b}": 2 for c in "ab" for b in range(3)}
    assert strata.joint(out).to_pylist() == out.to_pylist()


def test_joint_refuses_what_it_cannot_combine():
    with pytest.raises(fastbal.FastbalError, match="at least one column"):
        strata.joint()
    with pytest.raises(fastbal.FastbalError, match="column 0 has 2 rows, column 1 has 3"):
        strata.joint([1, 2], [1, 2, 3])
    with pytest.raises(fastbal.FastbalError, match="min_count must not be negative"):
        strata.joint([1, 2], min_count=-1)


SPLITTERS = {
    "stratified_split": lambda s: fastbal.stratified_split(s, 0.25, 0.25, seed=1).assignment,
    "stratified_kfold": lambda s: fastbal.stratified_kfold(s, k=4, seed=1).folds,
    "stratified_group_split": lambda s: (
        fastbal.stratified_group_split(s, np.arange(len(s)), 0.25, 0.25, seed=1).assignment
    ),
    "stratified_group_kfold": lambda s: (
        fastbal.stratified_group_kfold(s, np.arange(len(s)), k=4, seed=1).folds
    ),
    "sklearn.StratifiedKFold": lambda s: _fold_ids(
        fastbal.sklearn.StratifiedKFold(4).split(None, s), len(s)
    ),
    "sklearn.StratifiedGroupKFold": lambda s: _fold_ids(
        fastbal.sklearn.StratifiedGroupKFold(4).split(None, s, np.arange(len(s))), len(s)
    ),
    "sklearn.StratifiedShuffleSplit": lambda s: _fold_ids(
        fastbal.sklearn.StratifiedShuffleSplit(1, test_size=0.25, random_state=0).split(None, s),
        len(s),
    ),
}


def _fold_ids(folds, n):
    out = np.full(n, -1)
    for f, (_, test) in enumerate(folds):
        out[test] = f
    return out


@pytest.mark.parametrize("name", SPLITTERS)
@pytest.mark.parametrize("build", ["joint", "quantiles"])
def test_every_splitter_stratifies_on_the_strata(name, build):
    rng = np.random.default_rng(5)
    n = 400
    if build == "joint":
        label = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
        lang = rng.choice(["en", "fr"], n)
        s = strata.joint(label, lang.astype(object))
    else:
        s = strata.quantiles(rng.lognormal(size=n), q=8)
    parts = SPLITTERS[name](s)
    codes = fastbal.Labels(s).codes
    k = parts.max() + 1
    table = np.zeros((codes.max() + 1, k), dtype=np.int64)
    np.add.at(table, (codes, parts), 1)
    sizes = table.sum(axis=0)
    share = table.sum(axis=1, keepdims=True) * sizes / n
    # every stratum's rows in every part within one row of its share
    # (group splitters: within two, each group being one row)
    assert np.abs(table - share).max() < (2 if "group" in name.lower() else 1)


def test_every_other_function_takes_the_strata():
    label = ["a", "b"] * 20
    lang = ["en"] * 30 + ["fr"] * 10
    s = strata.joint(label, lang)
    assert fastbal.class_weights(s).to_dict() == {
        "a | en": 40 / (4 * 15),
        "a | fr": 40 / (4 * 5),
        "b | en": 40 / (4 * 15),
        "b | fr": 40 / (4 * 5),
    }
    assert fastbal.sample_weights(s)[[0, 39]].tolist() == [40 / 60, 40 / 20]
    idx = fastbal.stratified_sample(s, fraction=0.2, seed=0)
    assert Counter(s.to_pylist()[i] for i in idx) == {
        "a | en": 3,
        "b | en": 3,
        "a | fr": 1,
        "b | fr": 1,
    }
    assert fastbal.filter_min_count(s, 6).sum() == 30


# ---------------------------------------------------------------------------
# quantiles
# ---------------------------------------------------------------------------

values = st.lists(
    st.one_of(
        st.floats(-5, 5, allow_nan=False, width=32),
        st.sampled_from([0.0, 1.0, 1.0, 2.5]),
        st.just(float("nan")),
        st.none(),
    ),
    max_size=80,
)


@given(values, st.integers(1, 12))
@example([], 3)
@example([None, float("nan")], 2)
@example([1.0] * 7, 4)
@SETTINGS
def test_quantile_bins_are_ranks_scaled_with_ties_kept_together(ys, q):
    out = strata.quantiles(ys, q=q).to_pylist()
    present = sorted(v for v in ys if v is not None and v == v)
    n = len(present)
    for v, b in zip(ys, out, strict=True):
        if v is None or v != v:
            assert b is None
        else:
            below = sum(1 for p in present if p < v)
            assert b == q * below // n
    # bins are monotone in the value, and without ties hold n / q rows within one
    got = Counter(b for b in out if b is not None)
    if len(set(present)) == n and n:
        assert max(got.values()) - min(got.values()) <= 1 or q > n
        assert sum(got.values()) == n


def test_quantile_bins_have_equal_sizes_within_ties():
    y = np.array([1.0] * 5 + list(range(2, 17)))  # a tie of 5 at the bottom, then 15 distinct
    out = np.array(strata.quantiles(y, q=4).to_pylist())
    assert Counter(out.tolist()) == {0: 5, 1: 5, 2: 5, 3: 5}
    y = np.array([1.0] * 7 + list(range(2, 15)))  # the tie crosses the first edge (5 rows)
    assert Counter(strata.quantiles(y, q=4).to_pylist()) == {0: 7, 1: 3, 2: 5, 3: 5}


def test_quantiles_from_every_input_form():
    ys = [3.0, None, 1.0, 2.0, float("nan"), 4.0]
    want = [1, None, 0, 0, None, 1]
    forms = [
        ys,
        pa.array(ys, from_pandas=True),
        pa.chunked_array([pa.array(ys[:3]), pa.array([], pa.float64()), pa.array(ys[3:])]),
        pl.Series(ys, strict=False),
        pd.Series(ys),
        np.ma.masked_invalid(np.array([3.0, np.nan, 1.0, 2.0, np.nan, 4.0])),
    ]
    for y in forms:
        assert strata.quantiles(y, q=2).to_pylist() == want
    assert strata.quantiles(np.array([30, 10, 20, 40], dtype=np.int16), q=2).to_pylist() == [
        1,
        0,
        0,
        1,
    ]
    days = np.array(["2024-01-03", "NaT", "2024-01-01"], dtype="datetime64[D]")
    assert strata.quantiles(days, q=2).to_pylist() == [1, None, 0]


def test_quantiles_refuses_what_is_not_a_numeric_column():
    with pytest.raises(fastbal.FastbalError, match="numeric target"):
        strata.quantiles(["a", "b"])
    with pytest.raises(fastbal.FastbalError, match="1-D"):
        strata.quantiles(np.zeros((3, 2)))
    with pytest.raises(fastbal.FastbalError, match="q must be at least 1"):
        strata.quantiles([1.0, 2.0], q=0)


def test_every_part_of_a_regression_split_gets_the_target_distribution():
    rng = np.random.default_rng(0)
    y = rng.lognormal(mean=1.0, sigma=1.2, size=5000)
    y[rng.choice(5000, 50, replace=False)] = np.nan
    bins = strata.quantiles(y, q=20)
    s = fastbal.stratified_split(bins, test_size=0.2, val_size=0.1, seed=3)
    assert (s.assignment[np.isnan(y)] == -1).all()
    codes = np.array(bins.to_pylist(), dtype=float)
    for part in (s.train, s.valid, s.test):
        # each part holds every bin in its share of rows, within one row
        per_bin = np.bincount(codes[part].astype(int), minlength=20)
        assert np.abs(per_bin - len(part) / 20).max() <= 1
    # so the parts' deciles of the target agree within one bin's width
    deciles = [np.quantile(y[p], np.linspace(0.1, 0.9, 9)) for p in s]
    everywhere = np.nanquantile(y, np.linspace(0.05, 0.95, 19))
    width = np.diff(everywhere).max()
    assert np.abs(deciles[0] - deciles[2]).max() < width
    assert np.abs(deciles[0] - deciles[1]).max() < width


def test_sklearn_cross_validation_on_quantile_strata():
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, 2.0, -1.0] + rng.normal(size=200)
    cv = list(fastbal.sklearn.StratifiedKFold(5).split(X, strata.quantiles(y, q=10)))
    bins = np.array(strata.quantiles(y, q=10).to_pylist())
    # 20 rows a bin, 4 of them in every test fold
    assert all((np.bincount(bins[test], minlength=10) == 4).all() for _, test in cv)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = cross_val_score(Ridge(), X, y, cv=cv)
    assert len(scores) == 5
    assert (scores > 0.7).all()


def test_polars_expressions_on_the_strata_equal_the_python_api():
    import fastbal.polars  # registers the namespace

    label = ["a", "b"] * 20
    lang = ["en"] * 30 + ["fr"] * 10
    s = strata.joint(label, lang)
    q = strata.quantiles(np.arange(40.0), q=4)
    df = pl.DataFrame({"s": pl.from_arrow(s), "q": pl.from_arrow(q)})
    assert df.dtypes == [pl.Categorical, pl.Int64]
    out = df.select(pl.col("s").fastbal.kfold(5, seed=1), pl.col("q").fastbal.kfold(5, seed=1))
    assert out["s"].to_list() == fastbal.stratified_kfold(s, k=5, seed=1).folds.tolist()
    assert out["q"].to_list() == fastbal.stratified_kfold(q, k=5, seed=1).folds.tolist()


@pytest.mark.parametrize("q", [1, 7, 255, 256, 257, 300, 999, 1000, 1001, 5000])
def test_quantile_bins_for_few_and_many_bins(q):
    rng = np.random.default_rng(q)
    y = rng.integers(0, 400, 1000).astype(np.float64)  # many ties
    below = np.searchsorted(np.sort(y), y, side="left")
    assert strata.quantiles(y, q=q).to_pylist() == (below * q // 1000).tolist()
