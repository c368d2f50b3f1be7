"""The command line end to end: report and split on every file format, errors
with their exit codes, streaming in several batches, no output after a failure."""

from __future__ import annotations

import json
import subprocess
import sys

import fastbal
import numpy as np
import polars as pl
import pytest
from fastbal.cli import main
from fastbal.datasets import seed_shaped, seed_shaped_texts

WRITERS = {
    "parquet": lambda df, p: df.write_parquet(p),
    "csv": lambda df, p: df.write_csv(p),
    "ndjson": lambda df, p: df.write_ndjson(p),
    "arrow": lambda df, p: df.write_ipc(p),
}
READERS = {
    "parquet": pl.read_parquet,
    "csv": pl.read_csv,
    "ndjson": pl.read_ndjson,
    "arrow": pl.read_ipc,
}


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    y = seed_shaped()[:30_000]
    return pl.DataFrame({"acct_code": y, "text": seed_shaped_texts(y), "row": np.arange(len(y))})


def write(frame: pl.DataFrame, tmp_path, ext: str):
    path = tmp_path / f"data.{ext}"
    WRITERS[ext](frame, path)
    return path


@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_report_json_equals_the_in_memory_report(frame, tmp_path, capsys, ext):
    path = write(frame, tmp_path, ext)
    # 7,000 rows a batch: five batches, merged
    code = main(
        [
            "report",
            str(path),
            "--label",
            "acct_code",
            "--text",
            "text",
            "--format",
            "json",
            "--batch-rows",
            "7000",
        ]
    )
    assert code == 0
    got = json.loads(capsys.readouterr().out)
    want = fastbal.report(frame["acct_code"], texts=frame["text"]).to_dict()
    assert got == json.loads(json.dumps(want))


def test_report_text_lengths_with_a_batch_without_labels(tmp_path, capsys):
    path = tmp_path / "gaps.parquet"
    pl.DataFrame(
        {"y": ["a", "b", None, None, "a"], "t": ["x", "yy", "z", "w", "vvv"]}
    ).write_parquet(path)
    argv = ["report", str(path), "--label", "y", "--text", "t", "--format", "json"]
    assert main([*argv, "--batch-rows", "2"]) == 0  # the second batch has no label
    got = json.loads(capsys.readouterr().out)["text_length"]["classes"]
    assert [(c["class"], c["rows"], c["min"], c["max"]) for c in got] == [
        ("a", 2, 1, 3),
        ("b", 1, 2, 2),
    ]


def test_report_markdown_and_plot(frame, tmp_path, capsys):
    path = write(frame, tmp_path, "parquet")
    png = tmp_path / "ranks.png"
    assert (
        main(["report", str(path), "--label", "acct_code", "--min-count", "10", "--plot", str(png)])
        == 0
    )
    out = capsys.readouterr()
    assert out.out.startswith("# Label report\n")
    assert "- classes: " in out.out
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_split_writes_three_files_and_the_report(frame, tmp_path, ext):
    path = write(frame, tmp_path, ext)
    out = tmp_path / "out"
    code = main(
        [
            "split",
            str(path),
            "--label",
            "acct_code",
            "--min-count",
            "10",
            "--max-classes",
            "280",
            "--seed",
            "42",
            "--out",
            str(out),
            "--batch-rows",
            "6000",
        ]
    )
    assert code == 0
    parts = {name: READERS[ext](out / f"{name}.{ext}") for name in ("train", "valid", "test")}
    # the same rows as the library's pipeline, every column carried along
    prepared = fastbal.prepare_split(
        frame["acct_code"], test_size=0.2, val_size=0.1, seed=42, max_classes=280, min_count=10
    )
    for code_, name in enumerate(("train", "valid", "test")):
        rows = np.flatnonzero(prepared.assignment == code_)
        assert parts[name]["row"].to_list() == rows.tolist()
        assert parts[name].columns == frame.columns
    train_classes = set(parts["train"]["acct_code"].to_list())
    assert set(parts["valid"]["acct_code"].to_list()) <= train_classes
    assert set(parts["test"]["acct_code"].to_list()) <= train_classes
    report = json.loads((out / "report.json").read_text())
    assert report["splits"]["missing_from_train"] == []
    assert (out / "report.md").read_text().startswith("top_k(280)")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"train.{ext}", f"valid.{ext}", f"test.{ext}", "report.md", "report.json"]
    )


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastbal", *args], capture_output=True, text=True, check=False
    )


