"""The compiled core of fastbal (Rust, PyO3). Use the `fastbal` package instead.

Every function takes labels as the extension reads them: a `Labels`, a
1-D contiguous native numpy integer or float array, a 2-D uint32 array of
UCS-4 strings, or an object with the Arrow PyCapsule interface. Results are
frozen objects with named fields; a result computed on a column (not a
`Labels`) carries the column's `ClassCounts` as `meta`: classes (sorted),
rows per class, null rows and the type of the label values.
"""

from typing import Any, Final, Literal, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "ALWAYS_TRAIN",
    "DEBUG_BUILD",
    "LEFT_OUT",
    "SPLIT_NAMES",
    "SPLIT_PART_CODES",
    "ClassCounts",
    "ClassWeightsResult",
    "CutSearch",
    "DuplicatesResult",
    "FastbalError",
    "GroupKFoldResult",
    "GroupPlan",
    "GroupSplitResult",
    "InfeasibleError",
    "InternalError",
    "InvalidInputError",
    "KFoldPlan",
    "KFoldResult",
    "LabelCounter",
    "LabelSetStats",
    "Labels",
    "MaskResult",
    "MultilabelKFoldResult",
    "MultilabelPlan",
    "MultilabelSplitResult",
    "OutputTooLargeError",
    "ProbeArrays",
    "ProbeCounts",
    "RankKeys",
    "RareClassesError",
    "SampleResult",
    "SampleWeightsResult",
    "SplitPlan",
    "SplitPlanResult",
    "SplitResult",
    "TextGroup",
    "TextLengthHistogram",
    "__version__",
    "batch_parts",
    "class_weights",
    "class_weights_from_counts",
    "duplicate_stats",
    "keep_classes",
    "keep_consistent_texts",
    "keep_first_texts",
    "keep_mask",
    "kfold_plan",
    "label_set_stats",
    "mix64",
    "multilabel_kfold",
    "multilabel_split",
    "oversample",
    "probe_batch",
    "row_keys",
    "rule_mask",
    "sample_sizes",
    "sample_weights",
    "simd_detected",
    "simd_level",
    "simd_setting_error",
    "split_plan",
    "split_seed",
    "stratified_group_kfold",
    "stratified_group_split",
    "stratified_kfold",
    "stratified_sample",
    "stratified_split",
    "text_length_histogram",
    "threads",
    "undersample",
    "value_counts",
]

__version__: str
DEBUG_BUILD: bool

#: The split names in code order: an assignment's code is the index of its split here.
SPLIT_NAMES: Final[tuple[str, str, str]]
#: The split (or k-fold) code of a row left out: a null label or a dropped rare class.
LEFT_OUT: Final[int]
#: The k-fold code of a row of a rare class kept in the training part of every fold.
ALWAYS_TRAIN: Final[int]
#: The split code of each part of a split's rank cuts: test, valid, train, left out.
SPLIT_PART_CODES: Final[tuple[int, int, int, int]]

def mix64(x: int) -> int:
    """The splitmix64 finalizer (fastbal's fixed 64-bit mix) on the low 64 bits of x."""

def split_seed(seed: int, i: int) -> int:
    """The seed of split i of a scikit-learn splitter seeded with seed."""

def simd_level() -> str:
    """The vector instructions the kernels use: "avx512", "avx2" or "off"."""

def simd_detected() -> str:
    """The vector instructions the CPU offers, whatever FASTBAL_SIMD says."""

def simd_setting_error() -> str | None:
    """Why FASTBAL_SIMD could not be read, or None."""

def threads() -> int:
    """The threads a large input runs on."""

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

@final
class ClassCounts:
    """The classes of a column, their rows, its null rows and the type of its values."""

    @property
    def classes(self) -> Any:
        """The class values: an int64/uint64 array, or an object array of str."""
    @property
    def counts(self) -> npt.NDArray[np.uint64]:
        """Rows per class, in the order of `classes`."""
    @property
    def null_count(self) -> int: ...
    @property
    def value_type(self) -> str:
        """Type of the label values: a numpy dtype name or "str"."""

