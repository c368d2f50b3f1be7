"""`fastbal.duplicates` against pandas' groupby + isin formulation, on every
input form texts arrive in."""

from __future__ import annotations

from typing import Any

import fastbal
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st


def oracle(texts: list[Any], labels: list[Any] | None, splits: list[int] | None) -> dict[str, Any]:
    """The figures as a pandas user computes them."""
    df = pd.DataFrame({"t": pd.Series(texts, dtype=object)})
    has_text = df["t"].notna()
    counts = df["t"][has_text].value_counts()
    out: dict[str, Any] = {
        "rows": len(texts),
        "duplicate_texts": int((counts > 1).sum()),
        "duplicate_rows": int(counts[counts > 1].sum()),
        "keep_first": (~df["t"].duplicated(keep="first") | ~has_text).tolist(),
    }
    if labels is not None:
        df["y"] = pd.Series(labels, dtype=object)
        lab = df[has_text & df["y"].notna()]
        distinct = lab.groupby("t")["y"].nunique()
        conflicting = set(distinct[distinct > 1].index)
        out["conflicting_texts"] = len(conflicting)
        out["conflicting_rows"] = int(df["t"].isin(conflicting).sum())
        majority = lab.groupby(["t", "y"]).size().groupby(level=0).max().sum()
        out["accuracy_ceiling"] = majority / len(lab) if len(lab) else 1.0
        out["keep_consistent"] = (~df["t"].isin(conflicting)).tolist()
    if splits is not None:
        df["s"] = splits
        train = set(df["t"][(df["s"] == 0) & has_text])
        leaked = df[(df["s"] > 0) & has_text & df["t"].isin(train)]
        out["leaked_rows"] = len(leaked)
        out["leaked_texts"] = int(leaked["t"].nunique())
    return out


def check(d: fastbal.Duplicates, want: dict[str, Any]) -> None:
    assert d.rows == want["rows"]
    assert d.duplicate_texts == want["duplicate_texts"]
    assert d.duplicate_rows == want["duplicate_rows"]
    assert d.keep_mask("first").tolist() == want["keep_first"]
    if "conflicting_texts" in want:
        assert d.conflicting_texts == want["conflicting_texts"]
        assert d.conflicting_rows == want["conflicting_rows"]
        assert d.accuracy_ceiling == pytest.approx(want["accuracy_ceiling"])
        assert d.keep_mask("consistent").tolist() == want["keep_consistent"]
    else:
        assert d.accuracy_ceiling is None
    if "leaked_rows" in want:
        assert (d.leaked_rows, d.leaked_texts) == (want["leaked_rows"], want["leaked_texts"])
    else:
        assert d.leaked_rows is None


TEXT_FORMS = {
    "list": lambda t: t,
    "numpy object": lambda t: np.array(t, dtype=object),
    "pyarrow string": lambda t: pa.array(t, pa.string()),
    "pyarrow large_string": lambda t: pa.array(t, pa.large_string()),
    "pyarrow string_view": lambda t: pa.array(t, pa.string_view()),
    "pyarrow chunked": lambda t: pa.chunked_array([t[:3], [], t[3:]], pa.string()),
    "pyarrow sliced": lambda t: pa.array(["x", *t], pa.string()).slice(1),
    "polars": lambda t: pl.Series(t, dtype=pl.String),
    "pandas object": lambda t: pd.Series(t, dtype=object),
    "pandas str": lambda t: pd.Series(t, dtype="string"),
}

TEXTS = ["rent", "rent", "fuel", None, "Rent ", "fuel", "rent", "fuel"]
LABELS = [610, 610, 620, 620, 610, 640, None, 620]
SPLITS = [0, 1, 2, 0, 1, 0, 2, -1]


@pytest.mark.parametrize("form", TEXT_FORMS)
def test_every_text_form_gives_pandas_figures(form: str) -> None:
    d = fastbal.duplicates(TEXT_FORMS[form](TEXTS), labels=LABELS, splits=SPLITS)
    check(d, oracle(TEXTS, LABELS, SPLITS))
    # by hand: rent x3 (610, 610, null), fuel x3 (620, 640, 620); rows 1 and 6
    # (valid/test, rent in train) and row 2 (test, fuel in train) leak
    assert (d.duplicate_texts, d.duplicate_rows, d.conflicting_rows) == (2, 6, 3)
    assert d.accuracy_ceiling == pytest.approx(5 / 6)
    assert (d.leaked_rows, d.leaked_texts) == (3, 2)


def test_numpy_unicode_texts() -> None:
    texts = ["a", "b", "a", "c", "a"]
    d = fastbal.duplicates(np.array(texts), labels=np.array([1, 1, 2, 3, 1], dtype=np.int16))
    check(d, oracle(texts, [1, 1, 2, 3, 1], None))


def test_worst_groups_and_report_forms() -> None:
    d = fastbal.duplicates(TEXTS, labels=LABELS, top=2)
    assert d.worst == [
        fastbal.DuplicateGroup("fuel", 3, {620: 2, 640: 1}),
        fastbal.DuplicateGroup("rent", 3, {610: 2}),
    ]
    assert d.to_dict()["worst"][0] == {"text": "fuel", "rows": 3, "labels": [[620, 2], [640, 1]]}
    assert d.to_dict()["accuracy_ceiling"] == pytest.approx(5 / 6)
    md = d.to_markdown()
    assert "| fuel | 3 | 620: 2, 640: 1 |" in md
    assert str(d).splitlines()[0] == "repeated texts: 2 (6 rows, 75.00% of 8)"
    assert fastbal.duplicates(TEXTS, top=0).worst == []


