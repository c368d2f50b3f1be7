"""A stratified 70/10/20 train/valid/test split: fastbal against scikit-learn,
HuggingFace datasets, polars-ds and a careful numpy baseline.

`fastbal.stratified_split(y, 0.2, 0.1, seed=42)` on seed-shaped int32 labels at
1M, 10M and 100M rows, against

- scikit-learn `train_test_split` twice (test 20%, then valid 12.5% of the
  rest), with `stratify=`, on an index array;
- scikit-learn `StratifiedShuffleSplit` twice, the same way;
- HuggingFace datasets `Dataset.train_test_split(stratify_by_column=)` twice,
  on a one-column dataset whose label is a ClassLabel; it runs in a child
  process so that it can be stopped after the time limit (180 s);
- polars-ds `split_by_ratio({"train": .7, "valid": .1, "test": .2}, by=label)`;
- numpy: a seeded permutation, a stable argsort (numpy's radix sort: labels
  as uint8) of the permuted labels, then per-class cuts at the rounded
  proportional sizes, giving the same outputs as fastbal (an int8 code per
  row and sorted index arrays).

In-process tools are timed round-robin per size; a peer is skipped at a size
where, extrapolated from the smaller size, one call would take longer than
the limit. Peak memory of one call is measured in a fresh process per tool
and size. Targets at 10M: at least 100x faster than scikit-learn and 5x
faster than the numpy baseline; fastbal's memory beyond input and outputs at
most 16 bytes per row.

Run from the repository root: `python3 benches/bench_split.py` (or `--quick`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Hashable
from typing import Any

import _harness as h
import fastbal
import numpy as np

M = 1_000_000
TEST, VALID, SEED = 0.2, 0.1, 42
#: valid as a share of what is left after test, for the two-call peers
VALID_OF_REST = VALID / (1 - TEST)

TOOLS = [
    h.Row("fastbal", "fastbal.stratified_split", "numpy int32"),
    h.Row("numpy", "numpy: permutation, radix argsort, per-class cuts", "numpy int32"),
    h.Row("sk_tts", "scikit-learn train_test_split x2", "numpy int32 + index array"),
    h.Row("sk_sss", "scikit-learn StratifiedShuffleSplit x2", "numpy int32"),
    h.Row("pds", "polars-ds split_by_ratio(by=label)", "polars DataFrame"),
    h.Row("hf", "datasets train_test_split(stratify_by_column) x2", "Dataset, ClassLabel"),
]
IN_PROCESS = ("fastbal", "numpy", "sk_tts", "sk_sss", "pds")
PACKAGE = {"pds": "polars_ds", "hf": "datasets", "sk_tts": "sklearn", "sk_sss": "sklearn"}
PIP_NAME = {"polars_ds": "polars-ds", "datasets": "datasets", "sklearn": "scikit-learn"}


def numpy_split(
    y: np.ndarray, test: float = TEST, valid: float = VALID, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A careful numpy stratified split of labels 0..C-1: (train, valid, test, code per row).

    Rows are put in a seeded random order, then grouped by label with a
    stable radix argsort, so each class's rows come out in random order;
    each class then gives its first round(test * count) rows to test and the
    next round(valid * count) to valid.
    """
    n = len(y)
    counts = np.bincount(y)
    key = y.astype(np.uint8 if len(counts) <= 256 else np.uint16)  # radix-sortable width
    perm = np.random.default_rng(seed).permutation(n)
    order = perm[np.argsort(key[perm], kind="stable")]
    del perm, key
    n_test = np.rint(counts * test).astype(np.int64).tolist()
    n_valid = np.rint(counts * valid).astype(np.int64).tolist()
    code = np.zeros(n, dtype=np.int8)
    start = 0
    for c, t, v in zip(counts.tolist(), n_test, n_valid, strict=True):
        code[start : start + t] = 2
        code[start + t : start + t + v] = 1
        start += c
    assignment = np.empty(n, dtype=np.int8)
    assignment[order] = code
    del order, code
    return (
        np.flatnonzero(assignment == 0),
        np.flatnonzero(assignment == 1),
        np.flatnonzero(assignment == 2),
        assignment,
    )


