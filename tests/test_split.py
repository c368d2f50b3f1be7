"""The stratified split and k-fold: the contract of DESIGN.md "The split", property by property.

Label columns are drawn with one- and two-row classes and null rows. The oracles are
plain Python: Counter per class, exact fractions for quotas, numpy for index sets.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import fastbal
import fastbal.sklearn
import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from fastbal.datasets import seed_shaped, seed_shaped_counts
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedShuffleSplit, cross_val_score

# example counts come from the hypothesis profile in conftest.py
SETTINGS = settings(deadline=None)
SPLITS = ("train", "valid", "test")

# ---------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------


@st.composite
def label_columns(draw, min_classes=0, max_count=40):
    """A shuffled label column (list, None for nulls) with small and tiny classes."""
    counts = draw(
        st.lists(
            st.one_of(st.sampled_from([1, 2, 3]), st.integers(1, max_count)),
            min_size=min_classes,
            max_size=12,
        )
    )
    nulls = draw(st.integers(0, 3))
    names = draw(st.sampled_from(["int", "str"]))
    label = (lambda c: 7 * c - 20) if names == "int" else (lambda c: f"class {c:02d}")
    values = [label(c) for c, n in enumerate(counts) for _ in range(n)] + [None] * nulls
    order = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(len(values))
    return [values[i] for i in order]


fractions = st.one_of(
    st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5]), st.floats(0.0, 0.6, allow_nan=False)
)


@st.composite
def split_sizes(draw, n_rows):
    """(test_size, val_size): two fractions summing below 1, or two row counts."""
    if draw(st.booleans()):
        test = draw(fractions)
        val = draw(fractions.filter(lambda v: test + v < 0.95))
        return test, val
    test = draw(st.integers(0, max(n_rows // 2, 0)))
    val = draw(st.integers(0, max(n_rows // 4, 0)))
    return test, val


def to_arrow(values):
    kind = pa.string() if any(isinstance(v, str) for v in values) else pa.int64()
    return pa.array(values, type=kind)


# ---------------------------------------------------------------------------
# the oracle of the contract
# ---------------------------------------------------------------------------


def nonempty(size) -> bool:
    return size > 0


def check_split(values, split, test_size, val_size, rare):
    """Every point of the split contract that depends on the data alone."""
    n_rows = len(values)
    counts = Counter(v for v in values if v is not None)
    classes = sorted(counts)
    active = [True, nonempty(val_size), nonempty(test_size)]
    n_splits = sum(active)
    rare_classes = [c for c in classes if counts[c] < n_splits]
    eligible = {c for c in classes if not (rare == "drop" and counts[c] < n_splits)}
    n = sum(counts[c] for c in eligible)
    summary = split.summary

    # the summary names the classes in value order, and what happened to the rare ones
    assert summary.classes.tolist() == classes
    assert summary.null_rows == values.count(None)
    assert summary.rare_classes == rare_classes
    assert summary.rare_action == ("drop" if rare == "drop" else "train")

    # one int8 code per row; -1 exactly for null rows and dropped classes
    a = split.assignment
    assert a.dtype == np.int8
    assert a.shape == (n_rows,)
    left_out = [v is None or v not in eligible for v in values]
    np.testing.assert_array_equal(a < 0, left_out)
    assert set(np.unique(a).tolist()) <= {-1, 0, 1, 2}

    # train / valid / test: sorted, disjoint, their union the eligible rows, codes matching
    parts = [split.train, split.valid, split.test]
    for code, idx in enumerate(parts):
        assert idx.dtype == np.int64
        assert (np.diff(idx) > 0).all()
        assert (a[idx] == code).all()
    union = np.concatenate(parts)
    assert len(union) == len(set(union.tolist())) == n
    np.testing.assert_array_equal(np.sort(union), np.flatnonzero(a >= 0))

    # the class x split table: each cell is what the index arrays hold
    cells = summary.cells
    assert cells.shape == (len(classes), 3)
    for s, idx in enumerate(parts):
        got = Counter(values[i] for i in idx)
        assert cells[:, s].tolist() == [got[c] for c in classes]
    for c, cell in zip(classes, cells.tolist(), strict=True):
        assert sum(cell) == (counts[c] if c in eligible else 0)

    # global sizes: what the index arrays hold; the target rounded once from the request
    sizes = [len(p) for p in parts]
    target = [summary.target[s] for s in SPLITS]
    assert [summary.sizes[s] for s in SPLITS] == sizes
    assert summary.size_change == {s: sizes[i] - target[i] for i, s in enumerate(SPLITS)}
    assert sum(target) == n
    if isinstance(test_size, float) and isinstance(val_size, float):
        exact = [
            1 - Fraction(test_size) - Fraction(val_size),
            Fraction(val_size),
            Fraction(test_size),
        ]
        for s in range(3):
            assert abs(target[s] - exact[s] * n) < 1, (s, target, exact)
    elif isinstance(test_size, int) and isinstance(val_size, int):
        assert target == [n - test_size - val_size, val_size, test_size]

    forced_any = False
    for c, cell in zip(classes, cells.tolist(), strict=True):
        if c not in eligible:
            assert cell == [0, 0, 0]
            continue
        if counts[c] < n_splits:  # rare, rare="train": every row in train
            assert cell == [counts[c], 0, 0]
            forced_any = True
            continue
        # representation: a row in every non-empty split
        assert all(cell[s] >= 1 for s in range(3) if active[s]), (c, cell)
        # forced: a quota below one row in some non-empty split
        quota = [Fraction(counts[c] * target[s], n) for s in range(3)]
        if any(active[s] and quota[s] < 1 for s in range(3)):
            forced_any = True
            continue
        # every other class within one row of its proportion, in every split
        for s in range(3):
            assert abs(cell[s] - quota[s]) < 1, (c, s, cell, quota)
    if not forced_any:
        assert sizes == target
    # valid and test never hold a class that train lacks
    assert summary.missing_from_train == []
    assert set(values[i] for i in np.concatenate(parts[1:])) <= set(values[i] for i in parts[0])


# ---------------------------------------------------------------------------
# the split: properties
# ---------------------------------------------------------------------------


@SETTINGS
@given(
    values=label_columns(),
    data=st.data(),
    seed=st.integers(0, 2**64 - 1),
    rare=st.sampled_from(["train", "drop"]),
)
def test_split_contract(values, data, seed, rare):
    n_labeled = len(values) - values.count(None)
    test_size, val_size = data.draw(split_sizes(n_labeled))
    if isinstance(test_size, int):
        # row counts that leave train empty are refused (rows of dropped classes do not count)
        counts = Counter(v for v in values if v is not None)
        n_splits = 1 + (test_size > 0) + (val_size > 0)
        n = sum(k for k in counts.values() if rare == "train" or k >= n_splits)
        if test_size + val_size >= n:
            with pytest.raises(ValueError, match=r"train would be empty$"):
                fastbal.stratified_split(values, test_size, val_size, seed=seed, rare=rare)
            return
    split = fastbal.stratified_split(
        values, test_size=test_size, val_size=val_size, seed=seed, rare=rare
    )
    check_split(values, split, test_size, val_size, rare)
    # the same seed gives the same split; a Labels gives what the column gives
    again = fastbal.stratified_split(
        fastbal.Labels(values), test_size=test_size, val_size=val_size, seed=seed, rare=rare
    )
    np.testing.assert_array_equal(again.assignment, split.assignment)
    np.testing.assert_array_equal(again.summary.cells, split.summary.cells)


@SETTINGS
@given(values=label_columns(min_classes=1), test_size=fractions, seed=st.integers(0, 1000))
def test_rare_error_lists_the_rare_classes(values, test_size, seed):
    counts = Counter(v for v in values if v is not None)
    n_splits = 2 + (test_size > 0)
    rare = sorted(c for c in counts if counts[c] < n_splits)
    if not rare:
        split = fastbal.stratified_split(values, test_size, 0.1, seed=seed, rare="error")
        check_split(values, split, test_size, 0.1, "error")
        return
    with pytest.raises(
        ValueError, match=f"^{len(rare)} classes have fewer than {n_splits} rows"
    ) as e:
        fastbal.stratified_split(values, test_size, 0.1, seed=seed, rare="error")
    shown = ", ".join(f'"{c}"' if isinstance(c, str) else str(c) for c in rare[:20])
    assert f"too few to appear in every split: {shown}" in str(e.value)


@SETTINGS
@given(values=label_columns(), seed=st.integers(0, 2**32), cut=st.floats(0, 1))
def test_split_ignores_chunking(values, seed, cut):
    arr = to_arrow(values)
    at = int(cut * len(values))
    chunked = pa.chunked_array([arr[:at], arr[at:at], arr[at:]], type=arr.type)
    a = fastbal.stratified_split(arr, 0.2, 0.1, seed=seed)
    b = fastbal.stratified_split(chunked, 0.2, 0.1, seed=seed)
    np.testing.assert_array_equal(a.assignment, b.assignment)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    # k-fold needs 3 rows in classes of at least 3 rows (smaller ones stay in training)
    in_folds = sum(n for n in Counter(v for v in values if v is not None).values() if n >= 3)
    if in_folds >= 3:
        c = fastbal.stratified_kfold(arr, 3, seed=seed)
        np.testing.assert_array_equal(
            c.folds, fastbal.stratified_kfold(chunked, 3, seed=seed).folds
        )


def test_ties_in_the_global_sizes_go_to_test_then_valid():
    y = ["a"] * 5 + ["b"] * 5
    # 10 rows at 50/25/25: 5, 2.5, 2.5; the odd row goes to test
    s = fastbal.stratified_split(y, test_size=0.25, val_size=0.25)
    assert s.summary.target == {"train": 5, "valid": 2, "test": 3}
    assert s.summary.sizes == s.summary.target
    # 12 rows at 50/12.5/37.5 (exact in binary): 6, 1.5, 4.5; the odd row goes to test
    s = fastbal.stratified_split(list(range(3)) * 4, test_size=0.375, val_size=0.125)
    assert s.summary.target == {"train": 6, "valid": 1, "test": 5}


def test_split_by_hand():
    y = ["a"] * 10 + ["b"] * 5 + ["c"] * 2 + [None]
    s = fastbal.stratified_split(y, test_size=0.2, val_size=0.2, seed=42)
    # 17 labeled rows at 60/20/20: 10.2, 3.4, 3.4; the odd row goes to test (a tie with valid)
    assert s.summary.target == {"train": 10, "valid": 3, "test": 4}
    assert s.summary.sizes == s.summary.target
    # quotas (n_c * size / 17): a 5.88, 1.76, 2.35; b 2.94, 0.88, 1.18 (one valid row forced);
    # c has 2 rows for 3 splits and goes to train
    assert s.summary.cells.tolist() == [[5, 2, 3], [3, 1, 1], [2, 0, 0]]
    assert s.summary.rare_classes == ["c"]
    assert s.assignment[-1] == -1
    assert s.summary.null_rows == 1
    assert sorted(np.concatenate(list(s)).tolist()) == list(range(17))


def test_forcing_a_row_into_every_split_is_reported():
    # 10 a, 3 b at 80/10/10 of 13 rows: target 11, 1, 1 (10.4, 1.3, 1.3). Valid and test
    # quotas are 0.77 rows for a and 0.23 for b: each class is forced one row in each
    y = ["a"] * 10 + ["b"] * 3
    s = fastbal.stratified_split(y, test_size=0.1, val_size=0.1, seed=0)
    assert s.summary.target == {"train": 11, "valid": 1, "test": 1}
    assert s.summary.cells.tolist() == [[8, 1, 1], [1, 1, 1]]
    assert s.summary.sizes == {"train": 9, "valid": 2, "test": 2}
    assert s.summary.size_change == {"train": -2, "valid": 1, "test": 1}
    assert "sizes moved to keep every class in every split: train -2, valid +1, test +1" in str(
        s.summary
    )


def test_two_way_split_has_an_empty_valid():
    y = np.arange(100) % 4
    s = fastbal.stratified_split(y, test_size=0.25, val_size=0)
    assert len(s.valid) == 0
    assert (len(s.train), len(s.test)) == (75, 25)
    # four classes of 25 rows, 6.25 test rows each: the one extra row goes to the first class
    assert s.summary.cells.tolist() == [[18, 0, 7], [19, 0, 6], [19, 0, 6], [19, 0, 6]]
    # ten two-row classes at test_size=0.1: each gets a row in both splits, eight more test
    # rows than asked (scikit-learn refuses: 2 test rows cannot hold 10 classes)
    y = np.repeat(np.arange(10), 2)
    s = fastbal.stratified_split(y, test_size=0.1, val_size=0)
    assert s.summary.cells.tolist() == [[1, 0, 1]] * 10
    assert s.summary.size_change == {"train": -8, "valid": 0, "test": 8}


def test_val_size_0_and_0_0_give_the_same_split():
    y = np.arange(100) % 2
    as_int = fastbal.stratified_split(y, test_size=0.07, val_size=0)
    as_float = fastbal.stratified_split(y, test_size=0.07, val_size=0.0)
    assert as_float.summary.target == {"train": 93, "valid": 0, "test": 7}
    assert as_int.summary.target == as_float.summary.target


# ---------------------------------------------------------------------------
# placement: within a class, the lowest seeded ranks go to test, then valid
# ---------------------------------------------------------------------------

_U = np.uint64


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer, the fixed hash pinned in crates/fastbal-core/src/hash.rs."""
    x = x ^ (x >> _U(30))
    x = x * _U(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U(27))
    x = x * _U(0x94D049BB133111EB)
    return x ^ (x >> _U(31))


