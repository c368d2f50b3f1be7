"""fastbal: label statistics and class-imbalance handling for ML datasets.

One call per question, on the label column alone, in parallel:

>>> import fastbal
>>> y = [2, 1, 2, 2, 3, None]
>>> fastbal.value_counts(y).to_dict()
{2: 3, 1: 1, 3: 1}
>>> fastbal.filter_min_count(y, 2).tolist()
[True, False, True, True, False, False]
"""

from __future__ import annotations

import warnings

from fastbal import _fastbal, strata
from fastbal._duplicates import DuplicateGroup, Duplicates, duplicates
from fastbal._fastbal import (
    FastbalError,
    InfeasibleError,
    InternalError,
    InvalidInputError,
    OutputTooLargeError,
    RareClassesError,
)
from fastbal._group import (
    GroupKFold,
    GroupSplit,
    GroupSplitSummary,
    stratified_group_kfold,
    stratified_group_split,
)
from fastbal._labels import ClassInfo, Labels, ValueCounts, value_counts
from fastbal._multilabel import (
    MultilabelCounts,
    MultilabelKFold,
    MultilabelSplitSummary,
    multilabel_counts,
    multilabel_kfold,
    multilabel_split,
)
from fastbal._pipeline import PreparedSplit, prepare_split
from fastbal._report import (
    MULTILABEL_REPORT_KEYS,
    REPORT_KEYS,
    LabelReport,
    LengthStats,
    MultilabelReport,
    MultilabelSplitCheck,
    SplitCheck,
    report,
)
from fastbal._resample import (
    Resampled,
    ResamplePlan,
    oversample,
    resample,
    resample_plan,
    undersample,
)
from fastbal._select import (
    DEFAULT_THRESHOLDS,
    FilterSummary,
    WhatIf,
    filter_max_count,
    filter_min_count,
    isin_mask,
    stratified_sample,
    top_k_mask,
    what_if,
)
from fastbal._split import KFold, Split, SplitSummary, stratified_kfold, stratified_split
from fastbal._versions import show_versions, warn_on_bad_setting
from fastbal._weights import ClassWeights, SampleWeightsSummary, class_weights, sample_weights
from fastbal.contract import ALWAYS_TRAIN, LEFT_OUT, SPLIT_NAMES
from fastbal.distributed import LabelCounter

__version__: str = _fastbal.__version__

warn_on_bad_setting()

if _fastbal.DEBUG_BUILD:
    warnings.warn(
        "fastbal was built in debug mode, which is 10-50x slower; "
        "reinstall with `pip install .` (release) before measuring anything",
        RuntimeWarning,
        stacklevel=2,
    )

__all__ = [
    "ALWAYS_TRAIN",
    "DEFAULT_THRESHOLDS",
    "LEFT_OUT",
    "MULTILABEL_REPORT_KEYS",
    "REPORT_KEYS",
    "SPLIT_NAMES",
    "ClassInfo",
    "ClassWeights",
    "DuplicateGroup",
    "Duplicates",
    "FastbalError",
    "FilterSummary",
    "GroupKFold",
    "GroupSplit",
    "GroupSplitSummary",
    "InfeasibleError",
    "InternalError",
    "InvalidInputError",
    "KFold",
    "LabelCounter",
    "LabelReport",
    "Labels",
    "LengthStats",
    "MultilabelCounts",
    "MultilabelKFold",
    "MultilabelReport",
    "MultilabelSplitCheck",
    "MultilabelSplitSummary",
    "OutputTooLargeError",
    "PreparedSplit",
    "RareClassesError",
    "ResamplePlan",
    "Resampled",
    "SampleWeightsSummary",
    "Split",
    "SplitCheck",
    "SplitSummary",
    "ValueCounts",
    "WhatIf",
    "__version__",
    "class_weights",
    "duplicates",
    "filter_max_count",
    "filter_min_count",
    "isin_mask",
    "multilabel_counts",
    "multilabel_kfold",
    "multilabel_split",
    "oversample",
    "prepare_split",
    "report",
    "resample",
    "resample_plan",
    "sample_weights",
    "show_versions",
    "strata",
    "stratified_group_kfold",
    "stratified_group_split",
    "stratified_kfold",
    "stratified_sample",
    "stratified_split",
    "top_k_mask",
    "undersample",
    "value_counts",
    "what_if",
]