def make_split(tool: str, y: np.ndarray) -> Callable[[], Any]:
    """The call timed for `tool`, with its input built here (outside the timer)."""
    n = len(y)
    if tool == "fastbal":
        return lambda: fastbal.stratified_split(y, TEST, VALID, seed=SEED)
    if tool == "numpy":
        return lambda: numpy_split(y)
    if tool == "sk_tts":
        from sklearn.model_selection import train_test_split

        idx = np.arange(n)

        def sk_tts() -> Any:
            rest, test = train_test_split(idx, test_size=TEST, stratify=y, random_state=SEED)
            train, valid = train_test_split(
                rest, test_size=VALID_OF_REST, stratify=y[rest], random_state=SEED
            )
            return train, valid, test

        return sk_tts
    if tool == "sk_sss":
        from sklearn.model_selection import StratifiedShuffleSplit

        x = np.zeros(n, dtype=np.int8)  # only its length is read

        def sk_sss() -> Any:
            first = StratifiedShuffleSplit(1, test_size=TEST, random_state=SEED)
            rest, test = next(first.split(x, y))
            second = StratifiedShuffleSplit(1, test_size=VALID_OF_REST, random_state=SEED)
            train, valid = next(second.split(x[rest], y[rest]))
            return rest[train], rest[valid], test

        return sk_sss
    if tool == "pds":
        import polars as pl
        from polars_ds.sample_and_split import split_by_ratio

        df = pl.DataFrame({"y": y})
        ratios = {"train": 1 - TEST - VALID, "valid": VALID, "test": TEST}
        return lambda: split_by_ratio(df, ratios, by="y", seed=SEED)["__split"]
    if tool == "hf":
        from datasets import ClassLabel, Dataset, Features
        from datasets.utils.logging import disable_progress_bar

        disable_progress_bar()
        features = Features({"label": ClassLabel(num_classes=int(y.max()) + 1)})
        ds = Dataset.from_dict({"label": y}, features=features)

        def hf() -> Any:
            a = ds.train_test_split(test_size=TEST, stratify_by_column="label", seed=SEED)
            b = a["train"].train_test_split(
                test_size=VALID_OF_REST, stratify_by_column="label", seed=SEED
            )
            return b["train"], b["test"], a["test"]

        return hf
    raise ValueError(tool)


def case_split(tool: str, n: int) -> Callable[[], Any]:
    """For a child process: the labels at `n` rows, then `make_split`."""
    import warnings

    warnings.simplefilter("ignore")
    return make_split(tool, h.int_labels(n))


def split_sizes(out: Any) -> str:
    """'train / valid / test' rows of a split, whatever the tool returned."""
    if isinstance(out, fastbal.Split):
        sizes = [len(out.train), len(out.valid), len(out.test)]
    elif isinstance(out, tuple):
        sizes = [len(part) for part in out[:3]]
    elif type(out).__module__.startswith("polars"):
        counts = dict(zip(*out.value_counts().to_dict(as_series=False).values(), strict=True))
        sizes = [counts.get(s, 0) for s in ("train", "valid", "test")]
    else:
        return "?"
    return " / ".join(f"{s:,}" for s in sizes)


def output_bytes_note(tool: str) -> str:
    return {
        "fastbal": "train, valid, test int64 + int8 code per row",
        "numpy": "train, valid, test int64 + int8 code per row",
        "sk_tts": "train, valid, test int64",
        "sk_sss": "train, valid, test int64",
        "pds": "a String split column",
        "hf": "datasets with index mappings",
    }[tool]


