"""Over- and under-sampling: imbalanced-learn as the oracle for per-class target
counts, structural checks on the indices, documented targets, warnings and errors."""

import hashlib
import itertools
import math
import os
import subprocess
import sys
from collections import Counter
from fractions import Fraction

import fastbal
import numpy as np
import pyarrow as pa
import pytest
from fastbal.datasets import seed_shaped
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from imblearn.over_sampling import RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler

# example counts come from the hypothesis profile (tests/conftest.py)
SETTINGS = settings(deadline=None)

OVER_SPELLINGS = ["auto", "minority", "not minority", "not majority", "all"]
UNDER_SPELLINGS = ["auto", "majority", "not minority", "not majority", "all"]


# ---------------------------------------------------------------- helpers


@st.composite
def class_counts(draw, min_count, max_count, min_classes=2, max_classes=6):
    """`{class: rows}` with int or str classes."""
    if draw(st.booleans()):
        values = st.integers(-1000, 1000)
    else:
        values = st.text(alphabet="abZ é中", min_size=1, max_size=3)
    classes = draw(st.lists(values, min_size=min_classes, max_size=max_classes, unique=True))
    counts = draw(
        st.lists(st.integers(min_count, max_count), min_size=len(classes), max_size=len(classes))
    )
    return dict(zip(classes, counts, strict=True))


def make_labels(counts, seed=0):
    """A shuffled numpy label column with the given class counts."""
    classes = list(counts)
    dtype = str if isinstance(classes[0], str) else np.int64
    y = np.repeat(np.array(classes, dtype=dtype), list(counts.values()))
    return np.random.default_rng(seed).permutation(y)


def imblearn_counts(sampler, y, strategy):
    """Rows per class after imbalanced-learn's sampler, on a one-column X."""
    x = np.arange(len(y)).reshape(-1, 1)
    _, y_res = sampler(sampling_strategy=strategy, random_state=0).fit_resample(x, y)
    return dict(Counter(y_res.tolist()))


def check_over_indices(y, result):
    """Every labeled row once, in order, then the drawn rows, class by class."""
    y = np.asarray(y, dtype=object)
    idx = result.indices
    labeled = np.flatnonzero(np.array([v is not None for v in y]))
    assert idx.dtype == np.int64
    assert ((idx >= 0) & (idx < len(y))).all()
    assert idx[: len(labeled)].tolist() == labeled.tolist()
    extra = idx[len(labeled) :]
    drawn_classes = y[extra].tolist()
    assert drawn_classes == sorted(drawn_classes)  # grouped by class, in class order
    original = Counter(y[labeled].tolist())
    drawn = Counter(y[extra].tolist())
    assert None not in drawn
    assert {c: original[c] + drawn[c] for c in original} == result.targets


def check_under_indices(y, result):
    """Sorted, distinct, labeled rows with the target count of each class."""
    y = np.asarray(y, dtype=object)
    idx = result.indices
    assert idx.dtype == np.int64
    assert ((idx >= 0) & (idx < len(y))).all()
    assert len(set(idx.tolist())) == len(idx)
    assert idx.tolist() == sorted(idx.tolist())
    kept = Counter(y[idx].tolist())
    assert None not in kept
    assert {c: kept[c] for c in result.targets} == result.targets


# ------------------------------------- string spellings vs imbalanced-learn


@SETTINGS
@given(class_counts(1, 60), st.sampled_from(OVER_SPELLINGS))
def test_over_spellings_match_imblearn(counts, spelling):
    y = make_labels(counts)
    result = fastbal.resample(y, spelling, kind="over")
    assert result.targets == imblearn_counts(RandomOverSampler, y, spelling)
    check_over_indices(y, result)


@SETTINGS
@given(class_counts(10, 60), st.sampled_from(UNDER_SPELLINGS))
def test_under_spellings_match_imblearn(counts, spelling):
    y = make_labels(counts)
    result = fastbal.resample(y, spelling, kind="under")
    assert result.targets == imblearn_counts(RandomUnderSampler, y, spelling)
    check_under_indices(y, result)


