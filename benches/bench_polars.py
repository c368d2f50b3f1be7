"""The polars expression plugin against native polars and against fastbal's Python API.

On seed-shaped labels (int32, and the same labels as polars String), at 10M
and 100M rows, in one process, tools interleaved:

- filter: `df.filter(pl.col("y").fastbal.min_count_mask(10))` against native
  `df.filter(pl.len().over("y") >= 10)`; the mask alone against
  `fastbal.filter_min_count(df["y"], 10)` (the Python API on the same column);
- split (70/10/20): `pl.col("y").fastbal.split(...)` against the best native
  formulation, a seeded shuffle of the row ranks within each class
  (`pl.int_range(pl.len()).shuffle(seed).over("y")`) compared with per-class
  cut-offs, and against `fastbal.stratified_split(df["y"], ...).assignment`.

Targets: the plugin at least 2x faster than native polars, and within 1.3x
of the Python API on the same column.

Run from the repository root: `python3 benches/bench_polars.py` (or `--quick`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import _harness as h
import fastbal
import fastbal.polars
import polars as pl

M = 1_000_000
K = 10
SEED = 42


def native_split(seed: int) -> pl.Expr:
    """Per class: ranks shuffled by `seed`, the lowest 20% test, the next 10% valid."""
    rank = pl.int_range(pl.len()).shuffle(seed).over("y")
    n = pl.len().over("y")
    test = (n * 0.2).round()
    valid = test + (n * 0.1).round()
    return (
        pl.when(rank < test)
        .then(pl.lit("test"))
        .when(rank < valid)
        .then(pl.lit("valid"))
        .otherwise(pl.lit("train"))
        .cast(pl.Enum(["train", "valid", "test"]))
    )


def cases(df: pl.DataFrame) -> dict[Hashable, Callable[[], Any]]:
    y = df["y"]
    return {
        ("filter", "plugin"): lambda: df.filter(pl.col("y").fastbal.min_count_mask(K)),
        ("filter", "native"): lambda: df.filter(pl.len().over("y") >= K),
        ("mask", "plugin"): lambda: df.select(pl.col("y").fastbal.min_count_mask(K)),
        ("mask", "api"): lambda: fastbal.filter_min_count(y, K),
        ("split", "plugin"): lambda: df.select(pl.col("y").fastbal.split(seed=SEED)),
        ("split", "native"): lambda: df.select(native_split(SEED)),
        ("split", "api"): lambda: fastbal.stratified_split(y, seed=SEED).assignment,
    }


ROWS = [
    h.Row(("filter", "plugin"), "filter: fastbal plugin", "min_count_mask(10)"),
    h.Row(("filter", "native"), "filter: native polars", "pl.len().over(y) >= 10"),
    h.Row(("mask", "plugin"), "mask: fastbal plugin", "select min_count_mask(10)"),
    h.Row(("mask", "api"), "mask: fastbal Python API", "filter_min_count(df['y'], 10)"),
    h.Row(("split", "plugin"), "split: fastbal plugin", "select fastbal.split"),
    h.Row(("split", "native"), "split: native polars", "shuffled ranks .over(y) + cut-offs"),
    h.Row(("split", "api"), "split: fastbal Python API", "stratified_split(df['y'])"),
]


def frame(n: int, kind: str) -> pl.DataFrame:
    y = h.int_labels(n)
    if kind == "int32":
        return pl.DataFrame({"y": y})
    return pl.DataFrame({"y": h.polars_strings(h.arrow_strings(y))})


def ratio(res: dict[Hashable, Any], num: Hashable, den: Hashable) -> str:
    return h.fmt_ratio(h.seconds_of(res, num), h.seconds_of(res, den))


def main() -> None:
    p = h.parser(__doc__.splitlines()[0], sizes=[10 * M, 100 * M], quick_sizes=[M])
    args = h.finish_args(p.parse_args())
    report = h.Report("polars", "The polars plugin", args, ["fastbal", "polars", "numpy"])
    for kind in ("int32", "String"):
        results: dict[int, dict[Hashable, Any]] = {}
        for n in args.sizes:
            h.progress(kind, h.fmt_size(n))
            df = frame(n, kind)
            results[n] = dict(h.time_cases(cases(df), h.repeats_for(n, args)))
            del df
        extra = [
            (
                "filter: native / plugin (target >= 2x)",
                [ratio(results[n], ("filter", "native"), ("filter", "plugin")) for n in args.sizes],
            ),
            (
                "mask: plugin / Python API (target <= 1.3x)",
                [ratio(results[n], ("mask", "plugin"), ("mask", "api")) for n in args.sizes],
            ),
            (
                "split: native / plugin (target >= 2x)",
                [ratio(results[n], ("split", "native"), ("split", "plugin")) for n in args.sizes],
            ),
            (
                "split: plugin / Python API (target <= 1.3x)",
                [ratio(results[n], ("split", "plugin"), ("split", "api")) for n in args.sizes],
            ),
        ]
        report.add(
            f"{kind} labels",
            h.by_size_table(ROWS, args.sizes, results, extra),
            [
                "The native split is not exact: `round()` per class does not add up to the "
                "global sizes, and a class of one row can land in test alone."
            ],
        )
    report.write()


if __name__ == "__main__":
    main()
