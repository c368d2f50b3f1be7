"""Row selection: class masks, the filter summary, the what-if table, stratified samples.

Every mask is compared with an independent oracle (numpy unique/bincount + take for
integer labels, `collections.Counter` for strings) on every input kind fastbal accepts.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

import fastbal
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from fastbal.datasets import SEED_HEAD, seed_shaped, seed_shaped_counts
from hypothesis import given, settings
from hypothesis import strategies as st

# example counts come from the hypothesis profile in conftest.py
SETTINGS = settings(deadline=None)

# ---------------------------------------------------------------------------
# label columns and the input kinds they are passed as
# ---------------------------------------------------------------------------

int_values = st.lists(st.one_of(st.integers(-3, 8), st.none()), max_size=60)
str_values = st.lists(
    st.one_of(st.sampled_from(["a", "b", "ab", "B", "", "é", "zz", "b "]), st.none()), max_size=60
)


def _chunks(arr: pa.Array) -> pa.ChunkedArray:
    """`arr` as a chunked array: three chunks, one of them empty."""
    cut = len(arr) // 3
    return pa.chunked_array([arr[:cut], arr[cut:cut], arr[cut:]], type=arr.type)


def int_kinds(values: list[int | None]) -> dict[str, object]:
    """The same integer column as every input kind that can hold it."""
    arr = pa.array(values, type=pa.int64())
    kinds: dict[str, object] = {
        "list": list(values),
        "pyarrow": arr,
        "pyarrow int16": pa.array(values, type=pa.int16()),
        "pyarrow chunked": _chunks(arr),
        "pyarrow dictionary": arr.dictionary_encode(),
        "polars": pl.Series(values, dtype=pl.Int64),
        "pandas Int64": pd.Series(values, dtype="Int64"),
        "float64 with NaN": np.array([np.nan if v is None else v for v in values], dtype=float),
        "Labels": fastbal.Labels(values),
    }
    if None not in values:
        kinds["numpy int64"] = np.array(values, dtype=np.int64)
        kinds["numpy int8"] = np.array(values, dtype=np.int8)
        kinds["numpy int32, strided"] = np.repeat(np.array(values, dtype=np.int32), 2)[::2]
    return kinds


def str_kinds(values: list[str | None]) -> dict[str, object]:
    """The same string column as every input kind that can hold it."""
    arr = pa.array(values, type=pa.string())
    obj = np.empty(len(values), dtype=object)
    obj[:] = values
    kinds: dict[str, object] = {
        "list": list(values),
        "numpy object": obj,
        "pyarrow": arr,
        "pyarrow large_string": pa.array(values, type=pa.large_string()),
        "pyarrow string_view": pa.array(values, type=pa.string_view()),
        "pyarrow chunked": _chunks(arr),
        "pyarrow dictionary": arr.dictionary_encode(),
        "polars": pl.Series(values, dtype=pl.Utf8),
        "polars categorical": pl.Series(values, dtype=pl.Categorical),
        "pandas string": pd.Series(values, dtype="string"),
        "Labels": fastbal.Labels(values),
    }
    if None not in values:
        kinds["numpy str"] = np.array(values, dtype=str)
    return kinds


# ---------------------------------------------------------------------------
# oracles
# ---------------------------------------------------------------------------


def int_row_counts(values: list[int | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """numpy oracle: (classes, counts, per-row class count with 0 for null rows)."""
    valid = np.array([v is not None for v in values], dtype=bool)
    present = np.array([v for v in values if v is not None], dtype=np.int64)
    classes, inverse, counts = np.unique(present, return_inverse=True, return_counts=True)
    per_row = np.zeros(len(values), dtype=np.int64)
    per_row[valid] = np.bincount(inverse, minlength=len(classes)).take(inverse)
    return classes, counts, per_row


def top_k_classes(counts: dict, k: int) -> set:
    """The k most frequent classes; ties go to the class that sorts first by value."""
    order = sorted(counts, key=lambda c: (-counts[c], c))
    return set(order[:k])


def int_oracle(values: list[int | None], rule: str, k: int) -> np.ndarray:
    classes, counts, per_row = int_row_counts(values)
    valid = np.array([v is not None for v in values], dtype=bool)
    if rule == "min_count":
        return valid & (per_row >= k)
    if rule == "max_count":
        return valid & (per_row <= k)
    top = top_k_classes(dict(zip(classes.tolist(), counts.tolist(), strict=True)), k)
    return np.array([v is not None and v in top for v in values], dtype=bool)


def counter_oracle(values: list, rule: str, k: int) -> np.ndarray:
    counts = Counter(v for v in values if v is not None)
    if rule == "min_count":
        keep = {c for c, n in counts.items() if n >= k}
    elif rule == "max_count":
        keep = {c for c, n in counts.items() if n <= k}
    else:
        keep = top_k_classes(counts, k)
    return np.array([v is not None and v in keep for v in values], dtype=bool)


MASKS = {
    "min_count": fastbal.filter_min_count,
    "max_count": fastbal.filter_max_count,
    "top_k": fastbal.top_k_mask,
}


def summary_oracle(values: list, rule: str, k: int) -> dict:
    """Every figure of a FilterSummary, from a Counter."""
    counts = Counter(v for v in values if v is not None)
    if rule == "min_count":
        kept = {c for c, n in counts.items() if n >= k}
    elif rule == "max_count":
        kept = {c for c, n in counts.items() if n <= k}
    else:
        kept = top_k_classes(counts, k)
    rows_before = sum(counts.values())
    rows_kept = sum(counts[c] for c in kept)
    smallest = min(kept, key=lambda c: (counts[c], c)) if kept else None
    return {
        "rule": f"{rule}({k})",
        "classes_before": len(counts),
        "classes_kept": len(kept),
        "removed_classes": sorted(set(counts) - kept),
        "rows_before": rows_before,
        "rows_kept": rows_kept,
        "null_rows": values.count(None),
        "rows_removed": rows_before - rows_kept,
        "share_removed": (rows_before - rows_kept) / rows_before if rows_before else 0.0,
        "ratio_before": max(counts.values()) / min(counts.values()) if counts else None,
        "ratio_after": (
            max(counts[c] for c in kept) / min(counts[c] for c in kept) if kept else None
        ),
        "smallest_after": (smallest, counts[smallest]) if kept else None,
    }


def assert_same_figures(got: dict, want: dict) -> None:
    assert got.keys() >= want.keys()
    for key, value in want.items():
        assert got[key] == value, key


# ---------------------------------------------------------------------------
# masks
# ---------------------------------------------------------------------------


@SETTINGS
@given(values=int_values, k=st.integers(0, 12), rule=st.sampled_from(sorted(MASKS)))
def test_int_masks_equal_the_numpy_oracle_on_every_input_kind(values, k, rule):
    want = int_oracle(values, rule, k)
    for kind, x in int_kinds(values).items():
        got = MASKS[rule](x, k)
        assert got.dtype == np.bool_, kind
        np.testing.assert_array_equal(got, want, err_msg=kind)


@SETTINGS
@given(values=str_values, k=st.integers(0, 12), rule=st.sampled_from(sorted(MASKS)))
def test_str_masks_equal_the_counter_oracle_on_every_input_kind(values, k, rule):
    want = counter_oracle(values, rule, k)
    for kind, x in str_kinds(values).items():
        np.testing.assert_array_equal(MASKS[rule](x, k), want, err_msg=kind)


@SETTINGS
@given(values=int_values, wanted=st.lists(st.integers(-5, 10), max_size=6))
def test_int_isin_mask_equals_np_isin(values, wanted):
    valid = np.array([v is not None for v in values], dtype=bool)
    filled = np.array([0 if v is None else v for v in values], dtype=np.int64)
    want = valid & np.isin(filled, wanted)
    for kind, x in int_kinds(values).items():
        np.testing.assert_array_equal(fastbal.isin_mask(x, wanted), want, err_msg=kind)


@SETTINGS
@given(values=str_values, wanted=st.lists(st.sampled_from(["a", "B", "", "é", "q"]), max_size=4))
def test_str_isin_mask_equals_set_membership(values, wanted):
    want = np.array([v is not None and v in set(wanted) for v in values], dtype=bool)
    for kind, x in str_kinds(values).items():
        np.testing.assert_array_equal(fastbal.isin_mask(x, wanted), want, err_msg=kind)


def test_null_rows_are_never_kept():
    y = [None, 1, None, 1, 2, None]
    for mask in (
        fastbal.filter_min_count(y, 0),
        fastbal.filter_max_count(y, 100),
        fastbal.top_k_mask(y, 10),
        fastbal.isin_mask(y, [1, 2]),
    ):
        assert mask.tolist() == [False, True, False, True, True, False]


def test_top_k_breaks_ties_by_class_value():
    # counts: a 2, b 2, c 2, d 1; with k = 2 the tie between a, b and c goes to a and b
    assert fastbal.top_k_mask(["c", "b", "a", "c", "b", "a", "d"], 2).tolist() == [
        False,
        True,
        True,
        False,
        True,
        True,
        False,
    ]
    # integers sort numerically: -1 before 3 before 10
    assert fastbal.top_k_mask([10, 3, -1, 10, 3, -1], 1).tolist() == [
        False,
        False,
        True,
        False,
        False,
        True,
    ]
    # a more frequent class always wins over a smaller value
    assert fastbal.top_k_mask([5, 5, 1], 1).tolist() == [True, True, False]


def test_a_numpy_integer_k_is_accepted():
    y = [1, 1, 2]
    assert fastbal.filter_min_count(y, np.int64(2)).tolist() == [True, True, False]


# ---------------------------------------------------------------------------
# the filter summary
# ---------------------------------------------------------------------------


@SETTINGS
@given(values=int_values, k=st.integers(0, 12), rule=st.sampled_from(sorted(MASKS)))
def test_int_summary_equals_the_oracle(values, k, rule):
    for x in (values, fastbal.Labels(values)):
        mask, summary = MASKS[rule](x, k, return_summary=True)
        np.testing.assert_array_equal(mask, int_oracle(values, rule, k))
        assert_same_figures(summary.to_dict(), summary_oracle(values, rule, k))


@SETTINGS
@given(values=str_values, k=st.integers(0, 12), rule=st.sampled_from(sorted(MASKS)))
def test_str_summary_equals_the_oracle(values, k, rule):
    mask, summary = MASKS[rule](pa.array(values, pa.string()), k, return_summary=True)
    np.testing.assert_array_equal(mask, counter_oracle(values, rule, k))
    assert_same_figures(summary.to_dict(), summary_oracle(values, rule, k))


def test_summary_prints_one_line_with_the_figures():
    y = ["x"] * 6 + ["y"] * 3 + ["z"] + [None] * 2
    _, summary = fastbal.filter_min_count(y, 2, return_summary=True)
    assert str(summary) == (
        "min_count(2): kept 2 of 3 classes and 9 of 10 rows; removed 1 class and 1 row "
        "(10.000%) [z]; imbalance ratio 6 : 1 -> 2 : 1; smallest class left: y (3 rows); "
        "2 null rows dropped"
    )


# ---------------------------------------------------------------------------
# what-if
# ---------------------------------------------------------------------------


@SETTINGS
@given(values=int_values, thresholds=st.lists(st.integers(0, 15), min_size=1, max_size=6))
def test_what_if_rows_equal_filtering_at_each_threshold(values, thresholds):
    tables = [
        fastbal.what_if(values, thresholds),
        fastbal.what_if(fastbal.Labels(values), thresholds),
        fastbal.what_if(fastbal.value_counts(values), thresholds),
    ]
    for table in tables:
        rows = table.rows()
        assert [r["threshold"] for r in rows] == thresholds
        for row, t in zip(rows, thresholds, strict=True):
            _, s = fastbal.filter_min_count(values, t, return_summary=True)
            assert row["classes_removed"] == s.classes_before - s.classes_kept
            assert row["rows_removed"] == s.rows_removed
            assert row["share_removed"] == s.share_removed
            assert row["classes_left"] == s.classes_kept
            assert row["ratio_left"] == s.ratio_after  # None when no class is left


def test_what_if_default_thresholds_by_hand():
    y = [1] * 120 + [2] * 30 + [3] * 7 + [4] * 3 + [5]
    table = fastbal.what_if(y)
    assert table.thresholds == [2, 5, 10, 20, 50, 100]
    assert table.classes_removed == [1, 2, 3, 3, 4, 4]
    assert table.rows_removed == [1, 4, 11, 11, 41, 41]
    assert table.classes_left == [4, 3, 2, 2, 1, 1]
    assert table.ratio_left == [40.0, 120 / 7, 4.0, 4.0, 1.0, 1.0]
    assert table.share_removed == [n / 161 for n in [1, 4, 11, 11, 41, 41]]


# ---------------------------------------------------------------------------
# stratified_sample
# ---------------------------------------------------------------------------


@st.composite
def labeled_columns(draw):
    """(values with None for nulls, class count of each class), shuffled by a drawn seed."""
    counts = draw(st.lists(st.one_of(st.integers(1, 3), st.integers(1, 40)), max_size=10))
    nulls = draw(st.integers(0, 4))
    values = [c for c, n in enumerate(counts) for _ in range(n)] + [None] * nulls
    order = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(len(values))
    return [values[i] for i in order]


def sample_size(values: list, fraction: float | None, n: int | None) -> int:
    """The documented total: n, or fraction of the labeled rows rounded half away from zero."""
    if n is not None:
        return n
    exact = fraction * sum(v is not None for v in values)
    return math.floor(exact) + (exact - math.floor(exact) >= 0.5)


def check_sample(values: list, idx: np.ndarray, total: int) -> None:
    counts = Counter(v for v in values if v is not None)
    n_labeled = sum(counts.values())
    # exact total size; sorted, unique, labeled rows only
    assert idx.dtype == np.int64
    assert len(idx) == total
    assert (np.diff(idx) > 0).all()
    assert all(values[i] is not None for i in idx)
    got = Counter(values[i] for i in idx)
    quota = {c: Fraction(n * total, n_labeled) for c, n in counts.items()}
    # every class strictly within one row of n_c * n / N
    for c in counts:
        assert abs(got[c] - quota[c]) < 1, (c, got[c], quota[c])
    # a class is left with no row only when no class could give one without leaving the
    # one-row bound (a class gives only from above its quota and keeps at least one row)
    empty = [c for c in counts if got[c] == 0]
    if empty and total > 0:
        assert not [c for c in counts if got[c] >= 2 and got[c] > quota[c]]
        # and among classes whose quota is below one row, the larger ones got a row first
        lifted = [c for c in counts if quota[c] < 1 and got[c] == 1]
        if lifted:
            assert max(counts[c] for c in empty) <= min(counts[c] for c in lifted)


@SETTINGS
@given(values=labeled_columns(), data=st.data(), seed=st.integers(0, 2**64 - 1))
def test_stratified_sample_with_n(values, data, seed):
    n_labeled = sum(v is not None for v in values)
    n = data.draw(st.integers(0, n_labeled))
    idx = fastbal.stratified_sample(values, n=n, seed=seed)
    check_sample(values, idx, n)
    # the same for a seed, and for a Labels built from the same column
    np.testing.assert_array_equal(fastbal.stratified_sample(values, n=n, seed=seed), idx)
    labels = fastbal.Labels(values)
    np.testing.assert_array_equal(fastbal.stratified_sample(labels, n=n, seed=seed), idx)


@SETTINGS
@given(values=labeled_columns(), data=st.data(), seed=st.integers(0, 2**64 - 1))
def test_stratified_sample_by_ids_follows_the_ids(values, data, seed):
    n_labeled = sum(v is not None for v in values)
    n = data.draw(st.integers(0, n_labeled))
    ids = [f"doc-{i * 7919 % 10007}" for i in range(len(values))]
    idx = fastbal.stratified_sample(values, n=n, seed=seed, ids=ids)
    check_sample(values, idx, n)
    order = data.draw(st.permutations(range(len(values))))
    moved = fastbal.stratified_sample(
        [values[i] for i in order], n=n, seed=seed, ids=[ids[i] for i in order]
    )
    assert sorted(ids[order[i]] for i in moved) == sorted(ids[i] for i in idx)
    labels = fastbal.Labels(values)
    np.testing.assert_array_equal(fastbal.stratified_sample(labels, n=n, seed=seed, ids=ids), idx)


def test_stratified_sample_by_ids_refuses_bad_ids():
    y = ["a"] * 8 + ["b"] * 2
    with pytest.raises(fastbal.FastbalError, match=r"^ids has 3 rows but the labels have 10$"):
        fastbal.stratified_sample(y, n=3, ids=[1, 2, 3])
    with pytest.raises(fastbal.InvalidInputError, match="rows 0 and 9 have the same id"):
        fastbal.stratified_sample(y, n=3, ids=[5, *range(10, 18), 5])


@SETTINGS
@given(
    values=labeled_columns(),
    fraction=st.floats(0.0, 1.0, exclude_min=True),
    seed=st.integers(0, 99),
)
def test_stratified_sample_with_fraction(values, fraction, seed):
    idx = fastbal.stratified_sample(values, fraction=fraction, seed=seed)
    check_sample(values, idx, sample_size(values, fraction, None))


@SETTINGS
@given(values=labeled_columns(), fraction=st.sampled_from([0.1, 0.25, 0.5, 0.9]))
def test_stratified_sample_ignores_chunking(values, fraction):
    arr = pa.array(values, pa.int32())
    want = fastbal.stratified_sample(arr, fraction=fraction, seed=3)
    for cut in {0, len(values) // 2, len(values)}:
        chunked = pa.chunked_array([arr[:cut], arr[cut:]], type=arr.type)
        np.testing.assert_array_equal(
            fastbal.stratified_sample(chunked, fraction=fraction, seed=3), want
        )


def test_stratified_sample_fraction_one_is_every_labeled_row():
    y = ["a", None, "b", "a", None, "c"]
    assert fastbal.stratified_sample(y, fraction=1.0).tolist() == [0, 2, 3, 5]
    assert fastbal.stratified_sample(y, fraction=1).tolist() == [0, 2, 3, 5]


def test_stratified_sample_by_hand():
    # 8 a, 2 b, 1 c; n = 4: quotas 2.91, 0.73, 0.36; largest remainder gives a 3, b 1, c 0;
    # a was rounded up and keeps 2 rows (within one of 2.91) when it gives one to c
    y = ["a"] * 8 + ["b"] * 2 + ["c"]
    idx = fastbal.stratified_sample(y, n=4, seed=0)
    assert Counter(y[i] for i in idx) == {"a": 2, "b": 1, "c": 1}
    # n = 2: quotas 1.45, 0.36, 0.18; largest remainder gives a 2, b 0, c 0; a gives one row
    # to the larger empty class, b; then no class is above its quota, so c stays empty
    idx = fastbal.stratified_sample(y, n=2, seed=0)
    assert Counter(y[i] for i in idx) == {"a": 1, "b": 1}


_U = np.uint64


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer, the fixed hash pinned in crates/fastbal-core/src/hash.rs."""
    x = x ^ (x >> _U(30))
    x = x * _U(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U(27))
    x = x * _U(0x94D049BB133111EB)
    return x ^ (x >> _U(31))


