"""Class weights and sample weights: scikit-learn as the oracle for "balanced",
hand-checked values for the other strategies, normalization, caps and errors."""

import itertools
import math

import fastbal
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import scipy.sparse as sp
from fastbal.datasets import seed_shaped
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

# example counts come from the hypothesis profile (tests/conftest.py)
SETTINGS = settings(deadline=None)


# ---------------------------------------------------------------- label sets


@st.composite
def label_lists(draw, kind=None):
    """A list of labels drawn from a small pool of ints or strings (so classes repeat)."""
    kind = kind or draw(st.sampled_from(["int", "str"]))
    if kind == "int":
        values = st.integers(-(2**40), 2**40)
    else:
        values = st.text(alphabet="abZ é中", max_size=4)
    pool = draw(st.lists(values, min_size=1, max_size=8, unique=True))
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=200))


def as_numpy(y):
    """The labels as numpy: int64 for ints, a unicode array for strings."""
    if isinstance(y[0], str):
        return np.array(y, dtype=str)
    return np.array(y, dtype=np.int64)


def assert_rel(actual, expected, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=0)


# ------------------------------------------------- balanced == scikit-learn


@SETTINGS
@given(label_lists())
def test_balanced_class_weights_equal_sklearn(y):
    y_np = as_numpy(y)
    classes = np.unique(y_np)
    expected = compute_class_weight("balanced", classes=classes, y=y_np)
    cw = fastbal.class_weights(y_np, "balanced")
    assert cw.classes.tolist() == classes.tolist()
    assert_rel(cw.weights, expected)
    # the same from a plain Python list
    assert_rel(fastbal.class_weights(y).weights, expected)


@SETTINGS
@given(label_lists(), st.randoms(use_true_random=False))
def test_balanced_class_weights_in_a_given_classes_order_equal_sklearn(y, rnd):
    y_np = as_numpy(y)
    order = np.unique(y_np).tolist()
    rnd.shuffle(order)
    expected = compute_class_weight("balanced", classes=np.array(order), y=y_np)
    cw = fastbal.class_weights(y_np, "balanced", classes=order)
    assert cw.classes.tolist() == order
    assert list(cw.to_dict()) == order
    assert_rel(cw.weights, expected)


@SETTINGS
@given(label_lists())
def test_balanced_sample_weights_equal_sklearn(y):
    y_np = as_numpy(y)
    expected = compute_sample_weight("balanced", y_np)
    got = fastbal.sample_weights(y_np, "balanced")
    assert got.dtype == np.float64
    assert got.shape == (len(y),)
    assert_rel(got, expected)


@SETTINGS
@given(label_lists(), st.lists(st.booleans(), min_size=1, max_size=200))
def test_null_rows_weigh_zero_and_are_counted(y, null_flags):
    nulls = [null_flags[i % len(null_flags)] for i in range(len(y))]
    with_nulls = [None if is_null else v for v, is_null in zip(y, nulls, strict=True)]
    labeled = [v for v, is_null in zip(y, nulls, strict=True) if not is_null]

    got, summary = fastbal.sample_weights(with_nulls, "balanced", return_summary=True)

    assert summary.null_rows == sum(nulls)
    assert got.shape == (len(y),)
    assert (got[np.array(nulls)] == 0.0).all()
    if labeled:
        labeled_np = as_numpy(labeled)
        assert_rel(got[~np.array(nulls)], compute_sample_weight("balanced", labeled_np))
        classes = np.unique(labeled_np)
        assert summary.class_weights.classes.tolist() == classes.tolist()
        assert_rel(
            summary.class_weights.weights,
            compute_class_weight("balanced", classes=classes, y=labeled_np),
        )
    else:
        assert len(summary.class_weights) == 0


def test_sample_weights_summary_by_hand():
    y = pa.chunked_array([["a", None], ["b", "a", None]])
    got, summary = fastbal.sample_weights(y, return_summary=True)
    # 3 labeled rows, 2 classes: a = 3 / (2 * 2), b = 3 / (2 * 1)
    assert got.tolist() == [0.75, 0.0, 1.5, 0.75, 0.0]
    assert summary.null_rows == 2
    assert summary.class_weights.to_dict() == {"a": 0.75, "b": 1.5}
    assert str(summary) == "sample weights (balanced) over 2 classes; 2 null rows weigh 0"