@final
class Labels:
    """A factorized label column: codes per row, counts and classes."""

    def __new__(
        cls, x: Any, *, hash_path: Literal["auto", "segmented", "partitioned"] = "auto"
    ) -> Labels: ...
    def codes(self) -> npt.NDArray[np.int64]:
        """Class code per row, -1 for a missing label (a copy)."""
    @property
    def counts(self) -> npt.NDArray[np.uint64]:
        """Rows per class, in class order."""
    @property
    def classes(self) -> Any:
        """The class values, sorted: an int64/uint64 array, or an object array of str."""
    @property
    def null_count(self) -> int: ...
    @property
    def value_type(self) -> str:
        """Type of the label values: a numpy dtype name or "str"."""
    def __len__(self) -> int: ...

def value_counts(x: Any) -> ClassCounts:
    """The classes and their rows, most frequent first, ties by class value."""

@final
class MaskResult:
    """A row mask and the per-class decision behind it."""

    @property
    def mask(self) -> npt.NDArray[np.bool_]:
        """One flag per row: whether its class is kept (False for a null row)."""
    @property
    def keep(self) -> npt.NDArray[np.bool_]:
        """One flag per class, in class order."""
    @property
    def meta(self) -> ClassCounts | None: ...

def rule_mask(x: Any, rule: str, k: int) -> MaskResult:
    """Row mask for rule "min_count", "max_count" or "top_k"."""

def keep_mask(x: Any, keep: npt.NDArray[np.bool_]) -> MaskResult:
    """Row mask from one flag per class."""

@final
class SampleResult:
    """The rows of a stratified sample."""

    @property
    def rows(self) -> npt.NDArray[np.int64]:
        """The sampled rows, ascending."""
    @property
    def sizes(self) -> npt.NDArray[np.uint64]:
        """Rows sampled per class, in class order."""
    @property
    def meta(self) -> ClassCounts | None: ...

def stratified_sample(
    x: Any, n: int | None = None, fraction: float | None = None, seed: int = 0
) -> SampleResult:
    """A stratified sample of n rows or a fraction of the labeled rows."""

@final
class SplitPlan:
    """Rows per class per split, and how the global sizes came out."""

    @property
    def cells(self) -> npt.NDArray[np.uint64]:
        """Rows of each class in train, valid and test: shape (classes, 3)."""
    @property
    def rare(self) -> list[int]:
        """Classes (codes) with fewer rows than there are non-empty splits."""
    @property
    def rare_dropped(self) -> bool:
        """Whether the rare classes were left out (else they went to train)."""
    @property
    def target(self) -> list[int]:
        """The rows asked for per split (train, valid, test)."""
    @property
    def sizes(self) -> list[int]:
        """The rows planned per split."""

@final
class SplitResult:
    """A stratified train/valid/test split."""

    @property
    def assignment(self) -> npt.NDArray[np.int8]:
        """The split code of every row (its index in SPLIT_NAMES), LEFT_OUT if left out."""
    @property
    def train(self) -> npt.NDArray[np.int64]: ...
    @property
    def valid(self) -> npt.NDArray[np.int64]: ...
    @property
    def test(self) -> npt.NDArray[np.int64]: ...
    @property
    def plan(self) -> SplitPlan: ...
    @property
    def meta(self) -> ClassCounts | None: ...

def stratified_split(
    x: Any,
    test_size: float | int,
    val_size: float | int,
    seed: int = 0,
    rare: str = "train",
    ids: Any = None,
    shuffle: bool = False,
) -> SplitResult:
    """A stratified train/valid/test split."""

@final
class KFoldPlan:
    """Rows per class per fold, and the classes too small to be in every fold."""

    @property
    def cells(self) -> npt.NDArray[np.uint64]:
        """Rows of each class in each test fold: shape (classes, k)."""
    @property
    def rare(self) -> list[int]:
        """Classes (codes) with fewer rows than folds."""
    @property
    def rare_dropped(self) -> bool: ...

@final
class KFoldResult:
    """A stratified k-fold."""

    @property
    def folds(self) -> npt.NDArray[np.int16]:
        """The test fold of every row; LEFT_OUT, or ALWAYS_TRAIN for a rare class kept."""
    @property
    def plan(self) -> KFoldPlan: ...
    @property
    def meta(self) -> ClassCounts | None: ...

