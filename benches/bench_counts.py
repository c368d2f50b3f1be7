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

The cardinality sweep (part "sweep"): 1k, 100k, 1M and 5M distinct keys in
10M rows, every key on about the same number of rows, rows shuffled, for
three key types: sparse int64 (random 62-bit values), dense int32 (0..keys-1)
and strings "user_<hex>" of 12 to 20 bytes. `fastbal.value_counts` and
`fastbal.Labels` (the factorization every fastbal function starts with)
against `np.unique(return_counts=True)` (integers), pandas, polars and
pyarrow `value_counts`, round-robin in this process; the peak memory of one
`fastbal.value_counts` call per cell in a fresh process; and the group split
of 10M rows / 1M groups against `fastbal.value_counts` of the group column.
Targets: at least 2x faster than the fastest peer in every cell; the group
split within 3x of the count of its groups.

Run from the repository root: `python3 benches/bench_counts.py` (or `--quick`).
`--only labels` or `--only sweep` runs one part; results/counts.md holds one
block per part, and a part not run keeps its block from the last run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import _harness as h
import fastbal
import numpy as np

M = 1_000_000
#: The titles of the file's two blocks: a run of one part keeps the other's block.
LABELS_TITLE = "Label counting: fastbal.value_counts vs numpy, pandas, polars, pyarrow"
SWEEP_TITLE = "High-cardinality keys: counting and factorizing by the number of distinct keys"
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


# --------------------------------------------------------------------------- cardinality sweep

#: Key types of the sweep: a short name, the table heading, the input given to fastbal.
KEY_TYPES = {
    "sparse64": ("sparse int64 (random 62-bit values)", "numpy int64"),
    "dense32": ("dense int32 (0..keys-1)", "numpy int32"),
    "string": ('strings "user_<hex>" (12-20 bytes)', "pyarrow large_string"),
}
SWEEP_PEERS = ("unique", "pandas", "polars", "pyarrow")
PEER_NAMES = {
    "unique": "np.unique",
    "pandas": "pandas",
    "polars": "polars",
    "pyarrow": "pyarrow",
}


def sweep_rows(kind: str) -> list[h.Row]:
    if kind == "string":
        fastbal_rows = [
            h.Row("fastbal_arrow", "fastbal.value_counts", "pyarrow large_string"),
            h.Row("fastbal_polars", "fastbal.value_counts", "polars String"),
            h.Row("fastbal_labels", "fastbal.Labels", "pyarrow large_string"),
        ]
        return [
            *fastbal_rows,
            h.Row("unique", "numpy.unique(return_counts=True)", "not run (object arrays)"),
            h.Row("pandas", "pandas Series.value_counts", "pandas string[pyarrow]"),
            h.Row("polars", "polars Series.value_counts", "polars String"),
            h.Row("pyarrow", "pyarrow.compute.value_counts", "pyarrow large_string"),
        ]
    given = KEY_TYPES[kind][1]
    return [
        h.Row("fastbal", "fastbal.value_counts", given),
        h.Row("fastbal_labels", "fastbal.Labels", given),
        h.Row("unique", "numpy.unique(return_counts=True)", given),
        h.Row("pandas", "pandas Series.value_counts", "pandas " + given.split()[1]),
        h.Row("polars", "polars Series.value_counts", "polars " + given.split()[1].title()),
        h.Row("pyarrow", "pyarrow.compute.value_counts", "pyarrow " + given.split()[1]),
    ]


def key_index(n: int, d: int, seed: list[int]) -> np.ndarray:
    """The key number (0..d-1) of every row: each key on n // d or n // d + 1 rows,
    in a seeded random order."""
    dtype = np.int32 if d <= 2**31 else np.int64
    idx = (np.arange(n, dtype=np.int64) % d).astype(dtype)
    np.random.default_rng(seed).shuffle(idx)
    return idx


