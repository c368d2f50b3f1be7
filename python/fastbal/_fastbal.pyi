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
    "CutSearch",
    "FastbalError",
    "InfeasibleError",
    "InternalError",
    "InvalidInputError",
    "LabelCounter",
    "Labels",
    "OutputTooLargeError",
    "RareClassesError",
    "__version__",
    "batch_parts",
    "class_weights",
    "class_weights_from_counts",
    "keep_classes",
    "keep_mask",
    "oversample",
    "probe_batch",
    "row_keys",
    "rule_mask",
    "sample_sizes",
    "sample_weights",
    "split_plan",
    "stratified_group_kfold",
    "stratified_group_split",
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
    x: Any, k: int = 5, seed: int = 0, ids: Any = None, rare: str = "train"
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.uint64], list[int], _Meta | None]:
    """(fold per row (-1 left out, -2 in every training part), rows per class per fold,
    rare classes, meta)."""

#: (target rows per split, rows per split, groups per split, lone classes,
#: values of the groups larger than the smallest split, their rows)
_GroupReport = tuple[list[int], list[int], list[int], list[int], Any, list[int]]

def stratified_group_split(
    x: Any, groups: Any, test_size: float | int, val_size: float | int, seed: int = 0
) -> tuple[
    npt.NDArray[np.int8],
    tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]],
    npt.NDArray[np.uint64],
    _GroupReport,
    _Meta | None,
]:
    """(assignment, (train, valid, test), cells, report, meta)."""

def stratified_group_kfold(
    x: Any, groups: Any, k: int = 5, seed: int = 0
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.uint64], _GroupReport, _Meta | None]:
    """(fold per row, rows per class per fold, report, meta)."""

def class_weights(
    x: Any,
    strategy: str = "balanced",
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
) -> tuple[npt.NDArray[np.float64], _Meta | None]:
    """(weight per class, meta)."""

def class_weights_from_counts(
    counts: npt.NDArray[np.int64],
    strategy: str = "balanced",
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
) -> npt.NDArray[np.float64]:
    """Weight per class from rows per class (positive, in the order given)."""

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

_Probes = tuple[
    npt.NDArray[np.uint32], npt.NDArray[np.uint64], npt.NDArray[np.uint64], npt.NDArray[np.bool_]
]
_Report = tuple[
    npt.NDArray[np.uint64],
    npt.NDArray[np.uint64],
    npt.NDArray[np.uint32],
    npt.NDArray[np.uint64],
    npt.NDArray[np.uint64],
]

@final
class LabelCounter:
    """Class counts over every batch seen, keyed by class value; mergeable."""

    def __new__(cls) -> LabelCounter: ...
    def update(self, x: Any) -> None:
        """Count one batch of labels and add its counts."""
    def merge(self, other: LabelCounter) -> None:
        """Add another counter's counts."""
    @staticmethod
    def from_parts(classes: Any, counts: npt.NDArray[np.uint64], null_count: int) -> LabelCounter:
        """A counter holding given counts (classes sorted and distinct)."""
    @property
    def classes(self) -> Any:
        """The classes seen, sorted: an int64/uint64 array or a list of str."""
    @property
    def counts(self) -> npt.NDArray[np.uint64]:
        """Rows per class, in class order."""
    @property
    def null_count(self) -> int: ...
    @property
    def value_type(self) -> str:
        """Type of the label values: a numpy dtype name or "str"."""
    def order_by_count(self) -> npt.NDArray[np.uint32]:
        """Class positions by count, descending, ties by class value."""
    def codes(self, x: Any) -> npt.NDArray[np.uint32]:
        """Class code of each row of a batch among the classes (2**32 - 1: no label)."""
    def __len__(self) -> int: ...

@final
class CutSearch:
    """The search for the rank keys at per-class cut ranks of a column seen in batches."""

    def __new__(
        cls,
        counts: npt.NDArray[np.uint64],
        ranks: npt.NDArray[np.uint64],
        gather_limit: int | None = None,
    ) -> CutSearch: ...
    @property
    def done(self) -> bool: ...
    @property
    def passes(self) -> int: ...
    def probes(self) -> _Probes:
        """The next pass's probes: (class, lo, hi, gather)."""
    def advance(
        self,
        below: npt.NDArray[np.uint64],
        hist: npt.NDArray[np.uint64],
        probe: npt.NDArray[np.uint32],
        hash: npt.NDArray[np.uint64],
        row: npt.NDArray[np.uint64],
    ) -> None:
        """Take the merged report of every batch on the last probes."""
    def thresholds(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
        """The keys at the cut ranks: (hash, row), each of shape (classes, cuts)."""

def probe_batch(
    codes: npt.NDArray[np.uint32],
    probes: _Probes,
    seed: int,
    offset: int,
    ids: npt.NDArray[np.uint64] | None = None,
) -> _Report:
    """(below, hist, gathered probe, gathered hash, gathered row) over one batch."""

def batch_parts(
    codes: npt.NDArray[np.uint32],
    thresholds: tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]],
    seed: int,
    offset: int,
    ids: npt.NDArray[np.uint64] | None = None,
) -> npt.NDArray[np.uint8]:
    """Part of each row of a batch under cut keys (255: no label)."""

def row_keys(ids: Any) -> npt.NDArray[np.uint64]:
    """The 64-bit key of each row of an id column; refuses null and duplicate ids."""

def split_plan(
    counter: LabelCounter, test_size: float | int, val_size: float | int, rare: str = "train"
) -> tuple[
    npt.NDArray[np.uint64], npt.NDArray[np.uint64], tuple[list[int], bool, list[int], list[int]]
]:
    """(cells [class x split], cut ranks [class x 3], (rare, dropped, target, sizes))."""

def keep_classes(counts: npt.NDArray[np.uint64], rule: str, k: int) -> npt.NDArray[np.bool_]:
    """One flag per class from a mask rule on counts."""

def sample_sizes(
    counts: npt.NDArray[np.uint64], n: int | None = None, fraction: float | None = None
) -> npt.NDArray[np.uint64]:
    """Rows per class of a stratified sample of n rows or a fraction of the labeled rows."""