def stratified_kfold(
    x: Any, k: int = 5, seed: int = 0, ids: Any = None, rare: str = "train"
) -> KFoldResult:
    """A stratified k-fold."""

@final
class GroupPlan:
    """Where the groups went and how the splits (or folds) came out."""

    @property
    def cells(self) -> npt.NDArray[np.uint64]:
        """Rows of each class in each split: shape (classes, splits)."""
    @property
    def target(self) -> list[int]:
        """The rows asked for per split."""
    @property
    def sizes(self) -> list[int]:
        """The rows each split received."""
    @property
    def groups(self) -> list[int]:
        """Groups (with a labeled row) per split."""
    @property
    def lone_classes(self) -> list[int]:
        """Classes (codes) whose rows lie in fewer groups than there are splits."""
    @property
    def large_groups(self) -> Any:
        """Values of the groups larger than the smallest split.

        An int64/uint64 array, or an object array of str.
        """
    @property
    def large_group_rows(self) -> list[int]:
        """The rows of each of those groups."""

@final
class GroupSplitResult:
    """A stratified train/valid/test split that keeps groups whole."""

    @property
    def assignment(self) -> npt.NDArray[np.int8]:
        """The split code of every row (its index in SPLIT_NAMES), LEFT_OUT for a null label."""
    @property
    def train(self) -> npt.NDArray[np.int64]: ...
    @property
    def valid(self) -> npt.NDArray[np.int64]: ...
    @property
    def test(self) -> npt.NDArray[np.int64]: ...
    @property
    def plan(self) -> GroupPlan: ...
    @property
    def meta(self) -> ClassCounts | None: ...

def stratified_group_split(
    x: Any, groups: Any, test_size: float | int, val_size: float | int, seed: int = 0
) -> GroupSplitResult:
    """A stratified train/valid/test split keeping groups whole."""

@final
class GroupKFoldResult:
    """A stratified k-fold that keeps groups whole."""

    @property
    def folds(self) -> npt.NDArray[np.int16]:
        """The test fold of every row, LEFT_OUT for a null label."""
    @property
    def plan(self) -> GroupPlan: ...
    @property
    def meta(self) -> ClassCounts | None: ...

def stratified_group_kfold(x: Any, groups: Any, k: int = 5, seed: int = 0) -> GroupKFoldResult:
    """A stratified k-fold keeping groups whole."""

@final
class ClassWeightsResult:
    """The weight of every class."""

    @property
    def weights(self) -> npt.NDArray[np.float64]:
        """One weight per class, in class order."""
    @property
    def meta(self) -> ClassCounts | None: ...

def class_weights(
    x: Any,
    strategy: str = "balanced",
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
) -> ClassWeightsResult:
    """The weight of every class."""

def class_weights_from_counts(
    counts: npt.NDArray[np.int64],
    strategy: str = "balanced",
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
) -> npt.NDArray[np.float64]:
    """Weight per class from rows per class (positive, in the order given)."""

@final
class SampleWeightsResult:
    """The weight of every row, and of every class."""

    @property
    def rows(self) -> npt.NDArray[np.float64]:
        """One weight per row: its class's weight, 0 for a row without a label."""
    @property
    def weights(self) -> npt.NDArray[np.float64]:
        """One weight per class, in class order."""
    @property
    def meta(self) -> ClassCounts | None: ...

def sample_weights(
    x: Any,
    strategy: str = "balanced",
    beta: float = 0.999,
    normalize: str = "none",
    max_weight: float | None = None,
) -> SampleWeightsResult:
    """The weight of every row and of every class."""

def undersample(x: Any, targets: npt.NDArray[np.uint64], seed: int = 0) -> npt.NDArray[np.int64]:
    """Sorted rows kept when class c is cut to targets[c] rows."""

def oversample(x: Any, extra: npt.NDArray[np.uint64], seed: int = 0) -> npt.NDArray[np.int64]:
    """Every labeled row, then extra[c] rows of class c drawn with replacement."""