def string_pool(d: int, rng: np.random.Generator) -> Any:
    """`d` distinct strings "user_<hex>" of 12 to 20 bytes, as a pyarrow large_string array.

    The first 7 hex digits are a bijection of the key number (an odd multiplier
    modulo 2**28, so distinct up to 268M keys), then 0 to 8 random hex digits.
    """
    import pyarrow as pa

    if d > 2**28:
        raise ValueError(f"at most {2**28:,} distinct strings, not {d:,}")
    digits = 7 + rng.integers(0, 9, size=d)  # hex digits per string: 7..15
    unique = (np.arange(d, dtype=np.uint64) * np.uint64(0x9E3779B) + np.uint64(12345)) % (
        np.uint64(2**28)
    )
    nibbles = np.empty((d, 15), dtype=np.uint8)
    for j in range(7):
        nibbles[:, j] = (unique >> np.uint64(4 * (6 - j))) & np.uint64(15)
    nibbles[:, 7:] = rng.integers(0, 16, size=(d, 8), dtype=np.uint8)
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles]
    table = np.concatenate([np.broadcast_to(np.frombuffer(b"user_", np.uint8), (d, 5)), chars], 1)
    lengths = 5 + digits
    data = table[np.arange(20) < lengths[:, None]]  # row by row, each its first `length` bytes
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return pa.LargeStringArray.from_buffers(d, pa.py_buffer(offsets), pa.py_buffer(data))


def sweep_keys(kind: str, n: int, d: int) -> Any:
    """`n` rows of `d` distinct keys of type `kind`, each key on about n / d rows,
    shuffled: a numpy array for the integer types, pyarrow large_string for strings."""
    seed = [22, list(KEY_TYPES).index(kind), d]
    idx = key_index(n, d, [*seed, 1])
    rng = np.random.default_rng(seed)
    if kind == "dense32":
        return idx.astype(np.int32, copy=False)
    if kind == "sparse64":
        pool = np.unique(rng.integers(0, 2**62, size=d, dtype=np.int64))
        while len(pool) < d:  # a repeat among 62-bit draws: draw the missing ones
            more = rng.integers(0, 2**62, size=d - len(pool), dtype=np.int64)
            pool = np.unique(np.concatenate([pool, more]))
        return rng.permutation(pool)[idx]
    import pyarrow as pa

    return string_pool(d, rng).take(pa.array(idx))


def sweep_cases(kind: str, keys: Any) -> dict[str, Callable[[], Any]]:
    import pandas as pd
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind == "string":
        pls = h.polars_strings(keys)
        pds = h.pandas_strings(keys)
        return {
            "fastbal_arrow": lambda: fastbal.value_counts(keys),
            "fastbal_polars": lambda: fastbal.value_counts(pls),
            "fastbal_labels": lambda: fastbal.Labels(keys),
            "pandas": pds.value_counts,
            "polars": pls.value_counts,
            "pyarrow": lambda: pc.value_counts(keys),
        }
    arr = pa.array(keys)
    pls = pl.Series("y", keys)
    pds = pd.Series(keys, copy=False, name="y")
    return {
        "fastbal": lambda: fastbal.value_counts(keys),
        "fastbal_labels": lambda: fastbal.Labels(keys),
        "unique": lambda: np.unique(keys, return_counts=True),
        "pandas": pds.value_counts,
        "polars": pls.value_counts,
        "pyarrow": lambda: pc.value_counts(arr),
    }


def check_sweep(results: dict[str, h.Timing], d: int) -> None:
    """`check`, and fastbal's count of distinct keys against `d`."""
    ref_key = next(k for k in ("fastbal", "fastbal_arrow") if k in results)
    out = results[ref_key].output
    if out is not None and len(out.counts) != d:
        results[ref_key].note = f"MISMATCH: {len(out.counts):,} keys"
    check(results)


def case_sweep_memory(kind: str, n: int, d: int) -> Callable[[], Any]:
    """One `fastbal.value_counts` call on the sweep's keys, data built in the child."""
    keys = sweep_keys(kind, n, d)
    return lambda: fastbal.value_counts(keys)


GROUP_ROWS = [
    h.Row("split", "fastbal.stratified_group_split(y, groups, 0.2, 0.1)", "numpy int32, int64"),
    h.Row("labels", "fastbal.Labels(groups)", "numpy int64"),
    h.Row("counts", "fastbal.value_counts(groups)", "numpy int64"),
    h.Row("counts_y", "fastbal.value_counts(y) (224 classes)", "numpy int32"),
]


def group_cases(n: int, n_groups: int) -> dict[str, Callable[[], Any]]:
    from bench_group import grouped_labels

    y, groups = grouped_labels(n, n_groups)
    return {
        "split": lambda: fastbal.stratified_group_split(y, groups, 0.2, 0.1, seed=0),
        "labels": lambda: fastbal.Labels(groups),
        "counts": lambda: fastbal.value_counts(groups),
        "counts_y": lambda: fastbal.value_counts(y),
    }


