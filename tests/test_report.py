"""The label report: figures, Markdown, JSON keys, the chart, split checks."""

from __future__ import annotations

import json
import struct

import fastbal
import numpy as np
import pytest
from fastbal.datasets import SEED_SINGLETONS, seed_shaped, seed_shaped_texts
from hypothesis import assume, given, settings
from hypothesis import strategies as st

SMALL = ["a"] * 6 + ["b"] * 3 + ["c"] + [None] * 2

SMALL_MARKDOWN = """\
# Label report

- rows: 12 (2 without a label)
- classes: 3
- imbalance ratio (largest / smallest): 6 : 1
- top-2 share: 90.00%
- majority-class baseline accuracy: 60.00%
- normalized entropy: 0.817; effective number of classes: 2.5
- one-row classes (1): c
- classes under min_count=2 (1): c

## Head

| label | rows | share | cumulative |
|---:|---:|---:|---:|
| a | 6 | 60.00% | 60.00% |
| b | 3 | 30.00% | 90.00% |

## Tail

| label | rows | share | cumulative |
|---:|---:|---:|---:|
| b | 3 | 30.00% | 90.00% |
| c | 1 | 10.00% | 100.00% |

## What a min-count filter would remove

| min_count | classes removed | rows removed | share | classes left | ratio left |
|---:|---:|---:|---:|---:|---:|
| 2 | 1 | 1 | 10.000% | 2 | 2 : 1 |
| 5 | 2 | 4 | 40.000% | 1 | 1 : 1 |
"""


def test_small_report_markdown_snapshot():
    r = fastbal.report(SMALL, top=2, min_count=2, thresholds=(2, 5))
    assert r.to_markdown() == SMALL_MARKDOWN
    assert str(r) == SMALL_MARKDOWN


def test_small_report_figures_by_hand():
    r = fastbal.report(SMALL, top=2, min_count=2)
    d = r.to_dict()
    assert (d["rows"], d["null_rows"], d["labeled_rows"], d["classes"]) == (12, 2, 10, 3)
    assert d["imbalance_ratio"] == 6.0
    assert d["largest_class"] == {"label": "a", "rows": 6}
    assert d["smallest_class"] == {"label": "c", "rows": 1}
    assert d["top_k_share"] == pytest.approx(0.9)
    assert d["majority_baseline"] == pytest.approx(0.6)
    p = np.array([0.6, 0.3, 0.1])
    entropy = -(p * np.log(p)).sum()
    assert d["entropy"] == pytest.approx(entropy / np.log(3))
    assert d["effective_classes"] == pytest.approx(np.exp(entropy))
    assert d["one_row_classes"] == ["c"]
    assert d["classes_under_min_count"] == ["c"]
    assert d["text_length"] is None
    assert d["splits"] is None


def test_json_keys_are_stable_and_valid_json():
    r = fastbal.report(SMALL)
    d = json.loads(r.to_json())
    assert tuple(d) == fastbal.REPORT_KEYS
    assert list(d["head"][0]) == ["label", "rows", "share", "cumulative_share"]
    assert list(d["what_if"][0]) == [
        "threshold",
        "classes_removed",
        "rows_removed",
        "share_removed",
        "classes_left",
        "ratio_left",
    ]
    # no class left at high thresholds: null, not NaN (NaN is not JSON)
    assert d["what_if"][-1]["ratio_left"] is None


def test_text_lengths_per_class():
    labels = ["x", "x", "x", "y", "y"]
    texts = ["ab", "abcd", "日本", "hello", None]
    table = fastbal.report(labels, texts=texts).lengths.table
    rows = {r["class"]: r for r in table.iter_rows(named=True)}
    # x: lengths 2, 4, 2 (characters, not bytes); y: 5 (the null text is skipped)
    assert rows["x"] == {
        "class": "x",
        "rows": 3,
        "min": 2,
        "median": 2.0,
        "mean": 8 / 3,
        "p95": float(np.percentile([2, 2, 4], 95)),
        "max": 4,
    }
    assert (rows["y"]["rows"], rows["y"]["median"]) == (1, 5.0)


