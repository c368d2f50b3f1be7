"""Stratified train/valid/test split and k-fold that keep groups whole."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fastbal import _fastbal, _format, checks
from fastbal._labels import ClassArray, run, to_native
from fastbal._split import SPLITS, Indices


def _group_values(raw: Any) -> list[Any]:
    """Group values as plain Python objects (ints or str)."""
    return list(raw) if isinstance(raw, list) else np.asarray(raw).tolist()


@dataclass(frozen=True)
class GroupSplitSummary:
    """How a split that keeps groups whole came out, and why it differs from the request.

    `cells[i, s]` holds the rows of `classes[i]` in split `splits[s]`.
    Groups move whole, so split sizes and class shares can only be as close
    to the request as the group sizes allow: `large_groups` lists the groups
    bigger than the smallest split asked for, and `lone_classes` the classes
    whose rows lie in fewer groups than there are splits (they cannot be in
    every split).
    """

    splits: tuple[str, ...]
    #: the share of the rows asked for each split
    shares: dict[str, float]
    classes: ClassArray
    cells: npt.NDArray[np.int64]
    target: dict[str, int]
    sizes: dict[str, int]
    groups: dict[str, int]
    lone_classes: list[Any]
    large_groups: dict[Any, int]
    null_rows: int

    @property
    def size_change(self) -> dict[str, int]:
        """Rows received minus rows asked for, per split."""
        return {s: self.sizes[s] - self.target[s] for s in self.splits}

    def class_deviation(self) -> npt.NDArray[np.float64]:
        """Per class, the largest gap over the splits between the share of
        the class's rows in a split and the share asked for the split (0.02
        is two percentage points)."""
        want = np.array([self.shares[s] for s in self.splits])
        n = self.cells.sum(axis=1, keepdims=True)
        got = self.cells / np.maximum(n, 1)
        out: npt.NDArray[np.float64] = np.abs(got - want).max(axis=1, initial=0.0)
        return out

    @property
    def missing_from_train(self) -> list[Any]:
        """Classes in valid or test with no row in train (a split, not a k-fold)."""
        if self.splits != SPLITS:
            return []
        bad = (self.cells[:, 0] == 0) & (self.cells[:, 1:].sum(axis=1) > 0)
        missing: list[Any] = self.classes[bad].tolist()
        return missing

    def __str__(self) -> str:
        total = sum(self.sizes.values())
        kind = "group split" if self.splits == SPLITS else f"group {len(self.splits)}-fold"
        if not total:
            return f"{kind}: no rows"
        present = (self.cells > 0).sum(axis=0).tolist()
        width = max(len(s) for s in self.splits)
        digits = len(f"{max(self.sizes.values()):,}")
        lines = [f"{kind}: {total:,} rows in {sum(self.groups.values()):,} groups"]
        for i, s in enumerate(self.splits):
            lines.append(
                f"  {s:<{width}} {self.sizes[s]:>{digits},} rows "
                f"({100 * self.sizes[s] / total:4.1f}%), "
                f"{_format.plural(present[i], 'class')}, {_format.plural(self.groups[s], 'group')}"
            )
        change = self.size_change
        if any(change.values()):
            lines.append(
                "rows off the requested sizes (groups move whole): "
                + ", ".join(f"{s} {d:+,}" for s, d in change.items() if d)
            )
        dev = self.class_deviation()
        if len(dev):
            worst = int(np.argmax(dev))
            lines.append(
                f"class shares off the request by {100 * dev.mean():.2f} points on average, "
                f"at most {100 * dev[worst]:.2f} ({self.classes[worst : worst + 1].tolist()[0]!r})"
            )
        if self.large_groups:
            shown = list(self.large_groups.items())[:5]
            lines.append(
                f"{_format.plural(len(self.large_groups), 'group')} larger than the smallest "
                "split asked for: "
                + ", ".join(f"{g!r} ({n:,} rows)" for g, n in shown)
                + (" ..." if len(self.large_groups) > 5 else "")
            )
        if self.lone_classes:
            lines.append(
                f"{_format.plural(len(self.lone_classes), 'class')} in fewer groups than "
                "splits, so not in every split: "
                + ", ".join(map(str, self.lone_classes[:20]))
                + (" ..." if len(self.lone_classes) > 20 else "")
            )
        if self.null_rows:
            lines.append(f"{_format.plural(self.null_rows, 'null row')} left out")
        if self.splits == SPLITS:
            lines.append(
                f"classes in valid/test missing from train: {len(self.missing_from_train)}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        dev = self.class_deviation()
        return {
            "target": self.target,
            "sizes": self.sizes,
            "groups": self.groups,
            "class_deviation_mean": float(dev.mean()) if len(dev) else 0.0,
            "class_deviation_max": float(dev.max()) if len(dev) else 0.0,
            "lone_classes": self.lone_classes,
            "large_groups": self.large_groups,
            "null_rows": self.null_rows,
        }


def _summary(
    splits: tuple[str, ...], shares: list[float] | None, plan: _fastbal.GroupPlan, info: Any
) -> GroupSplitSummary:
    target, cells = plan.target, plan.cells
    if shares is None:  # row counts asked: their share of the labeled rows
        shares = [t / max(sum(target), 1) for t in target]
    return GroupSplitSummary(
        splits=splits,
        shares=dict(zip(splits, shares, strict=True)),
        classes=info.classes,
        cells=cells.view(np.int64),
        target=dict(zip(splits, target, strict=True)),
        sizes=dict(zip(splits, plan.sizes, strict=True)),
        groups=dict(zip(splits, plan.groups, strict=True)),
        lone_classes=info.classes[np.asarray(plan.lone_classes, dtype=np.int64)].tolist(),
        large_groups=dict(
            zip(_group_values(plan.large_groups), plan.large_group_rows, strict=True)
        ),
        null_rows=info.null_count,
    )


def _groups(groups: Any) -> Any:
    return to_native(groups)


@dataclass(frozen=True)
class GroupSplit:
    """A train/valid/test split with every group in one split.

    `assignment` is int8: 0 train, 1 valid, 2 test, -1 left out (null
    label). Iterating gives `train, valid, test`.
    """

    train: Indices
    valid: Indices
    test: Indices
    assignment: npt.NDArray[np.int8]
    summary: GroupSplitSummary

    def __iter__(self) -> Iterator[Indices]:
        return iter((self.train, self.valid, self.test))

    def __repr__(self) -> str:
        return (
            f"GroupSplit(train={len(self.train):,}, valid={len(self.valid):,}, "
            f"test={len(self.test):,}, left_out={int((self.assignment < 0).sum()):,})"
        )


def stratified_group_split(
    x: Any,
    groups: Any,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    seed: int = 0,
) -> GroupSplit:
    """Split rows into train, valid and test, stratified by label, keeping groups whole.

    Rows that share a group (a document, a customer, a patient) all go to the
    same split, so no group leaks between train and evaluation. `groups` is
    any label-like column (integers, strings, a dictionary / categorical) of
    the same length as `x`; a null group is refused. Sizes are read as in
    `stratified_split`: fractions of the labeled rows, or row counts.

    Groups are placed largest first (equal sizes in an order set by the seed
    and each group's value), each in the split where it brings the rows of
    every class closest to their share, and the split sizes closest to the
    request. The result depends only on the seed, the group values and the
    rows each group holds per class: not on row order or the thread count.
    Groups move whole, so sizes and shares are as close as group sizes allow;
    the summary says how far they are and why.

    >>> import fastbal
    >>> y = ["a", "a", "b", "a", "b", "b", "a", "a", "b", "a"] * 10
    >>> patient = [f"p{i // 2}" for i in range(100)]  # two rows per patient
    >>> s = fastbal.stratified_group_split(y, patient, test_size=0.2, val_size=0.1, seed=0)
    >>> s
    GroupSplit(train=70, valid=10, test=20, left_out=0)
    >>> print(s.summary)
    group split: 100 rows in 50 groups
      train 70 rows (70.0%), 2 classes, 35 groups
      valid 10 rows (10.0%), 2 classes, 5 groups
      test  20 rows (20.0%), 2 classes, 10 groups
    class shares off the request by 0.00 points on average, at most 0.00 ('a')
    classes in valid/test missing from train: 0
    """
    test, val = checks.size(test_size), checks.size(val_size)
    r, info = run(
        _fastbal.stratified_group_split, x, _groups(groups), test, val, seed=checks.seed(seed)
    )
    fractions = isinstance(test, float) and isinstance(val, float)
    shares = [1 - test - val, val, test] if fractions else None
    summary = _summary(SPLITS, shares, r.plan, info)
    return GroupSplit(r.train, r.valid, r.test, r.assignment, summary)


@dataclass(frozen=True)
class GroupKFold:
    """Stratified k-fold with every group in one fold: a fold id per row (-1
    for a null label). Iterating gives `(train, valid)` index pairs."""

    folds: npt.NDArray[np.integer[Any]]
    summary: GroupSplitSummary

    @property
    def k(self) -> int:
        return len(self.summary.splits)

    @property
    def plan(self) -> npt.NDArray[np.int64]:
        """Rows of each class (`summary.classes`) in each fold."""
        return self.summary.cells

    def __len__(self) -> int:
        return self.k

    def __iter__(self) -> Iterator[tuple[Indices, Indices]]:
        labeled = self.folds >= 0
        for f in range(self.k):
            in_fold = self.folds == f
            yield np.flatnonzero(labeled & ~in_fold), np.flatnonzero(in_fold)

    def __repr__(self) -> str:
        return f"GroupKFold(k={self.k}, fold sizes={list(self.summary.sizes.values())})"


def stratified_group_kfold(x: Any, groups: Any, k: int = 5, seed: int = 0) -> GroupKFold:
    """Assign rows to `k` stratified folds, keeping every group in one fold.

    The placement is that of `stratified_group_split`, with `k` folds of
    `n / k` rows each as the request. Needs at least `k` groups with a
    labeled row.

    >>> import fastbal
    >>> y = [0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    >>> groups = [1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 5, 5, 6, 6, 7, 8, 8]
    >>> kf = fastbal.stratified_group_kfold(y, groups, k=3, seed=0)
    >>> kf
    GroupKFold(k=3, fold sizes=[6, 6, 5])
    >>> for train, test in kf:
    ...     print(sorted({groups[i] for i in test}), "class 1 rows:", sum(y[i] for i in test))
    [2, 5] class 1 rows: 2
    [3, 7, 8] class 1 rows: 3
    [1, 4, 6] class 1 rows: 1
    >>> print(kf.summary)
    group 3-fold: 17 rows in 8 groups
      fold 0 6 rows (35.3%), 2 classes, 2 groups
      fold 1 6 rows (35.3%), 2 classes, 3 groups
      fold 2 5 rows (29.4%), 2 classes, 3 groups
    class shares off the request by 11.36 points on average, at most 16.67 (1)
    """
    k = checks.count("k", k)
    r, info = run(_fastbal.stratified_group_kfold, x, _groups(groups), k=k, seed=checks.seed(seed))
    folds: npt.NDArray[np.integer[Any]] = r.folds
    if k <= np.iinfo(np.int8).max:
        folds = folds.astype(np.int8)
    names = tuple(f"fold {f}" for f in range(k))
    return GroupKFold(folds, _summary(names, [1 / k] * k, r.plan, info))


__all__ = [
    "GroupKFold",
    "GroupSplit",
    "GroupSplitSummary",
    "stratified_group_kfold",
    "stratified_group_split",
]