def sweep_report(args: Any) -> h.Report:
    """Time the cardinality sweep and the group split; their sections in a report."""
    n = args.sweep_rows
    report = h.Report(
        "counts",
        SWEEP_TITLE,
        args,
        ["fastbal", "numpy", "pyarrow", "polars", "pandas"],
    )
    keys_list = [d for d in args.sweep_keys if d <= n]
    dropped = [h.fmt_size(d) for d in args.sweep_keys if d > n]
    results: dict[str, dict[int, dict]] = {}
    memory: dict[tuple[str, int], h.ChildResult] = {}
    for kind in args.sweep_types:
        results[kind] = {}
        for d in keys_list:
            h.progress(f"sweep {kind}: {h.fmt_size(d)} keys in {h.fmt_size(n)} rows")
            keys = sweep_keys(kind, n, d)
            cases = sweep_cases(kind, keys)
            res = h.time_cases(cases, h.repeats_for(n, args), keep_output=list(cases))
            check_sweep(res, d)
            results[kind][d] = res
            del keys, cases
            memory[kind, d] = h.run_child(case_sweep_memory, kind, n, d)

    summary = []
    for kind in args.sweep_types:
        title = KEY_TYPES[kind][0]
        rows = sweep_rows(kind)
        ours = [r for r in rows if r.key.startswith("fastbal") and r.key != "fastbal_labels"]
        extra: list[tuple[str, list[str]]] = [
            (
                "fastest peer",
                [
                    PEER_NAMES.get(str(h.fastest(results[kind][d], SWEEP_PEERS)), "—")
                    for d in keys_list
                ],
            )
        ]
        for row in ours:
            extra.append(
                ratio_row(
                    f"fastest peer / fastbal on {row.given} (target >= 2x)",
                    keys_list,
                    results[kind],
                    fastest_peer(SWEEP_PEERS),
                    lambda r, k=row.key: h.seconds_of(r, k),
                )
            )
        extra.append(
            ratio_row(
                f"fastbal.Labels / fastbal.value_counts on {ours[0].given}",
                keys_list,
                results[kind],
                lambda r: h.seconds_of(r, "fastbal_labels"),
                lambda r, k=ours[0].key: h.seconds_of(r, k),
            )
        )
        body = [
            [
                row.label,
                row.given,
                *[
                    "—" if row.key not in results[kind][d] else h.cell(results[kind][d][row.key])
                    for d in keys_list
                ],
            ]
            for row in rows
        ]
        body += [[f"**{label}**", "", *cells] for label, cells in extra]
        report.add(
            f"{title}, {h.fmt_size(n)} rows: median ms",
            h.markdown_table(
                ["tool", "input", *[f"{h.fmt_size(d)} keys" for d in keys_list]],
                body,
                "ll" + "r" * len(keys_list),
            ),
        )
        for d in keys_list:
            r = results[kind][d]
            peer = h.fastest(r, SWEEP_PEERS)
            mem = memory[kind, d]
            summary.append(
                [
                    title.split(" (")[0],
                    h.fmt_size(d),
                    h.cell(r.get(ours[0].key)),
                    "—" if peer is None else f"{PEER_NAMES[str(peer)]} {h.cell(r[peer])}",
                    h.fmt_ratio(h.seconds_of(r, peer), h.seconds_of(r, ours[0].key)),
                    h.cell(r.get("fastbal_labels")),
                    mem.error or h.fmt_mib(mem.peak_extra),
                    h.fmt_per_row(mem.peak_extra, n),
                ]
            )
    if summary:
        report.add(
            f"summary: fastbal.value_counts against the fastest peer, {h.fmt_size(n)} rows",
            h.markdown_table(
                [
                    "keys",
                    "distinct",
                    "fastbal.value_counts (ms)",
                    "fastest peer (ms)",
                    "fastest peer / fastbal (target >= 2x)",
                    "fastbal.Labels (ms)",
                    "value_counts peak beyond input (MiB)",
                    "B/row",
                ],
                summary,
                "lrrrrrrr",
            ),
            [
                "keys: sparse int64 are random 62-bit values; dense int32 the range 0..keys-1; "
                'strings "user_" and 7 to 15 hex digits. Every key is on n / keys rows '
                "(rounded), rows shuffled; the same keys for every tool.",
                "fastbal gets the numpy array (ints) or the pyarrow large_string array "
                "(strings); each peer its own native input, built before timing (pandas "
                "strings are string[pyarrow], polars strings its String type). numpy.unique "
                "is not run on strings: it needs an object array, far slower than the others.",
                "every tool's counts are checked against fastbal's, and fastbal's number of "
                "keys against the distinct count ('MISMATCH' marks a difference).",
                "peak memory: one fastbal.value_counts call in a fresh process, its peak RSS "
                "minus the RSS before it (/proc/self/clear_refs); B/row per input row.",
                "fastbal.Labels factorizes the column (codes per row, classes sorted by "
                "value): the first step of every fastbal function given raw labels.",
                f"not run: {', '.join(dropped)} keys (more than the rows)" if dropped else "",
            ],
        )

    if args.group_split:
        groups = args.group_split
        h.progress(f"group split: {h.fmt_size(n)} rows / {h.fmt_size(groups)} groups")
        cases = group_cases(n, groups)
        res = h.time_cases(cases, h.repeats_for(n, args))
        del cases
        report.add(
            f"group split of {h.fmt_size(n)} rows / {h.fmt_size(groups)} groups: median ms",
            h.markdown_table(
                ["call", "input", "median ms", "x value_counts(groups)"],
                [
                    [
                        row.label,
                        row.given,
                        h.cell(res.get(row.key)),
                        h.fmt_ratio(h.seconds_of(res, row.key), h.seconds_of(res, "counts")),
                    ]
                    for row in GROUP_ROWS
                ],
                "llrr",
            ),
            [
                "target: the group split within 3x of value_counts of the group column.",
                "the data of benches/bench_group.py: seed-shaped labels, groups are runs of "
                "the rows sorted by label with noise (a group holds one class or two), "
                "random 40-bit group ids, rows shuffled.",
            ],
        )
    return report