def test_spellings_by_hand():
    y = make_labels({"a": 50, "b": 30, "c": 20})
    over = {s: fastbal.resample(y, s, kind="over").targets for s in OVER_SPELLINGS}
    assert over == {
        "auto": {"a": 50, "b": 50, "c": 50},
        "minority": {"a": 50, "b": 30, "c": 50},
        "not minority": {"a": 50, "b": 50, "c": 20},
        "not majority": {"a": 50, "b": 50, "c": 50},
        "all": {"a": 50, "b": 50, "c": 50},
    }
    under = {s: fastbal.resample(y, s, kind="under").targets for s in UNDER_SPELLINGS}
    assert under == {
        "auto": {"a": 20, "b": 20, "c": 20},
        "majority": {"a": 20, "b": 30, "c": 20},
        "not minority": {"a": 20, "b": 20, "c": 20},
        "not majority": {"a": 50, "b": 20, "c": 20},
        "all": {"a": 20, "b": 20, "c": 20},
    }


def test_ties_pick_the_first_class_by_value_as_imblearn():
    # b and c tie for the minority, a and d for the majority
    y = make_labels({"d": 40, "c": 15, "b": 15, "a": 40})
    assert fastbal.resample(y, "minority", kind="over").targets == {
        "a": 40,
        "b": 40,
        "c": 15,
        "d": 40,
    }
    assert fastbal.resample(y, "majority", kind="under").targets == {
        "a": 15,
        "b": 15,
        "c": 15,
        "d": 40,
    }
    assert fastbal.resample(y, "minority", kind="over").targets == imblearn_counts(
        RandomOverSampler, y, "minority"
    )
    assert fastbal.resample(y, "majority", kind="under").targets == imblearn_counts(
        RandomUnderSampler, y, "majority"
    )


@pytest.mark.parametrize(
    ("spelling", "kind", "sampler", "message"),
    [
        ("majority", "over", RandomOverSampler, "'majority' cannot be used to over-sample"),
        ("minority", "under", RandomUnderSampler, "'minority' cannot be used to under-sample"),
    ],
)
def test_spellings_imblearn_refuses_are_refused(spelling, kind, sampler, message):
    y = make_labels({0: 30, 1: 20, 2: 10})
    with pytest.raises(ValueError, match=f"Got '{spelling}' instead"):
        imblearn_counts(sampler, y, spelling)
    with pytest.raises(ValueError, match=message):
        fastbal.resample(y, spelling, kind=kind)


def test_unknown_spelling_is_refused():
    with pytest.raises(ValueError, match=r"sampling_strategy must be one of 'auto'.*got 'most'"):
        fastbal.resample([0, 0, 1], "most")


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of 'over', 'under'; got 'sideways'"):
        fastbal.resample([0, 0, 1], "auto", kind="sideways")


def test_unsupported_sampling_strategy_type_is_refused():
    # a list is imbalanced-learn's spelling for cleaning methods: ValueError, as there
    with pytest.raises(ValueError, match=r"sampling_strategy cannot be a list \(\[0, 1\]\)"):
        fastbal.resample([0, 0, 1], [0, 1])
    with pytest.raises(TypeError, match=r"unsupported sampling_strategy \{0, 1\}"):
        fastbal.resample([0, 0, 1], {0, 1})


def test_callable_strategy_gets_keyword_arguments():
    def strategy(y, factor):
        return {c: int(n * factor) for c, n in zip(*np.unique(y, return_counts=True), strict=True)}

    got = fastbal.resample([0, 0, 0, 1], strategy, kind="over", factor=2)
    assert got.targets == {0: 6, 1: 2}


# ------------------------------------------------- floats vs imbalanced-learn


def at_integer_boundary(n, ratio, op):
    """Whether float arithmetic and exact decimal arithmetic truncate differently."""
    exact = Fraction(repr(ratio))
    if op == "mul":
        return int(n * ratio) != math.floor(n * exact)
    return int(n / ratio) != math.floor(n / exact)


