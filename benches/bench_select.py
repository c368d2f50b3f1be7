"""Which rows stay: `filter_min_count`, `top_k_mask` and `stratified_sample` against peers.

`filter_min_count(x, 10)` and `top_k_mask(x, 100)` against numpy (bincount +
take; argpartition of the counts for top-k), polars (`pl.len().over(col) >=
k`; value_counts + is_in), pyarrow (value_counts + is_in) and pandas
(`groupby(..).transform("size")`; `map(value_counts())`), on seed-shaped int32
labels at 10M and 100M rows and "acct_<label>" strings at 10M. Also the cost
of each mask and of `stratified_sample(x, fraction=0.1)` relative to one
`fastbal.value_counts` on the same data, timed in the same round-robin.

Targets: at least 3x faster than the fastest peer at 10M and 100M int32 and
2x on strings; a mask at most 2x one `value_counts`; `stratified_sample` at
10M at most 3x one `value_counts`.

Run from the repository root: `python3 benches/bench_select.py` (or `--quick`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import _harness as h
import fastbal
import numpy as np

M = 1_000_000
K_MIN = 10
K_TOP = 100


def pyarrow_min_count(arr: Any, k: int) -> Any:
    import pyarrow.compute as pc

    vc = pc.value_counts(arr)
    keep = pc.filter(vc.field("values"), pc.greater_equal(vc.field("counts"), k))
    return pc.is_in(arr, value_set=keep)


def pyarrow_top_k(arr: Any, k: int) -> Any:
    import pyarrow.compute as pc

    vc = pc.value_counts(arr)
    order = pc.array_sort_indices(vc.field("counts"), order="descending")[:k]
    return pc.is_in(arr, value_set=vc.field("values").take(order))


def polars_min_count_isin(s: Any, k: int) -> Any:
    import polars as pl

    vc = s.value_counts()
    return s.is_in(vc.filter(pl.col("count") >= k)[s.name].implode())


def polars_top_k(s: Any, k: int) -> Any:
    return s.is_in(s.value_counts().top_k(k, by="count")[s.name].implode())


def numpy_min_count(y: np.ndarray, k: int) -> np.ndarray:
    return np.take(np.bincount(y) >= k, y)


def numpy_top_k(y: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(y)
    keep = np.zeros(len(counts), dtype=bool)
    keep[np.argpartition(counts, -k)[-k:]] = True
    return np.take(keep, y)


def cases(y: np.ndarray, text: bool) -> dict[Hashable, Callable[[], Any]]:
    """Cases keyed (operation, tool), on int32 labels or their strings."""
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    if text:
        arr = h.arrow_strings(y)
        pls = h.polars_strings(arr)
        pds = h.pandas_strings(arr)
        x: Any = arr
    else:
        arr = pa.array(y)
        pls = pl.Series("y", y)
        pds = pd.Series(y, copy=False, name="y")
        x = y
    df = pl.DataFrame([pls])
    out: dict[Hashable, Callable[[], Any]] = {
        ("vc", "fastbal"): lambda: fastbal.value_counts(x),
        ("min", "fastbal"): lambda: fastbal.filter_min_count(x, K_MIN),
        ("top", "fastbal"): lambda: fastbal.top_k_mask(x, K_TOP),
        ("sample", "fastbal"): lambda: fastbal.stratified_sample(x, fraction=0.1),
        ("min", "polars_over"): lambda: df.select(pl.len().over("y") >= K_MIN).to_series(),
        ("min", "polars_isin"): lambda: polars_min_count_isin(pls, K_MIN),
        ("min", "pyarrow"): lambda: pyarrow_min_count(arr, K_MIN),
        ("min", "pandas_transform"): lambda: pds.groupby(pds).transform("size") >= K_MIN,
        ("min", "pandas_map"): lambda: pds.map(pds.value_counts()) >= K_MIN,
        ("top", "polars"): lambda: polars_top_k(pls, K_TOP),
        ("top", "pyarrow"): lambda: pyarrow_top_k(arr, K_TOP),
        ("top", "pandas"): lambda: pds.isin(pds.value_counts().index[:K_TOP]),
    }
    if text:
        out[("vc", "fastbal_polars")] = lambda: fastbal.value_counts(pls)
        out[("min", "fastbal_polars")] = lambda: fastbal.filter_min_count(pls, K_MIN)
        out[("top", "fastbal_polars")] = lambda: fastbal.top_k_mask(pls, K_TOP)
    else:
        out[("min", "numpy")] = lambda: numpy_min_count(y, K_MIN)
        out[("top", "numpy")] = lambda: numpy_top_k(y, K_TOP)
    return out


def as_bool(out: Any) -> np.ndarray:
    if isinstance(out, np.ndarray):
        return out
    if type(out).__module__.startswith("pyarrow"):
        return out.to_numpy(zero_copy_only=False)
    return np.asarray(out.to_numpy(), dtype=bool)


def check(res: dict[Hashable, h.Timing]) -> None:
    """Compare every mask with fastbal's: equal, or a different tie rule (top-k), or wrong."""
    for op in ("min", "top"):
        fb = res.get((op, "fastbal"))
        if fb is None or fb.output is None:
            continue
        ref = as_bool(fb.output)
        for key, t in res.items():
            if key[0] != op or t.output is None or key[1] == "fastbal":
                continue
            got = as_bool(t.output)
            if got.shape != ref.shape or got.sum() != ref.sum():
                t.note = "MISMATCH"
            elif not np.array_equal(got, ref):
                t.note = "other tie rule"
    for t in res.values():
        t.output = None


