"""`fastbal demo`: the analysis of the seed-shaped dataset, end to end."""

from __future__ import annotations

from typing import TextIO

import fastbal
from fastbal.datasets import seed_shaped


def run_demo(out: TextIO) -> None:
    """Print the analysis of the built-in seed-shaped dataset to `out`."""
    y = seed_shaped()
    labels = fastbal.Labels(y)
    vc = labels.value_counts()
    total = vc.total
    top5 = int(vc.counts[:5].sum())
    singletons = [int(c) for c, n in vc if n == 1]
    w = out.write
    w("# fastbal demo: a label column shaped like the acct_code incident\n\n")
    w(f"rows:            {len(labels):,} ({labels.null_count} null)\n")
    w(f"classes:         {labels.n_classes}\n")
    w(f"imbalance ratio: {vc.counts[0]:,} : {vc.counts[-1]:,}\n")
    w(f"top-5 share:     {100 * top5 / total:.2f}%\n")
    w(f"one-row classes: {len(singletons)}: {', '.join(map(str, singletons))}\n\n")
    w("| label | rows | share |\n|------:|-----:|------:|\n")
    for c, n in list(vc)[:5]:
        w(f"| {c} | {n:,} | {100 * n / total:.2f}% |\n")
