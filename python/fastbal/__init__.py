"""fastbal: label statistics and class-imbalance handling for ML datasets.

>>> import fastbal
>>> fastbal.value_counts([2, 1, 2]).to_dict()
{2: 2, 1: 1}
"""

from __future__ import annotations

import warnings

from fastbal import _fastbal
from fastbal._labels import Labels, ValueCounts, value_counts

__version__: str = _fastbal.__version__

if _fastbal.DEBUG_BUILD:
    warnings.warn(
        "fastbal was built in debug mode, which is 10-50x slower; "
        "reinstall with `pip install .` (release) before measuring anything",
        RuntimeWarning,
        stacklevel=2,
    )

__all__ = ["Labels", "ValueCounts", "__version__", "value_counts"]