@pytest.mark.parametrize(
    "make",
    [
        lambda y: y,
        np.array,
        pa.array,
        lambda y: pa.chunked_array([y[:2], y[2:]]),
        pl.Series,
        lambda y: pd.Series(y, dtype="Int64"),
        fastbal.Labels,
    ],
    ids=["list", "numpy", "arrow", "chunked", "polars", "pandas", "Labels"],
)
def test_every_input_container_gives_the_same_weights(make):
    y = [3, 3, 3, 1, 7, 7]
    # n = 6, k = 3: 3 -> 6 / 9, 1 -> 6 / 3, 7 -> 6 / 6
    assert fastbal.class_weights(make(y)).to_dict() == {1: 2.0, 3: 6 / 9, 7: 1.0}
    assert fastbal.sample_weights(make(y)).tolist() == [6 / 9, 6 / 9, 6 / 9, 2.0, 1.0, 1.0]


def test_sample_weights_on_the_demo_dataset_equal_sklearn_chunked_or_not():
    # 298,821 rows, 224 classes: several of the extension's 65,536-row segments
    y = seed_shaped()
    expected = compute_sample_weight("balanced", y)
    bounds = np.linspace(0, len(y), 14).astype(int)
    chunks = pa.chunked_array([y[lo:hi] for lo, hi in itertools.pairwise(bounds)])
    for x in (y, chunks, fastbal.Labels(chunks)):
        assert_rel(fastbal.sample_weights(x), expected)
    classes = np.unique(y)
    assert_rel(
        fastbal.class_weights(chunks).dense(),
        compute_class_weight("balanced", classes=classes, y=y),
    )


# ------------------------------------------------------ other strategies


def test_inverse_by_hand():
    assert fastbal.class_weights([0, 0, 0, 1], "inverse").to_dict() == {0: 1 / 3, 1: 1.0}
    assert fastbal.class_weights(["x"] * 4 + ["y"] * 5, "inverse").to_dict() == {
        "x": 0.25,
        "y": 0.2,
    }


def test_sqrt_by_hand():
    # sqrt(max_count / (count + 1)) with max_count = 8
    cw = fastbal.class_weights([0] * 8 + [1] * 3 + [2], "sqrt")
    assert_rel(cw.weights, [math.sqrt(8 / 9), math.sqrt(2), 2.0])
    # the docstring's example: 99 / 100 and 99 / 2
    cw = fastbal.class_weights(["a"] * 99 + ["b"], "sqrt")
    assert_rel(cw.weights, [math.sqrt(0.99), math.sqrt(49.5)])
    assert cw.to_dict() == {"a": 0.99498743710662, "b": 7.035623639735144}


def test_effective_by_hand():
    # beta = 1/2, counts 1 and 2: raw (1 - b) / (1 - b^n) = 1 and 2/3, sum 5/3;
    # scaled to sum to 2 classes: 6/5 and 4/5
    cw = fastbal.class_weights([5, 9, 9], "effective", beta=0.5)
    assert_rel(cw.weights, [1.2, 0.8])
    # counts 1 and 3: raw 1 and 0.5 / 0.875 = 4/7, sum 11/7 -> 14/11 and 8/11
    cw = fastbal.class_weights(["p", "q", "q", "q"], "effective", beta=0.5)
    assert_rel(cw.weights, [14 / 11, 8 / 11])


def test_effective_with_the_default_beta_follows_the_formula():
    counts = {"head": 1000, "mid": 10, "tail": 1}
    y = [c for c, n in counts.items() for _ in range(n)]
    beta = 0.999
    raw = [(1 - beta) / (1 - beta**n) for n in counts.values()]
    expected = [r * 3 / sum(raw) for r in raw]
    cw = fastbal.class_weights(y, "effective")  # beta defaults to 0.999
    assert_rel(cw.weights, expected, rtol=1e-9)
    assert math.isclose(cw.weights.sum(), 3.0, rel_tol=1e-12)
    assert cw.weights[0] < cw.weights[1] < cw.weights[2]


def test_effective_with_beta_zero_weighs_every_class_the_same():
    cw = fastbal.class_weights([0] * 1000 + [1] * 10 + [2], "effective", beta=0.0)
    assert cw.weights.tolist() == [1.0, 1.0, 1.0]


@SETTINGS
@given(label_lists(), st.floats(0.0, 0.9999))
def test_effective_weights_sum_to_the_class_count(y, beta):
    cw = fastbal.class_weights(y, "effective", beta=beta)
    assert math.isclose(cw.weights.sum(), len(cw), rel_tol=1e-9)