def test_text_length_outliers_on_the_demo_data():
    y = seed_shaped()
    r = fastbal.report(y, texts=seed_shaped_texts(y))
    # the synthetic texts of labels 7 and 101 are about 400 characters, the rest 30-120
    assert sorted(r.lengths.long) == [7, 101]
    assert r.lengths.short == []


def test_demo_report_reproduces_the_reference_figures():
    d = fastbal.report(seed_shaped(), min_count=10).to_dict()
    assert (d["rows"], d["classes"]) == (298_821, 224)
    assert d["imbalance_ratio"] == 44_098.0
    assert round(100 * d["top_k_share"], 2) == 45.92
    assert d["one_row_classes"] == sorted(SEED_SINGLETONS)
    assert [r["label"] for r in d["head"]] == [197, 177, 62, 178, 79]
    assert len(d["classes_under_min_count"]) == 30
    ten = next(r for r in d["what_if"] if r["threshold"] == 10)
    assert (ten["classes_removed"], ten["rows_removed"], ten["classes_left"]) == (30, 122, 194)


def test_split_checks_from_a_split_and_from_columns():
    y = np.array(["a"] * 20 + ["b"] * 10 + ["c"] * 2)
    s = fastbal.stratified_split(y, test_size=0.2, val_size=0.1, seed=1)
    from_split = fastbal.report(y, splits=s).to_dict()["splits"]
    from_columns = fastbal.report(
        y, splits={"train": y[s.train], "valid": y[s.valid], "test": y[s.test]}
    ).to_dict()["splits"]
    assert from_split == from_columns
    assert from_split["missing_from_train"] == []
    # c has two rows, too few for three splits: all in train, so valid and test lack it
    assert from_split["missing_from_valid"] == ["c"]
    assert from_split["missing_from_test"] == ["c"]
    assert from_split["classes_per_split"] == {"train": 3, "valid": 2, "test": 2}


def test_split_check_finds_a_class_missing_from_train():
    d = fastbal.report(["a", "b"], splits=(["a", "a"], ["a"], ["b"])).to_dict()["splits"]
    assert d["missing_from_train"] == ["b"]
    assert d["max_share_difference"]["class"] in ("a", "b")
    assert d["max_share_difference"]["difference"] == pytest.approx(1.0)


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_png_of_the_expected_size(tmp_path):
    out = tmp_path / "ranks.png"
    r = fastbal.report(seed_shaped(), min_count=10)
    assert r.plot(str(out), dpi=50) == str(out)
    assert png_size(out) == (400, 225)  # 8 x 4.5 inches at 50 dpi


def test_plot_without_matplotlib_says_what_to_install(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r"pip install 'fastbal\[plot\]'"):
        fastbal.report([1, 1, 2]).plot(str(tmp_path / "x.png"))


DUP_Y = ["a", "a", "b", "b", "c", "a", "b", "a"]
DUP_TEXTS = ["rent", "rent", "fuel", "rent", "fuel", "x", None, "x"]