@pytest.mark.parametrize("seed", [0, 9, 2**64 - 1])
def test_stratified_sample_takes_the_lowest_ranked_rows_of_each_class(seed):
    # rank of row i: the pinned hash of (i xor a per-seed offset), ties by position
    rng = np.random.default_rng(seed % 1000)
    y = np.minimum(rng.geometric(0.3, 100_000), 12)  # classes of ~30,000 down to a few rows
    idx = fastbal.stratified_sample(y, fraction=0.3, seed=seed)
    offset = _mix64(np.array([seed], dtype=np.uint64) ^ _U(0x6A09E667F3BCC908))
    h = _mix64(np.arange(len(y), dtype=np.uint64) ^ offset)
    want = []
    for c, taken in Counter(y[idx].tolist()).items():
        rows = np.flatnonzero(y == c)
        want.extend(rows[np.lexsort((rows, h[rows]))][:taken].tolist())
    assert idx.tolist() == sorted(want)


def test_stratified_sample_depends_on_the_seed():
    y = np.arange(1000) % 4
    a = fastbal.stratified_sample(y, fraction=0.5, seed=1)
    b = fastbal.stratified_sample(y, fraction=0.5, seed=2)
    assert len(a) == len(b) == 500
    assert not np.array_equal(a, b)
    assert np.bincount(y[a]).tolist() == np.bincount(y[b]).tolist() == [125, 125, 125, 125]


