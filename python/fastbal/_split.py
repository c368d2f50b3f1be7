"""Stratified train/valid/test split and k-fold with an exact, partition-invariant contract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from fastbal import _fastbal, _format, checks
from fastbal._labels import ClassArray, run, to_native

Indices = npt.NDArray[np.int64]
#: The split names in code order (the contract's, from the core).
SPLITS = _fastbal.SPLIT_NAMES


@dataclass(frozen=True)
class SplitSummary:
    """How a split came out: rows per class per split, and what was done with rare classes.

    `cells[i]` holds the train, valid and test rows of `classes[i]`.
    """

    classes: ClassArray
    cells: npt.NDArray[np.int64]
    rare_classes: list[Any]
    rare_action: str
    null_rows: int
    target: dict[str, int]
    sizes: dict[str, int]

    @property
    def classes_per_split(self) -> dict[str, int]:
        """Distinct classes with at least one row in each split."""
        return {s: int((self.cells[:, i] > 0).sum()) for i, s in enumerate(SPLITS)}

    @property
    def missing_from_train(self) -> list[Any]:
        """Classes present in valid or test but absent from train (always empty by contract)."""
        bad = (self.cells[:, 0] == 0) & (self.cells[:, 1:].sum(axis=1) > 0)
        missing: list[Any] = self.classes[bad].tolist()
        return missing

    @property
    def size_change(self) -> dict[str, int]:
        """Planned minus requested rows per split; non-zero only when keeping
        every class in every split needed it."""
        return {s: self.sizes[s] - self.target[s] for s in SPLITS}

    def _size_change_reasons(self) -> list[str]:
        """Why the planned sizes differ from the requested ones: rare classes
        kept whole in train, and/or classes given a row in every split."""
        target = np.array([self.target[s] for s in SPLITS], dtype=np.float64)
        per_class = self.cells.sum(axis=1)
        n = per_class.sum()
        rare = np.isin(self.classes, np.asarray(self.rare_classes, dtype=self.classes.dtype))
        quota = per_class[:, None] * target[None, :] / max(n, 1)
        forced = bool((np.abs(self.cells - quota)[~rare] >= 1).any())
        reasons = []
        if self.rare_classes and self.rare_action == "train":
            reasons.append("keep the rare classes whole in train")
        if forced or not reasons:
            reasons.append("keep every class in every split")
        return reasons

    def __str__(self) -> str:
        total = sum(self.sizes.values())
        parts = (
            ", ".join(
                f"{s} {self.sizes[s]:,} ({100 * self.sizes[s] / total:.1f}%, "
                f"{self.classes_per_split[s]} classes)"
                for s in SPLITS
            )
            if total
            else "no rows"
        )
        lines = [f"split: {parts}"]
        if any(self.size_change.values()):
            lines.append(
                f"sizes moved to {' and '.join(self._size_change_reasons())}: "
                + ", ".join(f"{s} {d:+d}" for s, d in self.size_change.items() if d)
            )
        if self.rare_classes:
            where = "left out" if self.rare_action == "drop" else "all in train"
            lines.append(
                f"{_format.plural(len(self.rare_classes), 'class')} too small for every split, "
                f"{where}: "
                + ", ".join(map(str, self.rare_classes[:20]))
                + (" ..." if len(self.rare_classes) > 20 else "")
            )
        if self.null_rows:
            lines.append(f"{_format.plural(self.null_rows, 'null row')} left out")
        lines.append(f"classes in valid/test missing from train: {len(self.missing_from_train)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sizes": self.sizes,
            "target": self.target,
            "classes_per_split": self.classes_per_split,
            "missing_from_train": self.missing_from_train,
            "rare_classes": self.rare_classes,
            "rare_action": self.rare_action,
            "null_rows": self.null_rows,
        }


@dataclass(frozen=True)
class Split:
    """A train/valid/test split: row indices per split and one code per row.

    `assignment` is int8: 0 train, 1 valid, 2 test, -1 left out (null label
    or dropped rare class). Iterating gives `train, valid, test`.
    """

    train: Indices
    valid: Indices
    test: Indices
    assignment: npt.NDArray[np.int8]
    summary: SplitSummary

    def __iter__(self) -> Iterator[Indices]:
        return iter((self.train, self.valid, self.test))

    def __repr__(self) -> str:
        return (
            f"Split(train={len(self.train):,}, valid={len(self.valid):,}, "
            f"test={len(self.test):,}, left_out={int((self.assignment < 0).sum()):,})"
        )


def stratified_split(
    x: Any,
    test_size: float | int = 0.2,
    val_size: float | int = 0.1,
    seed: int = 0,
    rare: str = "train",
    ids: Any = None,
    shuffle: bool = False,
) -> Split:
    """Split rows into train, valid and test, stratified by label, exactly.

    Sizes are fractions of the labeled rows, or row counts (ints). The
    contract:

    - exact sizes: the global sizes are the requested fractions of the
      eligible rows, apportioned by largest remainder (ties toward test, then
      valid); every class is within one row of its proportion in every
      split (a controlled rounding of the class x split table);
    - representation: a class with at least as many rows as there are
      non-empty splits has a row in each; smaller classes follow `rare`
      ("train": all in train; "drop": left out; "error": refuse, listing
      them). Never a silent fallback to a random split;
    - determinism: row i's split depends only on (seed, its key, its class,
      the class counts), where the key is its position or `ids[i]`; within a
      class the lowest-ranked rows go to test, then valid. Chunking and thread
      count never change the result; with `ids`, neither does row order.

    Null labels are left out (-1). `shuffle=True` returns each index array
    in a seeded order instead of sorted.

    >>> import fastbal
    >>> y = ["a"] * 10 + ["b"] * 5 + ["c"] * 2
    >>> s = fastbal.stratified_split(y, test_size=0.2, val_size=0.2, seed=42)
    >>> s
    Split(train=10, valid=3, test=4, left_out=0)
    >>> print(s.summary)
    split: train 10 (58.8%, 3 classes), valid 3 (17.6%, 2 classes), test 4 (23.5%, 2 classes)
    1 class too small for every split, all in train: c
    classes in valid/test missing from train: 0
    """
    r, info = run(
        _fastbal.stratified_split,
        x,
        checks.size(test_size),
        checks.size(val_size),
        seed=checks.seed(seed),
        rare=rare,
        ids=None if ids is None else to_native(ids),
        shuffle=bool(shuffle),
    )
    plan = r.plan
    summary = SplitSummary(
        classes=info.classes,
        cells=plan.cells.view(np.int64),
        rare_classes=info.classes[np.asarray(plan.rare, dtype=np.int64)].tolist(),
        rare_action="drop" if plan.rare_dropped else "train",
        null_rows=info.null_count,
        target=dict(zip(SPLITS, plan.target, strict=True)),
        sizes=dict(zip(SPLITS, plan.sizes, strict=True)),
    )
    return Split(r.train, r.valid, r.test, r.assignment, summary)


#: Fold code of a row of a rare class kept in training: in the training part
#: of every fold, never in a test fold (the contract's, from the core).
ALWAYS_TRAIN = _fastbal.ALWAYS_TRAIN


@dataclass(frozen=True)
class KFold:
    """Stratified k-fold: one fold id per row.

    `folds[i]` is row i's test fold, -1 for a null label or a dropped rare
    class, and -2 (`ALWAYS_TRAIN`) for a rare class kept in training: such
    rows are in the training part of every fold (with `rare="spread"`
    every labeled row has a test fold). Iterating gives
    `(train, valid)` index pairs, fold by fold. `plan[i, f]` is the number of
    rows of `classes[i]` in fold `f`.
    """

    folds: npt.NDArray[np.integer[Any]]
    plan: npt.NDArray[np.int64]
    classes: ClassArray
    #: classes with fewer rows than folds (in no test fold, unless spread)
    rare_classes: list[Any] = field(default_factory=list)

    @property
    def k(self) -> int:
        return int(self.plan.shape[1])

    def __len__(self) -> int:
        return self.k

    def __iter__(self) -> Iterator[tuple[Indices, Indices]]:
        in_train = (self.folds >= 0) | (self.folds == ALWAYS_TRAIN)
        for f in range(self.k):
            in_fold = self.folds == f
            yield np.flatnonzero(in_train & ~in_fold), np.flatnonzero(in_fold)

    def __repr__(self) -> str:
        sizes = self.plan.sum(axis=0).tolist()
        rare = f", {len(self.rare_classes)} rare classes" if self.rare_classes else ""
        return f"KFold(k={self.k}, fold sizes={sizes}{rare})"


def stratified_kfold(
    x: Any, k: int = 5, seed: int = 0, ids: Any = None, rare: str = "train"
) -> KFold:
    """Assign rows to `k` stratified folds.

    Within every class, fold sizes differ by at most one row; the extra rows
    rotate across classes so the global fold sizes differ by at most one.
    Rows are placed by their seeded rank within their class, as in
    `stratified_split`, with the same determinism.

    A class with fewer rows than folds cannot be in every test fold, and a
    row alone in a test fold would be missing from that fold's training part.
    Such classes follow `rare`: "train" (default) keeps them in the training
    part of every fold (fold code -2), "drop" leaves them out (-1), "error"
    refuses, listing them, and "spread" puts their rows one each in distinct
    test folds (the rotation that places the other classes' extra rows), so
    every labeled row is in exactly one test fold, as scikit-learn's
    `cross_val_predict` needs; a one-row class is then missing from the
    training part of the fold that tests it.

    >>> import fastbal
    >>> kf = fastbal.stratified_kfold(["a"] * 6 + ["b"] * 3, k=3, seed=0)
    >>> kf
    KFold(k=3, fold sizes=[3, 3, 3])
    >>> [len(valid) for _, valid in kf]
    [3, 3, 3]
    >>> kf = fastbal.stratified_kfold([0] * 6 + [1], k=3)
    >>> kf, kf.folds[6], kf.rare_classes
    (KFold(k=3, fold sizes=[2, 2, 2], 1 rare classes), np.int8(-2), [1])
    >>> [(len(train), len(test)) for train, test in kf]
    [(5, 2), (5, 2), (5, 2)]
    >>> kf = fastbal.stratified_kfold([0] * 6 + [1], k=3, rare="spread")
    >>> kf, kf.folds[6]
    (KFold(k=3, fold sizes=[3, 2, 2], 1 rare classes), np.int8(0))
    """
    k = checks.integer("k", k)
    k = min(max(k, -(2**63)), 2**63 - 1)  # the core names the allowed range
    r, info = run(
        _fastbal.stratified_kfold,
        x,
        k=k,
        seed=checks.seed(seed),
        ids=None if ids is None else to_native(ids),
        rare=rare,
    )
    folds: npt.NDArray[np.integer[Any]] = r.folds
    if k <= np.iinfo(np.int8).max:
        folds = folds.astype(np.int8)
    rare_classes = info.classes[np.asarray(r.plan.rare, dtype=np.int64)].tolist()
    return KFold(folds, r.plan.cells.view(np.int64), info.classes, rare_classes)