@final
class TextLengthHistogram:
    """Rows per (class, text length in characters), sorted by class then length."""

    @property
    def codes(self) -> npt.NDArray[np.uint32]:
        """The class (code) of each entry."""
    @property
    def lengths(self) -> npt.NDArray[np.uint32]:
        """The text length in characters of each entry."""
    @property
    def counts(self) -> npt.NDArray[np.uint64]:
        """The rows of each entry."""
    @property
    def meta(self) -> ClassCounts | None: ...

def text_length_histogram(x: Any, texts: Any) -> TextLengthHistogram:
    """Rows per (class, text length in characters); null labels and texts skipped."""

#: Probes as `probe_batch` takes them: the fields of `ProbeArrays`.
_Probes = tuple[
    npt.NDArray[np.uint32], npt.NDArray[np.uint64], npt.NDArray[np.uint64], npt.NDArray[np.bool_]
]

@final
class ProbeArrays:
    """One pass's probes, one entry per probe."""

    @property
    def classes(self) -> npt.NDArray[np.uint32]:
        """The class (code) each probe asks about."""
    @property
    def lo(self) -> npt.NDArray[np.uint64]:
        """The low end of each probe's hash interval."""
    @property
    def hi(self) -> npt.NDArray[np.uint64]:
        """The high end of each probe's hash interval."""
    @property
    def gather(self) -> npt.NDArray[np.bool_]:
        """Whether a probe gathers its rows (else it counts them in a histogram)."""

@final
class ProbeCounts:
    """What a batch answered to probes."""

    @property
    def below(self) -> npt.NDArray[np.uint64]:
        """Per probe, the rows of its class hashing below its interval."""
    @property
    def hist(self) -> npt.NDArray[np.uint64]:
        """The bin counts of every histogram probe, in probe order."""
    @property
    def probe(self) -> npt.NDArray[np.uint32]:
        """The probe of each gathered row."""
    @property
    def hash(self) -> npt.NDArray[np.uint64]:
        """The rank hash of each gathered row."""
    @property
    def row(self) -> npt.NDArray[np.uint64]:
        """The global position of each gathered row."""

@final
class RankKeys:
    """The rank keys at the cut ranks, each of shape (classes, cuts)."""

    @property
    def hash(self) -> npt.NDArray[np.uint64]: ...
    @property
    def row(self) -> npt.NDArray[np.uint64]: ...

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
        """The classes seen, sorted: an int64/uint64 array, or an object array of str."""
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
    def probes(self) -> ProbeArrays:
        """The next pass's probes."""
    def advance(
        self,
        below: npt.NDArray[np.uint64],
        hist: npt.NDArray[np.uint64],
        probe: npt.NDArray[np.uint32],
        hash: npt.NDArray[np.uint64],
        row: npt.NDArray[np.uint64],
    ) -> None:
        """Take the merged report of every batch on the last probes."""
    def thresholds(self) -> RankKeys:
        """The keys at the cut ranks."""

def probe_batch(
    codes: npt.NDArray[np.uint32],
    probes: _Probes,
    seed: int,
    offset: int,
    ids: npt.NDArray[np.uint64] | None = None,
) -> ProbeCounts:
    """What one batch answers to probes (class, lo, hi, gather)."""

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

@final
class SplitPlanResult:
    """The split plan of a column seen in batches, and the cut ranks that place its rows."""

    @property
    def plan(self) -> SplitPlan: ...
    @property
    def ranks(self) -> npt.NDArray[np.uint64]:
        """Per class, the ranks of its cuts (test, test + valid, all): shape (classes, 3)."""

def split_plan(
    counter: LabelCounter, test_size: float | int, val_size: float | int, rare: str = "train"
) -> SplitPlanResult:
    """The split plan from a counter's counts, and its cut ranks."""

def keep_classes(counts: npt.NDArray[np.uint64], rule: str, k: int) -> npt.NDArray[np.bool_]:
    """One flag per class from a mask rule on counts."""

def sample_sizes(
    counts: npt.NDArray[np.uint64], n: int | None = None, fraction: float | None = None
) -> npt.NDArray[np.uint64]:
    """Rows per class of a stratified sample of n rows or a fraction of the labeled rows."""

