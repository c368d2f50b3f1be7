"""scikit-learn cross-validation splitters backed by fastbal.

They follow scikit-learn's splitter protocol (`split(X, y, groups)` and
`get_n_splits`), so they work wherever scikit-learn takes `cv=`, with
fastbal's contract: exact sizes, every class of test present in train,
results independent of row order when ids are given.

>>> from fastbal.sklearn import StratifiedKFold
>>> y = [0] * 6 + [1] * 3
>>> [len(test) for _, test in StratifiedKFold(n_splits=3).split(None, y)]
[3, 3, 3]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from fastbal._labels import Labels
from fastbal._split import stratified_kfold, stratified_split

Indices = npt.NDArray[np.int64]


def _seed(random_state: Any) -> int:
    if random_state is None:
        return 0
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    raise TypeError("random_state must be an int or None (fastbal splits are hash-seeded)")


class StratifiedShuffleSplit:
    """`n_splits` stratified train/test splits, as scikit-learn's class of that name.

    Split `i` uses seed `random_state + i`. Classes with a single row go to
    train instead of raising.
    """

    def __init__(
        self, n_splits: int = 10, *, test_size: float | int = 0.1, random_state: int | None = None
    ):
        self.n_splits = n_splits
        self.test_size = test_size
        self.random_state = random_state

    def split(self, X: Any, y: Any, groups: Any = None) -> Iterator[tuple[Indices, Indices]]:
        labels = Labels(y)
        for i in range(self.n_splits):
            s = stratified_split(
                labels, test_size=self.test_size, val_size=0, seed=_seed(self.random_state) + i
            )
            yield s.train, s.test

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits


class StratifiedKFold:
    """Stratified k-fold, as scikit-learn's class of that name (always shuffled by seed)."""

    def __init__(self, n_splits: int = 5, *, random_state: int | None = None):
        self.n_splits = n_splits
        self.random_state = random_state

    def split(self, X: Any, y: Any, groups: Any = None) -> Iterator[tuple[Indices, Indices]]:
        yield from stratified_kfold(y, k=self.n_splits, seed=_seed(self.random_state))

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits
