"""Stratified splits that keep groups whole: fastbal against scikit-learn's
StratifiedGroupKFold, time and per-class deviation side by side.

Seed-shaped int32 labels (224 classes) with int64 group ids at 100k rows / 10k
groups, 1M rows / 10k and 100k groups, and 10M rows / 1M groups. Groups are
runs of rows of about n / groups rows (uniformly random cut points), taken
from the labels sorted with a little noise, so most groups hold one or two
classes, as customers or documents do; rows are then shuffled.

- 5-fold: `fastbal.stratified_group_kfold(y, groups, k=5)`, the same through
  `fastbal.sklearn.StratifiedGroupKFold` (all folds listed as index arrays),
  and scikit-learn's `StratifiedGroupKFold(5, shuffle=True)` (all folds
  listed);
- 70/10/20: `fastbal.stratified_group_split(y, groups, 0.2, 0.1)`, and, as
  the nearest scikit-learn spelling, `StratifiedGroupKFold(10, shuffle=True)`
  with folds 0-1 as test and fold 2 as valid.

Deviation: for each class, the largest gap over the splits between the share
of the class's rows in a split and the share asked for that split (1/5 per
fold; 0.7 / 0.1 / 0.2), in percentage points; the table gives the worst
class and the mean over classes. Every call runs in a fresh process, which
is stopped after the time limit (default 180 s); peers are skipped at a size
where, extrapolated from a smaller one, they would pass it. Target: at least
50x faster than scikit-learn at 1M rows, with deviation no worse.

Run from the repository root: `python3 benches/bench_group.py` (or `--quick`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import _harness as h
import numpy as np

K, TEST, VALID, SEED = 5, 0.2, 0.1, 0
CASES = [(100_000, 10_000), (1_000_000, 10_000), (1_000_000, 100_000), (10_000_000, 1_000_000)]
QUICK_CASES = [(100_000, 10_000), (300_000, 30_000)]

KFOLD_TOOLS = [
    h.Row("fb_kfold", "fastbal.stratified_group_kfold(y, groups, k=5)", "numpy int32, int64"),
    h.Row(
        "fb_sk_kfold", "fastbal.sklearn.StratifiedGroupKFold(5): all folds", "numpy int32, int64"
    ),
    h.Row("sk_kfold", "scikit-learn StratifiedGroupKFold(5, shuffle=True): all folds", "numpy"),
]
SPLIT_TOOLS = [
    h.Row("fb_split", "fastbal.stratified_group_split(y, groups, 0.2, 0.1)", "numpy int32, int64"),
    h.Row("sk_split", "scikit-learn StratifiedGroupKFold(10): folds 0-1 test, 2 valid", "numpy"),
]
PEERS = ("sk_kfold", "sk_split")


def grouped_labels(n: int, n_groups: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seed-shaped labels and group ids: groups are runs of the labels sorted with
    noise (so a group holds one class, or two at a class boundary), rows shuffled."""
    y = h.int_labels(n, seed)
    rng = np.random.default_rng(seed + 1)
    order = np.argsort(y + rng.random(n) * 1.5, kind="stable")
    cuts = np.sort(rng.choice(np.arange(1, n), n_groups - 1, replace=False))
    run = np.zeros(n, dtype=np.int64)
    run[cuts] = 1
    ids = rng.choice(2**40, n_groups, replace=False).astype(np.int64)
    groups = np.empty(n, dtype=np.int64)
    groups[order] = ids[np.cumsum(run)]
    return y, groups


def deviation(y: np.ndarray, part: np.ndarray, shares: list[float]) -> tuple[float, float]:
    """(worst, mean) over classes of max over parts |share of class in part - asked share|;
    `part` is the part of every row (0..len(shares) - 1)."""
    k = len(shares)
    n_classes = int(y.max()) + 1
    table = np.bincount(y.astype(np.int64) * k + part, minlength=n_classes * k).reshape(-1, k)
    counts = table.sum(axis=1)
    present = counts > 0
    got = table[present] / counts[present, None]
    per_class = np.abs(got - np.array(shares)).max(axis=1)
    return float(per_class.max()), float(per_class.mean())


def make_case(tool: str, n: int, n_groups: int) -> Callable[[], Any]:
    """The call to time, returning (labels, part of every row, asked shares)."""
    warnings.simplefilter("ignore")  # scikit-learn's least-populated-class warning
    y, groups = grouped_labels(n, n_groups)
    if tool == "fb_kfold":
        import fastbal

        return lambda: (y, fastbal.stratified_group_kfold(y, groups, k=K, seed=SEED).folds, K)
    if tool == "fb_split":
        import fastbal

        def fb_split() -> Any:
            s = fastbal.stratified_group_split(y, groups, TEST, VALID, seed=SEED)
            return y, s.assignment, [1 - TEST - VALID, VALID, TEST]

        return fb_split
    if tool in ("fb_sk_kfold", "sk_kfold"):
        if tool == "fb_sk_kfold":
            from fastbal.sklearn import StratifiedGroupKFold
        else:
            from sklearn.model_selection import StratifiedGroupKFold  # type: ignore[assignment]
        cv = StratifiedGroupKFold(K, shuffle=True, random_state=SEED)
        x = np.zeros(n, dtype=np.int8)  # only its length is read

        def kfold() -> Any:
            return y, [test for _, test in cv.split(x, y, groups)], K

        return kfold
    if tool == "sk_split":
        from sklearn.model_selection import StratifiedGroupKFold

        cv = StratifiedGroupKFold(10, shuffle=True, random_state=SEED)
        x = np.zeros(n, dtype=np.int8)

        def sk_split() -> Any:
            part = np.zeros(n, dtype=np.int64)
            for f, (_, test) in enumerate(cv.split(x, y, groups)):
                part[test] = 2 if f < 2 else 1 if f == 2 else 0
            return y, part, [1 - TEST - VALID, VALID, TEST]

        return sk_split
    raise ValueError(tool)