# ---------------------------------------------------------------------------
# the same result whatever the thread count (subprocesses over a saved column)
# ---------------------------------------------------------------------------

THREAD_SCRIPT = """
import sys
import numpy as np
import pyarrow as pa
import fastbal

data = np.load(sys.argv[1])
y = pa.array(data["values"], mask=data["null"])
np.savez(
    sys.argv[2],
    min_count=fastbal.filter_min_count(y, 500),
    top_k=fastbal.top_k_mask(y, 7),
    sample=fastbal.stratified_sample(y, fraction=0.3, seed=9),
    sample_n=fastbal.stratified_sample(y, n=1234, seed=10),
)
"""


def test_results_do_not_depend_on_the_thread_count(tmp_path, run_with_threads):
    rng = np.random.default_rng(0)
    n = 300_000  # several 65,536-row segments, so two threads split the work
    values = np.minimum(rng.geometric(0.1, n), 60).astype(np.int32)
    null = rng.random(n) < 0.01
    np.savez(tmp_path / "in.npz", values=values, null=null)
    one, two = run_with_threads(THREAD_SCRIPT, 1), run_with_threads(THREAD_SCRIPT, 2)
    assert one.keys() == two.keys()
    for key in one:
        np.testing.assert_array_equal(one[key], two[key], err_msg=key)
    # and they equal the oracle / this process's result
    y = pa.array(values, mask=null)
    listed = [None if m else int(v) for v, m in zip(values, null, strict=True)]
    np.testing.assert_array_equal(one["min_count"], int_oracle(listed, "min_count", 500))
    np.testing.assert_array_equal(one["top_k"], int_oracle(listed, "top_k", 7))
    np.testing.assert_array_equal(one["sample"], fastbal.stratified_sample(y, fraction=0.3, seed=9))
    assert len(one["sample"]) == round(0.3 * int((~null).sum()))
    assert len(one["sample_n"]) == 1234