def position_ranks(n: int, seed: int) -> np.ndarray:
    """The rank hash of each row position under a seed."""
    offset = _mix64(np.array([seed], dtype=np.uint64) ^ _U(0x6A09E667F3BCC908))
    return _mix64(np.arange(n, dtype=np.uint64) ^ offset)


def test_the_mix64_oracle_matches_the_pinned_values():
    assert int(_mix64(np.array([0, 1], dtype=np.uint64))[1]) == 0x5692161D100B05E5
    assert int(_mix64(np.array([0, 1], dtype=np.uint64))[0]) == 0


@pytest.mark.parametrize("seed", [0, 42, 2**64 - 1])
def test_lowest_ranks_go_to_test_then_valid(seed):
    rng = np.random.default_rng(seed % 1000)
    y = np.minimum(rng.geometric(0.3, 100_000), 12)  # classes of ~30,000 down to a few rows
    s = fastbal.stratified_split(y, 0.2, 0.1, seed=seed)
    h = position_ranks(len(y), seed)
    want = np.full(len(y), -1, dtype=np.int8)
    for c, (train, valid, test) in zip(s.summary.classes, s.summary.cells.tolist(), strict=True):
        rows = np.flatnonzero(y == c)
        ranked = rows[np.lexsort((rows, h[rows]))]
        want[ranked[:test]] = 2
        want[ranked[test : test + valid]] = 1
        want[ranked[test + valid :]] = 0
        assert len(rows) == train + valid + test
    np.testing.assert_array_equal(s.assignment, want)
    # shuffle=True orders each split by the same rank
    shuffled = fastbal.stratified_split(y, 0.2, 0.1, seed=seed, shuffle=True)
    for sorted_idx, shuffled_idx in zip(s, shuffled, strict=True):
        np.testing.assert_array_equal(shuffled_idx, sorted_idx[np.argsort(h[sorted_idx])])
    # k-fold: fold f of a class holds its ranks between the plan's cumulative cuts
    kf = fastbal.stratified_kfold(y, 4, seed=seed)
    for c, plan in zip(kf.classes, kf.plan.tolist(), strict=True):
        rows = np.flatnonzero(y == c)
        ranked = rows[np.lexsort((rows, h[rows]))]
        cuts = np.cumsum([0, *plan])
        for f in range(4):
            assert (kf.folds[ranked[cuts[f] : cuts[f + 1]]] == f).all()