def test_missing_file_is_a_data_error(tmp_path):
    r = run("report", str(tmp_path / "nope.parquet"), "--label", "y")
    assert r.returncode == 1
    assert r.stderr.strip() == f"fastbal: error: {tmp_path / 'nope.parquet'}: no such file"


def test_missing_column_lists_the_columns(frame, tmp_path):
    path = write(frame, tmp_path, "csv")
    r = run("report", str(path), "--label", "label")
    assert r.returncode == 1
    assert r.stderr.strip().endswith("no column 'label'; the columns are: acct_code, text, row")


def test_unreadable_format(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("not a table")
    r = run("report", str(path), "--label", "y")
    assert r.returncode == 1
    assert "unreadable format '.xlsx'" in r.stderr


def test_all_null_label_column(tmp_path):
    path = tmp_path / "nulls.parquet"
    pl.DataFrame({"y": pl.Series([None, None], dtype=pl.Int32)}).write_parquet(path)
    for cmd in ("report", "split"):
        extra = ["--out", str(tmp_path / "out")] if cmd == "split" else []
        r = run(cmd, str(path), "--label", "y", *extra)
        assert r.returncode == 1
        assert "has no non-null value" in r.stderr
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


def test_usage_errors_exit_2():
    assert run("report").returncode == 2
    assert run("split", "x.parquet", "--label", "y").returncode == 2  # --out missing
    assert run("nonsense").returncode == 2
    r = run("--help")
    assert r.returncode == 0
    assert "report" in r.stdout
    assert "split" in r.stdout


def test_a_failed_split_leaves_no_file_behind(frame, tmp_path):
    path = write(frame, tmp_path, "parquet")
    out = tmp_path / "out"
    # rare="error" refuses classes too small for three splits, after the label pass
    r = run("split", str(path), "--label", "acct_code", "--rare", "error", "--out", str(out))
    assert r.returncode == 1
    assert "too few to appear in every split" in r.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_a_failure_while_writing_removes_the_partial_files(frame, tmp_path, monkeypatch, capsys):
    import fastbal.cli._io

    path = write(frame, tmp_path, "parquet")
    out = tmp_path / "out"

    def fail(self, name, text):
        raise OSError("disk full")

    # the split files are written, then writing the report fails
    monkeypatch.setattr(fastbal.cli._io.SplitWriter, "write_text", fail)
    code = main(
        ["split", str(path), "--label", "acct_code", "--out", str(out), "--batch-rows", "5000"]
    )
    assert code == 1
    assert "disk full" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_python_dash_m_and_demo(tmp_path):
    png = tmp_path / "demo.png"
    r = run("demo", "--plot", str(png))
    assert r.returncode == 0
    assert "imbalance ratio (largest / smallest): 44,098 : 1" in r.stdout
    assert f"Rank-frequency chart: {png}" in r.stdout
    assert png.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--top", "-1"], "--top must be at least 0; got -1"),
        (["--batch-rows", "-5"], "--batch-rows must be at least 1; got -5"),
        (["--batch-rows", "0"], "--batch-rows must be at least 1; got 0"),
        (["--min-count", "x"], "--min-count must be an int; got 'x'"),
    ],
)
def test_bad_numbers_are_usage_errors(frame, tmp_path, capsys, args, message):
    path = write(frame, tmp_path, "parquet")
    with pytest.raises(SystemExit) as e:
        main(["report", str(path), "--label", "acct_code", *args])
    assert e.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("filters", [["--max-classes", "0"], ["--min-count", "1000000"]])
