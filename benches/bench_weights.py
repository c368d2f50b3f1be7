"""Class weights, sample weights and resampling indices: fastbal against
scikit-learn, imbalanced-learn and numpy.

On seed-shaped int32 labels at 1M and 10M rows (and 100M for fastbal alone):

- `fastbal.class_weights(y)` vs scikit-learn
  `compute_class_weight("balanced", classes=np.unique(y), y=y)` (np.unique
  included: the classes must come from somewhere) and numpy (bincount);
- `fastbal.sample_weights(y)` vs scikit-learn
  `compute_sample_weight("balanced", y)` and numpy (bincount, per-class
  weight, take);
- `fastbal.oversample(y)` (every class up to the largest) vs imbalanced-learn
  `RandomOverSampler().fit_resample(X, y)` (its 'auto': the same targets) on a
  one-column X of row ids, and numpy (a radix argsort to group rows by class,
  then per-class `rng.choice` with replacement);
- `fastbal.undersample(y, ratio=1.0)` (every class down to the smallest) vs
  `RandomUnderSampler().fit_resample(X, y)` (its 'auto': the same targets)
  and numpy (per-class `rng.choice` without replacement).

Also one `fastbal.value_counts` for reference, all timed round-robin per size
in one process; peak memory of one call in a fresh process per tool and
size. Peers are skipped at a size where, extrapolated from a smaller size,
one call would take longer than the limit (180 s), or need more memory than
is free. Targets at 10M: at least 100x faster than imbalanced-learn,
`sample_weights` at least 2x faster than the numpy baseline, `class_weights`
within 1.5x of one `value_counts`.

Run from the repository root: `python3 benches/bench_weights.py` (or `--quick`).
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable, Hashable
from typing import Any

import _harness as h
import fastbal
import numpy as np

M = 1_000_000
SEED = 42

OPS = {
    "cw": "class weights (balanced)",
    "sw": "sample weights (balanced)",
    "over": "oversample: every class up to the largest",
    "under": "undersample: every class down to the smallest",
}
ROWS = {
    "cw": [
        h.Row(("cw", "fastbal"), "fastbal.class_weights(y)", "numpy int32"),
        h.Row(("cw", "sklearn"), "scikit-learn compute_class_weight (+ np.unique)", "numpy int32"),
        h.Row(("cw", "numpy"), "numpy: bincount, n / (k * count)", "numpy int32"),
        h.Row(("vc", "fastbal"), "fastbal.value_counts (reference)", "numpy int32"),
    ],
    "sw": [
        h.Row(("sw", "fastbal"), "fastbal.sample_weights(y)", "numpy int32"),
        h.Row(("sw", "sklearn"), "scikit-learn compute_sample_weight", "numpy int32"),
        h.Row(("sw", "numpy"), "numpy: bincount, weights, take", "numpy int32"),
    ],
    "over": [
        h.Row(("over", "fastbal"), "fastbal.oversample(y)", "numpy int32"),
        h.Row(
            ("over", "imblearn"),
            "imbalanced-learn RandomOverSampler().fit_resample(X, y)",
            "numpy int32, X: one int64 column",
        ),
        h.Row(("over", "numpy"), "numpy: radix argsort, per-class rng.choice", "numpy int32"),
    ],
    "under": [
        h.Row(("under", "fastbal"), "fastbal.undersample(y, ratio=1.0)", "numpy int32"),
        h.Row(
            ("under", "imblearn"),
            "imbalanced-learn RandomUnderSampler().fit_resample(X, y)",
            "numpy int32, X: one int64 column",
        ),
        h.Row(("under", "numpy"), "numpy: radix argsort, per-class rng.choice", "numpy int32"),
    ],
}
PACKAGE = {"sklearn": "sklearn", "imblearn": "imblearn"}


def numpy_class_weights(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(classes present, their balanced weights) of labels 0..C-1."""
    counts = np.bincount(y)
    present = np.flatnonzero(counts)
    return present, len(y) / (len(present) * counts[present])


def numpy_sample_weights(y: np.ndarray) -> np.ndarray:
    counts = np.bincount(y)
    weight = np.zeros(len(counts))
    present = counts > 0
    weight[present] = len(y) / (np.count_nonzero(present) * counts[present])
    return np.take(weight, y)