def test_splits_from_a_split_object() -> None:
    y = ["a"] * 10 + ["b"] * 10
    texts = [f"t{i % 7}" for i in range(20)]
    s = fastbal.stratified_split(y, test_size=0.2, val_size=0.1, seed=3)
    d = fastbal.duplicates(texts, labels=y, splits=s)
    check(d, oracle(texts, y, s.assignment.tolist()))
    assert d.leaked_rows == fastbal.duplicates(texts, splits=s.assignment).leaked_rows


def test_normalize_folds_case_and_whitespace() -> None:
    texts = ["Net  rent", "net rent", " NET\trent\u00a0", "fuel", None]
    assert fastbal.duplicates(texts).duplicate_rows == 0
    d = fastbal.duplicates(texts, normalize=True)
    assert (d.duplicate_texts, d.duplicate_rows) == (1, 3)
    assert d.worst[0].text == "net rent"
    assert fastbal.duplicates(pl.Series(texts), normalize=True).duplicate_rows == 3


def test_null_texts_are_never_duplicates() -> None:
    d = fastbal.duplicates([None, None, None], labels=[1, 2, 1])
    assert (d.duplicate_rows, d.conflicting_rows, d.accuracy_ceiling) == (0, 0, 1.0)
    assert d.keep_mask("first").tolist() == [True] * 3
    assert d.keep_mask("consistent").tolist() == [True] * 3


def test_empty() -> None:
    d = fastbal.duplicates([], labels=[], splits=np.array([], dtype=np.int8))
    assert (d.rows, d.duplicate_rows, d.accuracy_ceiling, d.leaked_rows) == (0, 0, 1.0, 0)


def test_bad_input() -> None:
    with pytest.raises(fastbal.InvalidInputError, match="labels has 2 rows but the texts have 3"):
        fastbal.duplicates(["a", "b", "a"], labels=[1, 2])
    with pytest.raises(fastbal.InvalidInputError, match="splits has 1 rows but the texts have 3"):
        fastbal.duplicates(["a", "b", "a"], splits=[0])
    with pytest.raises(fastbal.InvalidInputError, match="split codes must be 0"):
        fastbal.duplicates(["a", "b"], splits=[0, 5])
    with pytest.raises(fastbal.InvalidInputError, match="1-D integer array"):
        fastbal.duplicates(["a", "b"], splits=[0.5, 1.0])
    d = fastbal.duplicates(["a", "a"])
    with pytest.raises(fastbal.FastbalError, match="rule must be one of 'first', 'consistent'"):
        d.keep_mask("last")
    with pytest.raises(fastbal.InvalidInputError, match="needs labels"):
        d.keep_mask("consistent")
    with pytest.raises(fastbal.InvalidInputError, match="normalize=True needs texts"):
        fastbal.duplicates([1, 2, 1], normalize=True)
    with pytest.raises(fastbal.InvalidInputError, match="top must be"):
        fastbal.duplicates(["a"], top=-1)
    for bad in ["foo", "false", 1, 0]:
        with pytest.raises(fastbal.InvalidInputError, match="normalize must be None, False or"):
            fastbal.duplicates(["a", "A"], normalize=bad)
    assert fastbal.duplicates(["a", "A"], normalize=np.bool_(True)).duplicate_rows == 2


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["a", "b", "c", "dd", "é", ""])),
            st.one_of(st.none(), st.integers(0, 3)),
            st.integers(-1, 2),
        ),
        max_size=60,
    ),
    st.booleans(),
)
@example([("a", 1, 0), ("a", 2, 1), (None, 1, 2), ("b", None, 0), ("b", 1, 2)], True)
def test_property_against_pandas(rows: list[tuple[Any, Any, int]], arrow: bool) -> None:
    texts = [r[0] for r in rows]
    labels = [r[1] for r in rows]
    splits = [r[2] for r in rows]
    t: Any = pa.array(texts, pa.string()) if arrow else texts
    d = fastbal.duplicates(t, labels=pa.array(labels, pa.int64()), splits=np.array(splits))
    check(d, oracle(texts, labels, splits))
    bare = fastbal.duplicates(t)
    check(bare, oracle(texts, None, None))


def test_markdown_shows_five_labels_per_group_and_counts_the_rest() -> None:
    texts = ["line"] * 12 + ["other"]
    labels = [1, 1, 1, 2, 2, 3, 4, 5, 6, 6, 7, 8, 1]
    d = fastbal.duplicates(texts, labels)
    # labels 1 (3 rows), 2 and 6 (2), then 3, 4, 5, 7, 8 (1 each, by value)
    assert "| line | 12 | 1: 3, 2: 2, 6: 2, 3: 1, 4: 1, 3 more (3 rows) |" in d.to_markdown()
    assert len(d.to_dict()["worst"][0]["labels"]) == 8
