"""Label counting: `fastbal.value_counts` against numpy, pandas, polars and pyarrow.

Seed-shaped labels (224 classes in the proportions of
`fastbal.datasets.seed_shaped_counts()`): int32 at 1M, 10M and 100M rows,
"acct_<label>" strings at 10M, and the same strings dictionary-encoded at
10M. Every tool is timed in this one process, round-robin per size, on input
objects built before the clock starts; the read floor is `np.max` over the
int32 array (one pass over the data). Also the peak memory of one
`fastbal.value_counts` call, in a fresh process per measurement.

Targets: int32 at 10M and 100M at least 3x faster than the fastest peer and
within 3x of the read floor; strings at least 2x faster than the fastest
peer; dictionary within 1.5x of int32 at the same size; peak memory beyond
the input at most 4 bytes per row plus O(classes x threads).

Run from the repository root: `python3 benches/bench_counts.py` (or `--quick`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _harness as h
import fastbal
import numpy as np

M = 1_000_000
PEERS_INT = ("bincount", "unique", "pandas", "polars", "pyarrow")
PEERS_TEXT = ("pandas", "pyarrow", "polars")

INT_ROWS = [
    h.Row("fastbal", "fastbal.value_counts", "numpy int32"),
    h.Row("fastbal_arrow", "fastbal.value_counts", "pyarrow int32"),
    h.Row("fastbal_polars", "fastbal.value_counts", "polars Int32"),
    h.Row("bincount", "numpy.bincount", "numpy int32"),
    h.Row("unique", "numpy.unique(return_counts=True)", "numpy int32"),
    h.Row("pandas", "pandas Series.value_counts", "pandas int32"),
    h.Row("polars", "polars Series.value_counts", "polars Int32"),
    h.Row("pyarrow", "pyarrow.compute.value_counts", "pyarrow int32"),
    h.Row("floor", "read floor: numpy.max", "numpy int32"),
]
STR_ROWS = [
    h.Row("fastbal_arrow", "fastbal.value_counts", "pyarrow large_string"),
    h.Row("fastbal_polars", "fastbal.value_counts", "polars String"),
    h.Row("fastbal_pandas", "fastbal.value_counts", "pandas string[pyarrow]"),
    h.Row("pandas", "pandas Series.value_counts", "pandas string[pyarrow]"),
    h.Row("pyarrow", "pyarrow.compute.value_counts", "pyarrow large_string"),
    h.Row("polars", "polars Series.value_counts", "polars String"),
]
DICT_ROWS = [
    h.Row("fastbal_arrow", "fastbal.value_counts", "pyarrow dictionary<int32, string>"),
    h.Row("fastbal_polars", "fastbal.value_counts", "polars Categorical"),
    h.Row("fastbal_pandas", "fastbal.value_counts", "pandas category"),
    h.Row("fastbal_int32", "fastbal.value_counts (int32 reference)", "numpy int32"),
    h.Row("pandas", "pandas Series.value_counts", "pandas category"),
    h.Row("pyarrow", "pyarrow.compute.value_counts", "pyarrow dictionary"),
    h.Row("polars", "polars Series.value_counts", "polars Categorical"),
]


def int_cases(y: np.ndarray) -> dict[str, Callable[[], Any]]:
    import pandas as pd
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(y)
    pls = pl.Series("y", y)
    pds = pd.Series(y, copy=False, name="y")
    return {
        "fastbal": lambda: fastbal.value_counts(y),
        "fastbal_arrow": lambda: fastbal.value_counts(arr),
        "fastbal_polars": lambda: fastbal.value_counts(pls),
        "bincount": lambda: np.bincount(y),
        "unique": lambda: np.unique(y, return_counts=True),
        "pandas": pds.value_counts,
        "polars": pls.value_counts,
        "pyarrow": lambda: pc.value_counts(arr),
        "floor": lambda: np.max(y),
    }


def text_cases(y: np.ndarray, kind: str) -> dict[str, Callable[[], Any]]:
    """Cases on the strings ("string") or their dictionary encoding ("dictionary")."""
    import pyarrow.compute as pc

    if kind == "string":
        arr = h.arrow_strings(y)
        pls = h.polars_strings(arr)
        pds = h.pandas_strings(arr)
        extra: dict[str, Callable[[], Any]] = {}
    else:
        arr = h.arrow_dictionary(y)
        pls = h.polars_categorical(arr)
        pds = h.pandas_categorical(y)
        extra = {"fastbal_int32": lambda: fastbal.value_counts(y)}
    return {
        "fastbal_arrow": lambda: fastbal.value_counts(arr),
        "fastbal_polars": lambda: fastbal.value_counts(pls),
        "fastbal_pandas": lambda: fastbal.value_counts(pds),
        **extra,
        "pandas": pds.value_counts,
        "pyarrow": lambda: pc.value_counts(arr),
        "polars": pls.value_counts,
    }


def counts_of(key: str, out: Any) -> np.ndarray | None:
    """The per-class counts in a tool's output, sorted, for a cross-check."""
    if key.startswith("fastbal"):
        c = out.counts
    elif key == "bincount":
        c = out[out > 0]
    elif key == "unique":
        c = out[1]
    elif key == "pandas":
        c = out.to_numpy()
        c = c[c > 0]  # a categorical's value_counts lists unused categories with 0
    elif key == "polars":
        c = out["count"].to_numpy()
    elif key == "pyarrow":
        c = out.field("counts").to_numpy()
    else:
        return None
    return np.sort(np.asarray(c, dtype=np.int64))


