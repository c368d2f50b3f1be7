"""`fastbal demo`: the whole story on the built-in seed-shaped dataset.

The dataset has the shape of the account-code classifier whose loss would
not fall (298,821 rows, 224 classes, imbalance 44,098 : 1, ten one-row
classes). The demo reports it, filters it the way the team did
(`max_classes: 280`, `min_samples_per_class: 10`), splits it 70/10/20 with
seed 42, counts the valid/test rows whose ledger line is also in train (and
none when texts stay in one split), shows class weights for a custom loss,
and draws the chart. The ledger lines (`seed_shaped_lines`) repeat and
sometimes carry two labels: the report's duplicates section shows the
accuracy ceiling that leaves.
"""

from __future__ import annotations

import os
import tempfile
from typing import TextIO

import fastbal
from fastbal.datasets import seed_shaped, seed_shaped_lines


def run_demo(out: TextIO, plot: str | None = None) -> str:
    """Print the demo to `out`; returns the path of the chart it drew."""
    w = out.write
    y = seed_shaped()
    texts = seed_shaped_lines(y)
    labels = fastbal.Labels(y)

    w("fastbal demo: labels shaped like an account-code classifier whose loss would not fall\n\n")
    rep = fastbal.report(labels, texts=texts, top=5, min_count=10)
    w(rep.to_markdown())

    w("\n# Filtering as in the training config (max_classes: 280, min_samples_per_class: 10)\n\n")
    prepared = fastbal.prepare_split(
        y, test_size=0.2, val_size=0.1, seed=42, max_classes=280, min_count=10
    )
    for step in prepared.steps:
        w(f"- {step}\n")

    w("\n# Split 70/10/20, seed 42\n\n")
    kept = prepared.assignment >= 0
    split_rep = fastbal.report(y[kept], splits=prepared.split)
    checks = split_rep.to_dict()["splits"]
    w(str(prepared.split.summary) + "\n")
    w(f"classes per split: {checks['classes_per_split']}\n")
    kept_texts = [texts[i] for i in kept.nonzero()[0].tolist()]
    leak = fastbal.duplicates(kept_texts, y[kept], splits=prepared.assignment[kept])
    w(f"{leak.lines()[-1]}\n")
    grouped = fastbal.stratified_group_split(
        y[kept], kept_texts, test_size=0.2, val_size=0.1, seed=42
    )
    regrouped = fastbal.duplicates(kept_texts, y[kept], splits=grouped.assignment)
    w(
        "with each text in one split (`fastbal.stratified_group_split(y, texts)`, "
        f"or `fastbal split --group TEXT`): {regrouped.leaked_rows:,} such rows\n"
    )

    w("\n# Class weights for the loss (on the filtered training rows)\n\n")
    train_y = y[prepared.split.train]
    cw = fastbal.class_weights(train_y, "balanced")
    soft = fastbal.class_weights(train_y, "sqrt")
    vc = fastbal.value_counts(train_y)
    w("| label | train rows | balanced | sqrt |\n|---:|---:|---:|---:|\n")
    bal, sq = cw.to_dict(), soft.to_dict()
    shown = [*vc.classes[:3].tolist(), *vc.classes[-3:].tolist()]
    counts = vc.to_dict()
    for c in shown:
        w(f"| {c} | {counts[c]:,} | {bal[c]:.3f} | {sq[c]:.3f} |\n")
    w(
        "\n`torch.nn.CrossEntropyLoss(weight=torch.tensor(cw.dense()))` takes the balanced "
        "vector as is.\n"
    )

    if plot is None:
        fd, plot = tempfile.mkstemp(prefix="fastbal-demo-", suffix=".png")
        os.close(fd)
    try:
        rep.plot(plot)
        w(f"\nRank-frequency chart: {plot}\n")
    except ImportError as e:
        w(f"\n(no chart: {e})\n")
    return plot