def kfold_plan(counter: LabelCounter, k: int = 5, rare: str = "train") -> KFoldPlan:
    """The k-fold plan from a counter's counts, as `stratified_kfold`'s."""

@final
class TextGroup:
    """One text's rows and labels."""

    @property
    def text(self) -> int:
        """The text's code (its index in the texts' classes)."""
    @property
    def rows(self) -> int: ...
    @property
    def labels(self) -> list[tuple[int, int]]:
        """Label codes and their rows, most rows first."""

@final
class DuplicatesResult:
    """The figures of a column of texts."""

    @property
    def rows(self) -> int: ...
    @property
    def duplicate_rows(self) -> int: ...
    @property
    def duplicate_texts(self) -> int: ...
    @property
    def conflicting_texts(self) -> int: ...
    @property
    def conflicting_rows(self) -> int: ...
    @property
    def labeled_rows(self) -> int: ...
    @property
    def majority_rows(self) -> int: ...
    @property
    def leaked_rows(self) -> int | None: ...
    @property
    def leaked_texts(self) -> int | None: ...
    @property
    def worst(self) -> list[TextGroup]: ...
    @property
    def conflict(self) -> npt.NDArray[np.bool_] | None:
        """Per text code, whether its rows carry more than one label."""

def duplicate_stats(
    texts: Labels,
    labels: Labels | None,
    splits: npt.NDArray[np.int8] | None,
    top: int,
) -> DuplicatesResult:
    """The figures of factorized texts, their labels' conflicts and the leakage across splits."""

def keep_first_texts(texts: Labels) -> npt.NDArray[np.bool_]:
    """Keep the first row of each text, and every row without a text."""

def keep_consistent_texts(texts: Labels, conflict: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Keep every row whose text carries one label, and every row without a text."""

@final
class MultilabelPlan:
    """How a multilabel split or k-fold came out."""

    @property
    def sizes(self) -> list[int]: ...
    @property
    def cells(self) -> npt.NDArray[np.uint64]: ...
    @property
    def counts(self) -> npt.NDArray[np.uint64]: ...
    @property
    def uncovered(self) -> list[int]: ...
    @property
    def null_rows(self) -> int: ...
    @property
    def empty_rows(self) -> int: ...

@final
class MultilabelSplitResult:
    """A multilabel stratified train/valid/test split."""

    @property
    def assignment(self) -> npt.NDArray[np.int8]: ...
    @property
    def train(self) -> npt.NDArray[np.int64]: ...
    @property
    def valid(self) -> npt.NDArray[np.int64]: ...
    @property
    def test(self) -> npt.NDArray[np.int64]: ...
    @property
    def plan(self) -> MultilabelPlan: ...

@final
class MultilabelKFoldResult:
    """A multilabel stratified k-fold."""

    @property
    def folds(self) -> npt.NDArray[np.int16]: ...
    @property
    def plan(self) -> MultilabelPlan: ...

@final
class LabelSetStats:
    """Label-set statistics: distinct sets and the most frequent pairs."""

    @property
    def counts(self) -> npt.NDArray[np.uint64]: ...
    @property
    def null_rows(self) -> int: ...
    @property
    def empty_rows(self) -> int: ...
    @property
    def distinct_sets(self) -> int: ...
    @property
    def pairs(self) -> list[tuple[int, int, int]]: ...

def multilabel_split(
    offsets: Any,
    labels: Any,
    null: Any,
    n_labels: int | None,
    test_size: Any,
    val_size: Any,
    seed: int = 0,
    ids: Any = None,
) -> MultilabelSplitResult:
    """Multilabel stratified train/valid/test split of CSR-like label sets."""

def multilabel_kfold(
    offsets: Any,
    labels: Any,
    null: Any,
    n_labels: int | None,
    k: int = 5,
    seed: int = 0,
    ids: Any = None,
) -> MultilabelKFoldResult:
    """Multilabel stratified k-fold of CSR-like label sets."""

def label_set_stats(
    offsets: Any, labels: Any, null: Any, n_labels: int | None, top: int = 10
) -> LabelSetStats:
    """Per-label positives, null and empty rows, distinct sets and frequent pairs."""
