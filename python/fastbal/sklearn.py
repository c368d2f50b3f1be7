"""scikit-learn cross-validators backed by fastbal (importing this module needs scikit-learn).

`StratifiedKFold`, `StratifiedShuffleSplit` and `StratifiedGroupKFold` take
scikit-learn's arguments and are scikit-learn cross-validators (subclasses of
`BaseCrossValidator` / `BaseShuffleSplit`): `clone`, `get_params` /
`set_params`, `repr`, `check_cv`, the search classes, metadata routing and
pickling work as with scikit-learn's own. The splits follow fastbal's
contract: exact sizes, every class of a test part present in its training
part, rows placed by a seeded hash rather than a random stream. The
deliberate differences are listed in docs/sklearn.md ("Where fastbal
deliberately differs").

>>> from fastbal.sklearn import StratifiedKFold
>>> y = [0] * 6 + [1] * 3
>>> cv = StratifiedKFold(n_splits=3)
>>> cv
StratifiedKFold(n_splits=3, random_state=None, rare='spread', shuffle=False)
>>> [len(test) for _, test in cv.split(None, y)]
[3, 3, 3]
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import BaseCrossValidator, BaseShuffleSplit
from sklearn.utils import check_consistent_length, check_random_state

from fastbal import (
    FastbalError,
    Labels,
    checks,
    multilabel_kfold,
    multilabel_split,
    stratified_group_kfold,
    stratified_kfold,
    stratified_split,
)
from fastbal.contract import mix64, split_seed

Indices = npt.NDArray[np.int64]


def _base_seed(random_state: Any) -> int:
    """A 64-bit seed from scikit-learn's `random_state`: an int is the seed
    itself; None (the global numpy generator) or a `RandomState` gives a fresh
    seed drawn from it, so each call differs as with scikit-learn."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return checks.seed(random_state)
    rng = check_random_state(random_state)
    return int(rng.randint(0, 2**63 - 1, dtype=np.int64))


def _target(y: Any, multi_output: bool) -> Any:
    """`y` as a label column: 1-D, a single column (2-D array, pandas or polars
    DataFrame), or, with `multi_output`, several columns joined per row."""
    if y is None:
        raise FastbalError("The 'y' parameter should not be None.")
    if hasattr(y, "columns") and hasattr(y, "shape"):  # a DataFrame
        if y.shape[1] == 1:
            return y.iloc[:, 0] if hasattr(y, "iloc") else y.to_series(0)
        y = np.asarray(y)
    if isinstance(y, (list, tuple)) or (hasattr(y, "ndim") and y.ndim == 2):
        arr = np.asarray(y)
        if arr.ndim == 2:
            if arr.shape[1] == 1:
                return arr[:, 0]
            if not multi_output:
                raise FastbalError(
                    "Supported target types are: ('binary', 'multiclass'). Got "
                    f"a target with {arr.shape[1]} columns instead."
                )
            # as scikit-learn: each distinct row is a class
            return np.array([" ".join(row.astype("str")) for row in arr])
    return y


def _n_samples(X: Any, y: Any, groups: Any) -> int:
    arrays = [a for a in (X, y, groups) if a is not None]
    check_consistent_length(*arrays)
    return len(y)


def _ignored_groups(cv: Any, groups: Any) -> None:
    if groups is not None:
        warnings.warn(
            f"The groups parameter is ignored by {type(cv).__name__}", UserWarning, stacklevel=3
        )


class _Params:
    """`get_params` / `set_params` from the constructor's signature, so
    `sklearn.base.clone` and parameter searches treat the splitter like an
    estimator."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Any:
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise FastbalError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {valid}"
                )
            setattr(self, name, value)
        return self


def _check_kfold_args(n_splits: Any, shuffle: Any, random_state: Any) -> None:
    """scikit-learn's checks of k-fold arguments, with its exception types."""
    if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral):
        raise FastbalError(
            f"The number of folds must be of Integral type. {n_splits!r} of type "
            f"{type(n_splits)} was passed."
        )
    if n_splits <= 1:
        raise FastbalError(
            "k-fold cross-validation requires at least one train/test split by setting "
            f"n_splits=2 or more, got n_splits={n_splits}."
        )
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False; got {shuffle}")
    if not shuffle and random_state is not None:
        raise FastbalError(
            "Setting a random_state has no effect since shuffle is False. You should leave "
            "random_state to its default (None), or set shuffle=True."
        )


def _check_class_counts(
    cv: Any, counts: npt.NDArray[np.int64], what: str, classes: Any = None
) -> None:
    """scikit-learn's refusal when no class fills every fold, and its warning
    when one does not; the warning says where fastbal puts those rows, and
    with `rare="spread"` names the one-row classes, which are missing from
    the training part of the fold that tests them."""
    n_splits = cv.n_splits
    if len(counts) and (counts < n_splits).all():
        raise FastbalError(
            f"n_splits={n_splits} cannot be greater than the number of members in each class."
        )
    if len(counts) and counts.min() < n_splits:
        where = {
            "train": "in the training part of every fold, never in a test fold",
            "drop": "left out of every fold",
            "spread": "spread over distinct test folds, one row in each",
        }.get(what, "")
        message = (
            f"The least populated class in y has only {int(counts.min())} members, which is "
            f"less than n_splits={n_splits}. "
            + (f"Classes with fewer rows than n_splits are {where}." if where else "")
        )
        if what == "spread" and classes is not None and (counts == 1).any():
            alone = classes[counts == 1].tolist()
            message += (
                f" {len(alone)} {'class has' if len(alone) == 1 else 'classes have'} a single "
                "row, missing from the training part of the fold that tests it: "
                + ", ".join(map(repr, alone[:20]))
                + (" ..." if len(alone) > 20 else "")
                + ' (rare="train" keeps such rows in every training part instead).'
            )
        warnings.warn(message, UserWarning, stacklevel=3)


def _seed_of(cv: Any) -> int:
    """The seed of a k-fold split: 0 (a fixed order) unless shuffling."""
    return _base_seed(cv.random_state) if cv.shuffle else 0