def check(results: dict[str, h.Timing]) -> None:
    """Mark any tool whose counts differ from fastbal's (numpy or Arrow input)."""
    ref_key = next(k for k in ("fastbal", "fastbal_arrow") if k in results)
    ref = counts_of(ref_key, results[ref_key].output)
    for key, t in results.items():
        if t.output is not None:
            got = counts_of(key, t.output)
            if got is not None and not np.array_equal(got, ref):
                t.note = "MISMATCH"
        t.output = None


def case_memory(kind: str, n: int) -> Callable[[], Any]:
    """One `fastbal.value_counts` call on `kind` input, data built in the child."""
    y = h.int_labels(n)
    x: Any = {
        "int32": lambda: y,
        "large_string": lambda: h.arrow_strings(y),
        "dictionary": lambda: h.arrow_dictionary(y),
    }[kind]()
    if kind != "int32":
        del y
    return lambda: fastbal.value_counts(x)


def ratio_row(
    label: str, sizes: list[int], res: dict[int, dict], num: Callable, den: Callable
) -> tuple[str, list[str]]:
    return label, [h.fmt_ratio(num(res[n]), den(res[n])) for n in sizes]


def fastest_peer(peers: tuple[str, ...]) -> Callable[[dict], float | None]:
    def f(r: dict) -> float | None:
        key = h.fastest(r, peers)
        return None if key is None else h.seconds_of(r, key)

    return f


def fastest_name(r: dict, peers: tuple[str, ...], rows: list[h.Row]) -> str:
    key = h.fastest(r, peers)
    return "—" if key is None else next(row.label for row in rows if row.key == key)