def int_rows(op: str) -> list[h.Row]:
    if op == "min":
        return [
            h.Row(("min", "fastbal"), f"fastbal.filter_min_count(x, {K_MIN})", "numpy int32"),
            h.Row(("min", "numpy"), "numpy: bincount >= k, take", "numpy int32"),
            h.Row(("min", "polars_over"), "polars: pl.len().over(col) >= k", "polars Int32"),
            h.Row(("min", "polars_isin"), "polars: value_counts + is_in", "polars Int32"),
            h.Row(("min", "pyarrow"), "pyarrow: value_counts + is_in", "pyarrow int32"),
            h.Row(
                ("min", "pandas_transform"),
                "pandas: groupby.transform('size') >= k",
                "pandas int32",
            ),
            h.Row(("min", "pandas_map"), "pandas: map(value_counts()) >= k", "pandas int32"),
            h.Row(("vc", "fastbal"), "fastbal.value_counts (reference)", "numpy int32"),
        ]
    return [
        h.Row(("top", "fastbal"), f"fastbal.top_k_mask(x, {K_TOP})", "numpy int32"),
        h.Row(("top", "numpy"), "numpy: bincount, argpartition, take", "numpy int32"),
        h.Row(("top", "polars"), "polars: value_counts.top_k + is_in", "polars Int32"),
        h.Row(("top", "pyarrow"), "pyarrow: value_counts, sort + is_in", "pyarrow int32"),
        h.Row(("top", "pandas"), "pandas: isin(value_counts().index[:k])", "pandas int32"),
        h.Row(("vc", "fastbal"), "fastbal.value_counts (reference)", "numpy int32"),
    ]


def text_rows(op: str) -> list[h.Row]:
    """The string rows: the int32 rows with string inputs, fastbal on both inputs."""
    given = {
        "numpy int32": "pyarrow large_string",
        "polars Int32": "polars String",
        "pyarrow int32": "pyarrow large_string",
        "pandas int32": "pandas string[pyarrow]",
        "pandas": "pandas string[pyarrow]",
    }
    rows = []
    for row in int_rows(op):
        if row.key[1] == "numpy":
            continue
        rows.append(h.Row(row.key, row.label, given[row.given]))
        if row.key[1] == "fastbal":
            key = (row.key[0], "fastbal_polars")
            rows.append(h.Row(key, row.label, "polars String"))
    return rows


def peers(op: str, rows: list[h.Row]) -> list[Hashable]:
    return [r.key for r in rows if r.key[0] == op and not r.key[1].startswith("fastbal")]


def ratio_rows(
    op: str, rows: list[h.Row], sizes: list[int], res: dict[int, dict], target: str
) -> list[tuple[str, list[str]]]:
    out = []
    keys = peers(op, rows)
    for fb, vc, given in (
        ((op, "fastbal"), ("vc", "fastbal"), rows[0].given),
        ((op, "fastbal_polars"), ("vc", "fastbal_polars"), "polars String"),
    ):
        if not any(r.key == fb for r in rows):
            continue
        best = [h.fastest(res[n], keys) for n in sizes]
        out.append(
            (
                f"fastest peer / fastbal on {given} (target >= {target})",
                [
                    h.fmt_ratio(h.seconds_of(res[n], b), h.seconds_of(res[n], fb))
                    for n, b in zip(sizes, best, strict=True)
                ],
            )
        )
        out.append(
            (
                f"fastbal mask / fastbal.value_counts on {given} (target <= 2x)",
                [h.fmt_ratio(h.seconds_of(res[n], fb), h.seconds_of(res[n], vc)) for n in sizes],
            )
        )
    return out


