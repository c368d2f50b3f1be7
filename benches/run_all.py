"""Run every benchmark in this folder and gather their tables in results/README.md.

Each benchmark runs in its own process, one after the other (never two at
once: they would compete for the cores), with the options given here passed
on (`--quick`, `--repeats`, `--limit`, `--out`; `--sizes` applies to all of
them, so it is rarely what you want). Their Markdown files are then
concatenated, in order, under one header into `<out>/README.md`.

Run from the repository root: `python3 benches/run_all.py` (full sizes: about
an hour or more on 2 cores) or `python3 benches/run_all.py --quick` (a few
minutes). `--gather` runs nothing and rewrites README.md from the files there
(after one script, or one part of one, was run again).
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import time
from pathlib import Path

import _harness as h

BENCHES = [
    ("limits", "bench_limits.py"),
    ("counts", "bench_counts.py"),
    ("select", "bench_select.py"),
    ("split", "bench_split.py"),
    ("group", "bench_group.py"),
    ("weights", "bench_weights.py"),
    ("report", "bench_report.py"),
    ("polars", "bench_polars.py"),
    ("hf", "bench_hf.py"),
    ("dask", "bench_dask.py"),
    ("spark", "bench_spark.py"),
    ("multilabel", "bench_multilabel.py"),
]
PACKAGES = [
    "fastbal",
    "numpy",
    "pyarrow",
    "polars",
    "pandas",
    "scikit-learn",
    "imbalanced-learn",
    "datasets",
    "polars-ds",
    "dask",
    "dask-ml",
    "pyspark",
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, 1 repeat: a smoke run")
    p.add_argument(
        "--only", default="", help=f"comma-separated subset of {','.join(n for n, _ in BENCHES)}"
    )
    p.add_argument("--sizes", default=None, help="passed to every benchmark")
    p.add_argument("--repeats", default=None, help="passed to every benchmark")
    p.add_argument("--limit", default=None, help="passed to every benchmark")
    p.add_argument("--out", default=None, help="results folder (default benches/results[/quick])")
    p.add_argument(
        "--gather",
        action="store_true",
        help="run nothing: rewrite README.md from the results files already there",
    )
    args = p.parse_args()
    out = Path(args.out) if args.out else h.RESULTS / "quick" if args.quick else h.RESULTS
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - {n for n, _ in BENCHES}
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    passed = ["--out", args.out] if args.out else []
    if args.quick:
        passed.append("--quick")
    for opt in ("sizes", "repeats", "limit"):
        if getattr(args, opt) is not None:
            passed += [f"--{opt}", getattr(args, opt)]

    failed = []
    ran = []
    for name, script in BENCHES:
        if (only and name not in only) or args.gather:
            continue
        cmd = [sys.executable, str(h.HERE / script), *passed]
        print(f"== {name}: {' '.join(cmd)}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, check=False).returncode
        print(f"== {name}: exit {rc} after {time.perf_counter() - t0:.0f} s", flush=True)
        (failed if rc else ran).append(name)

    parts = []
    for name, _ in BENCHES:
        path = out / f"{name}.md"
        if (not only or name in only) and path.exists():
            parts.append(path.read_text().rstrip() + "\n")
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        "# fastbal benchmarks",
        "",
        "Seed-shaped labels: 224 classes in the proportions of "
        "`fastbal.datasets.seed_shaped_counts()` (the demo dataset), generated at each "
        "size by `benches/_harness.py`, where a section does not say otherwise. Times are "
        "medians in milliseconds; every section "
        "gives its own command, and the ratios their targets.",
        "",
    ]
    if args.gather:
        head += [
            f"Gathered from the files of each section's own run on {when} (`{h.command_line()}`).",
            "",
        ]
    else:
        head += [
            h.machine_line(PACKAGES) + f"; {when}.",
            "",
            f"Command (from the repository root): `{h.command_line()}`",
            "",
        ]
    if args.quick:
        head += [
            "**Quick mode (small sizes, 1 repeat): a check that the scripts run, not results.**"
        ]
        head += [""]
    if failed:
        head += [f"**Failed: {', '.join(failed)}** (see their output).", ""]
    out.mkdir(parents=True, exist_ok=True)
    readme = out / "README.md"
    readme.write_text("\n".join(head) + "\n" + "\n".join(parts))
    print(f"wrote {readme}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