def describe(out: Any) -> tuple[float, float, list[int]]:
    """(worst, mean deviation, rows per part) of a case's output."""
    y, part, shares = out
    if isinstance(shares, int):  # k-fold: a fold per row, or the test folds as index arrays
        k = shares
        if isinstance(part, list):
            fold = np.zeros(len(y), dtype=np.int64)
            for f, test in enumerate(part):
                fold[test] = f
            part = fold
        shares = [1 / k] * k
    part = np.asarray(part, dtype=np.int64)
    worst, mean = deviation(y, part, shares)
    return worst, mean, np.bincount(part, minlength=len(shares)).tolist()


def main() -> None:
    p = h.parser(__doc__.split("\n\n")[0], [], [])
    args = h.finish_args(p.parse_args())
    cases = QUICK_CASES if args.quick else CASES
    report = h.Report(
        "group",
        "Stratified splits keeping groups whole: fastbal vs scikit-learn StratifiedGroupKFold",
        args,
        ["fastbal", "numpy", "scikit-learn"],
    )
    budget = h.Budget(args.limit)
    results: dict[tuple[str, int, int], h.ChildResult | str] = {}
    for n, g in cases:
        for row in KFOLD_TOOLS + SPLIT_TOOLS:
            # the 5-fold peer is run at every size and stopped at the limit; the 10-fold
            # spelling is skipped where, extrapolated, it would pass it
            why = budget.stopped.get(row.key) if row.key == "sk_kfold" else None
            why = why or (budget.skip(row.key, n) if row.key == "sk_split" else None)
            if why:
                results[row.key, n, g] = why
                continue
            h.progress(row.key, h.fmt_size(n), g)
            repeats = 0 if row.key in PEERS else (1 if args.quick else 3)
            r = h.run_child(
                make_case, row.key, n, g, limit=args.limit, repeats=repeats, describe=describe
            )
            if r.timed_out:
                budget.timeout(row.key, n)
            else:
                budget.record(row.key, n, r.seconds)
            results[row.key, n, g] = r

    def table(rows: list[h.Row], fast: str, peer: str) -> tuple[str, list[str]]:
        body: list[list[str]] = []
        ratios: list[str] = []
        for n, g in cases:
            for row in rows:
                r = results[row.key, n, g]
                label = f"{h.fmt_size(n)} / {h.fmt_size(g)}"
                if isinstance(r, str):
                    body.append([label, row.label, r, "—", "—", "—", "—"])
                    continue
                if r.timed_out or r.error:
                    why = f"> {h.fmt_s(args.limit)} (stopped)" if r.timed_out else r.error
                    body.append([label, row.label, why, "—", "—", "—", "—"])
                    continue
                worst, mean, sizes = r.about
                body.append(
                    [
                        label,
                        row.label,
                        h.fmt_ms(r.seconds),
                        h.fmt_mib(r.peak_extra),
                        f"{100 * worst:.2f}",
                        f"{100 * mean:.3f}",
                        " / ".join(f"{s:,}" for s in sizes),
                    ]
                )
            a, b = results[fast, n, g], results[peer, n, g]
            if isinstance(a, h.ChildResult) and isinstance(b, h.ChildResult) and b.about:
                ratios.append(
                    f"{h.fmt_size(n)} rows / {h.fmt_size(g)} groups: "
                    f"{h.fmt_ratio(b.seconds, a.seconds)} faster; mean deviation "
                    f"{100 * a.about[1]:.3f} vs {100 * b.about[1]:.3f} points, worst "
                    f"{100 * a.about[0]:.2f} vs {100 * b.about[0]:.2f}"
                )
        headers = [
            "rows / groups",
            "tool",
            "median ms",
            "peak MiB",
            "worst dev (pts)",
            "mean dev (pts)",
            "rows per part",
        ]
        return h.markdown_table(headers, body, "llrrrrr"), ratios

    body, ratios = table(KFOLD_TOOLS, "fb_kfold", "sk_kfold")
    report.add(
        "5-fold: time and per-class deviation",
        body,
        [
            "fastbal against scikit-learn (target >= 50x at 1M rows, deviation no worse): " + r
            for r in ratios
        ]
        + [
            "each call in a fresh process; fastbal: median of 3 runs after a first one; "
            "scikit-learn: one run (stopped after the limit). Peak memory: peak RSS of the "
            "call minus RSS before it.",
        ],
    )
    body, ratios = table(SPLIT_TOOLS, "fb_split", "sk_split")
    report.add(
        "70/10/20 train/valid/test: time and per-class deviation",
        body,
        ["fastbal against scikit-learn's 10-fold spelling: " + r for r in ratios],
    )
    report.write()


if __name__ == "__main__":
    main()
