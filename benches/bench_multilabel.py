"""Multilabel stratification: fastbal against iterative-stratification.

In one run:

- speed of a 5-fold split at 100k rows x 200 labels (about 4 labels a row):
  `fastbal.multilabel_kfold(Y, k=5)` on the dense 0/1 matrix and on CSR vs
  iterative-stratification's `MultilabelStratifiedKFold(5, shuffle=True)`
  (all five folds drawn), which takes the dense matrix. Target: at least 50x;
- speed of the 3-way split (0.7/0.1/0.2) of 2M rows x 1000 labels (about 20M
  positives, Zipf-like label rates) given as scipy CSR, against counting the
  positives (`np.bincount(Y.indices)`), the least any stratification must do.
  Target: within 10x;
- quality of a 5-fold split on skewed label rates, Zipf-like sparse labels
  (hundreds of labels) and correlated labels: LD (label distribution,
  Sechidis et al. 2011: the mean over labels and folds of the difference
  between the fold's and the whole data's positive/negative ratio; lower is
  better), the share of (label, fold) cells within one row of their share,
  the largest fold-size difference, and the labels with at least 5 positives
  missing from some fold.

Run from the repository root: `python3 benches/bench_multilabel.py` (or `--quick`).
"""

from __future__ import annotations

import warnings
from typing import Any

import _harness as h
import fastbal
import numpy as np
import scipy.sparse as sp

SEED = 42


def zipf_csr(n: int, q: int, per_row: float, a: float, seed: int) -> sp.csr_matrix:
    """n x q CSR with about `per_row` distinct labels a row, label j's rate
    proportional to 1 / (j + 1) ** a."""
    rng = np.random.default_rng(seed)
    p = 1.0 / (np.arange(q) + 1.0) ** a
    p /= p.sum()
    k = rng.poisson(per_row, n)
    rows = np.repeat(np.arange(n, dtype=np.int64), k)
    cols = rng.choice(q, size=len(rows), p=p).astype(np.int32)
    m = sp.csr_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, q))
    m.sum_duplicates()
    m.data[:] = 1
    return m


def skewed(n: int, seed: int) -> np.ndarray:
    """20 independent labels with rates from 50% down to 0.1%."""
    rng = np.random.default_rng(seed)
    rates = np.geomspace(0.5, 0.001, 20)
    return (rng.random((n, 20)) < rates).astype(np.int8)


def correlated(n: int, seed: int) -> np.ndarray:
    """60 labels driven by 8 latent topics: a row's topics switch groups of
    labels on together, plus some noise."""
    rng = np.random.default_rng(seed)
    topics = rng.random((n, 8)) < np.geomspace(0.3, 0.01, 8)
    load = rng.random((8, 60)) < 0.15
    on = (topics.astype(np.int32) @ load.astype(np.int32)) > 0
    keep = rng.random((n, 60)) < 0.8
    noise = rng.random((n, 60)) < 0.005
    return ((on & keep) | noise).astype(np.int8)


def quality(y: np.ndarray, folds: np.ndarray, k: int) -> dict[str, Any]:
    """LD, cells within one row, fold-size spread, labels missing from a fold."""
    sizes = np.bincount(folds, minlength=k).astype(np.float64)
    cells = np.stack([np.asarray(y[folds == f].sum(axis=0)).ravel() for f in range(k)], axis=1)
    counts = cells.sum(axis=1)
    keep = counts > 0
    cells, counts = cells[keep].astype(np.float64), counts[keep].astype(np.float64)
    n = sizes.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        whole = counts / (n - counts)
        part = cells / (sizes[None, :] - cells)
        ld = float(np.nanmean(np.abs(part - whole[:, None])))
    share = counts[:, None] * sizes[None, :] / n
    within = float((np.abs(cells - share) < 1).mean())
    missing = int(((cells == 0).any(axis=1) & (counts >= k)).sum())
    return {
        "ld": ld,
        "within": within,
        "spread": int(sizes.max() - sizes.min()),
        "missing": missing,
    }