@SETTINGS
@given(
    st.integers(3, 300),
    st.integers(2, 300),  # a one-row minority raised 100 times would warn
    st.integers(1, 100).map(lambda k: k / 100),
    st.booleans(),
)
def test_over_float_matches_imblearn_off_integer_boundaries(n_major, n_minor, ratio, str_labels):
    assume(n_minor < n_major)
    assume(not at_integer_boundary(n_major, ratio, "mul"))
    level = math.floor(n_major * Fraction(repr(ratio)))
    # imbalanced-learn also refuses a ratio that adds no row; fastbal leaves the data as is
    assume(level != n_minor)
    big, small = ("x", "y") if str_labels else (1, 0)
    y = make_labels({big: n_major, small: n_minor})
    try:
        expected = imblearn_counts(RandomOverSampler, y, ratio)
    except ValueError:
        assert level < n_minor
        with pytest.raises(ValueError, match="would move a class the wrong way"):
            fastbal.resample(y, ratio, kind="over")
        return
    result = fastbal.resample(y, ratio, kind="over")
    assert result.targets == expected
    assert result.targets == {big: n_major, small: level}
    check_over_indices(y, result)


@SETTINGS
@given(
    st.integers(10, 300),
    st.integers(10, 300),
    st.integers(1, 100).map(lambda k: k / 100),
    st.booleans(),
)
def test_under_float_matches_imblearn_off_integer_boundaries(n_major, n_minor, ratio, str_labels):
    assume(n_minor < n_major)
    assume(not at_integer_boundary(n_minor, ratio, "div"))
    level = math.floor(n_minor / Fraction(repr(ratio)))
    big, small = ("x", "y") if str_labels else (1, 0)
    y = make_labels({big: n_major, small: n_minor})
    try:
        expected = imblearn_counts(RandomUnderSampler, y, ratio)
    except ValueError:
        assert level > n_major
        with pytest.raises(ValueError, match="would move a class the wrong way"):
            fastbal.resample(y, ratio, kind="under")
        return
    result = fastbal.resample(y, ratio, kind="under")
    assert result.targets == expected
    assert result.targets == {big: level, small: n_minor}
    check_under_indices(y, result)


def test_float_over_floors_the_decimal_product_where_imblearn_truncates_the_float():
    y = make_labels({"a": 100, "b": 10})
    assert int(100 * 0.29) == 28  # the binary product is 28.999999999999996
    assert imblearn_counts(RandomOverSampler, y, 0.29) == {"a": 100, "b": 28}
    assert fastbal.resample(y, 0.29, kind="over").targets == {"a": 100, "b": 29}


def test_float_under_floors_the_decimal_quotient_where_imblearn_truncates_the_float():
    y = make_labels({"a": 200, "b": 7})
    assert int(7 / 0.07) == 99  # the binary quotient is 99.99999999999999
    assert imblearn_counts(RandomUnderSampler, y, 0.07) == {"a": 99, "b": 7}
    assert fastbal.resample(y, 0.07, kind="under").targets == {"a": 100, "b": 7}


def test_float_by_hand():
    y = make_labels({0: 80, 1: 10})
    assert fastbal.resample(y, 0.5, kind="over").targets == {0: 80, 1: 40}
    assert fastbal.resample(y, 1.0, kind="over").targets == {0: 80, 1: 80}
    assert fastbal.resample(y, 0.25, kind="under").targets == {0: 40, 1: 10}
    assert fastbal.resample(y, 1, kind="under").targets == {0: 10, 1: 10}


def test_float_for_three_classes_is_refused_as_by_imblearn():
    y = make_labels({0: 30, 1: 20, 2: 10})
    with pytest.raises(ValueError, match="can be a float only when the type of target is binary"):
        imblearn_counts(RandomOverSampler, y, 0.5)
    for kind in ("over", "under"):
        with pytest.raises(ValueError, match="a float sampling_strategy needs exactly two classes"):
            fastbal.resample(y, 0.5, kind=kind)