def main() -> None:
    p = h.parser(__doc__.split("\n\n")[0], [M, 10 * M, 100 * M], [100_000, M])
    args = h.finish_args(p.parse_args())
    missing = {tool: pkg for tool, pkg in PACKAGE.items() if importlib.util.find_spec(pkg) is None}
    report = h.Report(
        "split",
        "Stratified 70/10/20 split: fastbal vs scikit-learn, datasets, polars-ds, numpy",
        args,
        ["fastbal", "numpy", "polars", "scikit-learn", "datasets", "polars-ds"],
    )
    budget = h.Budget(args.limit)
    rows: list[list[str]] = []
    summary: list[list[str]] = []

    for n in args.sizes:
        h.progress(f"split {h.fmt_size(n)}")
        y = h.int_labels(n)
        repeats = h.repeats_for(n, args)
        res: dict[str, h.Timing | str] = {}
        mem: dict[str, h.ChildResult] = {}
        todo: dict[Hashable, Callable[[], Any]] = {}
        for tool in IN_PROCESS:
            why = None if tool == "fastbal" else budget.skip(tool, n)
            if tool in missing:
                res[tool] = f"not installed (pip install {PIP_NAME[missing[tool]]})"
            elif why:
                res[tool] = why
            else:
                todo[tool] = make_split(tool, y)
        timed = h.time_cases(todo, repeats, describe=lambda _k, out: split_sizes(out))
        del todo
        res.update(timed)
        for tool, t in timed.items():
            budget.record(tool, n, t.seconds)
            if t.seconds is not None:
                h.progress(f"  memory {tool}")
                mem[tool] = h.run_child(case_split, tool, n, limit=args.limit)
                budget.record_memory(tool, n, mem[tool].peak_extra)
        if "hf" in missing:
            res["hf"] = "not installed (pip install datasets)"
        elif "hf" in budget.stopped:  # ran out of time at a smaller size
            res["hf"] = budget.stopped["hf"]
        else:
            h.progress("  datasets (child process)")
            r = h.run_child(
                case_split, "hf", n, limit=args.limit, repeats=repeats, describe=split_sizes
            )
            if r.timed_out and r.first_seconds is None:
                res["hf"] = f"> {h.fmt_s(args.limit)} s (stopped)"
                budget.timeout("hf", n)
            elif r.error:
                res["hf"] = r.error
            else:
                res["hf"] = h.Timing(r.seconds, max(len(r.times), 1), output=r.about)
                mem["hf"] = r
        del y

        fb = h.seconds_of(res, "fastbal")
        for row in TOOLS:
            t = res.get(row.key)
            m = mem.get(row.key)
            peak = m.peak_extra if m else None
            out_b = m.output_bytes if m else None
            beyond = None if peak is None or out_b is None else peak - out_b
            secs = h.seconds_of(res, row.key)
            rows.append(
                [
                    h.fmt_size(n),
                    row.label,
                    h.cell(t),
                    h.fmt_ratio(secs, fb) if row.key != "fastbal" else "1x",
                    h.fmt_mib(peak),
                    h.fmt_per_row(peak, n),
                    h.fmt_per_row(beyond, n),
                    t.output if isinstance(t, h.Timing) and t.output else "—",
                ]
            )
        sk = h.fastest(res, ("sk_tts", "sk_sss"))
        fm = mem.get("fastbal")
        summary.append(
            [
                h.fmt_size(n),
                h.fmt_ms(fb),
                h.fmt_ratio(h.seconds_of(res, sk), fb) if sk else "—",
                h.fmt_ratio(h.seconds_of(res, "numpy"), fb),
                h.fmt_per_row(
                    None
                    if fm is None or fm.output_bytes is None
                    else fm.peak_extra - fm.output_bytes,
                    n,
                ),
            ]
        )

    report.add(
        "time and peak memory per call",
        h.markdown_table(
            [
                "rows",
                "tool",
                "median ms",
                "x fastbal's time",
                "peak beyond input (MiB)",
                "B/row",
                "B/row beyond outputs",
                "train / valid / test",
            ],
            rows,
            "llrrrrrr",
        ),
        [
            "tools: " + "; ".join(f"{r.label}: {r.given}" for r in TOOLS) + ".",
            "outputs counted as 'outputs': "
            + "; ".join(f"{r.label}: {output_bytes_note(r.key)}" for r in TOOLS)
            + " (not measured for datasets: '—').",
            "medians of the timed runs after one warm-up (1 timed run for calls over "
            f"{h.SLOW_SECONDS:.0f} s); datasets runs in a child process (stoppable at "
            f"{h.fmt_s(args.limit)} s): its first call is its warm-up, the time is the median "
            "of the repeats when the first call was fast, else that first call.",
            "peak memory: one call in a fresh process per tool and size; peak RSS minus RSS "
            "just before the call (the labels and the tool's input object are built first).",
            "scikit-learn needs two calls for three splits and raises on classes with one row "
            "(they exist below about 500k rows of this shape); so does datasets.",
        ]
        + [
            f"{TOOLS_BY_KEY[t].label}: {PIP_NAME[pkg]} is not installed here; skipped."
            for t, pkg in missing.items()
        ],
    )
    report.add(
        "ratios (targets at 10M: scikit-learn >= 100x, numpy >= 5x, memory <= 16 B/row)",
        h.markdown_table(
            [
                "rows",
                "fastbal ms",
                "faster scikit-learn / fastbal",
                "numpy / fastbal",
                "fastbal B/row beyond input and outputs",
            ],
            summary,
            "lrrrr",
        ),
    )
    report.write()


TOOLS_BY_KEY = {r.key: r for r in TOOLS}

if __name__ == "__main__":
    main()