def iterstrat_folds(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

    folds = np.empty(len(y), dtype=np.int64)
    cv = MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for f, (_, test) in enumerate(cv.split(np.zeros((len(y), 1)), y)):
        folds[test] = f
    return folds


def speed_kfold(args: Any, report: h.Report) -> None:
    n, q = (20_000, 200) if args.quick else (100_000, 200)
    ycsr = zipf_csr(n, q, 4.0, 0.8, SEED)
    y = ycsr.toarray()
    h.progress("kfold", n, q, "positives", ycsr.nnz)
    cases = {
        "fastbal dense": lambda: fastbal.multilabel_kfold(y, k=5, seed=0),
        "fastbal csr": lambda: fastbal.multilabel_kfold(ycsr, k=5, seed=0),
        "iterstrat": lambda: iterstrat_folds(y, 5, 0),
    }
    t = h.time_cases(cases, repeats=1 if args.quick else 3)
    base = t["iterstrat"].seconds
    rows = [
        ("fastbal.multilabel_kfold(Y, k=5), dense int8", t["fastbal dense"]),
        ("fastbal.multilabel_kfold(Y, k=5), scipy CSR", t["fastbal csr"]),
        ("iterative-stratification MultilabelStratifiedKFold(5), dense", t["iterstrat"]),
    ]
    body = "| tool | time | iterative-stratification / tool |\n|---|---:|---:|\n" + "\n".join(
        f"| {name} | {h.cell(tm)} | {h.fmt_ratio(base, tm.seconds)} |" for name, tm in rows
    )
    report.add(
        f"5-fold split, {h.fmt_size(n)} rows x {q} labels ({ycsr.nnz / n:.1f} labels a row)",
        body,
        ["target: fastbal at least 50x faster than iterative-stratification"],
    )


def speed_split(args: Any, report: h.Report) -> None:
    n, q = (200_000, 1000) if args.quick else (2_000_000, 1000)
    y = zipf_csr(n, q, 10.5, 0.7, SEED + 1)
    h.progress("split", n, q, "positives", y.nnz)
    cases = {
        "fastbal": lambda: fastbal.multilabel_split(y, test_size=0.2, val_size=0.1, seed=0),
        "bincount": lambda: np.bincount(y.indices, minlength=q),
    }
    t = h.time_cases(cases, repeats=1 if args.quick else 5)
    body = (
        "| tool | time | / bincount |\n|---|---:|---:|\n"
        f"| fastbal.multilabel_split(Y) (train/valid/test) | {h.cell(t['fastbal'])} | "
        f"{h.fmt_ratio(t['fastbal'].seconds, t['bincount'].seconds)} |\n"
        f"| np.bincount(Y.indices): the positives counted | {h.cell(t['bincount'])} | 1.0x |"
    )
    report.add(
        f"3-way split, {h.fmt_size(n)} rows x {q} labels, {y.nnz / 1e6:.1f}M positives (scipy CSR)",
        body,
        ["target: within 10x of counting the positives"],
    )


def quality_table(args: Any, report: h.Report) -> None:
    n = 5_000 if args.quick else 20_000
    data = {
        "skewed: 20 labels, rates 50% to 0.1%": skewed(n, SEED),
        "Zipf-sparse: 500 labels, ~3 a row": zipf_csr(n, 500, 3.0, 1.1, SEED).toarray(),
        "correlated: 60 labels from 8 topics": correlated(n, SEED),
    }
    lines = [
        "| data | tool | LD (lower is better) | cells within one row | fold size spread "
        "| labels (>= 5 positives) missing from a fold |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lds: dict[str, list[float]] = {"fastbal": [], "iterstrat": []}
    for name, y in data.items():
        h.progress("quality", name)
        for tool, folds in (
            ("fastbal", fastbal.multilabel_kfold(y, k=5, seed=0).folds.astype(np.int64)),
            ("iterstrat", iterstrat_folds(y, 5, 0)),
        ):
            m = quality(y, folds, 5)
            lds[tool].append(m["ld"])
            label = "fastbal" if tool == "fastbal" else "iterative-stratification"
            lines.append(
                f"| {name} | {label} | {m['ld']:.5f} | {100 * m['within']:.1f}% | "
                f"{m['spread']} | {m['missing']} |"
            )
    report.add(
        f"Quality of a 5-fold split, {h.fmt_size(n)} rows",
        "\n".join(lines),
        [
            f"mean LD: fastbal {np.mean(lds['fastbal']):.5f}, "
            f"iterative-stratification {np.mean(lds['iterstrat']):.5f}",
            "LD: Sechidis, Tsoumakas and Vlahavas (2011), 'On the stratification of "
            "multi-label data'",
        ],
    )


def main() -> None:
    p = h.parser(__doc__.splitlines()[0], sizes=[], quick_sizes=[])
    args = h.finish_args(p.parse_args())
    warnings.simplefilter("ignore", FutureWarning)
    report = h.Report(
        "multilabel",
        "Multilabel stratification: fastbal vs iterative-stratification",
        args,
        ["fastbal", "iterative-stratification", "numpy", "scipy", "scikit-learn"],
    )
    speed_kfold(args, report)
    speed_split(args, report)
    quality_table(args, report)
    report.write()


if __name__ == "__main__":
    main()