def main() -> None:
    p = h.parser(__doc__.split("\n\n")[0], [M, 10 * M, 100 * M], [100_000, M])
    h.size_option(p, "text_sizes", [10 * M], [M], "the string and dictionary runs")
    args = h.finish_args(p.parse_args())
    text_sizes = h.finish_size_option(args, "text_sizes")
    report = h.Report(
        "counts",
        "Label counting: fastbal.value_counts vs numpy, pandas, polars, pyarrow",
        args,
        ["fastbal", "numpy", "pyarrow", "polars", "pandas"],
    )
    keep = [r.key for r in INT_ROWS + STR_ROWS + DICT_ROWS]
    memory: list[tuple[str, int, h.ChildResult]] = []

    res_int: dict[int, dict] = {}
    for n in args.sizes:
        h.progress(f"int32 {h.fmt_size(n)}")
        y = h.int_labels(n)
        res_int[n] = h.time_cases(int_cases(y), h.repeats_for(n, args), keep_output=keep)
        check(res_int[n])
        del y
        memory.append(("numpy int32", n, h.run_child(case_memory, "int32", n)))

    res_str: dict[int, dict] = {}
    res_dict: dict[int, dict] = {}
    for n in text_sizes:
        y = h.int_labels(n)
        for kind, res, mem_kind, given in (
            ("string", res_str, "large_string", "pyarrow large_string"),
            ("dictionary", res_dict, "dictionary", "pyarrow dictionary"),
        ):
            h.progress(f"{kind} {h.fmt_size(n)}")
            res[n] = h.time_cases(text_cases(y, kind), h.repeats_for(n, args), keep_output=keep)
            check(res[n])
            memory.append((given, n, h.run_child(case_memory, mem_kind, n)))
        del y

    sizes = args.sizes
    report.add(
        "int32 labels: median ms",
        h.by_size_table(
            INT_ROWS,
            sizes,
            res_int,
            [
                ("fastest peer", [fastest_name(res_int[n], PEERS_INT, INT_ROWS) for n in sizes]),
                ratio_row(
                    "fastest peer / fastbal (target >= 3x)",
                    sizes,
                    res_int,
                    fastest_peer(PEERS_INT),
                    lambda r: h.seconds_of(r, "fastbal"),
                ),
                ratio_row(
                    "fastbal / read floor (target <= 3x)",
                    sizes,
                    res_int,
                    lambda r: h.seconds_of(r, "fastbal"),
                    lambda r: h.seconds_of(r, "floor"),
                ),
            ],
        ),
        [
            "peers: numpy.bincount, numpy.unique, pandas, polars, pyarrow; the ratios use "
            "fastbal on the numpy array. fastbal and pandas sort by count; numpy.bincount, "
            "polars and pyarrow do not sort.",
            "inputs are built before timing: the pyarrow array and pandas Series share the "
            "numpy buffer, the polars Series is a copy.",
        ],
    )
    text_extra = [
        ratio_row(
            f"fastest peer / fastbal on {row.given} (target >= 2x)",
            text_sizes,
            res_str,
            fastest_peer(PEERS_TEXT),
            lambda r, k=row.key: h.seconds_of(r, k),
        )
        for row in STR_ROWS
        if row.key.startswith("fastbal")
    ]
    report.add(
        'strings "acct_<label>": median ms',
        h.by_size_table(STR_ROWS, text_sizes, res_str, text_extra),
        [
            "pandas strings are `string[pyarrow]` (pyarrow-backed); polars holds strings as "
            "utf8_view (its String type), built from the large_string array before timing."
        ],
    )
    dict_extra = [
        ratio_row(
            f"fastest peer / fastbal on {row.given}",
            text_sizes,
            res_dict,
            fastest_peer(PEERS_TEXT),
            lambda r, k=row.key: h.seconds_of(r, k),
        )
        for row in DICT_ROWS
        if row.key in ("fastbal_arrow", "fastbal_polars", "fastbal_pandas")
    ] + [
        ratio_row(
            f"fastbal on {row.given} / fastbal on int32 (target <= 1.5x)",
            text_sizes,
            res_dict,
            lambda r, k=row.key: h.seconds_of(r, k),
            lambda r: h.seconds_of(r, "fastbal_int32"),
        )
        for row in DICT_ROWS
        if row.key in ("fastbal_arrow", "fastbal_polars", "fastbal_pandas")
    ]
    report.add(
        "dictionary-encoded strings: median ms",
        h.by_size_table(DICT_ROWS, text_sizes, res_dict, dict_extra),
        [
            "the int32 reference is fastbal on the dictionary's codes as a numpy array, "
            "timed in the same round-robin."
        ],
    )
    report.add(
        "peak memory of one fastbal.value_counts call",
        h.markdown_table(
            ["input", "rows", "ms (cold)", "peak beyond input (MiB)", "bytes/row (target <= 4)"],
            [
                [
                    given,
                    h.fmt_size(n),
                    h.fmt_ms(r.first_seconds) if not r.error else r.error,
                    h.fmt_mib(r.peak_extra),
                    h.fmt_per_row(r.peak_extra, n),
                ]
                for given, n, r in memory
            ],
            "llrrr",
        ),
        [
            "each in a fresh process: the labels are built there, then its peak RSS is reset "
            "(/proc/self/clear_refs) and the call's peak RSS minus the RSS before it is "
            "reported (it includes the tiny result and the thread pool's first use)."
        ],
    )
    report.write()


if __name__ == "__main__":
    main()