def _unxorshift(y: int, s: int) -> int:
    x = y
    for _ in range(64 // s + 1):
        x = y ^ (x >> s)
    return x


def _unmix64(h: int) -> int:
    """The inverse of `_mix64` on one Python int."""
    mask = (1 << 64) - 1
    x = _unxorshift(h, 31)
    x = (x * pow(0x94D049BB133111EB, -1, 1 << 64)) & mask
    x = _unxorshift(x, 27)
    x = (x * pow(0xBF58476D1CE4E5B9, -1, 1 << 64)) & mask
    return _unxorshift(x, 30)


def test_the_unmix64_oracle_inverts_mix64():
    values = [0, 1, 12345, 2**63, 2**64 - 1]
    mixed = _mix64(np.array(values, dtype=np.uint64)).tolist()
    assert [_unmix64(h) for h in mixed] == values


@pytest.mark.parametrize("crowding", ["lowest 1/1024", "two clusters"])
def test_ids_with_crowded_hashes_are_still_ranked_exactly(crowding):
    # uint64 ids are their own keys, so ids can be chosen to give any rank hash. Crowded
    # hashes put the cuts far from where uniform hashes would put them, which the rank
    # selection must still find exactly (it falls back to an exact method).
    seed, n = 7, 20_000
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, n)
    raw = rng.integers(0, 2**53, n, dtype=np.uint64)
    if crowding == "lowest 1/1024":
        hashes = raw  # below 2**54 = 2**64 / 1024
    else:
        hashes = (raw >> _U(13)) + np.where(np.arange(n) % 3 == 0, _U(2**63), _U(0))
    offset = int(_mix64(np.array([seed], dtype=np.uint64) ^ _U(0x6A09E667F3BCC908))[0])
    ids = np.array([_unmix64(int(h)) ^ offset for h in hashes], dtype=np.uint64)
    s = fastbal.stratified_split(y, 0.2, 0.1, seed=seed, ids=ids)
    kf = fastbal.stratified_kfold(y, 5, seed=seed, ids=ids)
    want = np.full(n, -1, dtype=np.int8)
    for c, (_, valid, test) in zip(s.summary.classes, s.summary.cells.tolist(), strict=True):
        rows = np.flatnonzero(y == c)
        ranked = rows[np.argsort(hashes[rows])]
        want[ranked[:test]] = 2
        want[ranked[test : test + valid]] = 1
        want[ranked[test + valid :]] = 0
        cuts = np.cumsum([0, *kf.plan[c].tolist()])
        for f in range(5):
            assert (kf.folds[ranked[cuts[f] : cuts[f + 1]]] == f).all()
    np.testing.assert_array_equal(s.assignment, want)