def test_a_split_with_no_row_left_is_a_data_error_and_writes_nothing(
    frame, tmp_path, capsys, filters
):
    path = write(frame, tmp_path, "parquet")
    out = tmp_path / "out"
    code = main(["split", str(path), "--label", "acct_code", "--out", str(out), *filters])
    assert code == 1
    assert "no row is left to split after the filters" in capsys.readouterr().err
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("ext", ["ndjson", "parquet"])
def test_an_all_null_label_column_of_null_type(tmp_path, capsys, ext):
    path = tmp_path / f"nulls.{ext}"
    WRITERS[ext](pl.DataFrame({"y": [None, None, None], "x": [1, 2, 3]}), path)
    assert main(["report", str(path), "--label", "y"]) == 1
    assert "has no non-null value" in capsys.readouterr().err


def test_a_label_column_of_an_unreadable_type_is_a_data_error(tmp_path, capsys):
    path = tmp_path / "floats.parquet"
    pl.DataFrame({"y": [1.5, 2.0]}).write_parquet(path)
    assert main(["report", str(path), "--label", "y"]) == 1
    err = capsys.readouterr().err
    assert "the label column 'y'" in err
    assert "row 0 holds the float 1.5, which is not an integer" in err


def test_a_bug_is_not_reported_as_a_data_error(frame, tmp_path, monkeypatch):
    path = write(frame, tmp_path, "parquet")

    def broken(*args, **kwargs):
        raise TypeError("a bug")

    monkeypatch.setattr(fastbal.LabelReport, "to_markdown", broken)
    with pytest.raises(TypeError, match="a bug"):
        main(["report", str(path), "--label", "acct_code"])


@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_report_duplicates_section_by_hand(tmp_path, capsys, ext):
    # rent: a, a, b (one conflict, ceiling 2 of 3); fuel: c, c; a null text is no duplicate
    df = pl.DataFrame(
        {
            "y": ["a", "a", "b", "c", "c", "d", "a"],
            "t": ["rent", "rent", "rent", "fuel", "fuel", None, "x"],
        }
    )
    path = write(df, tmp_path, ext)
    assert main(["report", str(path), "--label", "y", "--text", "t", "--batch-rows", "2"]) == 0
    md = capsys.readouterr().out
    assert md[md.index("## Duplicates") :] == (
        "## Duplicates and conflicting labels\n\n"
        "- repeated texts: 2 (5 rows, 71.43% of 7)\n"
        "- texts with conflicting labels: 1 (3 rows); accuracy ceiling 83.33%\n\n"
        "| text | rows | labels |\n"
        "|---|---:|---|\n"
        "| rent | 3 | a: 2, b: 1 |\n"
        "| fuel | 2 | c: 2 |\n"
    )


@pytest.fixture(scope="module")
def lines() -> pl.DataFrame:
    """3,000 rows of 700 texts: each text's label is its own, one row in 25
    gets another; 30 rows have no text."""
    rng = np.random.default_rng(5)
    which = rng.integers(0, 700, 3000)
    y = which % 7
    flip = rng.random(3000) < 0.04
    y = np.where(flip, rng.integers(0, 7, 3000), y)
    texts = [f"ledger line {w}" for w in which.tolist()]
    for i in rng.choice(3000, 30, replace=False).tolist():
        texts[i] = None
    return pl.DataFrame({"y": [f"c{v}" for v in y.tolist()], "t": texts, "row": np.arange(3000)})


def split_files(out, ext: str) -> dict[str, pl.DataFrame]:
    return {name: READERS[ext](out / f"{name}.{ext}") for name in fastbal.SPLIT_NAMES}