def labels_report(args: Any) -> h.Report:
    """Time the seed-shaped labels (int32, strings, dictionary); their sections in a report."""
    text_sizes = args.text_sizes
    report = h.Report(
        "counts",
        LABELS_TITLE,
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
    return report


PARTS = ("labels", "sweep")


def main() -> None:
    p = h.parser(__doc__.split("\n\n")[0], [M, 10 * M, 100 * M], [100_000, M])
    h.size_option(p, "text_sizes", [10 * M], [M], "the string and dictionary runs")
    p.add_argument(
        "--only",
        default="",
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default all); the "
        "results of the other parts stay in the Markdown file as they were",
    )
    p.add_argument(
        "--sweep-rows",
        type=h.parse_size,
        default=None,
        help="rows of the cardinality sweep (default 10M; with --quick 1M)",
    )
    p.add_argument(
        "--sweep-keys",
        type=h.parse_sizes,
        default=None,
        help="comma-separated distinct key counts of the sweep (default 1k,100k,1M,5M; "
        "with --quick 1k,10k,100k,500k)",
    )
    p.add_argument(
        "--sweep-types",
        default=",".join(KEY_TYPES),
        help=f"comma-separated key types of the sweep, of {','.join(KEY_TYPES)} (default all)",
    )
    p.add_argument(
        "--group-split",
        type=h.parse_size,
        default=None,
        help="groups of the group split timed against value_counts of the group column, "
        "at --sweep-rows rows (default 1M; with --quick 100k; 0 to skip)",
    )
    args = h.finish_args(p.parse_args())
    h.finish_size_option(args, "text_sizes")
    if args.sweep_keys is None:
        args.sweep_keys = (
            [1_000, 10_000, 100_000, 500_000] if args.quick else [1_000, 100_000, M, 5 * M]
        )
    if args.sweep_rows is None:
        args.sweep_rows = M if args.quick else 10 * M
    if args.group_split is None:
        args.group_split = 100_000 if args.quick else M
    args.sweep_types = [t.strip() for t in args.sweep_types.split(",") if t.strip()]
    parts = [t.strip() for t in args.only.split(",") if t.strip()] or list(PARTS)
    for name, given, known in (("part", parts, PARTS), ("key type", args.sweep_types, KEY_TYPES)):
        unknown = [t for t in given if t not in known]
        if unknown:
            p.error(f"unknown {name}(s): {', '.join(unknown)} (known: {', '.join(known)})")

    labels = labels_report(args) if "labels" in parts else None
    sweep = sweep_report(args) if "sweep" in parts else None
    h.write_blocks(Path(args.out) / "counts.md", [(LABELS_TITLE, labels), (SWEEP_TITLE, sweep)])


if __name__ == "__main__":
    main()