# ---------------------------------------------------------------------------
# shuffle
# ---------------------------------------------------------------------------


def test_shuffle_returns_the_same_sets_in_a_seeded_order():
    y = np.arange(2000) % 7
    plain = fastbal.stratified_split(y, 0.2, 0.1, seed=5)
    shuffled = fastbal.stratified_split(y, 0.2, 0.1, seed=5, shuffle=True)
    again = fastbal.stratified_split(y, 0.2, 0.1, seed=5, shuffle=True)
    other = fastbal.stratified_split(y, 0.2, 0.1, seed=6, shuffle=True)
    np.testing.assert_array_equal(shuffled.assignment, plain.assignment)
    for p, s, g, o in zip(plain, shuffled, again, other, strict=True):
        np.testing.assert_array_equal(np.sort(s), p)
        assert not (np.diff(s) > 0).all()  # not sorted
        np.testing.assert_array_equal(s, g)  # seeded
        assert not np.array_equal(s, o)  # another seed, another order (and set)
    np.testing.assert_array_equal(shuffled.summary.cells, plain.summary.cells)


# ---------------------------------------------------------------------------
# ids: permutation equivariance, dtype invariance, appending rows
# ---------------------------------------------------------------------------


@SETTINGS
@given(
    values=label_columns(),
    id_kind=st.sampled_from(["int", "str"]),
    seed=st.integers(0, 2**64 - 1),
    perm_seed=st.integers(0, 2**32),
    shuffle=st.booleans(),
)
def test_permuting_rows_permutes_the_assignment_and_nothing_else(
    values, id_kind, seed, perm_seed, shuffle
):
    rng = np.random.default_rng(perm_seed)
    n = len(values)
    raw = rng.choice(10 * n + 10, size=n, replace=False) - 5 * n
    ids = raw.astype(np.int64) if id_kind == "int" else np.array([f"row-{i}" for i in raw])
    p = rng.permutation(n)
    permuted = [values[i] for i in p]

    a = fastbal.stratified_split(values, 0.2, 0.1, seed=seed, ids=ids, shuffle=shuffle)
    b = fastbal.stratified_split(permuted, 0.2, 0.1, seed=seed, ids=ids[p], shuffle=shuffle)
    np.testing.assert_array_equal(b.assignment, a.assignment[p])
    np.testing.assert_array_equal(b.summary.cells, a.summary.cells)
    assert b.summary.to_dict() == a.summary.to_dict()
    for x, y in zip(a, b, strict=True):
        # the same rows, by id; with shuffle=True even in the same order
        if shuffle:
            np.testing.assert_array_equal(ids[x], ids[p][y])
        else:
            assert set(ids[x].tolist()) == set(ids[p][y].tolist())
            assert (np.diff(y) > 0).all()

    labeled = [v for v in values if v is not None]
    if labeled and max(labeled.count(v) for v in set(labeled)) >= 3:  # some class fills 3 folds
        ka = fastbal.stratified_kfold(values, 3, seed=seed, ids=ids)
        kb = fastbal.stratified_kfold(permuted, 3, seed=seed, ids=ids[p])
        np.testing.assert_array_equal(kb.folds, ka.folds[p])
        np.testing.assert_array_equal(kb.plan, ka.plan)