# ---------------------------------------------------------------------------
# the demo dataset
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    return seed_shaped()


def test_demo_min_count_10(demo):
    mask, summary = fastbal.filter_min_count(demo, 10, return_summary=True)
    kept_values, kept_counts = np.unique(demo[mask], return_counts=True)
    assert kept_counts.min() >= 10

    # the expected figures, from the documented class counts with numpy alone
    table = seed_shaped_counts()
    classes = np.array(sorted(table), dtype=np.int64)
    counts = np.array([table[c] for c in classes], dtype=np.int64)
    keep = counts >= 10
    kept_min = counts[keep].min()
    np.testing.assert_array_equal(kept_values, classes[keep])
    np.testing.assert_array_equal(kept_counts, counts[keep])
    assert summary.classes_before == len(classes)
    assert summary.classes_kept == int(keep.sum())
    assert summary.removed_classes == classes[~keep].tolist()
    assert summary.rows_before == int(counts.sum())
    assert summary.rows_kept == int(counts[keep].sum()) == int(mask.sum())
    assert summary.rows_removed == int(counts[~keep].sum())
    assert summary.share_removed == counts[~keep].sum() / counts.sum()
    assert summary.ratio_before == counts.max() / counts.min()
    assert summary.ratio_after == counts.max() / kept_min
    assert summary.smallest_after == (int(classes[keep][counts[keep] == kept_min][0]), kept_min)
    assert summary.null_rows == 0

    # the same figures written out: 224 classes, 298,821 rows; the ten one-row classes
    # and the twenty classes of 2 to 9 rows (122 rows in all) go; 44,098 : 1 -> 4,409.8 : 1
    assert (summary.classes_before, summary.classes_kept) == (224, 194)
    assert len(summary.removed_classes) == 30
    assert (summary.rows_before, summary.rows_kept, summary.rows_removed) == (298_821, 298_699, 122)
    assert summary.ratio_before == 44_098.0
    assert summary.ratio_after == 4_409.8
    assert summary.smallest_after[1] == 10