def test_duplicates_section_by_hand():
    # rent: rows 0, 1, 3 (a, a, b); fuel: rows 2, 4 (b, c); x: rows 5, 7 (a, a); row 6 no text
    s = fastbal.stratified_split(DUP_Y, test_size=2, val_size=2, seed=1)
    assert s.assignment.tolist() == [0, 0, 2, 1, 0, 2, 0, 1]
    r = fastbal.report(DUP_Y, texts=DUP_TEXTS, splits=s)
    d = r.to_dict()["duplicates"]
    assert (d["rows"], d["duplicate_texts"], d["duplicate_rows"]) == (8, 3, 7)
    assert (d["conflicting_texts"], d["conflicting_rows"]) == (2, 5)
    # 7 rows with a text and a label; the majorities: rent 2, fuel 1, x 2
    assert d["accuracy_ceiling"] == pytest.approx(5 / 7)
    # train holds rent and fuel: row 2 (fuel, test) and row 3 (rent, valid) leak; x does not
    assert (d["leaked_rows"], d["leaked_texts"]) == (2, 2)
    assert d["worst"][0] == {"text": "rent", "rows": 3, "labels": [["a", 2], ["b", 1]]}
    md = r.to_markdown()
    section = md[md.index("## Duplicates and conflicting labels") :]
    assert section == (
        "## Duplicates and conflicting labels\n\n"
        "- repeated texts: 3 (7 rows, 87.50% of 8)\n"
        "- texts with conflicting labels: 2 (5 rows); accuracy ceiling 71.43%\n"
        "- valid/test rows whose text is in train: 2 (2 texts)\n\n"
        "| text | rows | labels |\n"
        "|---|---:|---|\n"
        "| rent | 3 | a: 2, b: 1 |\n"
        "| fuel | 2 | b: 1, c: 1 |\n"
        "| x | 2 | a: 2 |\n"
    )


def test_duplicates_section_without_splits_or_texts():
    d = fastbal.report(DUP_Y, texts=DUP_TEXTS).to_dict()["duplicates"]
    assert (d["leaked_rows"], d["leaked_texts"]) == (None, None)
    assert d["accuracy_ceiling"] == pytest.approx(5 / 7)
    # split label columns carry no row assignment: no leakage line
    cols = fastbal.report(DUP_Y, texts=DUP_TEXTS, splits=(DUP_Y[:4], DUP_Y[4:], []))
    assert cols.duplicates is not None
    assert cols.duplicates.leaked_rows is None
    plain = fastbal.report(DUP_Y)
    assert plain.duplicates is None
    assert plain.to_dict()["duplicates"] is None
    assert "Duplicates" not in plain.to_markdown()


def test_duplicates_section_with_a_split_of_other_rows_names_both_lengths():
    s = fastbal.stratified_split(DUP_Y * 2, seed=0)
    with pytest.raises(fastbal.FastbalError, match=r"splits has 16 rows but the texts have 8"):
        fastbal.report(DUP_Y, texts=DUP_TEXTS, splits=s)


# ---------------------------------------------------------------------------- label sets

TAGS = [["news", "sport"], ["sport"], [], None, ["news", "tech"], ["sport", "news"]]

# by hand: news 3, sport 3, tech 1 over 5 non-null rows; 7 positives;
# sets {news, sport} x2, {sport}, {}, {news, tech}: 4 distinct
TAGS_MARKDOWN = """\
# Multilabel report

- rows: 6 (1 null, 1 without a label)
- labels: 3; positives: 7
- labels per row (cardinality): 1.40; density: 0.4667
- distinct label sets: 4
- imbalance ratio (most / fewest positives): 3 : 1
- labels with one positive (1): tech
- labels under min_count=2 (1): tech

## Head

| label | positives | share of rows |
|---:|---:|---:|
| news | 3 | 60.00% |
| sport | 3 | 60.00% |

## Tail

| label | positives | share of rows |
|---:|---:|---:|
| sport | 3 | 60.00% |
| tech | 1 | 20.00% |

## Most frequent label pairs

| labels | rows | share of rows |
|---|---:|---:|
| news + sport | 2 | 40.00% |
| news + tech | 1 | 20.00% |

## What a min-count filter would remove

| min_count | labels removed | positives removed | share | rows losing every label | labels left |
|---:|---:|---:|---:|---:|---:|
| 2 | 1 | 1 | 14.286% | 0 | 2 |
| 4 | 3 | 7 | 100.000% | 4 | 0 |
"""


