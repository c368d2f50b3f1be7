"""imbalanced-learn samplers backed by fastbal (importing this module needs scikit-learn).

`RandomOverSampler` and `RandomUnderSampler` take imbalanced-learn's
arguments and work inside an `imblearn.pipeline.Pipeline` (and with
`clone`, `get_params` / `set_params` and the search classes). The rows per
class are those of imbalanced-learn for every `sampling_strategy` spelling;
which rows are drawn differs (fastbal's seeded hash instead of a random
stream). `X` is indexed once with the drawn row indices, never copied before.

>>> import numpy as np
>>> from fastbal.imblearn import RandomUnderSampler
>>> X = np.arange(12).reshape(6, 2)
>>> y = np.array([0, 0, 0, 0, 1, 1])
>>> rus = RandomUnderSampler(random_state=0)
>>> X_res, y_res = rus.fit_resample(X, y)
>>> y_res.tolist(), rus.sampling_strategy_
([0, 0, 1, 1], {0: 2})
>>> bool((X_res == X[rus.sample_indices_]).all())
True
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from fastbal import FastbalError, ResamplePlan, checks, resample_plan


def _seed(random_state: Any) -> int:
    """An int seeds directly; None or a `RandomState` gives a seed drawn from it."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return checks.seed(random_state)
    return int(check_random_state(random_state).randint(0, 2**63 - 1, dtype=np.int64))


def _take(data: Any, idx: npt.NDArray[np.int64]) -> Any:
    """Rows `idx` of `data`, in its own type (pandas, polars, sparse, numpy)."""
    if hasattr(data, "iloc"):
        return data.iloc[idx]
    if hasattr(data, "__getitem__") and hasattr(data, "shape"):
        return data[idx]  # numpy, scipy sparse, polars
    return np.asarray(data)[idx]


def _n_rows(data: Any) -> int:
    shape = getattr(data, "shape", None)
    return int(shape[0]) if shape is not None else len(data)


class _RandomSampler(BaseEstimator):  # type: ignore[misc]
    """The shared machinery of the two samplers."""

    _estimator_type = "sampler"
    _kind = "over"

    sampling_strategy: Any
    random_state: Any

    def _plan(self, y: Any, params: dict[str, Any]) -> ResamplePlan:
        y = y.to_numpy() if hasattr(y, "to_numpy") else y
        plan = resample_plan(y, self.sampling_strategy, self._kind, **params)
        targets, counts = plan.targets, plan.counts
        wrong = targets < counts if self._kind == "over" else targets > counts
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            verb = "over" if self._kind == "over" else "under"
            raise FastbalError(
                f"{verb}-sampling cannot take class {plan.classes[i : i + 1].tolist()[0]!r} "
                f"from {counts[i]} to {targets[i]} rows"
            )
        return plan

    def _check(self, X: Any, y: Any) -> None:
        if _n_rows(X) != _n_rows(y):
            raise FastbalError(
                "Found input variables with inconsistent numbers of samples: "
                f"[{_n_rows(X)}, {_n_rows(y)}]"
            )
        shape = getattr(X, "shape", None)
        if shape is not None and len(shape) == 2:
            self.n_features_in_ = int(shape[1])

    def fit(self, X: Any, y: Any, **params: Any) -> Any:
        """Compute `sampling_strategy_` without resampling (use `fit_resample`)."""
        self._check(X, y)
        self.sampling_strategy_ = self._strategy_dict(self._plan(y, params))
        return self

    def fit_resample(self, X: Any, y: Any, **params: Any) -> tuple[Any, Any]:
        """Resample: `(X[sample_indices_], y[sample_indices_])`.

        `params` are passed to a callable `sampling_strategy` with the labels.
        """
        self._check(X, y)
        plan = self._plan(y, params)
        self.sampling_strategy_ = self._strategy_dict(plan)
        idx = self._indices(plan, _seed(self.random_state))
        self.sample_indices_ = idx
        return _take(X, idx), _take(y, idx)

    def _strategy_dict(self, plan: ResamplePlan) -> dict[Any, int]:
        raise NotImplementedError

    def _indices(self, plan: ResamplePlan, seed: int) -> npt.NDArray[np.int64]:
        raise NotImplementedError

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