def test_demo_top_280_keeps_every_row(demo):
    mask, summary = fastbal.top_k_mask(demo, 280, return_summary=True)
    assert mask.all()  # 224 classes, fewer than 280
    assert (summary.classes_kept, summary.removed_classes, summary.rows_removed) == (224, [], 0)
    # the five head classes are the top 5
    top5 = fastbal.top_k_mask(demo, 5)
    assert set(np.unique(demo[top5]).tolist()) == set(SEED_HEAD)
    assert int(top5.sum()) == sum(SEED_HEAD.values())


def test_demo_what_if_at_10_matches_the_filter(demo):
    row = fastbal.what_if(demo, [10]).rows()[0]
    assert row == {
        "threshold": 10,
        "classes_removed": 30,
        "rows_removed": 122,
        "share_removed": 122 / 298_821,
        "classes_left": 194,
        "ratio_left": 4_409.8,
    }


def test_demo_stratified_sample_keeps_proportions(demo):
    idx = fastbal.stratified_sample(demo, fraction=0.1, seed=7)
    assert len(idx) == 29_882  # 29,882.1 rounded
    counts = np.bincount(demo)
    got = np.bincount(demo[idx], minlength=len(counts))
    assert (np.abs(got - counts * 29_882 / 298_821) < 1).all()