@pytest.mark.parametrize("strategy", ["balanced", "inverse", "sqrt", "effective"])
def test_sample_weights_are_the_class_weights_of_each_row(strategy):
    y = ["b", "a", None, "b", "c", "b", "a"]
    cw = fastbal.class_weights(y, strategy).to_dict()
    expected = [0.0 if v is None else cw[v] for v in y]
    assert fastbal.sample_weights(y, strategy).tolist() == expected


# ------------------------------------------------ normalize and max_weight


def test_normalize_mean_gives_mean_one_per_row():
    # balanced weights already average 1 per row: a = 3 / 2, b = 3 / 4 stay as they are
    cw = fastbal.class_weights(["a", "b", "b"], "balanced", normalize="mean")
    assert_rel(cw.weights, [3 / 2, 3 / 4])
    # inverse: a = 1, b = 1/2; rows weigh 1 + 2 * 1/2 = 2 in all, 3 rows -> scale 3/2
    cw = fastbal.class_weights(["a", "b", "b"], "inverse", normalize="mean")
    assert_rel(cw.weights, [3 / 2, 3 / 4])
    w = fastbal.sample_weights(["a", "b", "b"], "sqrt", normalize="mean")
    assert math.isclose(w.mean(), 1.0, rel_tol=1e-12)


def test_normalize_sum_gives_the_class_count():
    # inverse: 1/3 and 1 (sum 4/3); sum to 2 classes -> 1/2 and 3/2
    cw = fastbal.class_weights([0, 0, 0, 1], "inverse", normalize="sum")
    assert_rel(cw.weights, [0.5, 1.5])
    # three classes: 1/4, 1/2, 1 (sum 7/4) -> 3/7, 6/7, 12/7
    cw = fastbal.class_weights([0] * 4 + [1] * 2 + [2], "inverse", normalize="sum")
    assert_rel(cw.weights, [3 / 7, 6 / 7, 12 / 7])
    assert math.isclose(cw.weights.sum(), 3.0, rel_tol=1e-12)


def test_normalize_none_leaves_the_strategy_values():
    cw = fastbal.class_weights([0, 0, 0, 1], "inverse", normalize="none")
    assert cw.weights.tolist() == [1 / 3, 1.0]


def test_normalize_applies_to_sample_weights():
    got = fastbal.sample_weights([0, 0, 0, 1], "inverse", normalize="sum")
    assert_rel(got, [0.5, 0.5, 0.5, 1.5])


def test_max_weight_caps_every_weight():
    # sqrt with max_count 99: 99/100, 99/9 = 11 and 99/2 -> capped at 5
    cw = fastbal.class_weights([0] * 99 + [1] * 8 + [2], "sqrt", max_weight=5.0)
    assert_rel(cw.weights, [math.sqrt(0.99), math.sqrt(11), 5.0])
    # a cap above every weight changes nothing
    cw = fastbal.class_weights([0] * 99 + [1] * 8 + [2], "sqrt", max_weight=100)
    assert_rel(cw.weights, [math.sqrt(0.99), math.sqrt(11), math.sqrt(49.5)])


def test_max_weight_applies_after_normalize():
    # inverse + sum: 1/2 and 3/2, then the cap at 1 cuts only the second
    cw = fastbal.class_weights([0, 0, 0, 1], "inverse", normalize="sum", max_weight=1.0)
    assert cw.weights.tolist() == [0.5, 1.0]


def test_max_weight_applies_to_sample_weights():
    # balanced: 0 -> 5 / (2 * 4) = 0.625, 1 -> 5 / 2 = 2.5, capped at 2
    got = fastbal.sample_weights([0, 0, 1, 0, 0], max_weight=2.0)
    assert got.tolist() == [0.625, 0.625, 2.0, 0.625, 0.625]


# ---------------------------------------------------------- dense, to_dict


def test_dense_fills_absent_classes_with_zero():
    cw = fastbal.class_weights([0, 0, 0, 2])
    assert cw.dense().tolist() == [2 / 3, 0.0, 2.0]
    assert cw.dense().dtype == np.float64


def test_dense_with_num_classes_and_fill():
    cw = fastbal.class_weights(np.array([0, 0, 3], dtype=np.uint8))
    # n = 3, k = 2: 0 -> 3 / 4, 3 -> 3 / 2
    assert cw.dense().tolist() == [0.75, 0.0, 0.0, 1.5]
    assert cw.dense(6).tolist() == [0.75, 0.0, 0.0, 1.5, 0.0, 0.0]
    assert cw.dense(6, fill=-1.0).tolist() == [0.75, -1.0, -1.0, 1.5, -1.0, -1.0]
    assert cw.dense(4, fill=1.0).tolist() == [0.75, 1.0, 1.0, 1.5]