def _grouped(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(counts per label, row indices grouped by label) via numpy's radix sort."""
    counts = np.bincount(y)
    key = y.astype(np.uint8 if len(counts) <= 256 else np.uint16)
    return counts, np.argsort(key, kind="stable")


def numpy_oversample(y: np.ndarray, seed: int = SEED) -> np.ndarray:
    """All rows, then each class's rows drawn with replacement up to the largest count."""
    counts, order = _grouped(y)
    target = int(counts.max())
    rng = np.random.default_rng(seed)
    parts = [np.arange(len(y))]
    start = 0
    for c in counts.tolist():
        if 0 < c < target:
            parts.append(rng.choice(order[start : start + c], size=target - c, replace=True))
        start += c
    return np.concatenate(parts)


def numpy_undersample(y: np.ndarray, seed: int = SEED) -> np.ndarray:
    """Sorted indices of each class's rows drawn without replacement down to the smallest count."""
    counts, order = _grouped(y)
    target = int(counts[counts > 0].min())
    rng = np.random.default_rng(seed)
    parts = []
    start = 0
    for c in counts.tolist():
        if c:
            parts.append(rng.choice(order[start : start + c], size=target, replace=False))
        start += c
    return np.sort(np.concatenate(parts))


def make_case(key: tuple[str, str], y: np.ndarray, x: np.ndarray | None) -> Callable[[], Any]:
    """The call timed for (operation, tool); `x` is the one-column X for imbalanced-learn."""
    op, tool = key
    if tool == "fastbal":
        return {
            "vc": lambda: fastbal.value_counts(y),
            "cw": lambda: fastbal.class_weights(y),
            "sw": lambda: fastbal.sample_weights(y),
            "over": lambda: fastbal.oversample(y, seed=SEED),
            "under": lambda: fastbal.undersample(y, ratio=1.0, seed=SEED),
        }[op]
    if tool == "numpy":
        return {
            "cw": lambda: numpy_class_weights(y),
            "sw": lambda: numpy_sample_weights(y),
            "over": lambda: numpy_oversample(y),
            "under": lambda: numpy_undersample(y),
        }[op]
    if tool == "sklearn":
        from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

        if op == "cw":
            return lambda: compute_class_weight("balanced", classes=np.unique(y), y=y)
        return lambda: compute_sample_weight("balanced", y)
    if tool == "imblearn":
        from imblearn.over_sampling import RandomOverSampler
        from imblearn.under_sampling import RandomUnderSampler

        sampler = RandomOverSampler if op == "over" else RandomUnderSampler
        assert x is not None
        return lambda: sampler(random_state=SEED).fit_resample(x, y)
    raise ValueError(key)


def case_weights(op: str, tool: str, n: int) -> Callable[[], Any]:
    """For a child process: the labels at `n` rows (and X if needed), then `make_case`."""
    warnings.simplefilter("ignore")
    y = h.int_labels(n)
    x = np.arange(n, dtype=np.int64).reshape(-1, 1) if tool == "imblearn" else None
    return make_case((op, tool), y, x)


def describe(key: Hashable, out: Any) -> Any:
    """Something small to check a result against fastbal's: weights, or rows out."""
    op, tool = key  # type: ignore[misc]
    if op == "cw":
        return np.asarray(out.weights if tool == "fastbal" else out[1] if tool == "numpy" else out)
    if op == "sw":
        w = np.asarray(out)
        return w[:: max(1, len(w) // 4096)].copy()
    if op in ("over", "under"):
        idx = out.indices if tool == "fastbal" else out[1] if tool == "imblearn" else out
        return len(idx)
    return None


def check(res: dict[Hashable, h.Timing | str]) -> None:
    for op in OPS:
        ref = res.get((op, "fastbal"))
        if not isinstance(ref, h.Timing) or ref.output is None:
            continue
        for key, t in res.items():
            if key[0] != op or key[1] == "fastbal" or not isinstance(t, h.Timing):  # type: ignore[index]
                continue
            if t.output is None:
                continue
            same = (
                t.output == ref.output
                if op in ("over", "under")
                else np.shape(t.output) == np.shape(ref.output)
                and np.allclose(t.output, ref.output, rtol=1e-12)
            )
            if not same:
                t.note = "MISMATCH"


def oversample_bytes(n: int) -> int:
    """Bytes of fastbal's oversampling output (int64 indices) at `n` rows."""
    counts = h.seed_counts(n)
    return 8 * int(np.count_nonzero(counts)) * int(counts.max())


def beyond_outputs(m: h.ChildResult | None) -> int | None:
    if m is None or m.peak_extra is None or m.output_bytes is None:
        return None
    return m.peak_extra - m.output_bytes


def main() -> None:
    p = h.parser(__doc__.split("\n\n")[0], [M, 10 * M, 100 * M], [100_000, M])
    p.add_argument(
        "--peer-max",
        type=h.parse_size,
        default=None,
        help="largest size at which peers run; fastbal alone above it (default 10M; "
        "with --quick 100k)",
    )
    args = h.finish_args(p.parse_args())
    peer_max = args.peer_max or (100_000 if args.quick else 10 * M)
    warnings.simplefilter("ignore")  # fastbal warns about cutting classes to few rows
    missing = {t: pkg for t, pkg in PACKAGE.items() if importlib.util.find_spec(pkg) is None}
    report = h.Report(
        "weights",
        "Class weights, sample weights, resampling: fastbal vs scikit-learn, "
        "imbalanced-learn, numpy",
        args,
        ["fastbal", "numpy", "scikit-learn", "imbalanced-learn"],
    )
    budget = h.Budget(args.limit)
    keys = [row.key for rows in ROWS.values() for row in rows]
    results: dict[int, dict[Hashable, h.Timing | str]] = {}
    memory: dict[int, dict[Hashable, h.ChildResult]] = {}

    for n in args.sizes:
        h.progress(f"weights {h.fmt_size(n)}")
        y = h.int_labels(n)
        x = np.arange(n, dtype=np.int64).reshape(-1, 1) if n <= peer_max else None
        res: dict[Hashable, h.Timing | str] = {}
        todo: dict[Hashable, Callable[[], Any]] = {}
        over_gib = oversample_bytes(n) / 2**30
        for key in keys:
            op, tool = key
            if tool != "fastbal" and n > peer_max:
                res[key] = f"not run: peers up to {h.fmt_size(peer_max)}"
            elif tool in missing:
                res[key] = f"not installed ({missing[tool]})"
            elif op == "over" and oversample_bytes(n) > 0.5 * h.mem_available():
                res[key] = f"not run: its output alone is {over_gib:.1f} GiB"
            elif tool != "fastbal" and (why := budget.skip(key, n)):
                res[key] = why
            else:
                todo[key] = make_case(key, y, x)
        timed = h.time_cases(todo, h.repeats_for(n, args), describe=describe)
        del todo
        res.update(timed)
        check(res)
        memory[n] = {}
        for key, t in timed.items():
            budget.record(key, n, t.seconds)
            if t.seconds is not None and key[0] != "vc":
                h.progress(f"  memory {key[0]} {key[1]}")
                r = h.run_child(case_weights, key[0], key[1], n, limit=args.limit)
                memory[n][key] = r
                budget.record_memory(key, n, r.peak_extra)
        results[n] = res
        del y, x

    for op, title in OPS.items():
        body = []
        for n in args.sizes:
            res = results[n]
            fb = h.seconds_of(res, (op, "fastbal"))
            for row in ROWS[op]:
                t = res.get(row.key)
                m = memory[n].get(row.key)
                out = t.output if isinstance(t, h.Timing) else None
                body.append(
                    [
                        h.fmt_size(n),
                        row.label,
                        row.given,
                        h.cell(t),
                        "1x"
                        if row.key == (op, "fastbal")
                        else "—"
                        if row.key[0] != op
                        else h.fmt_ratio(h.seconds_of(res, row.key), fb),
                        h.fmt_mib(m.peak_extra) if m else "—",
                        h.fmt_per_row(m.peak_extra, n) if m else "—",
                        h.fmt_per_row(beyond_outputs(m), n),
                        f"{out:,}" if isinstance(out, int) else "",
                    ]
                )
        headers = ["rows", "tool", "input", "median ms", "x fastbal's time"]
        headers += ["peak beyond input (MiB)", "B/row", "B/row beyond outputs"]
        headers += ["rows out" if op in ("over", "under") else ""]
        report.add(
            title,
            h.markdown_table(headers, body, "lllrrrrrr"),
            [
                "B/row is per input row; oversampling returns about 33 rows per input row here "
                "(every class raised to the largest, 14.8% of the rows)."
            ]
            if op == "over"
            else [],
        )

    def ratio(n: int, num: Hashable, den: Hashable) -> str:
        return h.fmt_ratio(h.seconds_of(results[n], num), h.seconds_of(results[n], den))

    report.add(
        "ratios (targets at 10M)",
        h.markdown_table(
            [
                "rows",
                "RandomOverSampler / fastbal (>= 100x)",
                "RandomUnderSampler / fastbal (>= 100x)",
                "numpy sample weights / fastbal (>= 2x)",
                "class_weights / value_counts (<= 1.5x)",
                "scikit-learn class / sample weights / fastbal",
            ],
            [
                [
                    h.fmt_size(n),
                    ratio(n, ("over", "imblearn"), ("over", "fastbal")),
                    ratio(n, ("under", "imblearn"), ("under", "fastbal")),
                    ratio(n, ("sw", "numpy"), ("sw", "fastbal")),
                    ratio(n, ("cw", "fastbal"), ("vc", "fastbal")),
                    ratio(n, ("cw", "sklearn"), ("cw", "fastbal"))
                    + " / "
                    + ratio(n, ("sw", "sklearn"), ("sw", "fastbal")),
                ]
                for n in args.sizes
            ],
            "lrrrrr",
        ),
        [
            "every tool gets the same numpy int32 labels; imbalanced-learn also gets X, one "
            "int64 column of row ids built before timing, and returns copies of X and y where "
            "fastbal returns int64 row indices (fastbal's over- and under-sampling targets equal "
            "imbalanced-learn's 'auto'). Results are checked against fastbal's: weights to "
            "1e-12, resampled row counts exactly; 'MISMATCH' marks a difference.",
            "medians of the timed runs after one warm-up (1 timed run for calls over "
            f"{h.SLOW_SECONDS:.0f} s). Peak memory: one call in a fresh process per tool and "
            "size, peak RSS minus RSS just before the call (outputs included).",
        ],
    )
    report.write()


if __name__ == "__main__":
    main()