def test_the_same_ids_in_another_dtype_give_the_same_split():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 300)
    ids = rng.choice(10_000, 300, replace=False) - 5_000
    want = fastbal.stratified_split(y, 0.2, 0.1, seed=3, ids=ids.astype(np.int64)).assignment
    for kind in (
        ids.astype(np.int32),
        ids.tolist(),
        pa.array(ids, pa.int16()),
        pl.Series(ids),
        pa.array(ids).dictionary_encode(),
    ):
        np.testing.assert_array_equal(
            fastbal.stratified_split(y, 0.2, 0.1, seed=3, ids=kind).assignment, want
        )
    names = [f"id {i}" for i in ids]
    want = fastbal.stratified_split(y, 0.2, 0.1, seed=3, ids=names).assignment
    for kind in (
        np.array(names),
        pa.array(names, pa.large_string()),
        pa.array(names).dictionary_encode(),
        pl.Series(names, dtype=pl.Categorical),
    ):
        np.testing.assert_array_equal(
            fastbal.stratified_split(y, 0.2, 0.1, seed=3, ids=kind).assignment, want
        )


def test_appending_rows_with_new_ids_moves_under_2_percent_of_old_rows():
    # 20,000 rows in 20 classes (geometric sizes), then 2,000 more rows with new ids, the
    # whole table shuffled. Measured with these seeds: 0.675% of the old rows change split
    # (135 of 20,000) and 1.455% change fold, against 46% for a split keyed by row position
    # once the rows are reordered. A row moves only when its class's cut rank shifts past it.
    rng = np.random.default_rng(11)
    n, m = 20_000, 2_000
    y = np.minimum(rng.geometric(0.15, n), 20)
    ids = rng.choice(10**12, n, replace=False)
    y_all = np.concatenate([y, np.minimum(rng.geometric(0.15, m), 20)])
    ids_all = np.concatenate([ids, 10**12 + np.arange(m)])
    p = rng.permutation(n + m)
    y_all, ids_all = y_all[p], ids_all[p]
    old_at = np.argsort(p)[:n]  # where old row i is in the new table

    before = fastbal.stratified_split(y, 0.2, 0.1, seed=0, ids=ids).assignment
    after = fastbal.stratified_split(y_all, 0.2, 0.1, seed=0, ids=ids_all).assignment[old_at]
    moved = float((before != after).mean())
    assert moved < 0.02  # measured: 0.00675

    folds_before = fastbal.stratified_kfold(y, 5, seed=0, ids=ids).folds
    folds_after = fastbal.stratified_kfold(y_all, 5, seed=0, ids=ids_all).folds[old_at]
    assert float((folds_before != folds_after).mean()) < 0.03  # measured: 0.01455

    by_position = fastbal.stratified_split(y_all, 0.2, 0.1, seed=0).assignment[old_at]
    assert float((before != by_position).mean()) > 0.4


# ---------------------------------------------------------------------------
# k-fold
# ---------------------------------------------------------------------------


@SETTINGS
@given(values=label_columns(), k=st.integers(2, 7), seed=st.integers(0, 2**64 - 1))
def test_kfold_contract(values, k, seed):
    labeled = np.array([v is not None for v in values], dtype=bool)
    counts = Counter(v for v in values if v is not None)
    # classes with fewer rows than folds are in every training part, never in a test fold
    rare = {c for c, n in counts.items() if n < k}
    in_folds = np.array([v is not None and v not in rare for v in values], dtype=bool)
    if in_folds.sum() < k:
        message = "every class has fewer rows" if counts and not in_folds.any() else "cannot make"
        with pytest.raises(ValueError, match=f"^{message}"):
            fastbal.stratified_kfold(values, k=k, seed=seed)
        return
    kf = fastbal.stratified_kfold(values, k=k, seed=seed)
    folds = kf.folds
    assert folds.dtype == np.int8
    assert (kf.k, len(kf)) == (k, k)
    assert sorted(kf.rare_classes) == sorted(rare)
    # every row of a class with k rows or more in exactly one fold, rare rows -2, null rows -1
    np.testing.assert_array_equal(folds >= 0, in_folds)
    np.testing.assert_array_equal(folds == -2, labeled & ~in_folds)
    assert folds.max() < k
    # per class: fold sizes as planned, differing by at most one row
    classes = sorted(counts)
    assert kf.classes.tolist() == classes
    per_cell = Counter(zip(values, folds.tolist(), strict=True))
    actual = np.array([[per_cell[c, j] for j in range(k)] for c in classes], dtype=np.int64)
    actual = actual.reshape(len(classes), k)
    np.testing.assert_array_equal(kf.plan, actual)
    assert (actual.sum(axis=1) == [0 if c in rare else counts[c] for c in classes]).all()
    if len(classes):
        assert (actual.max(axis=1) - actual.min(axis=1) <= 1).all()
    # globally too
    sizes = np.bincount(folds[in_folds], minlength=k)
    assert sizes.max() - sizes.min() <= 1
    # iteration: (train, valid) pairs; train holds every other labeled row, rare ones included
    pairs = list(kf)
    assert len(pairs) == k
    every = np.flatnonzero(labeled)
    for f, (train, valid) in enumerate(pairs):
        np.testing.assert_array_equal(valid, np.flatnonzero(folds == f))
        assert not set(train.tolist()) & set(valid.tolist())
        np.testing.assert_array_equal(np.sort(np.concatenate([train, valid])), every)
        # every class of the test fold is in its training part
        assert {values[i] for i in valid.tolist()} <= {values[i] for i in train.tolist()}
    np.testing.assert_array_equal(
        np.sort(np.concatenate([v for _, v in pairs])), np.flatnonzero(in_folds)
    )
    # determinism
    np.testing.assert_array_equal(fastbal.stratified_kfold(values, k=k, seed=seed).folds, folds)
    labels = fastbal.Labels(values)
    np.testing.assert_array_equal(fastbal.stratified_kfold(labels, k=k, seed=seed).folds, folds)
    # rare="drop" leaves them out; rare="error" lists them
    dropped = fastbal.stratified_kfold(values, k=k, seed=seed, rare="drop").folds
    np.testing.assert_array_equal(dropped, np.where(folds == -2, -1, folds))
    if rare:
        with pytest.raises(ValueError, match=f"fewer than {k} rows"):
            fastbal.stratified_kfold(values, k=k, seed=seed, rare="error")


