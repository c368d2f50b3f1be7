"""Robustness: no input, size or process layout hangs, aborts or silently
misleads fastbal.

Every case that once crashed, hung or exhausted memory runs in a child process
(tests/robustness_child.py) under an address-space cap and a timeout, so a
crash or a hang fails one test instead of ending the run. Hypothesis draws a
batch of cases per child; each case must come back as a correct answer or a
clean `fastbal.FastbalError`.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import fastbal
import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

CHILD = Path(__file__).with_name("robustness_child.py")


def isolated_settings(max_examples: int) -> settings:
    """Each example starts a process: few examples, no shrinking (a failure names its case)."""
    return settings(max_examples=max_examples, phases=[Phase.explicit, Phase.generate])


U64 = 2**64 - 1


def isolated(kind: str, cases: list[dict[str, Any]], timeout: float = 120) -> list[dict[str, Any]]:
    """Run `cases` of `kind` in a child process (memory cap, timeout); one result per case.

    A crash, an abort or a hang fails the test, naming the case that caused it."""
    env = {**os.environ, "RAYON_NUM_THREADS": "2"}
    try:
        r = subprocess.run(
            [sys.executable, str(CHILD), kind],
            input=json.dumps(cases),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as e:
        done = (e.stdout or b"").count(b"\n") if isinstance(e.stdout, bytes) else 0
        pytest.fail(f"{kind}: hung on case {done}: {cases[done] if done < len(cases) else '?'}")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    if r.returncode != 0:
        at = len(lines)
        pytest.fail(
            f"{kind}: the child died (exit {r.returncode}) on case {at}: "
            f"{cases[at] if at < len(cases) else '?'}\n{r.stderr[-2000:]}"
        )
    assert len(lines) == len(cases)
    return lines


# ------------------------------------------------------------------ split sizes

#: sizes that wrap 64-bit sums, beside ordinary ones
huge = st.sampled_from([2**63 - 1, 2**63, 2**64 - 2, U64])
row_sizes = st.one_of(huge, st.integers(0, 120))
split_cases = st.fixed_dictionaries(
    {
        "labels": st.lists(st.integers(0, 4), min_size=1, max_size=100),
        "test": st.one_of(row_sizes, st.floats(0, 0.6)),
        "val": st.one_of(row_sizes, st.floats(0, 0.3)),
        "seed": st.sampled_from([0, 7, U64]),
        "rare": st.sampled_from(["train", "drop"]),
    }
)


def check_split(case: dict[str, Any], out: dict[str, Any]) -> None:
    labels, t, v = case["labels"], case["test"], case["val"]
    if "error" in out:
        assert out["error"] in ("InfeasibleError", "FastbalError"), out
        if out["error"] == "InfeasibleError":
            assert "train would be empty" in out["msg"]
        return
    res = out["ok"]
    assert res["lens"] == res["sizes"]
    n_splits = 1 + (t > 0) + (v > 0)
    counts = Counter(labels).values()
    eligible = sum(n for n in counts if case["rare"] == "train" or n >= n_splits)
    assert sum(res["lens"]) == res["assigned"] == eligible
    for size in (t, v):
        if isinstance(size, int):
            assert size < eligible  # a size past the rows is refused, never wrapped


@isolated_settings(1)
@given(st.lists(split_cases, min_size=80, max_size=80))
def test_split_sizes_never_wrap(cases):
    # test_size=2**64 - 1 with val_size=1 once wrapped to an empty train split
    # or spun for hours with the interpreter released
    cases[0] = {
        "labels": [i % 3 for i in range(100)],
        "test": U64,
        "val": 1,
        "seed": 0,
        "rare": "train",
    }
    cases[1] = {"labels": [0, 1] * 10, "test": 2**63, "val": 2**63, "seed": 0, "rare": "train"}
    out = isolated("split", cases)
    for case, o in zip(cases, out, strict=True):
        check_split(case, o)
    assert out[0]["error"] == "InfeasibleError"
    assert f"asked for {U64} test and 1 valid rows out of 100" in out[0]["msg"]
    assert out[1]["error"] == "InfeasibleError"


def test_split_size_errors_in_process():
    y = np.arange(100) % 3
    with pytest.raises(fastbal.InfeasibleError, match="train would be empty"):
        fastbal.stratified_split(y, test_size=U64, val_size=1)
    with pytest.raises(
        fastbal.FastbalError, match=r"test_size must be a row count in \[0, 2\*\*64\)"
    ):
        fastbal.stratified_split(y, test_size=2**64, val_size=1)


# ------------------------------------------------------------------ k-fold


@isolated_settings(1)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "n": st.sampled_from([1, 10, 1000, 32767, 200_000]),
                "k": st.sampled_from([2, 3, 1000, 32767]),
                "zeros": st.booleans(),
                "seed": st.integers(0, U64),
            }
        ),
        min_size=8,
        max_size=8,
    )
)
@example(
    [
        {"n": 200_000, "k": 32767, "zeros": True, "seed": 0},
        {"n": 10, "k": 32767, "zeros": False, "seed": 1},
    ]
)
def test_kfold_cost_does_not_grow_with_k(cases):
    # k=32767 on 200k rows once put every row in every cut window: gigabytes, then an abort
    out = isolated("kfold", cases)
    for case, o in zip(cases, out, strict=True):
        if case["n"] < case["k"]:
            assert o["error"] == "InfeasibleError"
            assert f"every class has fewer rows than the {case['k']} folds" in o["msg"]
            continue
        res = o["ok"]
        assert res["total"] == case["n"]
        assert res["max"] - res["min"] <= 1
        assert res["min"] == case["n"] // case["k"]


# ------------------------------------------------------------------ resampling

resample_cases = st.fixed_dictionaries(
    {
        "labels": st.just(["a"] * 10 + ["b"]),
        "how": st.sampled_from(["counts", "ratio", "resample", "under"]),
        "value": st.one_of(
            st.sampled_from([2**40, 10**12, 2**62, 2**63 - 1, 2**63, U64]),
            st.integers(1, 40),
        ),
        "seed": st.integers(0, U64),
    }
)


@isolated_settings(1)
@given(st.lists(resample_cases, min_size=60, max_size=60))
@example(
    [
        {"labels": ["a"] * 10 + ["b"], "how": "counts", "value": 2**40, "seed": 0},
        {"labels": ["a"] * 10 + ["b"], "how": "ratio", "value": 1e15, "seed": 0},
        {"labels": ["a", "a", "b"], "how": "resample", "value": 10**12, "seed": 0},
        {"labels": ["a"] * 10 + ["b"], "how": "ratio", "value": 1e300, "seed": 0},
    ]
)
def test_outputs_sized_by_arguments_are_refused_before_allocating(cases):
    out = isolated("resample", cases)
    for case, o in zip(cases, out, strict=True):
        n_a = case["labels"].count("a")
        v = case["value"]
        if case["how"] == "under":
            assert o["ok"]["targets"] == {"a": min(n_a, v), "b": 1}
            continue
        want = {"a": n_a, "b": max(1, v)}
        if case["how"] == "ratio":
            floor = math.ceil(float(v) * n_a)  # every class raised to ratio x the largest
            want = {"a": max(n_a, floor), "b": max(1, floor)} if floor < 2**63 else None
        rows = None if want is None else sum(want.values())
        if rows is not None and rows * 8 < 1 << 30:
            assert o["ok"]["targets"] == want
            assert o["ok"]["len"] == rows
        else:
            assert o["error"] == "OutputTooLargeError", o
            assert "more than" in o["msg"]


def test_too_large_oversample_names_the_size():
    with pytest.raises(fastbal.OutputTooLargeError, match=r"2\*\*63 - 1"):
        fastbal.oversample(["a", "b"], counts={"b": 2**63})
    with pytest.raises(fastbal.OutputTooLargeError, match=r"ratio=1e\+300"):
        fastbal.oversample(["a", "a", "b"], ratio=1e300)
    # a cap past every count cuts nothing
    assert fastbal.undersample(["a", "a", "b"], ratio=1e300).targets == {"a": 2, "b": 1}


# ------------------------------------------------------------------ malformed Arrow


@st.composite
def string_buffers(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(st.lists(st.sampled_from([97, 98, 99, 0xFF]), max_size=12))
    n = draw(st.integers(0, 6))
    offsets = [0, *draw(st.lists(st.integers(-2, 14), min_size=n, max_size=n))]
    return {"layout": "string", "n": n, "offsets": offsets, "data": data}


@st.composite
def view_buffers(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 5))
    data_len = draw(st.integers(0, 40))
    views = draw(
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=n, max_size=n)
    )
    return {"layout": "view", "n": n, "views": views, "data_len": data_len}


@st.composite
def dictionaries(draw: st.DrawFn) -> dict[str, Any]:
    values = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=3, unique=True))
    keys = draw(st.lists(st.one_of(st.none(), st.integers(-1, 4)), max_size=8))
    return {"layout": "dict", "n": len(keys), "keys": keys, "values": values}


def arrow_oracle(case: dict[str, Any]) -> dict[str, int] | None:
    """The counts of a well-formed array, None for a malformed one."""
    if case["layout"] == "string":
        off, data = case["offsets"], bytes(case["data"])
        if off[0] < 0 or off[-1] > len(data) or any(a > b for a, b in itertools.pairwise(off)):
            return None
        try:
            return dict(Counter(data[a:b].decode() for a, b in itertools.pairwise(off)))
        except UnicodeDecodeError:
            return None
    if case["layout"] == "view":
        if any(ln > 12 and off + ln > case["data_len"] for ln, off in case["views"]):
            return None
        return dict(Counter("\0" * ln for ln, _ in case["views"]))
    if any(k is not None and not 0 <= k < len(case["values"]) for k in case["keys"]):
        return None
    return dict(Counter(case["values"][k] for k in case["keys"] if k is not None))


@isolated_settings(1)
@given(
    st.lists(
        st.one_of(string_buffers(), view_buffers(), dictionaries()), min_size=120, max_size=120
    )
)
@example(
    [
        {"layout": "string", "n": 2, "offsets": [0, 3, 1], "data": [97, 98, 99]},  # decreasing
        {"layout": "view", "n": 1, "views": [[20, 30]], "data_len": 8},  # past its buffer
        {"layout": "dict", "n": 2, "keys": [0, 5], "values": ["x"]},  # past its dictionary
    ]
)
def test_malformed_arrow_is_refused_on_import(cases):
    out = isolated("arrow", cases)
    for case, o in zip(cases, out, strict=True):
        want = arrow_oracle(case)
        if want is None and o.get("ok") == "refused by pyarrow":
            continue
        if want is None:
            assert o.get("error") == "InvalidInputError", (case, o)
            # structure is checked on import, text as each class is read
            assert o["msg"].startswith(
                ("the Arrow labels are malformed: ", "label column holds invalid UTF-8")
            ), o
        else:
            assert o == {"ok": {"counts": want}}, case


# ------------------------------------------------------------------ fork


def test_a_forked_child_runs_after_the_parent_used_the_pool():
    # both forms in one child: `os.fork`, then a fork `multiprocessing.Pool`
    fork, pool = isolated("fork", [{"how": "os.fork"}, {"how": "pool"}], timeout=60)
    assert fork["ok"] == [True, 1 << 18]
    assert pool["ok"] == [True] * 4


# ------------------------------------------------------------------ racing writers


def test_a_racing_writer_gives_a_clean_error_or_a_consistent_answer():
    cases = [{"seed": 1, "n": 400_000, "dtype": d, "rounds": 6} for d in ("int64", "uint8")]
    for out in isolated("mutate", cases, timeout=120):
        assert set(out["ok"]) == {
            "split",
            "kfold",
            "oversample",
            "sample",
            "value_counts",
            "Labels",
            "weights",
        }
        for name, outcomes in out["ok"].items():
            for outcome in outcomes:
                assert outcome in ("ok", "consistent") or outcome.startswith(
                    "InvalidInputError: "
                ), name


# ------------------------------------------------------------------ misread inputs


def test_polars_null_column_is_all_missing():
    vc = fastbal.value_counts(pl.Series("y", [None, None, None]))
    assert (len(vc), vc.null_count) == (0, 3)
    assert fastbal.value_counts(pl.Series("y", [], dtype=pl.Null)).null_count == 0


def test_masked_arrays_honour_the_mask():
    y = np.ma.masked_array([1, 2, 2, 3], mask=[False, True, False, True])
    vc = fastbal.value_counts(y)
    assert (vc.to_dict(), vc.null_count) == ({1: 1, 2: 1}, 2)
    s = np.ma.masked_array(["a", "b", "b"], mask=[False, False, True])
    assert fastbal.value_counts(s).to_dict() == {"a": 1, "b": 1}
    assert fastbal.Labels(y).codes.tolist() == [0, -1, 1, -1]


def test_dictionary_ids_with_a_null_entry_are_refused():
    y = np.array([0, 1, 0, 1])
    ids = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2, 3]), pa.array(["r0", None, "r2", "r3"]))
    with pytest.raises(fastbal.InvalidInputError, match="ids have 1 null rows"):
        fastbal.stratified_split(y, test_size=1, val_size=0, ids=ids)


def test_rare_classes_error_carries_the_classes():
    with pytest.raises(fastbal.RareClassesError) as e:
        fastbal.stratified_split(["a"] * 10 + ["b", "c", "c"], 0.2, 0.1, rare="error")
    assert (e.value.classes, e.value.min_rows) == (["b", "c"], 3)
    assert isinstance(e.value, ValueError)


def test_report_sizes_are_counts():
    with pytest.raises(fastbal.FastbalError, match="top must not be negative; got -1"):
        fastbal.report([1, 1, 2], top=-1)
    with pytest.raises(TypeError, match=r"min_count must be an int; got float 2\.5"):
        fastbal.report([1, 1, 2], min_count=2.5)
    assert fastbal.report([1, 1, 2, 3], top=0).top_k_share == 0.0


def test_report_needs_a_split_to_check():
    with pytest.raises(fastbal.FastbalError, match="at least one"):
        fastbal.report([1, 2], splits={})
    with pytest.raises(fastbal.FastbalError, match=r"got keys \['tain'\]"):
        fastbal.report([1, 2], splits={"tain": [1, 2]})


def test_split_summary_names_rare_classes_as_the_reason():
    # 20 rows of ten rare classes stay in train: test and valid get the quotas of a and b only
    y = ["a"] * 50 + ["b"] * 50 + [f"r{i}" for i in range(10) for _ in range(2)]
    text = str(fastbal.stratified_split(y, test_size=0.2, val_size=0.1, seed=0).summary)
    assert (
        "sizes moved to keep the rare classes whole in train: train +6, valid -2, test -4" in text
    )
    assert "keep every class in every split" not in text
