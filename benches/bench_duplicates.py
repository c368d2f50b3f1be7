"""`fastbal.duplicates` (repeated texts, conflicting labels, leakage across
splits) against the pandas formulation a user writes, and against
`fastbal.value_counts` of the same texts (the one hashing pass both make).

Data: `n` texts of which half are distinct (each distinct text appears
twice on average, Poisson-spread), labels of 224 seed-shaped classes (a
text's rows share its label, except one row in fifty, which gets another
row's label), and a 70/10/20 split assignment.
The texts are a pyarrow `large_string` column (what a Parquet file of texts
reads as); pandas gets the same texts as an object Series, made outside the
timing.

- fastbal: `fastbal.duplicates(texts, labels, splits)`: every figure, the
  worst groups, and the keep masks ready;
- pandas: `value_counts` of the texts, `groupby(text).nunique()` of the
  labels, the majority count per text (`groupby([text, label]).size()`),
  `isin` of the training texts for the leakage: the same figures;
- `fastbal.value_counts(texts)`: the floor the figures are built on.

All in one process, interleaved, medians. Targets: fastbal at least 5x the
pandas formulation and within 2x of `value_counts` of the texts.

Run from the repository root: `python3 benches/bench_duplicates.py`
(`--quick`: 200k texts).
"""

from __future__ import annotations

import _harness as h
import fastbal
import numpy as np
import pandas as pd
import pyarrow as pa


def make(n: int) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    distinct = max(1, n // 2)
    which = rng.integers(0, distinct, n)
    texts = pa.array([f"line {w:09d} of the ledger" for w in which.tolist()], pa.large_string())
    labels = h.int_labels(n)
    # a text's rows share one label, except one row in fifty (another row's label)
    labels = labels[which % n]
    flip = rng.random(n) < 0.02
    labels = np.where(flip, labels[rng.integers(0, n, n)], labels).astype(np.int32)
    splits = rng.choice(np.array([0, 1, 2], dtype=np.int8), n, p=[0.7, 0.1, 0.2])
    return texts, labels, splits


def pandas_figures(t: pd.Series, y: pd.Series, s: pd.Series) -> dict[str, float]:
    counts = t.value_counts()
    repeated = counts[counts > 1]
    df = pd.DataFrame({"t": t, "y": y})
    distinct = df.groupby("t", sort=False)["y"].nunique()
    conflicting = distinct.index[distinct > 1]
    majority = df.groupby(["t", "y"], sort=False).size().groupby(level=0, sort=False).max().sum()
    train = t[s == 0].unique()
    leaked = int(((s > 0) & t.isin(train)).sum())
    return {
        "duplicate_texts": len(repeated),
        "duplicate_rows": int(repeated.sum()),
        "conflicting_rows": int(t.isin(conflicting).sum()),
        "accuracy_ceiling": majority / len(t),
        "leaked_rows": leaked,
    }


def main() -> None:
    p = h.parser(__doc__ or "", sizes=[5_000_000, 50_000_000], quick_sizes=[200_000])
    args = h.finish_args(p.parse_args())
    rows = [
        h.Row("fastbal", "fastbal.duplicates(texts, labels, splits)"),
        h.Row("pandas", "pandas value_counts + groupby nunique + isin"),
        h.Row("value_counts", "fastbal.value_counts(texts)"),
    ]
    results: dict[int, dict] = {}
    checks: list[str] = []
    for n in args.sizes:
        h.progress("data", h.fmt_size(n))
        texts, labels, splits = make(n)
        t = pd.Series(texts.to_numpy(zero_copy_only=False), dtype=object)
        y, s = pd.Series(labels), pd.Series(splits)
        cases = {
            "fastbal": lambda texts=texts, labels=labels, splits=splits: fastbal.duplicates(
                texts, labels, splits
            ),
            "pandas": lambda t=t, y=y, s=s: pandas_figures(t, y, s),
            "value_counts": lambda texts=texts: fastbal.value_counts(texts),
        }
        got = h.time_cases(cases, h.repeats_for(n, args), keep_output=["fastbal", "pandas"])
        d, want = got["fastbal"].output, got["pandas"].output
        same = (
            d.duplicate_texts == want["duplicate_texts"]
            and d.duplicate_rows == want["duplicate_rows"]
            and d.conflicting_rows == want["conflicting_rows"]
            and abs(d.accuracy_ceiling - want["accuracy_ceiling"]) < 1e-12
            and d.leaked_rows == want["leaked_rows"]
        )
        checks.append(
            f"{h.fmt_size(n)}: figures equal to pandas' ({same}): {d.duplicate_rows:,} repeated "
            f"rows, {d.conflicting_rows:,} conflicting, ceiling {d.accuracy_ceiling:.4f}, "
            f"{d.leaked_rows:,} leaked"
        )
        if not same:
            raise SystemExit(f"fastbal and pandas disagree at {n}: {d.to_dict()} vs {want}")
        results[n] = got
        del texts, labels, splits, t, y, s, cases, got, d
    extra = [
        (
            "pandas / fastbal",
            [
                h.fmt_ratio(h.seconds_of(results[n], "pandas"), h.seconds_of(results[n], "fastbal"))
                for n in args.sizes
            ],
        ),
        (
            "fastbal / value_counts",
            [
                h.fmt_ratio(
                    h.seconds_of(results[n], "fastbal"), h.seconds_of(results[n], "value_counts")
                )
                for n in args.sizes
            ],
        ),
    ]
    report = h.Report(
        "duplicates",
        "Repeated texts, conflicting labels, leakage",
        args,
        ["fastbal", "numpy", "pyarrow", "pandas"],
    )
    report.add(
        "Time (median ms; texts half distinct, 2% of rows relabelled, 70/10/20 splits)",
        h.by_size_table(rows, args.sizes, results, extra),
        ["Targets: pandas / fastbal >= 5x; fastbal / value_counts <= 2x.", *checks],
    )
    report.write()


if __name__ == "__main__":
    main()