def test_kfold_by_hand():
    kf = fastbal.stratified_kfold(["a"] * 7 + ["b"] * 7 + ["c"] * 3 + ["d"], k=3, seed=0)
    # a: 7 = 3+2+2, b: 2+3+2 (the extra row rotates), c: 1+1+1, d: one row, fewer than the
    # folds, so in every training part and no test fold
    assert kf.plan.tolist() == [[3, 2, 2], [2, 3, 2], [1, 1, 1], [0, 0, 0]]
    assert np.bincount(kf.folds[:17]).tolist() == [6, 6, 5]
    assert kf.folds[17] == -2
    assert kf.rare_classes == ["d"]
    assert all(17 in train for train, _ in kf)


def test_kfold_with_many_folds_uses_int16():
    kf = fastbal.stratified_kfold(np.arange(800) % 2, k=200, seed=0)
    assert kf.folds.dtype == np.int16
    assert np.bincount(kf.folds).tolist() == [4] * 200


# ---------------------------------------------------------------------------
# thread count (subprocesses over a saved column)
# ---------------------------------------------------------------------------

THREAD_SCRIPT = """
import sys
import numpy as np
import pyarrow as pa
import fastbal

data = np.load(sys.argv[1])
y = pa.array(data["values"], mask=data["null"])
plain = fastbal.stratified_split(y, 0.2, 0.1, seed=7)
keyed = fastbal.stratified_split(y, 0.2, 0.1, seed=7, ids=data["ids"], shuffle=True)
np.savez(
    sys.argv[2],
    assignment=plain.assignment,
    cells=plain.summary.cells,
    keyed=keyed.assignment,
    keyed_test=keyed.test,
    folds=fastbal.stratified_kfold(y, k=5, seed=7).folds,
    keyed_folds=fastbal.stratified_kfold(y, k=5, seed=7, ids=data["ids"]).folds,
)
"""


def test_split_and_kfold_do_not_depend_on_the_thread_count(tmp_path, run_with_threads):
    rng = np.random.default_rng(0)
    n = 300_000  # several 65,536-row segments, so two threads split the work
    values = np.minimum(rng.geometric(0.05, n), 120).astype(np.int32)
    values[:5] = 500  # a class with one row per split
    null = rng.random(n) < 0.01
    ids = rng.choice(2**40, n, replace=False).astype(np.int64)
    np.savez(tmp_path / "in.npz", values=values, null=null, ids=ids)
    one, two = run_with_threads(THREAD_SCRIPT, 1), run_with_threads(THREAD_SCRIPT, 2)
    assert one.keys() == two.keys()
    for key in one:
        np.testing.assert_array_equal(one[key], two[key], err_msg=key)
    # and they equal this process's result, which meets the contract
    listed = [None if m else int(v) for v, m in zip(values, null, strict=True)]
    split = fastbal.stratified_split(pa.array(values, mask=null), 0.2, 0.1, seed=7)
    np.testing.assert_array_equal(one["assignment"], split.assignment)
    check_split(listed, split, 0.2, 0.1, "train")


# ---------------------------------------------------------------------------
# scikit-learn
# ---------------------------------------------------------------------------


def _blobs():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [60, 30, 12])
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    return centers[y] + rng.normal(size=(len(y), 2)), y


@pytest.mark.parametrize(
    "cv",
    [
        fastbal.sklearn.StratifiedKFold(n_splits=4, shuffle=True, random_state=0),
        fastbal.sklearn.StratifiedShuffleSplit(n_splits=3, test_size=0.25, random_state=1),
    ],
)
def test_splitters_work_in_cross_val_score(cv):
    X, y = _blobs()
    scores = cross_val_score(LogisticRegression(max_iter=1000), X, y, cv=cv)
    assert len(scores) == cv.get_n_splits()
    assert scores.min() >= 0.9  # three well separated blobs


def test_sklearn_splitters_yield_stratified_index_pairs():
    X, y = _blobs()
    folds = list(
        fastbal.sklearn.StratifiedKFold(n_splits=4, shuffle=True, random_state=0).split(X, y)
    )
    assert len(folds) == 4
    tests = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(np.sort(tests), np.arange(len(y)))
    for train, test in folds:
        assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(y)))
        # 60, 30, 12 rows over 4 folds: 15, 7-8, 3 rows per fold
        assert np.bincount(y[test]).tolist() in ([15, 7, 3], [15, 8, 3])
    pairs = list(
        fastbal.sklearn.StratifiedShuffleSplit(3, test_size=0.25, random_state=1).split(X, y)
    )
    assert len(pairs) == 3
    for train, test in pairs:
        assert not set(train.tolist()) & set(test.tolist())
        assert len(train) + len(test) == len(y)
        assert np.bincount(y[test]).tolist() in ([15, 8, 3], [15, 7, 3], [15, 7, 4], [14, 8, 3])
    # split i uses the seed mixed from (random_state, i)
    seed = fastbal.sklearn.split_seed(1, 1)
    s = fastbal.stratified_split(y, test_size=0.25, val_size=0, seed=seed)
    np.testing.assert_array_equal(pairs[1][1], s.test)


@SETTINGS
@given(
    counts=st.lists(st.integers(2, 40), min_size=2, max_size=8),
    data=st.data(),
    seed=st.integers(0, 2**31 - 1),
)
def test_per_class_test_sizes_match_sklearn_within_one_row(counts, data, seed):
    # Both libraries put floor or ceil of n_c * n_test / n rows of class c in test: scikit-learn
    # through `_approximate_mode` (ties at random), fastbal by controlled rounding (ties by a
    # rule), and a forced row for a class whose quota is below one row. The test size is an
    # int here so both aim at the same n_test. With a float, scikit-learn rounds n_test up
    # (ceil(test_size * n)); fastbal rounds two fractions by largest remainder, and a float
    # beside val_size=0 (an int) up like scikit-learn: up to one row fewer in test.
    y = np.repeat(np.arange(len(counts)), counts)
    y = np.random.default_rng(seed).permutation(y)
    n = len(y)
    n_test = data.draw(st.integers(1, n - 1))
    try:
        _, sk_test = next(
            StratifiedShuffleSplit(1, test_size=n_test, random_state=seed).split(np.zeros(n), y)
        )
    except ValueError:
        assume(False)  # scikit-learn refuses (fewer test or train rows than classes)
    sk = np.bincount(y[sk_test], minlength=len(counts))
    fb = fastbal.stratified_split(y, test_size=n_test, val_size=0, seed=seed)
    assert np.abs(fb.summary.cells[:, 2] - sk).max() <= 1
    assert len(sk_test) == n_test
    if fb.summary.size_change["test"] == 0:
        assert len(fb.test) == n_test


def test_float_test_size_rounding_against_sklearn():
    y = np.repeat([0, 1], [6, 5])  # 11 rows, test_size=0.2: 2.2 test rows
    _, sk_test = next(StratifiedShuffleSplit(1, test_size=0.2, random_state=0).split(y, y))
    assert len(sk_test) == 3  # scikit-learn: ceil(2.2)
    assert len(fastbal.stratified_split(y, test_size=0.2, val_size=0.0).test) == 2  # 2.2 -> 2
    # val_size=0 (an int) is the same as 0.0: largest remainder, not scikit-learn's ceil
    assert len(fastbal.stratified_split(y, test_size=0.2, val_size=0).test) == 2


# ---------------------------------------------------------------------------
# the demo dataset
# ---------------------------------------------------------------------------


def largest_remainder(n: int, shares: list[Fraction]) -> list[int]:
    """Apportion n rows over shares (train, valid, test); ties to the later entry."""
    exact = [s * n for s in shares]
    out = [int(q) for q in exact]
    order = sorted(range(3), key=lambda i: (exact[i] - out[i], i), reverse=True)
    for i in order[: n - sum(out)]:
        out[i] += 1
    return out


def test_demo_split_70_10_20():
    y = seed_shaped()
    y = y[fastbal.filter_min_count(y, 10)]
    s = fastbal.stratified_split(y, test_size=0.2, val_size=0.1, seed=42)
    summary = s.summary

    table = seed_shaped_counts()
    classes = np.array(sorted(c for c in table if table[c] >= 10))
    counts = np.array([table[c] for c in classes])
    n = int(counts.sum())
    expected = largest_remainder(n, [Fraction(7, 10), Fraction(1, 10), Fraction(2, 10)])
    assert (n, len(classes)) == (298_699, 194)
    assert expected == [209_089, 29_870, 59_740]  # 209,089.3, 29,869.9, 59,739.8

    assert summary.target == dict(zip(SPLITS, expected, strict=True))
    assert summary.sizes == summary.target
    assert [len(s.train), len(s.valid), len(s.test)] == expected
    assert summary.classes_per_split == {"train": 194, "valid": 194, "test": 194}
    assert summary.missing_from_train == []
    assert summary.rare_classes == []
    assert summary.null_rows == 0
    np.testing.assert_array_equal(summary.classes, classes)
    # every class in every split, and valid / test hold no class train lacks
    assert (summary.cells >= 1).all()
    for idx in (s.valid, s.test):
        assert set(np.unique(y[idx])) <= set(np.unique(y[s.train]))
    assert str(summary).splitlines()[0] == (
        "split: train 209,089 (70.0%, 194 classes), valid 29,870 (10.0%, 194 classes), "
        "test 59,740 (20.0%, 194 classes)"
    )
    listed = y.tolist()
    check_split(listed, s, 0.2, 0.1, "train")