class RandomOverSampler(_RandomSampler):
    """Over-sample by drawing rows of the smaller classes with replacement,
    as imbalanced-learn's class of that name.

    `sampling_strategy`: "auto" (= "not majority"), "minority", "not
    minority", "not majority", "all", a float (two classes: the wanted
    minority / majority ratio), a `{class: rows}` dict, or a callable taking
    `y` (and the keyword arguments given to `fit_resample`) and returning
    such a dict. A list is refused with `ValueError`, as imbalanced-learn
    does, and so is a dict that lowers a class. A float that would have to
    remove rows raises `ValueError`; one that adds none leaves `X` and `y`
    as they are (imbalanced-learn raises there too). `shrinkage` (smoothed bootstrap) is
    not offered: only None is accepted.

    Every labeled row is kept once, in order, followed by the drawn rows
    class by class: `sample_indices_`. Rows with a null label are left out.

    >>> from fastbal.imblearn import RandomOverSampler
    >>> y = ["a"] * 5 + ["b"] * 2
    >>> X = [[i] for i in range(7)]
    >>> ros = RandomOverSampler(random_state=0)
    >>> X_res, y_res = ros.fit_resample(X, y)
    >>> sorted(y_res.tolist()).count("b"), ros.sampling_strategy_
    (5, {'b': 3})
    >>> ros.sample_indices_[:7].tolist()
    [0, 1, 2, 3, 4, 5, 6]
    """

    _kind = "over"

    def __init__(
        self, *, sampling_strategy: Any = "auto", random_state: Any = None, shrinkage: Any = None
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.shrinkage = shrinkage

    def _plan(self, y: Any, params: dict[str, Any]) -> ResamplePlan:
        if self.shrinkage is not None:
            raise FastbalError(
                "fastbal's RandomOverSampler draws existing rows and has no smoothed "
                f"bootstrap: shrinkage must be None; got {self.shrinkage!r}"
            )
        return super()._plan(y, params)

    def _strategy_dict(self, plan: ResamplePlan) -> dict[Any, int]:
        extra = plan.targets - plan.counts
        return {c: int(e) for c, e in zip(plan.classes.tolist(), extra, strict=True) if e > 0}

    def _indices(self, plan: ResamplePlan, seed: int) -> npt.NDArray[np.int64]:
        return plan.indices(seed)


class RandomUnderSampler(_RandomSampler):
    """Under-sample the larger classes, as imbalanced-learn's class of that name.

    `sampling_strategy` as in `RandomOverSampler`, with "majority" instead of
    "minority" and "auto" = "not minority". Without `replacement` (default)
    a cut class keeps its lowest-ranked rows under the seed (as
    `fastbal.undersample`); with `replacement=True` its rows are drawn with
    replacement. `sample_indices_` are sorted: the rows kept, in their
    order, then (with replacement) the drawn rows class by class.

    >>> from fastbal.imblearn import RandomUnderSampler
    >>> y = [0] * 6 + [1] * 2
    >>> rus = RandomUnderSampler(random_state=0, replacement=True)
    >>> _, y_res = rus.fit_resample([[v] for v in y], y)
    >>> y_res.tolist()
    [1, 1, 0, 0]
    """

    _kind = "under"

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        replacement: bool = False,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.replacement = replacement

    def _strategy_dict(self, plan: ResamplePlan) -> dict[Any, int]:
        cut = plan.targets < plan.counts
        return {
            c: int(t) for c, t, k in zip(plan.classes.tolist(), plan.targets, cut, strict=True) if k
        }

    def _indices(self, plan: ResamplePlan, seed: int) -> npt.NDArray[np.int64]:
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement must be True or False; got {self.replacement!r}")
        return plan.indices(seed, replacement=self.replacement)


__all__ = ["RandomOverSampler", "RandomUnderSampler"]