@pytest.mark.parametrize("ratio", [0.0, -0.5, 1.5])
def test_float_outside_zero_one_is_refused_as_by_imblearn(ratio):
    y = make_labels({0: 30, 1: 10})
    with pytest.raises(ValueError, match=r"a float in the range \(0.0, 1.0\]"):
        imblearn_counts(RandomOverSampler, y, ratio)
    with pytest.raises(ValueError, match=r"a float sampling_strategy must be in \(0, 1\]"):
        fastbal.resample(y, ratio, kind="over")
    with pytest.raises(ValueError, match=r"a float sampling_strategy must be in \(0, 1\]"):
        fastbal.resample(y, ratio, kind="under")


def test_float_that_would_move_a_class_the_wrong_way_is_refused_as_by_imblearn():
    y = make_labels({0: 100, 1: 40})
    # over: 0.3 * 100 = 30 < 40 rows
    with pytest.raises(ValueError, match="required to remove samples"):
        imblearn_counts(RandomOverSampler, y, 0.3)
    with pytest.raises(ValueError, match="would move a class the wrong way"):
        fastbal.resample(y, 0.3, kind="over")
    # under: 40 / 0.3 = 133 > 100 rows
    with pytest.raises(ValueError, match="required to generate new sample"):
        imblearn_counts(RandomUnderSampler, y, 0.3)
    with pytest.raises(ValueError, match="would move a class the wrong way"):
        fastbal.resample(y, 0.3, kind="under")


# ------------------------------------------- dicts and callables vs imblearn


@st.composite
def counts_and_wanted(draw, kind, min_count):
    counts = draw(class_counts(min_count, 60))
    chosen = draw(st.lists(st.sampled_from(list(counts)), min_size=1, unique=True))
    if kind == "over":
        wanted = {c: counts[c] + draw(st.integers(0, 60)) for c in chosen}
    else:
        wanted = {c: draw(st.integers(0, counts[c])) for c in chosen}
    return counts, wanted


@SETTINGS
@given(counts_and_wanted("over", 1))
def test_over_dict_matches_imblearn(case):
    counts, wanted = case
    y = make_labels(counts)
    result = fastbal.resample(y, wanted, kind="over")
    assert result.targets == imblearn_counts(RandomOverSampler, y, wanted)
    assert result.targets == {**counts, **wanted}
    check_over_indices(y, result)


@SETTINGS
@given(counts_and_wanted("under", 1))
def test_under_dict_matches_imblearn(case):
    counts, wanted = case
    y = make_labels(counts)
    result = fastbal.resample(y, wanted, kind="under")
    # imbalanced-learn leaves a class cut to 0 rows out of y_res
    expected = {c: imblearn_counts(RandomUnderSampler, y, wanted).get(c, 0) for c in counts}
    assert result.targets == expected
    assert result.targets == {**counts, **wanted}
    check_under_indices(y, result)