# ---------------------------------------------------------------------------
# bad inputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fn", list(MASKS.values()))
def test_negative_k_is_refused(fn):
    with pytest.raises(ValueError, match=r"^k must not be negative; got -1$"):
        fn([1, 2], -1)


@pytest.mark.parametrize("fn", list(MASKS.values()))
@pytest.mark.parametrize("k", [2.0, "2", True, None])
def test_non_int_k_is_refused(fn, k):
    with pytest.raises(TypeError, match=r"^k must be an int; got "):
        fn([1, 2], k)


def test_negative_what_if_threshold_is_refused():
    with pytest.raises(ValueError, match=r"^threshold must not be negative; got -1$"):
        fastbal.what_if([1, 2], [2, -1])


@pytest.mark.parametrize("fraction", [0, 0.0, -0.1, 1.5, math.nan, math.inf])
def test_fraction_outside_0_1_is_refused(fraction):
    with pytest.raises(ValueError, match=r"^fraction must be in \(0, 1\]; got "):
        fastbal.stratified_sample([1, 2, 2], fraction=fraction)


def test_fraction_of_the_wrong_type_is_refused():
    with pytest.raises(TypeError, match=r"^fraction must be a float; got str '0.5'$"):
        fastbal.stratified_sample([1, 2], fraction="0.5")


