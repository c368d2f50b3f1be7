"""Normalize what users pass as labels into what the extension reads.

The extension borrows numpy integer arrays and Arrow data (PyCapsule
interface) without copying. Everything else is brought to one of those here,
copying at most once: non-contiguous or byte-swapped numpy arrays, numpy
booleans and fixed-width strings, object arrays of str, and Python lists.
A numpy masked array's masked entries are missing labels; a polars column of
dtype Null (which its Arrow export cannot carry) is all missing labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from fastbal._fastbal import FastbalError


def column_to_native(x: Any) -> Any:
    """Return the label column `x` in a form `fastbal._fastbal` accepts, or raise
    TypeError/FastbalError. (`fastbal._labels.to_native` also takes a `Labels`.)"""
    if isinstance(x, np.ma.MaskedArray):
        return _masked(x)
    if isinstance(x, np.ndarray):
        return _numpy(x)
    if _is_polars_null(x):
        return pa.nulls(len(x))
    if hasattr(x, "__arrow_c_stream__") or hasattr(x, "__arrow_c_array__"):
        return x
    if isinstance(x, (list, tuple, range)):
        return _sequence(x)
    if hasattr(x, "__array__"):
        return _numpy(np.asarray(x))
    raise TypeError(
        f"labels must be a numpy array, an Arrow array (pyarrow, polars, pandas) or a list; "
        f"got {type(x).__name__}"
    )


def _numpy(x: np.ndarray) -> Any:
    if x.ndim != 1:
        raise FastbalError(f"labels must be 1-D; got an array of shape {x.shape}")
    kind = x.dtype.kind
    if kind in "iuf":
        if x.dtype == np.float16:
            x = x.astype(np.float32)  # exact: every float16 is a float32
        if not x.dtype.isnative:
            x = x.astype(x.dtype.newbyteorder("="))
        return np.require(x, requirements=["C", "A"])  # copies only when strided or unaligned
    if kind == "b":
        return pa.array(x)
    if kind == "U":
        x = np.require(x.astype(x.dtype.newbyteorder("="), copy=False), requirements=["C", "A"])
        width = x.dtype.itemsize // 4
        return x.view(np.uint32).reshape(len(x), width)
    if kind == "O":
        return _sequence(x)
    if kind == "S":
        raise TypeError("labels of numpy bytes dtype are not supported; decode them to str first")
    raise TypeError(
        f"unsupported numpy label dtype {x.dtype}; labels must be integers, strings or booleans"
    )


def _masked(x: np.ma.MaskedArray[Any, Any]) -> Any:
    """A numpy masked array: masked entries are missing labels."""
    mask = np.ma.getmaskarray(x)
    data = np.asarray(x.data)
    if not mask.any():
        return _numpy(data)
    if data.ndim != 1:
        raise FastbalError(f"labels must be 1-D; got an array of shape {data.shape}")
    if data.dtype.kind == "O":
        return _sequence(
            [None if m else v for v, m in zip(data.tolist(), mask.tolist(), strict=True)]
        )
    if data.dtype.kind not in "iufbU":
        return _numpy(data)  # refuses the dtype, naming it
    if data.dtype == np.float16:
        data = data.astype(np.float32)
    if not data.dtype.isnative:
        data = data.astype(data.dtype.newbyteorder("="))
    return pa.array(data, mask=mask)


def _is_polars_null(x: Any) -> bool:
    """A polars Series of dtype Null (all missing), which its Arrow export cannot carry."""
    return type(x).__module__.startswith("polars") and str(getattr(x, "dtype", "")) == "Null"


def _sequence(x: Any) -> Any:
    try:
        try:
            arr = pa.array(x, from_pandas=True)
        except OverflowError:  # ints above int64's range: try unsigned
            arr = pa.array(x, type=pa.uint64(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as e:
        raise TypeError(
            f"labels must all be of one kind (all int or all str, None for missing): {e}"
        ) from None
    if pa.types.is_null(arr.type) or pa.types.is_integer(arr.type) or pa.types.is_string(arr.type):
        return arr
    if pa.types.is_boolean(arr.type) or pa.types.is_floating(arr.type):
        return arr
    raise TypeError(f"unsupported label type {arr.type}; labels must be integers or strings")
