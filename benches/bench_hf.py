"""A HuggingFace Dataset split 70/10/20 by label, end to end: fastbal.hf.split
against `class_encode_column` + `train_test_split(stratify_by_column=)` twice.

The dataset has the shape of the account-code data: an int64 `acct_code`
column with the 224 seed-shaped classes (every class raised to at least 10
rows, as after the team's `min_samples_per_class: 10`, since the peer raises
on classes too small for its two calls) and a `text` column, at 100k and 1M
rows. Each tool starts from the same in-memory `Dataset` and ends with three
Datasets (train, validation, test):

- `fastbal.hf.split(ds, "acct_code", test_size=0.2, val_size=0.1, seed=42)`;
- the same on `ds.shuffle(seed=0)`, whose rows sit behind an indices mapping;
- the peer: `ds.class_encode_column("acct_code")`, then
  `train_test_split(test_size=0.2, stratify_by_column="acct_code")` and the
  same on its train part with 0.125 (valid 10% of the whole), as the
  datasets documentation does it.

Every tool runs in a fresh process, one call after the dataset is built
(plus repeats when a call is fast); the peer is stopped after the time
limit (`--limit`, default 180 s) and the table says so. Peak memory is the
call's peak RSS above the RSS before it. Target: fastbal at least 50x faster
than the peer end to end.

Run from the repository root: `python3 benches/bench_hf.py` (or `--quick`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import _harness as h
import numpy as np

M = 1_000_000
TEST, VALID, SEED = 0.2, 0.1, 42
VALID_OF_REST = VALID / (1 - TEST)
MIN_ROWS = 10

TOOLS = [
    h.Row("fastbal", "fastbal.hf.split", "Dataset, int64 labels + text"),
    h.Row("fastbal_shuffled", "fastbal.hf.split on ds.shuffle()", "indices-mapped Dataset"),
    h.Row(
        "peer",
        "class_encode_column + train_test_split(stratify_by_column) x2",
        "Dataset, int64 labels + text",
    ),
]


def labels(n: int, seed: int = 0) -> np.ndarray:
    """Seed-shaped int64 labels at `n` rows with every class at least MIN_ROWS
    rows (the rows this adds are taken from the largest class), shuffled."""
    counts = h.seed_counts(n).astype(np.int64)
    raised = np.maximum(counts, MIN_ROWS)
    raised[np.argmax(raised)] -= int(raised.sum() - n)
    y = np.repeat(np.arange(h.N_CLASSES, dtype=np.int64), raised)
    np.random.default_rng(seed).shuffle(y)
    return y


def dataset(n: int) -> Any:
    import datasets
    from datasets.utils.logging import disable_progress_bar
    from fastbal.datasets import seed_shaped_texts

    disable_progress_bar()
    y = labels(n)
    return datasets.Dataset.from_dict({"text": seed_shaped_texts(y), "acct_code": y})


def make_case(tool: str, n: int) -> Callable[[], Any]:
    """For a child process: build the dataset, return the call to time."""
    import warnings

    warnings.simplefilter("ignore")
    ds = dataset(n)
    if tool in ("fastbal", "fastbal_shuffled"):
        import fastbal.hf

        if tool == "fastbal_shuffled":
            ds = ds.shuffle(seed=0)

        def run_fastbal() -> Any:
            parts = fastbal.hf.split(ds, "acct_code", test_size=TEST, val_size=VALID, seed=SEED)
            return parts["train"], parts["validation"], parts["test"]

        return run_fastbal
    if tool == "peer":

        def run_peer() -> Any:
            enc = ds.class_encode_column("acct_code")
            a = enc.train_test_split(test_size=TEST, stratify_by_column="acct_code", seed=SEED)
            b = a["train"].train_test_split(
                test_size=VALID_OF_REST, stratify_by_column="acct_code", seed=SEED
            )
            return b["train"], b["test"], a["test"]

        return run_peer
    raise ValueError(tool)


def sizes_of(out: Any) -> str:
    return " / ".join(f"{part.num_rows:,}" for part in out)


def main() -> None:
    p = h.parser(__doc__.split("\n\n")[0], [100_000, M], [20_000, 100_000])
    args = h.finish_args(p.parse_args())
    report = h.Report(
        "hf",
        "HuggingFace Dataset, stratified 70/10/20 split end to end: fastbal.hf vs datasets",
        args,
        ["fastbal", "datasets", "pyarrow", "numpy"],
    )
    if importlib.util.find_spec("datasets") is None:
        raise SystemExit("this benchmark needs datasets: pip install datasets")
    rows: list[list[str]] = []
    summary: list[list[str]] = []
    for n in args.sizes:
        h.progress(f"hf split {h.fmt_size(n)}")
        repeats = h.repeats_for(n, args)
        res: dict[str, h.Timing | str] = {}
        mem: dict[str, h.ChildResult] = {}
        for row in TOOLS:
            h.progress(f"  {row.key} (child process)")
            limit = args.limit if row.key == "peer" else None
            r = h.run_child(make_case, row.key, n, limit=limit, repeats=repeats, describe=sizes_of)
            if r.timed_out and r.first_seconds is None:
                res[row.key] = f"> {h.fmt_s(args.limit)} s (stopped)"
            elif r.error:
                res[row.key] = r.error
            else:
                res[row.key] = h.Timing(r.seconds, max(len(r.times), 1), output=r.about)
                mem[row.key] = r
        fb = h.seconds_of(res, "fastbal")
        for row in TOOLS:
            t = res[row.key]
            m = mem.get(row.key)
            secs = h.seconds_of(res, row.key)
            rows.append(
                [
                    h.fmt_size(n),
                    row.label,
                    h.cell(t),
                    "1x" if row.key == "fastbal" else h.fmt_ratio(secs, fb),
                    h.fmt_mib(m.peak_extra if m else None),
                    t.output if isinstance(t, h.Timing) and t.output else "—",
                ]
            )
        peer = h.seconds_of(res, "peer")
        if peer is not None:
            ratio = h.fmt_ratio(peer, fb)
        elif isinstance(res["peer"], str) and "stopped" in res["peer"] and fb:
            ratio = "> " + h.fmt_ratio(args.limit, fb)
        else:
            ratio = "—"
        summary.append([h.fmt_size(n), h.fmt_ms(fb), h.cell(res["peer"]), ratio])

    report.add(
        "time and peak memory per call",
        h.markdown_table(
            ["rows", "tool", "median ms", "x fastbal's time", "peak MiB", "train / valid / test"],
            rows,
            "llrrrr",
        ),
        [
            "tools: " + "; ".join(f"{r.label}: {r.given}" for r in TOOLS) + ".",
            "each tool in a fresh process: the dataset is built first, then one call "
            f"(plus {h.repeats_for(args.sizes[-1], args)} repeats, median, when the first "
            f"call took under {h.SLOW_SECONDS:.0f} s); the peer is stopped after "
            f"{h.fmt_s(args.limit)} s.",
            "peak memory: peak RSS of the call minus RSS just before it.",
            f"labels: seed-shaped, every class raised to {MIN_ROWS} rows (the peer raises on "
            "classes too small for its two calls); the peer's class_encode_column names "
            "the classes in string order ('10' before '2').",
        ],
    )
    report.add(
        "ratio (target: the peer / fastbal >= 50x)",
        h.markdown_table(
            ["rows", "fastbal.hf.split ms", "peer ms", "peer / fastbal"], summary, "lrrr"
        ),
    )
    report.write()


if __name__ == "__main__":
    main()
