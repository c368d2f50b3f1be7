"""How close fastbal runs to the machine: every headline ratio in one run.

One process times, side by side on the same seed-shaped labels:

- `value_counts` on int32 labels against the read floor (`np.max`: one pass
  over the column) at 10M and 100M rows, and the write floor (`np.ones` of
  int64: writing as many fresh bytes as the split's index arrays);
- `value_counts` on "acct_<label>" strings (pyarrow large_string) against
  `pyarrow.compute.value_counts`, the fastest peer on strings;
- `stratified_split` 70/10/20 against scikit-learn (two `train_test_split`
  calls, the usual way to get three stratified parts) and against
  `value_counts` on the same labels;
- `stratified_sample(fraction=0.1)` against `value_counts`;
- `oversample` (every class up to the largest) against imbalanced-learn's
  `RandomOverSampler`, given a one-column X of row numbers.

Every tool gets inputs built before the clock starts; fastbal's and the
peers' calls alternate round-robin (`_harness.time_cases`), and each ratio
comes from medians of this run only. The peak memory of fastbal's calls
beyond their input and output (bytes per row) is measured in a fresh process
per call.

Targets: value_counts int32 <= 2x the read floor at 10M and <= 1.5x at 100M;
strings >= 2.5x faster than pyarrow; split >= 100x faster than scikit-learn
and <= 10x value_counts; sample <= 3x value_counts; oversample >= 100x faster
than imbalanced-learn.

Run from the repository root: `python3 benches/bench_limits.py` (or `--quick`).
`--only` runs some parts (see `--help`): `--only strings,split,sample,memory`
measures every ratio of fastbal's own calls without the slow peers (minutes
at 10M); a partial run writes to benches/results/partial/ (with `--quick`,
results/quick/) unless `--out` is given, so results/limits.md keeps whole runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _harness as h
import fastbal
import numpy as np

M = 1_000_000
SEED = 0
#: The parts `--only` selects, by the cases they time; "counts" (value_counts
#: and the floors, every ratio's reference) always runs.
PARTS = {
    "counts": ("floor", "write_floor", "value_counts"),
    "strings": ("value_counts_str", "pyarrow_str"),
    "split": ("split",),
    "sample": ("sample",),
    "oversample": ("oversample",),
    "peers": ("sklearn_split", "imblearn_oversample"),
    "memory": (),
}


def int_cases(y: np.ndarray, peers: bool) -> dict[str, Callable[[], Any]]:
    cases: dict[str, Callable[[], Any]] = {
        "floor": lambda: np.max(y),
        "write_floor": lambda: np.ones(len(y), dtype=np.int64),
        "value_counts": lambda: fastbal.value_counts(y),
        "split": lambda: fastbal.stratified_split(y, test_size=0.2, val_size=0.1, seed=SEED),
        "sample": lambda: fastbal.stratified_sample(y, fraction=0.1, seed=SEED),
        "oversample": lambda: fastbal.oversample(y, seed=SEED),
    }
    if peers:
        from imblearn.over_sampling import RandomOverSampler
        from sklearn.model_selection import train_test_split

        rows = np.arange(len(y))
        x = rows.reshape(-1, 1)

        def sklearn_split() -> Any:
            rest, test = train_test_split(rows, test_size=0.2, stratify=y, random_state=SEED)
            train, valid = train_test_split(
                rest, test_size=0.125, stratify=y[rest], random_state=SEED
            )
            return train, valid, test

        cases["sklearn_split"] = sklearn_split
        cases["imblearn_oversample"] = lambda: RandomOverSampler(random_state=SEED).fit_resample(
            x, y
        )
    return cases


def text_cases(y: np.ndarray) -> dict[str, Callable[[], Any]]:
    import pyarrow.compute as pc

    strings = h.arrow_strings(y)
    return {
        "value_counts_str": lambda: fastbal.value_counts(strings),
        "pyarrow_str": lambda: pc.value_counts(strings),
    }


def case_memory(kind: str, n: int) -> Callable[[], Any]:
    """One fastbal call on `n` seed-shaped int32 labels, data built in the child."""
    y = h.int_labels(n)
    return int_cases(y, peers=False)[kind]


ROWS = [
    ("value_counts", "fastbal.value_counts(y)"),
    ("floor", "read floor: np.max(y)"),
    ("write_floor", "write floor: np.ones(n, int64)"),
    ("value_counts_str", "fastbal.value_counts(strings)"),
    ("pyarrow_str", "pyarrow.compute.value_counts(strings)"),
    ("split", "fastbal.stratified_split(y, 0.2, 0.1)"),
    ("sklearn_split", "scikit-learn train_test_split x2"),
    ("sample", "fastbal.stratified_sample(y, fraction=0.1)"),
    ("oversample", "fastbal.oversample(y)"),
    ("imblearn_oversample", "imbalanced-learn RandomOverSampler().fit_resample(X, y)"),
]


def main() -> None:
    p = h.parser(__doc__.split("\n\n")[0], [10 * M, 100 * M], [M])
    p.add_argument(
        "--only",
        default="",
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default all; counts "
        "always runs); results go to benches/results/partial (or quick) unless --out is given",
    )
    args = p.parse_args()
    parts = {t.strip() for t in args.only.split(",") if t.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        p.error(f"unknown part(s): {', '.join(sorted(unknown))} (known: {', '.join(PARTS)})")
    if parts and args.out is None and not args.quick:
        args.out = str(h.RESULTS / "partial")
    parts = (parts | {"counts"}) if parts else set(PARTS)
    wanted = {key for part in parts for key in PARTS[part]}
    args = h.finish_args(args)
    report = h.Report(
        "limits",
        "How close fastbal runs to the machine: headline ratios, one run",
        args,
        ["fastbal", "numpy", "pyarrow", "scikit-learn", "imbalanced-learn"],
    )
    results: dict[int, dict] = {}
    # peers and the slow jobs at the first size only; 100M is the read-floor check
    first = args.sizes[0]
    for n in args.sizes:
        h.progress(f"int32 {h.fmt_size(n)}")
        y = h.int_labels(n)
        cases = int_cases(y, peers=n == first and "peers" in parts)
        if n != first:
            cases = {k: cases[k] for k in ("floor", "value_counts")}
        else:
            if "strings" in parts:
                cases.update(text_cases(y))
            cases = {k: v for k, v in cases.items() if k in wanted}
        # the peers that take seconds to minutes are timed by one call (after fastbal's runs)
        slow = {k: cases.pop(k) for k in ("sklearn_split", "imblearn_oversample") if k in cases}
        results[n] = h.time_cases(cases, h.repeats_for(n, args))
        results[n].update(h.time_cases(slow, 0))
        del y, cases, slow

    def sec(n: int, key: str) -> float | None:
        return h.seconds_of(results.get(n, {}), key)

    lines = []
    for key, label in ROWS:
        if key not in wanted:
            continue
        lines.append([label, *[h.cell(results.get(n, {}).get(key)) for n in args.sizes]])
    body = h.markdown_table(
        ["call", *[f"{h.fmt_size(n)} (ms)" for n in args.sizes]],
        lines,
        "l" + "r" * len(args.sizes),
    )
    report.add("median ms, seed-shaped labels", body)

    last = args.sizes[-1]
    ratios_run = [
        (
            f"value_counts int32 / read floor, {h.fmt_size(first)}",
            h.fmt_ratio(sec(first, "value_counts"), sec(first, "floor")),
            "<= 2x",
            ("value_counts", "floor"),
        ),
        (
            f"value_counts int32 / read floor, {h.fmt_size(last)}",
            h.fmt_ratio(sec(last, "value_counts"), sec(last, "floor")),
            "<= 1.5x at 100M",
            ("value_counts", "floor"),
        ),
        (
            f"pyarrow / fastbal value_counts on strings, {h.fmt_size(first)}",
            h.fmt_ratio(sec(first, "pyarrow_str"), sec(first, "value_counts_str")),
            ">= 2.5x",
            ("pyarrow_str", "value_counts_str"),
        ),
        (
            f"scikit-learn / fastbal stratified_split, {h.fmt_size(first)}",
            h.fmt_ratio(sec(first, "sklearn_split"), sec(first, "split")),
            ">= 100x",
            ("sklearn_split", "split"),
        ),
        (
            f"stratified_split / value_counts, {h.fmt_size(first)}",
            h.fmt_ratio(sec(first, "split"), sec(first, "value_counts")),
            "<= 10x",
            ("split", "value_counts"),
        ),
        (
            f"stratified_sample(0.1) / value_counts, {h.fmt_size(first)}",
            h.fmt_ratio(sec(first, "sample"), sec(first, "value_counts")),
            "<= 3x",
            ("sample", "value_counts"),
        ),
        (
            f"imbalanced-learn / fastbal oversample, {h.fmt_size(first)}",
            h.fmt_ratio(sec(first, "imblearn_oversample"), sec(first, "oversample")),
            ">= 100x",
            ("imblearn_oversample", "oversample"),
        ),
    ]
    if last == first:
        del ratios_run[1]  # one size: the floor ratio at the largest is the row above
    ratios = [r[:3] for r in ratios_run if set(r[3]) <= wanted]
    report.add(
        "ratios (this run)",
        h.markdown_table(["ratio", "measured", "target"], [list(r) for r in ratios], "lrr"),
    )

    if "memory" in parts:
        memory = []
        for kind in ("value_counts", "split", "sample"):
            h.progress(f"memory {kind} {h.fmt_size(first)}")
            child = h.run_child(case_memory, kind, first)
            out_bytes = child.output_bytes
            beyond = (
                None
                if child.peak_extra is None or out_bytes is None
                else max(child.peak_extra - out_bytes, 0)
            )
            memory.append(
                [
                    dict(ROWS)[kind],
                    h.fmt_mib(child.peak_extra),
                    h.fmt_mib(out_bytes),
                    h.fmt_per_row(beyond, first),
                ]
            )
        report.add(
            f"peak memory beyond the input, {h.fmt_size(first)} rows (fresh process per call)",
            h.markdown_table(
                ["call", "peak (MiB)", "output (MiB)", "B/row beyond the output"], memory, "lrrr"
            ),
            [
                "scikit-learn and imbalanced-learn are timed by one call each (seconds to "
                "minutes); every other cell is the median of the repeated runs.",
                "the read floor is one pass over the int32 column (numpy's max, single-threaded); "
                "fastbal uses every core (RAYON_NUM_THREADS to change).",
                "the write floor fills one int64 array of n rows in fresh memory, as many bytes as "
                "the split's three index arrays together (numpy, single-threaded).",
                "scikit-learn gets the labels and an index array; imbalanced-learn a one-column X "
                "of row numbers (its output holds X and y resampled, fastbal's the row indices).",
            ],
        )
    report.write()


if __name__ == "__main__":
    main()