def test_dense_follows_the_class_ids_not_the_classes_order():
    cw = fastbal.class_weights([0, 0, 0, 2], classes=[2, 0])
    assert cw.to_dict() == {2: 2.0, 0: 2 / 3}
    assert cw.dense().tolist() == [2 / 3, 0.0, 2.0]


def test_dense_refuses_a_num_classes_below_the_largest_class():
    cw = fastbal.class_weights([0, 0, 3])
    msg = r"num_classes=3 is smaller than the largest class \+ 1 \(4\)"
    with pytest.raises(ValueError, match=msg):
        cw.dense(3)


def test_dense_refuses_string_labels():
    cw = fastbal.class_weights(["a", "b"])
    with pytest.raises(TypeError, match="dense\\(\\) needs integer labels"):
        cw.dense()


def test_dense_refuses_negative_labels():
    cw = fastbal.class_weights([-1, 2])
    with pytest.raises(ValueError, match="non-negative integer labels"):
        cw.dense()


def test_to_dict_and_iteration():
    cw = fastbal.class_weights(["b", "a", "b", "b"])
    # classes sorted by value; n = 4, k = 2: a -> 4 / 2, b -> 4 / 6
    assert cw.to_dict() == {"a": 2.0, "b": 2 / 3}
    assert list(cw.to_dict()) == ["a", "b"]
    assert list(cw) == [("a", 2.0), ("b", 2 / 3)]
    assert len(cw) == 2
    assert cw.strategy == "balanced"


def test_empty_and_all_null_labels_have_no_classes():
    assert fastbal.class_weights([]).to_dict() == {}
    assert fastbal.class_weights([None, None]).dense().tolist() == []
    got, summary = fastbal.sample_weights([None, None], return_summary=True)
    assert got.tolist() == [0.0, 0.0]
    assert summary.null_rows == 2


# --------------------------------------------------------------- bad input


def test_unknown_strategy_is_refused():
    msg = 'strategy must be "balanced", "inverse", "sqrt" or "effective"; got "balance"'
    with pytest.raises(ValueError, match=msg):
        fastbal.class_weights([0, 1], "balance")
    with pytest.raises(ValueError, match=msg):
        fastbal.sample_weights([0, 1], "balance")


@pytest.mark.parametrize("beta", [1.0, 1.5, -0.1, float("nan")])
def test_beta_outside_zero_one_is_refused(beta):
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        fastbal.class_weights([0, 1, 1], "effective", beta=beta)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        fastbal.sample_weights([0, 1, 1], "effective", beta=beta)


@pytest.mark.parametrize("cap", [0, 0.0, -1.0, float("nan")])
def test_max_weight_not_positive_is_refused(cap):
    with pytest.raises(ValueError, match="max_weight must be positive"):
        fastbal.class_weights([0, 1, 1], max_weight=cap)
    with pytest.raises(ValueError, match="max_weight must be positive"):
        fastbal.sample_weights([0, 1, 1], "sqrt", max_weight=cap)


def test_unknown_normalize_is_refused():
    msg = 'normalize must be "none", "mean" or "sum"; got "max"'
    with pytest.raises(ValueError, match=msg):
        fastbal.class_weights([0, 1], normalize="max")
    with pytest.raises(ValueError, match=msg):
        fastbal.sample_weights([0, 1], normalize="max")


def test_classes_absent_from_the_labels_are_refused():
    with pytest.raises(ValueError, match=r"classes not present in the labels: \[2\]"):
        fastbal.class_weights([0, 1], classes=[0, 2])


# ------------------------------------------- scikit-learn parity: sample_weight, indices, 2-D y