class StratifiedKFold(_Params, BaseCrossValidator):  # type: ignore[misc]
    """Stratified k-fold, as scikit-learn's class of that name.

    Rows are always placed by a seeded hash of their position: `shuffle=False`
    (the default) uses the fixed seed 0, so folds are deterministic but not
    contiguous blocks of rows; `shuffle=True` seeds by `random_state` (an int;
    None or a `RandomState` draws a fresh seed at each `split`, as
    scikit-learn reshuffles). Within a class, fold sizes differ by at most
    one row, and so do the global fold sizes.

    A class with fewer rows than `n_splits` draws scikit-learn's warning and
    then follows `rare`: "spread" (default) puts its rows one each in
    distinct test folds, so every row is in exactly one test fold (a
    partition, as scikit-learn's splitter and `cross_val_predict` need), and
    the warning names the one-row classes, missing from the training part
    of the fold that tests them; "train" keeps such rows in the training
    part of every fold and in no test fold, "drop" leaves them out, "error"
    refuses. Rows with a null label are in no fold.

    >>> from fastbal.sklearn import StratifiedKFold
    >>> import warnings
    >>> y = [0] * 6 + [1]
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     folds = list(StratifiedKFold(3).split(None, y))
    >>> import textwrap
    >>> print(textwrap.fill(str(caught[0].message), 88))
    The least populated class in y has only 1 members, which is less than n_splits=3.
    Classes with fewer rows than n_splits are spread over distinct test folds, one row in
    each. 1 class has a single row, missing from the training part of the fold that tests
    it: 1 (rare="train" keeps such rows in every training part instead).
    >>> [(test.tolist(), 6 in train) for train, test in folds]
    [([1, 5, 6], False), ([0, 4], True), ([2, 3], True)]
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     folds = list(StratifiedKFold(3, rare="train").split(None, y))
    >>> [(test.tolist(), 6 in train) for train, test in folds]
    [([1, 5], True), ([0, 4], True), ([2, 3], True)]
    """

    def __init__(
        self,
        n_splits: int = 5,
        *,
        shuffle: bool = False,
        random_state: Any = None,
        rare: str = "spread",
    ):
        _check_kfold_args(n_splits, shuffle, random_state)
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state
        self.rare = rare

    def split(self, X: Any, y: Any, groups: Any = None) -> Iterator[tuple[Indices, Indices]]:
        """Generate (train, test) row indices, fold by fold."""
        _ignored_groups(self, groups)
        return self._split(X, y)

    def _split(self, X: Any, y: Any) -> Iterator[tuple[Indices, Indices]]:
        y = _target(y, multi_output=False)
        n = _n_samples(X, y, None)
        if self.n_splits > n:
            raise FastbalError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than the "
                f"number of samples: n_samples={n}."
            )
        labels = Labels(y)
        _check_class_counts(self, labels.counts, self.rare, labels.classes)
        yield from stratified_kfold(labels, k=self.n_splits, seed=_seed_of(self), rare=self.rare)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds."""
        return int(self.n_splits)


class StratifiedShuffleSplit(_Params, BaseShuffleSplit):  # type: ignore[misc]
    """`n_splits` stratified train/test splits, as scikit-learn's class of that name.

    Each split is `fastbal.stratified_split` with the seed of split `i`
    mixed from (`random_state`, `i`) by a fixed 64-bit hash. Sizes: an int
    is a row count, a float a fraction of the labeled rows; the test size is
    rounded by largest remainder (scikit-learn rounds it up). With
    `train_size`, the rows in neither part are a stratified remainder. A
    class with a single row goes to train instead of raising. `test_size=0`
    and other empty parts are refused with scikit-learn's `ValueError`.

    >>> from fastbal.sklearn import StratifiedShuffleSplit
    >>> y = ["a"] * 8 + ["b"] * 4
    >>> cv = StratifiedShuffleSplit(n_splits=2, test_size=0.25, random_state=0)
    >>> [sorted(y[i] for i in test) for _, test in cv.split(None, y)]
    [['a', 'a', 'b'], ['a', 'a', 'b']]
    """

    def __init__(
        self,
        n_splits: int = 10,
        *,
        test_size: float | int | None = None,
        train_size: float | int | None = None,
        random_state: Any = None,
    ):
        super().__init__(
            n_splits=n_splits,
            test_size=test_size,
            train_size=train_size,
            random_state=random_state,
        )
        self._default_test_size = 0.1

    def _sizes(self, n: int) -> tuple[float | int, float | int]:
        """(test_size, val_size) for `stratified_split`, the valid part
        holding the rows in neither train nor test."""
        test, train = self.test_size, self.train_size
        if test is None and train is None:
            test = self._default_test_size

        def check(name: str, v: Any) -> None:
            if v is None:
                return
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise FastbalError(f"Invalid value for {name}: {v}")
            if isinstance(v, numbers.Integral):
                if not 0 < int(v) < n:
                    raise FastbalError(
                        f"{name}={v} should be either positive and smaller than the number of "
                        f"samples {n} or a float in the (0, 1) range"
                    )
            elif not 0 < float(v) < 1:
                raise FastbalError(
                    f"{name}={v} should be either positive and smaller than the number of "
                    f"samples {n} or a float in the (0, 1) range"
                )

        check("test_size", test)
        check("train_size", train)
        floats = all(v is None or not isinstance(v, numbers.Integral) for v in (test, train))
        if floats:
            t = float(test) if test is not None else 1.0 - float(train)
            r = float(train) if train is not None else 1.0 - t
            if t + r > 1:
                raise FastbalError(
                    f"The sum of test_size and train_size = {t + r}, should be in the (0, 1) "
                    "range. Reduce test_size and/or train_size."
                )
            rest = 1.0 - t - r
            return t, (0 if rest < 1e-12 else rest)

        def rows(v: Any) -> int:
            return int(v) if isinstance(v, numbers.Integral) else int(np.floor(v * n + 0.5))

        n_test = rows(test) if test is not None else n - rows(train)
        n_train = rows(train) if train is not None else n - n_test
        if n_test + n_train > n:
            raise FastbalError(
                f"The sum of train_size and test_size = {n_test + n_train}, should be smaller "
                f"than the number of samples {n}. Reduce test_size and/or train_size."
            )
        if n_train <= 0 or n_test <= 0:
            raise FastbalError(
                f"With n_samples={n}, test_size={self.test_size} and "
                f"train_size={self.train_size}, the resulting train or test set will be empty. "
                "Adjust any of the aforementioned parameters."
            )
        return n_test, n - n_test - n_train

    def split(self, X: Any, y: Any, groups: Any = None) -> Iterator[tuple[Indices, Indices]]:
        """Generate (train, test) row indices, split by split."""
        _ignored_groups(self, groups)
        return self._iter_indices(X, y)

    def _iter_indices(
        self, X: Any, y: Any, groups: Any = None
    ) -> Iterator[tuple[Indices, Indices]]:
        y = _target(y, multi_output=True)
        _n_samples(X, y, None)
        labels = Labels(y)
        n = int(labels.counts.sum())
        test, rest = self._sizes(n)
        if isinstance(test, float) and rest == 0 and round(n * (1 - test)) == 0:
            raise FastbalError(
                f"With n_samples={n}, test_size={self.test_size} and "
                f"train_size={self.train_size}, the resulting train set will be empty. "
                "Adjust any of the aforementioned parameters."
            )
        base = _base_seed(self.random_state)
        for i in range(int(self.n_splits)):
            s = stratified_split(labels, test_size=test, val_size=rest, seed=split_seed(base, i))
            yield s.train, s.test

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of splits."""
        return int(self.n_splits)