def test_demo_unfiltered_rare_classes_go_to_train():
    y = seed_shaped()
    s = fastbal.stratified_split(y, test_size=0.2, val_size=0.1, seed=42)
    table = seed_shaped_counts()
    rare = sorted(c for c in table if table[c] < 3)  # the 10 one-row and 2 two-row classes
    assert len(rare) == 12
    assert s.summary.rare_classes == rare
    for c in rare:
        assert (s.assignment[y == c] == 0).all()
    assert s.summary.missing_from_train == []


# ---------------------------------------------------------------------------
# bad inputs
# ---------------------------------------------------------------------------

Y = [1] * 10 + [2] * 5 + [3]  # 16 rows


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test_size": -0.1}, r"^test_size must be in \[0, 1\) as a fraction; got -0.1$"),
        ({"val_size": -0.1}, r"^val_size must be in \[0, 1\) as a fraction; got -0.1$"),
        ({"test_size": -1}, r"^test_size must be a row count in \[0, 2\*\*64\); got -1$"),
        ({"val_size": -3}, r"^val_size must be a row count in \[0, 2\*\*64\); got -3$"),
        ({"test_size": 1.0, "val_size": 0}, r"^test_size must be in \[0, 1\) as a fraction"),
        (
            {"test_size": 0.5, "val_size": 0.5},
            r"^test_size \+ val_size must be below 1; got 0.5 \+ 0.5 = 1$",
        ),
        (
            {"test_size": 0.7, "val_size": 0.4},
            r"^test_size \+ val_size must be below 1; got 0.7 \+ 0.4",
        ),
        (
            {"test_size": 10, "val_size": 6},
            r"^asked for 10 test and 6 valid rows out of 16 eligible rows; train would be empty$",
        ),
        (
            {"test_size": 20, "val_size": 0},
            r"^asked for 20 test and 0 valid rows out of 16 eligible rows",
        ),
        ({"test_size": float("nan")}, r"^test_size must be in \[0, 1\) as a fraction; got NaN$"),
        ({"rare": "keep"}, r'^rare must be "train", "drop", "error" or "spread"; got "keep"$'),
        ({"seed": -1}, r"^seed must be in \[0, 2\*\*64\); got -1$"),
        ({"ids": list(range(5))}, r"^ids has 5 rows but the labels have 16$"),
        (
            {"ids": [0, 1, 2, 3, 0, *range(5, 16)]},
            r"^ids must be unique: rows 0 and 4 have the same id$",
        ),
        (
            {"ids": [f"r{i}" for i in range(15)] + ["r3"]},
            r"^ids must be unique: rows 3 and 15 have the same id$",
        ),
        ({"ids": [None, *range(1, 16)]}, r"^ids have 1 null rows; every row needs an id$"),
        (
            {"rare": "error"},
            r"^1 classes have fewer than 3 rows, too few to appear in every split: 3; "
            r'pass rare="train"',
        ),
    ],
)
def test_split_refuses_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fastbal.stratified_split(Y, **kwargs)


@pytest.mark.parametrize("size", [True, "0.2", None, [0.2]])
def test_split_sizes_of_the_wrong_type(size):
    with pytest.raises(TypeError, match=r"^test_size must be a float fraction or an int row count"):
        fastbal.stratified_split(Y, test_size=size)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"k": 1}, ValueError, r"^k must be between 2 and 32767; got 1$"),
        ({"k": 0}, ValueError, r"^k must be between 2 and 32767; got 0$"),
        ({"k": -1}, ValueError, r"^k must be between 2 and 32767; got -1$"),
        ({"k": 2.0}, TypeError, r"^k must be an int; got float 2.0$"),
        ({"k": 17}, ValueError, r"^every class has fewer rows than the 17 folds"),
        ({"k": 3, "ids": [1, 2]}, ValueError, r"^ids has 2 rows but the labels have 16$"),
        ({"k": 3, "ids": [7] * 16}, ValueError, r"^ids must be unique: rows 0 and 1 have"),
        ({"k": 3, "ids": [*range(15), None]}, ValueError, r"^ids have 1 null rows"),
    ],
)
def test_kfold_refuses_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        fastbal.stratified_kfold(Y, **kwargs)


def test_empty_and_all_null_columns():
    # no labeled rows: an empty split (nothing to split is not an error), every row left out
    s = fastbal.stratified_split([])
    assert [len(p) for p in s] == [0, 0, 0]
    assert s.summary.sizes == s.summary.target == {"train": 0, "valid": 0, "test": 0}
    s = fastbal.stratified_split([None, None])
    assert s.assignment.tolist() == [-1, -1]
    assert s.summary.null_rows == 2
    # but k folds of nothing cannot be made
    with pytest.raises(ValueError, match=r"^cannot make 2 folds out of 0 labeled rows$"):
        fastbal.stratified_kfold([None, None], k=2)