def test_label_sets_report_markdown_snapshot():
    r = fastbal.report(TAGS, top=2, min_count=2, thresholds=(2, 4))
    assert isinstance(r, fastbal.MultilabelReport)
    assert r.to_markdown() == TAGS_MARKDOWN
    assert str(r) == TAGS_MARKDOWN


def test_label_sets_report_figures_by_hand():
    d = fastbal.report(TAGS, top=2, min_count=2).to_dict()
    assert tuple(d) == fastbal.MULTILABEL_REPORT_KEYS
    assert (d["rows"], d["null_rows"], d["empty_rows"], d["labeled_rows"]) == (6, 1, 1, 4)
    assert (d["labels"], d["positives"], d["distinct_sets"]) == (3, 7, 4)
    assert d["cardinality"] == pytest.approx(7 / 5)
    assert d["density"] == pytest.approx(7 / 15)
    assert d["imbalance_ratio"] == 3.0
    assert d["largest_label"] == {"label": "news", "positives": 3}
    assert d["smallest_label"] == {"label": "tech", "positives": 1}
    assert d["head"] == [
        {"label": "news", "positives": 3, "share": 0.6},
        {"label": "sport", "positives": 3, "share": 0.6},
    ]
    assert d["one_positive_labels"] == d["labels_under_min_count"] == ["tech"]
    assert d["pairs"] == [
        {"labels": ["news", "sport"], "rows": 2, "share": 0.4},
        {"labels": ["news", "tech"], "rows": 1, "share": 0.2},
    ]
    assert d["splits"] is None
    assert json.loads(fastbal.report(TAGS).to_json())["positives"] == 7


def test_label_sets_what_if_counts_rows_that_lose_every_label():
    # label 0: 4 positives, label 1: 2, label 2: 1; the two rows {1} lose every
    # label at min_count 3; {0, 2} keeps label 0
    y = [[0, 2], [1], [0], [0], [0], [1]]
    rows = fastbal.report(y, thresholds=(2, 3, 5)).to_dict()["what_if"]
    assert [(r["labels_removed"], r["positives_removed"], r["rows_emptied"]) for r in rows] == [
        (1, 1, 0),
        (2, 3, 2),
        (3, 7, 6),
    ]