class StratifiedGroupKFold(_Params, BaseCrossValidator):  # type: ignore[misc]
    """Stratified k-fold keeping groups whole, as scikit-learn's class of that name.

    Backed by `fastbal.stratified_group_kfold`: the same placement in
    O(rows + cells x folds) instead of a Python loop over groups, with class
    shares at least as close on the data measured in benches/. Rows are
    ordered by a seeded hash of each group's value: `shuffle=False` uses the
    fixed seed 0; `shuffle=True` seeds by `random_state` as
    `StratifiedKFold` does. `groups` is required (a label-like column).

    >>> from fastbal.sklearn import StratifiedGroupKFold
    >>> y = [0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    >>> groups = [1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 5, 5, 6, 6, 7, 8, 8]
    >>> cv = StratifiedGroupKFold(n_splits=3)
    >>> [sorted({groups[i] for i in test}) for _, test in cv.split(None, y, groups)]
    [[2, 5], [3, 7, 8], [1, 4, 6]]
    """

    __metadata_request__split = {"groups": True}  # noqa: RUF012 (scikit-learn's spelling)

    def __init__(self, n_splits: int = 5, shuffle: bool = False, random_state: Any = None):
        _check_kfold_args(n_splits, shuffle, random_state)
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def split(self, X: Any, y: Any, groups: Any = None) -> Iterator[tuple[Indices, Indices]]:
        """Generate (train, test) row indices, fold by fold; no group crosses them."""
        if groups is None:
            raise FastbalError("The 'groups' parameter should not be None.")
        y = _target(y, multi_output=False)
        groups = _target(groups, multi_output=False)
        n = _n_samples(X, y, groups)
        if self.n_splits > n:
            raise FastbalError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than the "
                f"number of samples: n_samples={n}."
            )
        labels = Labels(y)
        _check_class_counts(self, labels.counts, "")
        yield from stratified_group_kfold(labels, groups, k=self.n_splits, seed=_seed_of(self))

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds."""
        return int(self.n_splits)


def _multilabel_rows(X: Any, y: Any) -> int:
    """The rows of a multilabel target (a matrix, sparse or not, or a list of
    label lists), checked against X."""
    if y is None:
        raise FastbalError("The 'y' parameter should not be None.")
    n = int(y.shape[0]) if hasattr(y, "shape") else len(y)
    if X is not None:
        check_consistent_length(X, np.zeros(n))
    return n


class MultilabelStratifiedKFold(_Params, BaseCrossValidator):  # type: ignore[misc]
    """Multilabel stratified k-fold, with iterative-stratification's
    `MultilabelStratifiedKFold` arguments: `fastbal.multilabel_kfold` on `y`.

    `y` is a 2-D 0/1 matrix (numpy or scipy.sparse) or any form
    `fastbal.multilabel_kfold` takes. The folds are a partition of the rows
    (of the non-null ones for label lists), their sizes differ by at most
    one row, and every label with at least `n_splits` positives is in every
    test fold wherever the sizes allow. `shuffle=False` uses the fixed seed
    0; `shuffle=True` seeds by `random_state` (an int; None or a
    `RandomState` draws a fresh seed at each `split`).

    >>> import numpy as np
    >>> from fastbal.sklearn import MultilabelStratifiedKFold
    >>> Y = np.array([[1, 0], [1, 1], [0, 1], [1, 0], [0, 1], [0, 0]])
    >>> cv = MultilabelStratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    >>> [Y[test].sum(axis=0).tolist() for _, test in cv.split(np.zeros((6, 1)), Y)]
    [[1, 1], [1, 1], [1, 1]]
    """

    def __init__(self, n_splits: int = 3, *, shuffle: bool = False, random_state: Any = None):
        _check_kfold_args(n_splits, shuffle, random_state)
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def split(self, X: Any, y: Any, groups: Any = None) -> Iterator[tuple[Indices, Indices]]:
        """Generate (train, test) row indices, fold by fold."""
        _ignored_groups(self, groups)
        return self._split(X, y)

    def _split(self, X: Any, y: Any) -> Iterator[tuple[Indices, Indices]]:
        n = _multilabel_rows(X, y)
        if self.n_splits > n:
            raise FastbalError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than the "
                f"number of samples: n_samples={n}."
            )
        yield from multilabel_kfold(y, k=self.n_splits, seed=_seed_of(self))

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds."""
        return int(self.n_splits)