def test_n_larger_than_the_labeled_rows_is_refused():
    # three rows, but only two have a label
    with pytest.raises(ValueError, match=r"^n = 3 is more than the 2 labeled rows$"):
        fastbal.stratified_sample([1, None, 2], n=3)


@pytest.mark.parametrize(("n", "error"), [(-1, ValueError), (1.0, TypeError), (True, TypeError)])
def test_bad_n_is_refused(n, error):
    with pytest.raises(error, match=r"^n must "):
        fastbal.stratified_sample([1, 2], n=n)


def test_a_bool_fraction_is_refused():
    with pytest.raises(TypeError, match=r"^fraction must be a float"):
        fastbal.stratified_sample([1, 2], fraction=True)


def test_a_huge_k_is_an_ordinary_threshold():
    y = [1, 1, 2]
    assert fastbal.filter_min_count(y, 2**64).tolist() == [False, False, False]
    assert fastbal.filter_max_count(y, 2**64).tolist() == [True, True, True]
    assert fastbal.top_k_mask(y, 2**64).tolist() == [True, True, True]


@pytest.mark.parametrize("kwargs", [{}, {"n": 1, "fraction": 0.5}])
def test_exactly_one_of_n_and_fraction(kwargs):
    with pytest.raises(ValueError, match=r"^pass exactly one of fraction and n$"):
        fastbal.stratified_sample([1, 2], **kwargs)