@pytest.mark.parametrize("rule", ["first", "consistent"])
@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_split_dedupe_drops_the_rows_of_the_keep_mask(lines, tmp_path, capsys, ext, rule):
    path = write(lines, tmp_path, ext)
    out = tmp_path / "out"
    argv = ["split", str(path), "--label", "y", "--text", "t", "--dedupe", rule]
    assert main([*argv, "--out", str(out), "--batch-rows", "700"]) == 0
    keep = fastbal.duplicates(lines["t"], lines["y"]).keep_mask(rule)
    parts = split_files(out, ext)
    written = pl.concat(parts.values())
    assert sorted(written["row"].to_list()) == np.flatnonzero(keep).tolist()
    # the same rows as the library's split of the kept rows
    kept = lines.filter(pl.Series(keep))
    want = fastbal.prepare_split(kept["y"], seed=42)
    for code, name in enumerate(fastbal.SPLIT_NAMES):
        assert (
            parts[name]["row"].to_list() == kept["row"].to_numpy()[want.assignment == code].tolist()
        )
    texts = written["t"].drop_nulls()
    if rule == "first":
        assert texts.n_unique() == len(texts)
    else:
        per_text = written.drop_nulls("t").group_by("t").agg(pl.col("y").n_unique())
        assert per_text["y"].max() == 1
    removed = 3000 - int(keep.sum())
    line = f"dedupe({rule}): kept {int(keep.sum()):,} of 3,000 rows; removed {removed:,} rows"
    assert line in capsys.readouterr().err
    assert (out / "report.md").read_text().startswith(line)
    dups = json.loads((out / "report.json").read_text())["duplicates"]
    assert dups["rows"] == int(keep.sum())
    if rule == "first":
        assert dups["duplicate_rows"] == 0
    assert dups["conflicting_rows"] == 0


@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_split_group_on_the_text_keeps_duplicate_texts_in_one_split(lines, tmp_path, ext):
    # null texts are null groups, which a group split refuses: give them their own values
    df = lines.with_columns(pl.col("t").fill_null(pl.format("no text {}", pl.col("row"))))
    path = write(df, tmp_path, ext)
    out = tmp_path / "out"
    argv = ["split", str(path), "--label", "y", "--text", "t", "--group", "t"]
    assert main([*argv, "--out", str(out), "--batch-rows", "700"]) == 0
    parts = split_files(out, ext)
    seen = [set(parts[name]["t"].to_list()) for name in fastbal.SPLIT_NAMES]
    assert not seen[0] & seen[1]
    assert not seen[0] & seen[2]
    assert not seen[1] & seen[2]
    want = fastbal.stratified_group_split(df["y"], df["t"], test_size=0.2, val_size=0.1, seed=42)
    for code, name in enumerate(fastbal.SPLIT_NAMES):
        assert parts[name]["row"].to_list() == np.flatnonzero(want.assignment == code).tolist()
    report = json.loads((out / "report.json").read_text())
    assert report["duplicates"]["leaked_rows"] == 0
    assert report["splits"]["rows_per_split"]["train"] == len(parts["train"])
    groups = df["t"].n_unique()  # the distinct texts, and one group per row without a text
    assert (out / "report.md").read_text().startswith(f"group split: 3,000 rows in {groups} groups")


@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_split_ids_follow_the_rows_not_the_file_order(lines, tmp_path, ext):
    reversed_ = lines.reverse()
    got = {}
    for name, df in (("fwd", lines), ("rev", reversed_)):
        path = write(df, tmp_path, f"{ext}")
        out = tmp_path / name
        argv = ["split", str(path), "--label", "y", "--ids", "row", "--min-count", "2"]
        assert main([*argv, "--out", str(out), "--batch-rows", "700"]) == 0
        got[name] = {n: sorted(f["row"].to_list()) for n, f in split_files(out, ext).items()}
    assert got["fwd"] == got["rev"]
    want = fastbal.stratified_split(lines["y"], seed=42, ids=lines["row"])
    assert got["fwd"]["test"] == want.test.tolist()
    assert got["fwd"]["valid"] == want.valid.tolist()