def run_sizes(
    sizes: list[int], text: bool, args: Any, budget: h.Budget
) -> dict[int, dict[Hashable, h.Timing | str]]:
    res: dict[int, dict[Hashable, h.Timing | str]] = {}
    for n in sizes:
        h.progress(f"{'strings' if text else 'int32'} {h.fmt_size(n)}")
        y = h.int_labels(n)
        all_cases = cases(y, text)
        todo = {}
        res[n] = {}
        for key, fn in all_cases.items():
            why = None if key[1].startswith("fastbal") else budget.skip((text, key), n)
            if why:
                res[n][key] = why
            else:
                todo[key] = fn
        timed = h.time_cases(todo, h.repeats_for(n, args), keep_output=todo)
        check(timed)
        for key, t in timed.items():
            budget.record((text, key), n, t.seconds)
        res[n].update(timed)
        del y, all_cases, todo
    return res


def main() -> None:
    p = h.parser(__doc__.split("\n\n")[0], [10 * M, 100 * M], [100_000, M])
    h.size_option(p, "text_sizes", [10 * M], [M], "the string runs")
    args = h.finish_args(p.parse_args())
    text_sizes = h.finish_size_option(args, "text_sizes")
    report = h.Report(
        "select",
        "Which rows stay: masks and stratified sample vs numpy, polars, pyarrow, pandas",
        args,
        ["fastbal", "numpy", "pyarrow", "polars", "pandas"],
    )
    budget = h.Budget(args.limit)
    res_int = run_sizes(args.sizes, False, args, budget)
    res_txt = run_sizes(text_sizes, True, args, budget)

    mask_note = (
        "fastbal and numpy return a numpy bool array; polars and pyarrow return their own "
        "(bit-packed) boolean arrays, pandas a bool Series. Every mask is checked against "
        "fastbal's; 'other tie rule' marks a top-k mask with the same row count but another "
        "choice among classes tied at the boundary."
    )
    for op, title in (("min", f"filter_min_count(x, {K_MIN})"), ("top", f"top_k_mask(x, {K_TOP})")):
        rows = int_rows(op)
        report.add(
            f"int32 labels, {title}: median ms",
            h.by_size_table(
                rows, args.sizes, res_int, ratio_rows(op, rows, args.sizes, res_int, "3x")
            ),
            [mask_note],
        )
        rows = text_rows(op)
        report.add(
            f'strings "acct_<label>", {title}: median ms',
            h.by_size_table(
                rows, text_sizes, res_txt, ratio_rows(op, rows, text_sizes, res_txt, "2x")
            ),
            ["numpy has no counting path for strings and is left out here."],
        )
    sample_rows = [
        h.Row(("sample", "fastbal"), "fastbal.stratified_sample(x, fraction=0.1)", "numpy int32"),
        h.Row(("vc", "fastbal"), "fastbal.value_counts (reference)", "numpy int32"),
    ]
    report.add(
        "stratified_sample: median ms",
        h.by_size_table(
            sample_rows,
            args.sizes,
            res_int,
            [
                (
                    "stratified_sample / value_counts (target <= 3x at 10M)",
                    [
                        h.fmt_ratio(
                            h.seconds_of(res_int[n], ("sample", "fastbal")),
                            h.seconds_of(res_int[n], ("vc", "fastbal")),
                        )
                        for n in args.sizes
                    ],
                )
            ],
        ),
        [
            "on strings (pyarrow large_string): "
            + ", ".join(
                f"{h.fmt_size(n)} {h.cell(res_txt[n].get(('sample', 'fastbal')))} ms, "
                + h.fmt_ratio(
                    h.seconds_of(res_txt[n], ("sample", "fastbal")),
                    h.seconds_of(res_txt[n], ("vc", "fastbal")),
                )
                + " of value_counts"
                for n in text_sizes
            )
        ],
    )
    report.write()


if __name__ == "__main__":
    main()
