"""The reproducibility contract, defined once in the Rust core and exported:
split names and codes, fold codes, the seed mixing of the scikit-learn
splitters. Every front end must read the same values: each test below fails
if one of them restates a value and disagrees."""

from __future__ import annotations

import fastbal
import fastbal.contract
import numpy as np
import polars as pl
import pytest
from fastbal import _fastbal

#: labels with every case the codes cover: a null row, a class too small for
#: every split (rare), and classes large enough for all three splits
Y = ["a"] * 12 + ["b"] * 8 + ["c"] + [None]
CODE = {name: code for code, name in enumerate(fastbal.SPLIT_NAMES)}


def _splitmix64(x: int) -> int:
    """The splitmix64 finalizer, from its published definition."""
    m = (1 << 64) - 1
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & m
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & m
    return x ^ (x >> 31)


def test_the_constants_are_the_extensions():
    assert fastbal.SPLIT_NAMES == ("train", "valid", "test")
    assert (fastbal.LEFT_OUT, fastbal.ALWAYS_TRAIN) == (-1, -2)
    for name in ("SPLIT_NAMES", "LEFT_OUT", "ALWAYS_TRAIN", "SPLIT_PART_CODES"):
        assert getattr(fastbal.contract, name) is getattr(_fastbal, name)
    for name in ("SPLIT_NAMES", "LEFT_OUT", "ALWAYS_TRAIN"):
        assert getattr(fastbal, name) is getattr(_fastbal, name)
        assert name in fastbal.__all__


def test_the_python_api_writes_the_codes():
    s = fastbal.stratified_split(Y, test_size=0.25, val_size=0.25, seed=3)
    for name, rows in zip(fastbal.SPLIT_NAMES, s, strict=True):
        assert (s.assignment[rows] == CODE[name]).all()
        assert s.summary.sizes[name] == len(rows)
    assert s.assignment[len(Y) - 1] == fastbal.LEFT_OUT  # the null row
    dropped = fastbal.stratified_split(Y, test_size=0.25, val_size=0.25, rare="drop")
    assert dropped.assignment[Y.index("c")] == fastbal.LEFT_OUT
    kf = fastbal.stratified_kfold(Y, k=3)
    assert kf.folds[Y.index("c")] == fastbal.ALWAYS_TRAIN
    assert kf.folds[len(Y) - 1] == fastbal.LEFT_OUT
    assert fastbal.stratified_kfold(Y, k=3, rare="drop").folds[Y.index("c")] == fastbal.LEFT_OUT


def test_the_batch_phases_map_parts_to_the_codes():
    from fastbal.distributed import SPLIT_PART_CODES

    # parts come in rank order: test, valid, train, then rows without a label
    assert (CODE["test"], CODE["valid"], CODE["train"], fastbal.LEFT_OUT) == SPLIT_PART_CODES


def test_the_polars_plugin_names_the_splits_and_codes_the_folds():
    import fastbal.polars

    df = pl.DataFrame({"y": Y})
    split = df.select(pl.col("y").fastbal.split(test_size=0.25, val_size=0.25, seed=3))["y"]
    assert split.dtype == pl.Enum(list(fastbal.SPLIT_NAMES))
    codes = fastbal.stratified_split(Y, test_size=0.25, val_size=0.25, seed=3).assignment
    want = [fastbal.SPLIT_NAMES[c] if c != fastbal.LEFT_OUT else None for c in codes]
    assert split.to_list() == want
    folds = df.select(pl.col("y").fastbal.kfold(3))["y"]
    assert folds[Y.index("c")] == fastbal.ALWAYS_TRAIN
    assert folds[len(Y) - 1] is None  # LEFT_OUT is null in polars


def test_the_report_names_the_splits():
    s = fastbal.stratified_split(Y, test_size=0.25, val_size=0.25, seed=3)
    y = np.array(Y, dtype=object)
    check = fastbal.SplitCheck.from_columns(
        {name: y[rows] for name, rows in zip(fastbal.SPLIT_NAMES, s, strict=True)}
    )
    summary = check.to_dict()
    assert tuple(summary["rows_per_split"]) == fastbal.SPLIT_NAMES
    with pytest.raises(fastbal.FastbalError, match="splits must map train, valid, test"):
        fastbal.SplitCheck.from_columns({"validation": y})


def test_the_cli_writes_one_file_per_split(tmp_path):
    from fastbal.cli import main

    path = tmp_path / "data.csv"
    pl.DataFrame({"y": [c or "" for c in Y[:-1]] * 5}).write_csv(path)
    out = tmp_path / "out"
    assert main(["split", str(path), "--label", "y", "--out", str(out), "--seed", "3"]) == 0
    written = sorted(p.stem for p in out.iterdir() if p.suffix == ".csv")
    assert written == sorted(fastbal.SPLIT_NAMES)


def test_hf_keys_are_the_contract_names_in_huggingface_spelling():
    datasets = pytest.importorskip("datasets")
    import fastbal.hf

    assert (
        tuple({"valid": "validation"}.get(s, s) for s in fastbal.SPLIT_NAMES)
        == fastbal.hf.SPLIT_NAMES
    )
    ds = datasets.Dataset.from_dict({"y": Y[:-1], "row": list(range(len(Y) - 1))})
    parts = fastbal.hf.split(ds, "y", test_size=0.25, val_size=0.25, seed=3)
    assert list(parts) == list(fastbal.hf.SPLIT_NAMES)
    codes = fastbal.stratified_split(Y[:-1], test_size=0.25, val_size=0.25, seed=3).assignment
    for code, key in enumerate(fastbal.hf.SPLIT_NAMES):
        assert sorted(parts[key]["row"]) == np.flatnonzero(codes == code).tolist()


def test_dask_writes_the_codes():
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    fdask = pytest.importorskip("fastbal.dask")

    s = dd.from_pandas(pd.Series(Y, dtype=object), npartitions=3)
    codes = fdask.stratified_split(s, test_size=0.25, val_size=0.25, seed=3).compute()
    want = fastbal.stratified_split(Y, test_size=0.25, val_size=0.25, seed=3).assignment
    assert codes.tolist() == want.tolist()
    assert codes.iloc[len(Y) - 1] == fastbal.LEFT_OUT


@pytest.mark.parametrize(
    ("seed", "i"), [(0, 0), (0, 1), (1, 0), (42, 3), (2**64 - 1, 2**64 - 1), (-1, 5)]
)
def test_sklearn_split_seed_is_the_splitmix64_derivation(seed, i):
    from fastbal.sklearn import mix64, split_seed

    m = (1 << 64) - 1
    assert mix64(seed) == _splitmix64(seed & m)
    assert split_seed(seed, i) == _splitmix64(
        (_splitmix64((seed ^ 0x243F6A8885A308D3) & m) + i) & m
    )
    assert split_seed(seed, i) == _fastbal.split_seed(seed, i)


def test_sklearn_shuffle_split_draws_split_i_with_split_seed():
    pytest.importorskip("sklearn")
    from fastbal.sklearn import StratifiedShuffleSplit, split_seed

    y = ["a"] * 30 + ["b"] * 20
    cv = StratifiedShuffleSplit(n_splits=3, test_size=0.2, random_state=7)
    for i, (_, test) in enumerate(cv.split(np.zeros(len(y)), y)):
        s = fastbal.stratified_split(y, test_size=0.2, val_size=0.0, seed=split_seed(7, i))
        assert sorted(test) == sorted(s.test)