def test_empty_input_gives_empty_results():
    # An empty column is not an error: no rows to keep is the honest answer.
    for y in ([], np.array([], dtype=np.int64), pa.array([], pa.string())):
        for fn in MASKS.values():
            mask = fn(y, 3)
            assert mask.dtype == np.bool_
            assert mask.shape == (0,)
        assert fastbal.isin_mask(y, []).shape == (0,)
        assert fastbal.stratified_sample(y, n=0).tolist() == []
        # a fraction of zero labeled rows is zero rows
        assert fastbal.stratified_sample(y, fraction=0.5).tolist() == []
        assert fastbal.stratified_sample(y, fraction=1.0).tolist() == []
        with pytest.raises(ValueError, match=r"^n = 1 is more than the 0 labeled rows$"):
            fastbal.stratified_sample(y, n=1)
    # the summary of an empty column: zero everywhere, ratios undefined (NaN)
    _, summary = fastbal.filter_min_count([], 1, return_summary=True)
    assert (summary.classes_before, summary.classes_kept, summary.rows_before) == (0, 0, 0)
    assert (summary.share_removed, summary.smallest_after) == (0.0, None)
    assert (summary.ratio_before, summary.ratio_after) == (None, None)
    table = fastbal.what_if([], [2, 5])
    assert table.classes_removed == table.rows_removed == table.classes_left == [0, 0]
    assert table.ratio_left == [None, None]


def test_an_all_null_column_keeps_nothing():
    y = [None, None, None]
    mask, summary = fastbal.filter_min_count(y, 0, return_summary=True)
    assert mask.tolist() == [False, False, False]
    assert (summary.null_rows, summary.rows_before, summary.classes_before) == (3, 0, 0)
    assert fastbal.stratified_sample(y, fraction=1.0).tolist() == []


# ---------------------------------------------------------------------------
# isin_mask with classes of another type than the labels
# ---------------------------------------------------------------------------


def test_isin_mask_with_int_classes_on_str_labels_keeps_nothing():
    assert fastbal.isin_mask(["1", "2"], [1]).tolist() == [False, False]


def test_isin_mask_does_not_truncate_a_float_class():
    assert fastbal.isin_mask([1, 2], [1.5]).tolist() == [False, False]


def test_isin_mask_with_a_class_outside_the_label_dtype():
    y = np.array([1, 2], dtype=np.int8)
    assert fastbal.isin_mask(y, [300, 1]).tolist() == [True, False]


def test_isin_mask_with_str_classes_on_int_labels_keeps_nothing():
    assert fastbal.isin_mask([1, 2], ["a"]).tolist() == [False, False]
