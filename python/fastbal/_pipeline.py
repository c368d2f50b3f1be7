"""The whole `split:` block of a training config in one call: extract,
keep the most frequent classes, drop rare ones, split."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from fastbal._fastbal import LEFT_OUT, FastbalError
from fastbal._select import FilterSummary, filter_min_count, stratified_sample, top_k_mask
from fastbal._split import Split, stratified_split


@dataclass
class PreparedSplit:
    """The outcome of `prepare_split`.

    `assignment[i]` is the split of original row `i` (0 train, 1 valid,
    2 test, -1 left out by a step or for a null label). `steps` are the
    summaries of the filtering steps, in order.
    """

    assignment: npt.NDArray[np.int8]
    split: Split
    steps: list[FilterSummary | str] = field(default_factory=list)

    def log(self) -> str:
        return "\n".join(str(s) for s in [*self.steps, self.split.summary])


def prepare_split(
    y: Any,
    *,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    seed: int = 0,
    max_classes: int | None = None,
    min_count: int | None = None,
    extract_ratio: float = 1.0,
    rare: str = "train",
    ids: Any = None,
) -> PreparedSplit:
    """Apply, in order: stratified extraction of `extract_ratio` of the rows,
    the `max_classes` most frequent classes, classes with at least
    `min_count` rows, then a stratified train/valid/test split.

    Each step is logged (classes and rows it removed). Steps after the first
    see only the rows the previous steps kept. `ids` (one key per row) keys
    the split as in `stratified_split`; extraction ranks rows by position.

    >>> import fastbal
    >>> y = ["a"] * 50 + ["b"] * 30 + ["c"] * 3
    >>> p = fastbal.prepare_split(y, min_count=10, seed=42)
    >>> print(p.steps[0])
    min_count(10): kept 2 of 3 classes and 80 of 83 rows; removed 1 class and 3 rows (3.614%) [c]; imbalance ratio 16.7 : 1 -> 1.7 : 1; smallest class left: b (30 rows)
    >>> p.split
    Split(train=56, valid=8, test=16, left_out=3)
    """  # noqa: E501
    series = y if isinstance(y, pl.Series) else pl.Series(y)
    keys = None if ids is None else ids if isinstance(ids, pl.Series) else pl.Series(ids)
    if keys is not None and len(keys) != len(series):
        raise FastbalError(f"ids has {len(keys):,} values for {len(series):,} labels")
    rows = np.arange(len(series), dtype=np.int64)
    steps: list[FilterSummary | str] = []
    if extract_ratio != 1.0:
        rows = stratified_sample(series, fraction=extract_ratio, seed=seed)
        steps.append(
            f"extract({extract_ratio}): kept {len(rows):,} of {len(series):,} rows, "
            "stratified by label"
        )

    def kept(column: pl.Series = series) -> pl.Series:
        # the column itself while no step has removed a row: no copy
        return column if len(rows) == len(column) else column.gather(rows)

    for step, arg in ((top_k_mask, max_classes), (filter_min_count, min_count)):
        if arg is None:
            continue
        mask, summary = step(kept(), arg, return_summary=True)
        rows = rows[mask]
        steps.append(summary)
    split = stratified_split(
        kept(),
        test_size=test_size,
        val_size=val_size,
        seed=seed,
        rare=rare,
        ids=None if keys is None else kept(keys),
    )
    assignment = np.full(len(series), LEFT_OUT, dtype=np.int8)
    assignment[rows] = split.assignment
    # indices in terms of the original rows
    split = Split(rows[split.train], rows[split.valid], rows[split.test], assignment, split.summary)
    return PreparedSplit(assignment, split, steps)