@SETTINGS
@given(counts_and_wanted("over", 1), st.sampled_from(["over", "under"]))
def test_callable_matches_imblearn(case, kind):
    counts, wanted = case
    if kind == "under":
        wanted = {c: min(n, counts[c]) // 2 for c, n in wanted.items()}

    def strategy(y):
        # uses only which classes are present, so it works on y or on the classes
        return {c: wanted[c] for c in np.unique(y).tolist() if c in wanted}

    y = make_labels(counts)
    sampler = RandomOverSampler if kind == "over" else RandomUnderSampler
    expected = imblearn_counts(sampler, y, strategy)
    result = fastbal.resample(y, strategy, kind=kind)
    assert result.targets == {c: expected.get(c, 0) for c in counts}
    assert result.targets == {**counts, **wanted}


def test_imblearn_documented_callable_gives_the_same_targets():
    # the ratio_multiplier example of imbalanced-learn's user guide
    def ratio_multiplier(y):
        multiplier = {1: 0.7, 2: 0.95}
        target_stats = Counter(y)
        for key, value in target_stats.items():
            if key in multiplier:
                target_stats[key] = int(value * multiplier[key])
        return target_stats

    y = make_labels({0: 50, 1: 30, 2: 20})
    assert imblearn_counts(RandomUnderSampler, y, ratio_multiplier) == {0: 50, 1: 21, 2: 19}
    assert fastbal.resample(y, ratio_multiplier, kind="under").targets == {0: 50, 1: 21, 2: 19}


def test_dict_naming_absent_classes_is_refused_as_by_imblearn():
    y = make_labels({"a": 30, "b": 10})
    with pytest.raises(ValueError, match="not present in the data"):
        imblearn_counts(RandomOverSampler, y, {"z": 40})
    for kind in ("over", "under"):
        with pytest.raises(
            ValueError, match=r"sampling_strategy names classes absent from the labels: \['z'\]"
        ):
            fastbal.resample(y, {"z": 40}, kind=kind)


def test_dict_asking_to_move_a_class_the_wrong_way_is_refused_as_by_imblearn():
    y = make_labels({"a": 30, "b": 10})
    with pytest.raises(ValueError, match="should be less or equal"):
        imblearn_counts(RandomUnderSampler, y, {"b": 20})
    with pytest.raises(
        ValueError, match="under-sampling cannot raise class 'b' from 10 to 20 rows; use oversample"
    ):
        fastbal.resample(y, {"b": 20}, kind="under")
    with pytest.raises(ValueError, match="should be greater or equal"):
        imblearn_counts(RandomOverSampler, y, {"a": 20})
    with pytest.raises(
        ValueError, match="over-sampling cannot lower class 'a' from 30 to 20 rows; use undersample"
    ):
        fastbal.resample(y, {"a": 20}, kind="over")


def test_dict_with_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        fastbal.resample(["a", "a", "b"], {"a": -1}, kind="under")


# ------------------------------------------------------ indices with nulls


@SETTINGS
@given(class_counts(1, 30), st.integers(0, 20), st.integers(0, 2**32))
def test_oversample_indices_with_nulls(counts, n_null, seed):
    y = make_labels(counts, seed=seed).tolist()
    rng = np.random.default_rng(seed)
    for pos in rng.integers(0, len(y) + 1, size=n_null):
        y.insert(int(pos), None)
    result = fastbal.oversample(y, seed=seed)
    largest = max(counts.values())
    assert result.targets == dict.fromkeys(counts, largest)
    check_over_indices(y, result)


@SETTINGS
@given(class_counts(1, 30), st.integers(0, 20), st.integers(1, 30), st.integers(0, 2**32))
def test_undersample_indices_with_nulls(counts, n_null, cap, seed):
    y = make_labels(counts, seed=seed).tolist()
    rng = np.random.default_rng(seed)
    for pos in rng.integers(0, len(y) + 1, size=n_null):
        y.insert(int(pos), None)
    result = fastbal.undersample(y, max_count=cap, seed=seed)
    assert result.targets == {c: min(n, cap) for c, n in counts.items()}
    check_under_indices(y, result)


def test_oversample_by_hand():
    result = fastbal.oversample(["a"] * 4 + ["b"], ratio=0.5, seed=0)
    assert result.targets == {"a": 4, "b": 2}
    assert result.indices.tolist() == [0, 1, 2, 3, 4, 4]


def test_undersample_keeps_everything_below_the_cap():
    y = ["a", None, "b", "a", "b"]
    result = fastbal.undersample(y, max_count=2)
    assert result.targets == {"a": 2, "b": 2}
    assert result.indices.tolist() == [0, 2, 3, 4]


# ---------------------------------------------- documented oversample targets


def test_oversample_ratio_targets():
    y = make_labels({"a": 10, "b": 1, "c": 5})
    # every class raised to at least ceil(ratio * 10)
    assert fastbal.oversample(y).targets == {"a": 10, "b": 10, "c": 10}
    assert fastbal.oversample(y, ratio=0.25).targets == {"a": 10, "b": 3, "c": 5}
    assert fastbal.oversample(y, ratio=0.3).targets == {"a": 10, "b": 3, "c": 5}
    assert fastbal.oversample(y, ratio=0.7).targets == {"a": 10, "b": 7, "c": 7}
    assert fastbal.oversample(y, ratio=1.5).targets == {"a": 15, "b": 15, "c": 15}


def test_oversample_counts_targets():
    y = make_labels({"a": 10, "b": 1, "c": 5})
    result = fastbal.oversample(y, counts={"b": 7})
    assert result.targets == {"a": 10, "b": 7, "c": 5}
    check_over_indices(y, result)
    assert fastbal.oversample(y, counts={"a": 10, "c": 6}).targets == {"a": 10, "b": 1, "c": 6}


def test_undersample_max_count_targets():
    y = make_labels({"a": 100, "b": 30, "c": 12})
    result = fastbal.undersample(y, max_count=20)
    assert result.targets == {"a": 20, "b": 20, "c": 12}
    check_under_indices(y, result)
    # an explicit cap is taken as asked, however small: no warning
    assert fastbal.undersample(y, max_count=1).targets == {"a": 1, "b": 1, "c": 1}
    assert fastbal.undersample(y, max_count=0).targets == {"a": 0, "b": 0, "c": 0}


def test_undersample_ratio_targets():
    y = make_labels({"a": 100, "b": 30, "c": 12})
    # every class cut to at most ceil(ratio * 12)
    assert fastbal.undersample(y, ratio=1.5).targets == {"a": 18, "b": 18, "c": 12}
    assert fastbal.undersample(y, ratio=1.25).targets == {"a": 15, "b": 15, "c": 12}
    assert fastbal.undersample(y, ratio=1.1).targets == {"a": 14, "b": 14, "c": 12}
    assert fastbal.undersample(y, ratio=1.0).targets == {"a": 12, "b": 12, "c": 12}
    assert fastbal.undersample(y, ratio=5.0).targets == {"a": 60, "b": 30, "c": 12}


def test_undersample_counts_targets():
    y = make_labels({"a": 100, "b": 30, "c": 12})
    result = fastbal.undersample(y, counts={"a": 20, "c": 0})
    assert result.targets == {"a": 20, "b": 30, "c": 0}
    check_under_indices(y, result)


# ------------------------------------------------------------- determinism


def chunked(y, n_chunks):
    bounds = np.linspace(0, len(y), n_chunks + 1).astype(int)
    return pa.chunked_array(
        [pa.array(y[lo:hi]) for lo, hi in itertools.pairwise(bounds)],
        type=pa.array(y[:1]).type,
    )


CALLS = [
    ("oversample", lambda x, seed: fastbal.oversample(x, seed=seed)),
    ("oversample counts", lambda x, seed: fastbal.oversample(x, counts={3: 900}, seed=seed)),
    ("undersample", lambda x, seed: fastbal.undersample(x, max_count=40, seed=seed)),
    ("resample over", lambda x, seed: fastbal.resample(x, "all", kind="over", seed=seed)),
    ("resample under", lambda x, seed: fastbal.resample(x, {0: 50, 1: 25}, "under", seed=seed)),
]


@pytest.fixture(scope="module")
def skewed():
    """Five classes, 300 to 20 rows each, shuffled; int64."""
    return make_labels({0: 300, 1: 150, 2: 80, 3: 40, 4: 20}, seed=7)


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[c[0] for c in CALLS])
def test_same_seed_same_draw_for_every_input_form(skewed, name, call):
    reference = call(skewed, 11)
    forms = {
        "again": skewed,
        "list": skewed.tolist(),
        "int32": skewed.astype(np.int32),
        "arrow": pa.array(skewed),
        "chunked 1": chunked(skewed, 1),
        "chunked 7": chunked(skewed, 7),
        "chunked 200": chunked(skewed, 200),
        "Labels": fastbal.Labels(chunked(skewed, 7)),
    }
    for form, x in forms.items():
        got = call(x, 11)
        assert got.indices.tolist() == reference.indices.tolist(), form
        assert got.targets == reference.targets, form


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[c[0] for c in CALLS])
def test_a_different_seed_gives_a_different_draw(skewed, name, call):
    first, second = call(skewed, 0), call(skewed, 1)
    assert first.targets == second.targets
    # hundreds of rows drawn from tens or hundreds: equal draws are all but impossible
    assert first.indices.tolist() != second.indices.tolist()


