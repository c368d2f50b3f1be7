"""The compiled core of fastbal (Rust, PyO3). Use the `fastbal` package instead.

Every function takes labels as the extension reads them: a `Labels`, a
1-D contiguous native numpy integer or float array, a 2-D uint32 array of
UCS-4 strings, or an object with the Arrow PyCapsule interface. Functions
given a column (not a `Labels`) also return its `Meta`: classes (sorted),
rows per class, null rows and the type of the label values.
"""

from typing import Any, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEBUG_BUILD",
    "FastbalError",
    "InfeasibleError",
    "InternalError",
    "InvalidInputError",
    "Labels",
    "OutputTooLargeError",
    "RareClassesError",
    "__version__",
    "class_weights",
    "keep_mask",
    "oversample",
    "rule_mask",
    "sample_weights",
    "stratified_kfold",
    "stratified_sample",
    "stratified_split",
    "text_length_histogram",
    "undersample",
    "value_counts",
]

__version__: str
DEBUG_BUILD: bool

class FastbalError(ValueError):
    """A request fastbal refuses: a bad argument, or data that cannot satisfy it."""

class RareClassesError(FastbalError):
    """Classes too small to appear in every split (``rare="error"``)."""

    #: the values of those classes
    classes: list[Any]
    #: the rows each would need: one per non-empty split
    min_rows: int

class InfeasibleError(FastbalError):
    """The data cannot satisfy the request: more rows or folds asked than exist."""

class InvalidInputError(FastbalError):
    """The input cannot be read as labels (malformed Arrow data, invalid text, ...)."""

class OutputTooLargeError(FastbalError):
    """An output too large to allocate, refused before anything was allocated."""

class InternalError(RuntimeError):
    """An internal check of fastbal failed: a bug."""

#: (classes: int64/uint64 array or list of str, counts, null rows, value type)
_Meta = tuple[Any, npt.NDArray[np.uint64], int, str]

@final
class Labels:
    """A factorized label column: codes per row, counts and classes."""

    def __new__(cls, x: Any) -> Labels: ...
    def codes(self) -> npt.NDArray[np.int64]:
        """Class code per row, -1 for a missing label (a copy)."""
    @property
    def counts(self) -> npt.NDArray[np.uint64]:
        """Rows per class, in class order."""
    @property
    def classes(self) -> Any:
        """The class values, sorted: an int64/uint64 array or a list of str."""
    @property
    def null_count(self) -> int: ...
    @property
    def value_type(self) -> str:
        """Type of the label values: a numpy dtype name or "str"."""
    def __len__(self) -> int: ...

def value_counts(x: Any) -> tuple[Any, npt.NDArray[np.uint64], int, str]:
    """(classes, counts, null rows, value type), most frequent first, ties by class value."""

def rule_mask(
    x: Any, rule: str, k: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], _Meta | None]:
    """(row mask, class flags, meta) for rule "min_count", "max_count" or "top_k"."""

def keep_mask(x: Any, keep: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.bool_], _Meta | None]:
    """(row mask, meta) from one flag per class."""

def stratified_sample(
    x: Any, n: int | None = None, fraction: float | None = None, seed: int = 0
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64], _Meta | None]:
    """(sorted rows, rows per class, meta) of a stratified sample."""

def stratified_split(
    x: Any,
    test_size: float | int,
    val_size: float | int,
    seed: int = 0,
    rare: str = "train",
    ids: Any = None,
    shuffle: bool = False,
) -> tuple[
    npt.NDArray[np.int8],
    tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]],
    npt.NDArray[np.uint64],
    tuple[list[int], bool, list[int], list[int]],
    _Meta | None,
]:
    """(assignment, (train, valid, test), cells, (rare, dropped, target, sizes), meta)."""

def stratified_kfold(
    x: Any, k: int = 5, seed: int = 0, ids: Any = None
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.uint64], _Meta | None]:
    """(fold per row, rows per class per fold, meta)."""

def class_weights(
    x: Any,
    strategy: str = "balanced",
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
) -> tuple[npt.NDArray[np.float64], _Meta | None]:
    """(weight per class, meta)."""

def sample_weights(
    x: Any,
    strategy: str = "balanced",
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], _Meta | None]:
    """(weight per row, weight per class, meta)."""

def undersample(x: Any, targets: npt.NDArray[np.uint64], seed: int = 0) -> npt.NDArray[np.int64]:
    """Sorted rows kept when class c is cut to targets[c] rows."""

def oversample(x: Any, extra: npt.NDArray[np.uint64], seed: int = 0) -> npt.NDArray[np.int64]:
    """Every labeled row, then extra[c] rows of class c drawn with replacement."""

def text_length_histogram(
    x: Any, texts: Any
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[np.uint64], _Meta | None]:
    """(class codes, text lengths in characters, rows, meta), sorted by class then length."""
