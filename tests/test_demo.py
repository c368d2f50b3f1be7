"""`fastbal demo`: the seed-shaped dataset and the figures the command prints, exactly."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import fastbal
import numpy as np
import pytest
from fastbal import cli
from fastbal.datasets import LINES_PER_CLASS, seed_shaped, seed_shaped_lines

ROWS = 298_821
CLASSES = 224
HEAD = [(197, 44_098), (177, 35_707), (62, 21_683), (178, 18_958), (79, 16_768)]
SINGLETONS = {138, 119, 127, 46, 223, 44, 2, 38, 85, 221}


def test_dataset_shape() -> None:
    y = seed_shaped()
    assert y.dtype == np.int32
    assert y.shape == (ROWS,)
    counts = Counter(y.tolist())
    assert len(counts) == CLASSES
    assert set(counts) == set(range(CLASSES))
    assert counts.most_common(5) == HEAD
    assert {c for c, n in counts.items() if n == 1} == SINGLETONS
    # the sixth class is well below the fifth: the head is exactly these five
    assert counts.most_common(6)[5][1] < 16_768


def test_dataset_is_deterministic() -> None:
    assert np.array_equal(seed_shaped(), seed_shaped())
    other = seed_shaped(seed=7)
    # another seed shuffles the rows, never the counts
    assert not np.array_equal(seed_shaped(), other)
    assert Counter(other.tolist()) == Counter(seed_shaped().tolist())


def test_figures_from_fastbal() -> None:
    vc = fastbal.value_counts(seed_shaped())
    assert (vc.total, len(vc), vc.null_count) == (ROWS, CLASSES, 0)
    assert list(vc)[:5] == HEAD
    # imbalance ratio: largest over smallest class
    assert (int(vc.counts[0]), int(vc.counts[-1])) == (44_098, 1)
    # top-5 share: 137,214 of 298,821 rows
    top5 = int(vc.counts[:5].sum())
    assert top5 == 44_098 + 35_707 + 21_683 + 18_958 + 16_768 == 137_214
    assert f"{100 * top5 / ROWS:.2f}%" == "45.92%"
    # the one-sample classes close the list, in class order
    assert [c for c, _ in list(vc)[-10:]] == sorted(SINGLETONS)
    assert set(vc.counts[-10:].tolist()) == {1}
    assert int(vc.counts[-11]) == 2


def check_report(out: str) -> None:
    """The demo's output states every figure of the dataset."""
    assert re.search(r"rows:\s+298,821\b", out)
    assert re.search(r"classes:\s+224\b", out)
    assert re.search(r"imbalance ratio\b.*\b44,098(\.0)? : 1\b", out)
    assert re.search(r"top-5 share:\s+45\.92%", out)
    # each head class on one line with its count
    for label, n in HEAD:
        assert re.search(rf"(?m)^.*\b{label}\b.*\b{n:,}\b.*$", out), (label, n)
    # one line lists exactly the one-sample classes
    listed = [
        {int(v) for v in re.findall(r"\d+", line.split(":", 1)[1])}
        for line in out.splitlines()
        if "one-" in line and ":" in line
    ]
    assert SINGLETONS in listed


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """What `python -m fastbal demo` prints (its chart goes to a temporary directory)."""
    chart = tmp_path_factory.mktemp("demo") / "chart.png"
    run = subprocess.run(
        [sys.executable, "-m", "fastbal", "demo", "--plot", str(chart)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_demo_as_a_module(demo_output: str) -> None:
    check_report(demo_output)


def test_demo_prints_the_ratio_as_an_integer(demo_output: str) -> None:
    assert re.search(r"imbalance ratio\b.*\b44,098 : 1\b", demo_output)


def test_demo_from_main(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    assert cli.main(["demo", "--plot", str(chart)]) == 0
    captured = capsys.readouterr()
    check_report(captured.out)
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_cli_needs_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([])
    assert exit_info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"fastbal {fastbal.__version__}"


def test_ledger_lines_repeat_and_conflict_as_documented() -> None:
    pd = pytest.importorskip("pandas")
    y = seed_shaped()
    lines = seed_shaped_lines(y)
    assert lines == seed_shaped_lines(y)
    df = pd.DataFrame({"t": lines, "y": y})
    counts = df["t"].value_counts()
    # a line with a reference number is seen once; a line seen more than once has none
    assert (counts[[" ref " in t for t in counts.index]] == 1).all()
    recurring = counts.index[counts > 1]
    assert not any(" ref " in t for t in recurring)
    assert len(recurring) <= 224 * LINES_PER_CLASS
    # a conflict is a line of one class coded as its look-alike: two labels at most
    labels_per_line = df.groupby("t")["y"].nunique()
    assert labels_per_line.max() == 2
    # about 40% of the rows carry a recurring line of their class, 2% their look-alike's
    assert 0.41 < counts[recurring].sum() / len(y) < 0.43


def test_demo_shows_the_duplicates_section(demo_output: str) -> None:
    pd = pytest.importorskip("pandas")
    y = seed_shaped()
    df = pd.DataFrame({"t": seed_shaped_lines(y), "y": y})
    counts = df["t"].value_counts()
    repeated = counts[counts > 1]
    per_line = df.groupby("t")["y"].nunique()
    conflicting = per_line.index[per_line > 1]
    majority = df.groupby(["t", "y"]).size().groupby(level=0).max().sum()
    section = demo_output[demo_output.index("## Duplicates and conflicting labels") :]
    assert f"- repeated texts: {len(repeated):,} ({repeated.sum():,} rows, " in section
    assert (
        f"- texts with conflicting labels: {len(conflicting):,} "
        f"({df['t'].isin(conflicting).sum():,} rows); "
        f"accuracy ceiling {majority / len(y):.2%}"
    ) in section
    # the split leaks lines from train into valid/test; keeping each line in one split does not
    assert re.search(r"valid/test rows whose text is in train: [1-9][\d,]* \(", section)
    assert "`fastbal split --group TEXT`): 0 such rows" in section