def test_string_labels_chunked_give_the_same_draw():
    y = make_labels({"head": 200, "mid": 60, "tail": 9}, seed=3)
    reference = fastbal.oversample(y, seed=5)
    assert fastbal.oversample(chunked(y.tolist(), 9), seed=5).indices.tolist() == (
        reference.indices.tolist()
    )
    reference = fastbal.undersample(y, max_count=30, seed=5)
    got = fastbal.undersample(fastbal.Labels(chunked(y.tolist(), 9)), max_count=30, seed=5)
    assert got.indices.tolist() == reference.indices.tolist()


def test_large_input_gives_the_same_draw_chunked_as_contiguous():
    # 298,821 rows: several of the extension's 65,536-row segments
    y = seed_shaped()
    forms = [y, chunked(y, 13), fastbal.Labels(chunked(y, 97))]
    over = [fastbal.oversample(x, ratio=0.002, seed=9) for x in forms]
    under = [fastbal.undersample(x, max_count=500, seed=9) for x in forms]
    for got in over[1:]:
        assert np.array_equal(got.indices, over[0].indices)
    for got in under[1:]:
        assert np.array_equal(got.indices, under[0].indices)
    # 0.2% of the largest class (44,098 rows) is 88.196: 89 rows
    assert min(over[0].targets.values()) == 89
    assert max(under[0].targets.values()) == 500
    check_under_indices(y, under[0])