@given(
    st.lists(st.sampled_from([3, -1, 7, 10]), min_size=1, max_size=60),
    st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_weighted_class_weights_equal_sklearn(y, seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.1, 5.0, len(y))
    classes = np.unique(y)
    order = rng.permutation(classes)
    want = compute_class_weight("balanced", classes=order, y=np.array(y), sample_weight=w)
    got = fastbal.class_weights(y, "balanced", classes=order.tolist(), sample_weight=w)
    assert got.classes.tolist() == order.tolist()
    np.testing.assert_allclose(got.weights, want, rtol=1e-12)
    # integer weights are repeated rows
    reps = rng.integers(1, 4, len(y))
    repeated = fastbal.class_weights(np.repeat(y, reps)).weights
    np.testing.assert_allclose(fastbal.class_weights(y, sample_weight=reps).weights, repeated)


def test_weighted_class_weights_by_hand_and_refusals():
    y = ["a", "a", "b", None]
    cw = fastbal.class_weights(y, "inverse", sample_weight=[1.0, 3.0, 2.0, 100.0])
    assert cw.to_dict() == {"a": 0.25, "b": 0.5}  # the null row's weight is left out
    cw = fastbal.class_weights(y, sample_weight=[1.0, 3.0, 2.0, 0.0], normalize="mean")
    # rows weigh (1 + 3) * 0.75 + 2 * 1.5 = 6 over a total weight of 6: mean 1 already
    assert cw.to_dict() == {"a": 0.75, "b": 1.5}
    assert fastbal.class_weights(y, sample_weight=[1, 3, 2, 0], max_weight=1.0).to_dict() == {
        "a": 0.75,
        "b": 1.0,
    }
    with pytest.raises(fastbal.FastbalError, match="one weight per row"):
        fastbal.class_weights(y, sample_weight=[1.0, 2.0])
    with pytest.raises(fastbal.FastbalError, match="finite and non-negative"):
        fastbal.class_weights(y, sample_weight=[1.0, -2.0, 1.0, 1.0])
    with pytest.raises(fastbal.FastbalError, match="weigh 0 in total have no weight: 'b'"):
        fastbal.class_weights(y, sample_weight=[1.0, 2.0, 0.0, 1.0])
    with pytest.raises(fastbal.FastbalError, match='"balanced" or "inverse"'):
        fastbal.class_weights(y, "sqrt", sample_weight=[1.0] * 4)


@given(
    st.lists(st.sampled_from(["x", "y", "z", "w"]), min_size=1, max_size=50),
    st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_subsample_sample_weights_equal_sklearn(y, seed):
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(y), rng.integers(1, 2 * len(y) + 1))  # bootstrap, repeats
    want = compute_sample_weight("balanced", np.array(y), indices=indices)
    got = fastbal.sample_weights(y, "balanced", indices=indices)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    rows, summary = fastbal.sample_weights(y, indices=indices, return_summary=True)
    np.testing.assert_array_equal(rows, got)
    absent = set(y) - {y[i] for i in indices}
    assert {c for c, w in summary.class_weights if w == 0} == absent


def test_subsample_sample_weights_by_hand():
    y = [0, 0, 1, 1, 2, None]
    # rows 0, 0, 2 drawn: class 0 twice, class 1 once, class 2 never
    got = fastbal.sample_weights(y, indices=np.array([0, 0, 2])).tolist()
    assert got == [0.75, 0.75, 1.5, 1.5, 0.0, 0.0]
    got = fastbal.sample_weights(y, "inverse", indices=[0, 0, 2, 5]).tolist()
    assert got == [0.5, 0.5, 1.0, 1.0, 0.0, 0.0]
    with pytest.raises(fastbal.FastbalError, match=r"indices must be in \[0, 6\)"):
        fastbal.sample_weights(y, indices=[6])
    with pytest.raises(fastbal.FastbalError, match="1-D array of row indices"):
        fastbal.sample_weights(y, indices=[0.5])


@given(
    st.integers(1, 40),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
@SETTINGS
def test_multi_output_sample_weights_equal_sklearn(n, m, seed, subsample):
    rng = np.random.default_rng(seed)
    Y = rng.integers(0, 3, (n, m)) * rng.integers(0, 2, (n, m))  # many zeros
    indices = rng.integers(0, n, n) if subsample else None
    want = compute_sample_weight("balanced", Y, indices=indices)
    table = pa.table({f"c{j}": Y[:, j] for j in range(m)})
    forms = (Y, pd.DataFrame(Y), pl.DataFrame(Y), table, sp.csr_matrix(Y), sp.csc_array(Y))
    for form in forms:
        got = fastbal.sample_weights(form, indices=indices)
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_column_and_multi_output_sample_weights_by_hand():
    y = np.array([[1], [1], [1], [2]])
    assert fastbal.sample_weights(y).tolist() == fastbal.sample_weights([1, 1, 1, 2]).tolist()
    Y = np.array([["a", "u"], ["a", "v"], ["b", "v"], ["a", "v"]])
    # column 0: a 3 rows (4 / 6), b 1 row (2); column 1: u 1 row (2), v 3 rows (4 / 6)
    np.testing.assert_allclose(
        fastbal.sample_weights(Y), [4 / 6 * 2, 4 / 6 * 4 / 6, 2 * 4 / 6, 4 / 6 * 4 / 6]
    )
    with pytest.raises(fastbal.FastbalError, match="a single label column"):
        fastbal.sample_weights(Y, return_summary=True)