class MultilabelStratifiedShuffleSplit(StratifiedShuffleSplit):
    """`n_splits` multilabel stratified train/test splits, with
    iterative-stratification's `MultilabelStratifiedShuffleSplit` arguments.

    Each split is `fastbal.multilabel_split` of `y` with the seed of split
    `i` mixed from (`random_state`, `i`); the sizes are read as in
    `StratifiedShuffleSplit` (default `test_size=0.1`).

    >>> import numpy as np
    >>> from fastbal.sklearn import MultilabelStratifiedShuffleSplit
    >>> Y = np.array([[1, 0], [1, 1], [0, 1], [1, 0], [0, 1], [0, 0], [1, 1], [0, 1]])
    >>> cv = MultilabelStratifiedShuffleSplit(n_splits=2, test_size=0.5, random_state=0)
    >>> [Y[test].sum(axis=0).tolist() for _, test in cv.split(np.zeros((8, 1)), Y)]
    [[2, 2], [2, 2]]
    """

    def _iter_indices(
        self, X: Any, y: Any, groups: Any = None
    ) -> Iterator[tuple[Indices, Indices]]:
        n = _multilabel_rows(X, y)
        test, rest = self._sizes(n)
        base = _base_seed(self.random_state)
        for i in range(int(self.n_splits)):
            s = multilabel_split(y, test_size=test, val_size=rest, seed=split_seed(base, i))
            yield s.train, s.test


__all__ = [
    "MultilabelStratifiedKFold",
    "MultilabelStratifiedShuffleSplit",
    "StratifiedGroupKFold",
    "StratifiedKFold",
    "StratifiedShuffleSplit",
    "mix64",
    "split_seed",
]