DRAW_DIGEST = """
import hashlib, fastbal
from fastbal.datasets import seed_shaped
y = seed_shaped()
a = fastbal.oversample(y, ratio=0.002, seed=9).indices
b = fastbal.undersample(y, max_count=500, seed=9).indices
print(hashlib.sha256(a.tobytes() + b.tobytes()).hexdigest())
"""


def test_the_draw_does_not_depend_on_the_thread_count():
    digests = set()
    for threads in ("1", "3"):
        env = {**os.environ, "RAYON_NUM_THREADS": threads}
        out = subprocess.run(
            [sys.executable, "-c", DRAW_DIGEST], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip())
    y = seed_shaped()
    a = fastbal.oversample(y, ratio=0.002, seed=9).indices
    b = fastbal.undersample(y, max_count=500, seed=9).indices
    digests.add(hashlib.sha256(a.tobytes() + b.tobytes()).hexdigest())
    assert len(digests) == 1


# ---------------------------------------------------------------- warnings


def test_auto_undersampling_to_a_one_row_minority_warns():
    y = make_labels({"a": 50, "b": 20, "c": 1})
    with pytest.warns(UserWarning, match="cuts 2 classes to as few as 1 rows each"):
        result = fastbal.resample(y, "auto", kind="under")
    assert result.targets == {"a": 1, "b": 1, "c": 1}
    assert imblearn_counts(RandomUnderSampler, y, "auto") == {"a": 1, "b": 1, "c": 1}


def test_undersample_ratio_to_a_tiny_minority_warns():
    y = make_labels({"a": 50, "b": 20, "c": 2})
    with pytest.warns(UserWarning, match="as few as 4 rows each"):
        result = fastbal.undersample(y, ratio=2.0)
    assert result.targets == {"a": 4, "b": 4, "c": 2}


def test_oversampling_a_one_row_class_100_times_warns():
    y = make_labels({"a": 101, "b": 1})
    with pytest.warns(UserWarning, match="repeats 1 one-row classes 100 times or more"):
        result = fastbal.oversample(y)
    assert result.targets == {"a": 101, "b": 101}
    with pytest.warns(UserWarning, match="one-row classes 100 times or more"):
        fastbal.resample(y, "auto", kind="over")


def test_oversampling_a_one_row_class_99_times_does_not_warn():
    # pytest turns any warning into an error here
    result = fastbal.oversample(make_labels({"a": 100, "b": 1}))
    assert result.targets == {"a": 100, "b": 100}


def test_auto_undersampling_the_demo_dataset_warns():
    y = seed_shaped()
    with pytest.warns(UserWarning, match="cuts 214 classes to as few as 1 rows each"):
        result = fastbal.resample(y, "auto", kind="under")
    # imbalanced-learn cuts all 224 classes to one row each, silently
    assert imblearn_counts(RandomUnderSampler, y, "auto") == dict.fromkeys(range(224), 1)
    assert result.targets == dict.fromkeys(range(224), 1)
    assert sorted(y[result.indices].tolist()) == list(range(224))


def test_auto_oversampling_the_demo_dataset_warns_about_its_ten_one_row_classes():
    y = seed_shaped()
    with pytest.warns(UserWarning, match="repeats 10 one-row classes 100 times or more"):
        result = fastbal.resample(y, "auto", kind="over")
    # 224 classes raised to the largest, 44,098 rows
    assert result.targets == dict.fromkeys(range(224), 44_098)
    assert len(result.indices) == 224 * 44_098


# --------------------------------------------------------------- bad input


@pytest.mark.parametrize("ratio", [0, 0.0, -1.0, float("nan")])
def test_ratio_not_positive_is_refused(ratio):
    with pytest.raises(ValueError, match="ratio must be a positive finite number"):
        fastbal.oversample([0, 0, 1], ratio=ratio)
    with pytest.raises(ValueError, match="ratio must be a positive finite number"):
        fastbal.undersample([0, 0, 1], ratio=ratio)


def test_counts_naming_absent_classes_are_refused():
    with pytest.raises(ValueError, match=r"counts names classes absent from the labels: \[5\]"):
        fastbal.oversample([0, 0, 1], counts={5: 3})
    with pytest.raises(ValueError, match=r"counts names classes absent from the labels: \['0'\]"):
        fastbal.undersample([0, 0, 1], counts={"0": 1})


def test_undersampling_up_and_oversampling_down_are_refused():
    with pytest.raises(
        ValueError, match="under-sampling cannot raise class 'b' from 1 to 2 rows; use oversample"
    ):
        fastbal.undersample(["a", "a", "b"], counts={"b": 2})
    with pytest.raises(
        ValueError, match="over-sampling cannot lower class 'a' from 2 to 1 rows; use undersample"
    ):
        fastbal.oversample(["a", "a", "b"], counts={"a": 1})


def test_wrong_way_messages_show_integer_classes_plainly():
    with pytest.raises(
        ValueError, match="under-sampling cannot raise class 1 from 1 to 2 rows; use oversample"
    ):
        fastbal.undersample([0, 0, 1], counts={1: 2})
    with pytest.raises(
        ValueError, match="over-sampling cannot lower class 0 from 2 to 1 rows; use undersample"
    ):
        fastbal.oversample([0, 0, 1], counts={0: 1})


def test_conflicting_or_missing_arguments_are_refused():
    with pytest.raises(TypeError, match="pass ratio or counts, not both"):
        fastbal.oversample([0, 0, 1], ratio=1.0, counts={1: 2})
    with pytest.raises(TypeError, match="pass exactly one of max_count, ratio and counts"):
        fastbal.undersample([0, 0, 1])
    with pytest.raises(TypeError, match="pass exactly one of max_count, ratio and counts"):
        fastbal.undersample([0, 0, 1], max_count=1, ratio=1.0)


def test_bad_counts_and_seeds_are_refused():
    with pytest.raises(ValueError, match="max_count must not be negative; got -2"):
        fastbal.undersample([0, 0, 1], max_count=-2)
    with pytest.raises(TypeError, match=r"max_count must be an int; got float 2\.5"):
        fastbal.undersample([0, 0, 1], max_count=2.5)
    with pytest.raises(TypeError, match=r"counts\[1\] must be an int"):
        fastbal.oversample([0, 0, 1], counts={1: 2.0})
    with pytest.raises(ValueError, match=r"seed must be in \[0, 2\*\*64\); got -1"):
        fastbal.oversample([0, 0, 1], seed=-1)
    with pytest.raises(TypeError, match="seed must be an int"):
        fastbal.undersample([0, 0, 1], max_count=1, seed=1.5)