def test_every_form_of_label_sets_gives_the_same_report():
    import pandas as pd
    import polars as pl
    import pyarrow as pa
    import scipy.sparse as sp

    y = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 0], [1, 0, 0], [0, 1, 1]], dtype=np.int8)
    lists = [np.flatnonzero(row).tolist() for row in y]
    want = fastbal.report(y, top=2, min_count=3).to_dict()
    assert want["head"] == [
        {"label": 0, "positives": 3, "share": 0.6},
        {"label": 1, "positives": 2, "share": 0.4},
    ]
    forms = [
        y.astype(bool),
        sp.csr_matrix(y),
        sp.csc_array(y),
        lists,
        tuple(tuple(r) for r in lists),
        pa.array(lists),
        pa.chunked_array([pa.array(lists[:2]), pa.array(lists[2:])]),
        pl.Series(lists),
        pd.Series(lists),
        pd.Series(lists, dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
        pd.DataFrame(y),
    ]
    for form in forms:
        assert fastbal.report(form, top=2, min_count=3).to_dict() == want, type(form)


def test_single_label_columns_stay_single_label():
    import pandas as pd

    for x in ([], [None, None], ["a", "b"], np.array([1, 2]), pd.Series([np.nan, "a"])):
        assert isinstance(fastbal.report(x), fastbal.LabelReport)
    # the first value that is not missing decides: a list makes label sets
    r = fastbal.report(pd.Series([np.nan, None, ["a"], ["a", "b"]]))
    assert isinstance(r, fastbal.MultilabelReport)
    assert (r.rows, r.counts.null_rows, r.counts.to_dict()) == (4, 2, {"a": 2, "b": 1})


def test_label_sets_report_refuses_what_it_cannot_report():
    with pytest.raises(fastbal.FastbalError, match=r"texts= .* needs one label per row"):
        fastbal.report(TAGS, texts=["t"] * 6)
    single = fastbal.stratified_split(["a", "b"] * 5, 0.2, 0.2)
    with pytest.raises(fastbal.FastbalError, match="Split of a single-label column"):
        fastbal.report(TAGS, splits=single)
    # a column vector of labels is a matrix of one label, not 0/1: say how to pass it
    with pytest.raises(fastbal.InvalidInputError, match=r"y\.ravel\(\)"):
        fastbal.report(np.array([[3], [1], [3]]))
    with pytest.raises(fastbal.FastbalError, match="top"):
        fastbal.report(TAGS, top=-1)
    with pytest.raises(fastbal.FastbalError, match="splits must map"):
        fastbal.report(TAGS, splits={"training": TAGS})


def test_label_sets_split_checks_from_a_split_and_from_columns():
    y = [["a", "b"], ["a"], ["b"], ["a", "c"], ["c"], [], ["a"], ["b", "c"], ["a"], ["b"]]
    split = fastbal.multilabel_split(y, test_size=0.3, val_size=0.3, seed=0)
    s = fastbal.report(y, splits=split).to_dict()["splits"]
    assert s["rows_per_split"] == {"train": 4, "valid": 3, "test": 3}
    assert s["labels_per_split"] == {"train": 3, "valid": 3, "test": 3}
    assert s["missing_from_valid"] == s["missing_from_test"] == []
    # the same split as three columns of label sets
    parts = tuple([y[i] for i in idx] for idx in split)
    assert fastbal.report(y, splits=parts).to_dict()["splits"] == s
    # by hand: train {a}, {a, b}; test {c}, {c}: c missing from train, a and b from test;
    # label c is in 0% of train's rows and 100% of test's
    s = fastbal.report(y, splits={"train": [["a"], ["a", "b"]], "test": [["c"], ["c"]]})
    d = s.to_dict()["splits"]
    assert d["rows_per_split"] == {"train": 2, "valid": 0, "test": 2}
    assert d["missing_from_train"] == ["c"]
    assert d["missing_from_test"] == ["a", "b"]
    assert d["max_share_difference"] == {"label": "a", "split": "test", "difference": 1.0}
    md = s.to_markdown()
    assert "| labels | 2 | 0 | 1 |" in md
    assert "- labels missing from test: 2 (a, b)" in md


def test_label_sets_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "labels.png"
    assert fastbal.report(TAGS, min_count=2).plot(str(out), dpi=50) == str(out)
    assert png_size(out) == (400, 225)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.none() | st.lists(st.integers(0, 6), max_size=4, unique=True), max_size=40),
    threshold=st.integers(1, 8),
)
def test_label_sets_report_against_counter(rows, threshold):
    from collections import Counter

    # no label list at all (empty, or all None) is a single-label column
    assume(any(r is not None for r in rows))
    d = fastbal.report(rows, top=3, min_count=threshold, thresholds=(threshold,)).to_dict()
    sets = [r for r in rows if r is not None]
    counts = Counter(v for r in sets for v in r)
    assert (d["rows"], d["null_rows"]) == (len(rows), len(rows) - len(sets))
    assert d["empty_rows"] == sum(not r for r in sets)
    assert d["positives"] == sum(counts.values())
    assert d["distinct_sets"] == len({frozenset(r) for r in sets})
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [(h["label"], h["positives"]) for h in d["head"]] == ranked[:3]
    assert d["labels_under_min_count"] == [v for v, n in ranked if n < threshold]
    (w,) = d["what_if"]
    assert w["positives_removed"] == sum(n for n in counts.values() if n < threshold)
    assert w["rows_emptied"] == sum(1 for r in sets if r and all(counts[v] < threshold for v in r))
    pairs = Counter((a, b) for r in sets for a in r for b in r if a < b)
    top = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(tuple(p["labels"]), p["rows"]) for p in d["pairs"]] == top