@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_split_kfold_writes_the_input_once_with_a_fold_column(lines, tmp_path, capsys, ext):
    path = write(lines, tmp_path, ext)
    out = tmp_path / "out"
    argv = ["split", str(path), "--label", "y", "--text", "t", "--kfold", "4", "--ids", "row"]
    assert main([*argv, "--out", str(out), "--batch-rows", "700"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"folds.{ext}", "report.md", "report.json"]
    )
    folds = READERS[ext](out / f"folds.{ext}")
    assert folds.columns == [*lines.columns, "fold"]
    assert folds["row"].to_list() == list(range(3000))
    assert folds.drop("fold").equals(lines)
    want = fastbal.stratified_kfold(lines["y"], k=4, seed=42, ids=lines["row"])
    assert folds["fold"].to_list() == want.folds.tolist()
    assert sorted(set(folds["fold"].to_list())) == [0, 1, 2, 3]
    err = capsys.readouterr().err
    assert f"4-fold: fold sizes {want.plan.sum(axis=0).tolist()}" in err
    report = json.loads((out / "report.json").read_text())
    assert report["rows"] == 3000
    assert report["duplicates"]["leaked_rows"] is None


@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_split_kfold_with_groups_keeps_each_group_in_one_fold(lines, tmp_path, ext):
    df = lines.with_columns(pl.col("t").fill_null("no text"))
    path = write(df, tmp_path, ext)
    out = tmp_path / "out"
    argv = ["split", str(path), "--label", "y", "--group", "t", "--kfold", "3", "--dedupe"]
    assert main([*argv[:-1], "--out", str(out)]) == 0
    folds = READERS[ext](out / f"folds.{ext}")
    assert folds.group_by("t").agg(pl.col("fold").n_unique())["fold"].max() == 1
    want = fastbal.stratified_group_kfold(df["y"], df["t"], k=3, seed=42)
    assert folds["fold"].to_list() == want.folds.tolist()


def test_split_option_usage_errors(lines, tmp_path, capsys):
    path = write(lines, tmp_path, "parquet")
    out = tmp_path / "out"
    base = ["split", str(path), "--label", "y", "--out", str(out)]
    for extra, message in [
        (["--dedupe", "first"], "--dedupe needs --text COL"),
        (["--group", "t", "--ids", "row"], "--ids does not apply with --group"),
        (["--text", "t", "--dedupe", "last"], "invalid choice: 'last'"),
        (["--kfold", "1"], "--kfold must be at least 2"),
    ]:
        with pytest.raises(SystemExit) as e:
            main([*base, *extra])
        assert e.value.code == 2
        assert message in capsys.readouterr().err
    assert not out.exists()


def test_split_kfold_refuses_a_fold_column_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "f.csv"
    pl.DataFrame({"y": ["a", "b"] * 10, "fold": [1] * 20}).write_csv(path)
    out = tmp_path / "out"
    assert main(["split", str(path), "--label", "y", "--kfold", "2", "--out", str(out)]) == 1
    assert "has a column 'fold' already" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_split_ids_must_be_unique(lines, tmp_path, capsys):
    path = write(lines.with_columns(pl.lit(1).alias("row")), tmp_path, "parquet")
    out = tmp_path / "out"
    assert main(["split", str(path), "--label", "y", "--ids", "row", "--out", str(out)]) == 1
    assert "fastbal: error:" in capsys.readouterr().err
    assert not out.exists() or list(out.iterdir()) == []


def test_split_help_describes_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["split", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option, words in [
        ("--dedupe", "'first' keeps the first row of each text"),
        ("--group", "keeps duplicate texts together"),
        ("--ids", "not its position"),
        ("--kfold", "with a 'fold' column"),
        ("--text", "needed by --dedupe"),
        ("--test-size", "the test share of the labeled rows"),
    ]:
        assert option in text
        assert words in text
