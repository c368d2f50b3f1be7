"""`fastbal report` on a file against the polars script a skilled user would
write for the same numbers, end to end (reading the file included).

On a Parquet file of seed-shaped labels (int32 at 100M rows, strings
"acct_<label>" at 10M rows by default):

- `fastbal report FILE --label y --format json`: the command line, which
  reads the file batch by batch and merges the counts;
- fastbal in memory: `pl.read_parquet(FILE, columns=["y"])` then
  `fastbal.report(column)`;
- polars: read the column, `value_counts`, sort, then the same figures
  (ratio, head and tail shares, top-5 share, one-row classes, the what-if
  table for min counts 2..100, majority baseline, entropy).

Each runs in a fresh process, timed with its imports excluded; its peak
resident memory is the kernel's high-water mark (VmHWM, reset after the
imports), alone and above the resident memory of the interpreter with its
imports loaded. Targets: the command line at least 2x
faster than the polars script, and the streamed run's peak memory at most
25% of the in-memory run's.

Run from the repository root: `python3 benches/bench_report.py` (or
`--quick`: 1M rows).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import _harness as h
import polars as pl

CHILD = r"""
import json, sys, time
import numpy as np, polars as pl, pyarrow, fastbal, fastbal.cli

def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])

# ru_maxrss carries the parent's high-water mark across exec: reset the
# kernel's counter instead, and read VmHWM / VmRSS
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = status_kib("VmRSS")
path, label, how = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
if how == "cli":
    import io, contextlib
    with contextlib.redirect_stdout(io.StringIO()):
        code = fastbal.cli.main(["report", path, "--label", label, "--format", "json"])
    assert code == 0
elif how == "memory":
    col = pl.read_parquet(path, columns=[label])[label]
    fastbal.report(col).to_dict()
else:
    vc = (pl.scan_parquet(path).select(label).collect()[label]
          .value_counts(sort=True).filter(pl.col(label).is_not_null()))
    counts = vc["count"].to_numpy()
    total = counts.sum()
    share = counts / total
    out = {
        "rows": int(total), "classes": len(counts),
        "ratio": float(counts[0] / counts[-1]),
        "head": vc.head(5).to_dicts(), "tail": vc.tail(5).to_dicts(),
        "top5": float(share[:5].sum()),
        "one_row": vc.filter(pl.col("count") == 1)[label].sort().to_list(),
        "baseline": float(share[0]),
        "entropy": float(-(share * np.log(share)).sum() / np.log(len(counts))),
    }
    asc = np.sort(counts)
    cum = np.concatenate([[0], np.cumsum(asc)])
    for t in (2, 5, 10, 20, 50, 100):
        i = int(np.searchsorted(asc, t))
        out[f"what_if_{t}"] = (i, int(cum[i]), float(asc[-1] / asc[i]) if i < len(asc) else None)
seconds = time.perf_counter() - t0
peak = status_kib("VmHWM")
print(json.dumps({"seconds": seconds, "peak_kib": peak, "base_kib": base}))
"""


def make_file(n: int, kind: str, folder: Path) -> Path:
    path = folder / f"labels-{kind}-{h.fmt_size(n)}.parquet"
    if not path.exists():
        y = h.int_labels(n)
        col = pl.Series("y", y) if kind == "int32" else pl.from_arrow(h.arrow_strings(y)).alias("y")
        pl.DataFrame({"y": col}).write_parquet(path)
    return path


def run(path: Path, how: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), "y", how],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    args.out = args.out or str(h.RESULTS / "quick" if args.quick else h.RESULTS)
    cases = (
        [("int32", 1_000_000), ("str", 1_000_000)]
        if args.quick
        else [("int32", 100_000_000), ("str", 10_000_000)]
    )
    repeats = 1 if args.quick else args.repeats
    folder = Path(tempfile.gettempdir()) / "fastbal-bench"
    folder.mkdir(exist_ok=True)
    names = {
        "cli": "fastbal report (command line, streamed)",
        "memory": "fastbal.report on the column read whole",
        "polars": "polars script (read column, value_counts, figures)",
    }
    rows = []
    for kind, n in cases:
        path = make_file(n, kind, folder)
        h.progress(kind, h.fmt_size(n), f"{path.stat().st_size / 2**20:.0f} MiB on disk")
        results: dict[str, list[dict]] = {how: [] for how in names}
        for _ in range(repeats):
            for how in names:  # interleaved
                results[how].append(run(path, how))
        med = {how: statistics.median(r["seconds"] for r in rs) for how, rs in results.items()}
        peak = {how: max(r["peak_kib"] for r in rs) * 1024 for how, rs in results.items()}
        above = {
            how: max(r["peak_kib"] - r["base_kib"] for r in rs) * 1024
            for how, rs in results.items()
        }
        for how, name in names.items():
            rows.append(
                [
                    f"{kind} {h.fmt_size(n)}",
                    name,
                    h.fmt_ms(med[how]),
                    h.fmt_ratio(med[how], med["cli"]),
                    h.fmt_mib(peak[how]),
                    h.fmt_mib(above[how]),
                ]
            )
        rows.append(
            [
                f"{kind} {h.fmt_size(n)}",
                "**streamed / in-memory peak (above imports)**",
                "",
                "",
                "",
                f"{100 * above['cli'] / max(above['memory'], 1):.0f}%",
            ]
        )
    table = h.markdown_table(
        ["file", "tool", "ms (median)", "x fastbal CLI", "peak RSS MiB", "peak above imports MiB"],
        rows,
    )
    report = h.Report(
        "report",
        "Label report of a Parquet file, end to end",
        args,
        ["fastbal", "polars", "pyarrow", "numpy"],
    )
    report.add(
        "fastbal report vs a polars script",
        table,
        [
            "Each run is a fresh process; the time excludes imports and includes reading the file.",
            "Peak memory: VmHWM of the process, reset after the imports; 'above imports' subtracts "
            "the resident memory at that point.",
        ],
    )
    print(report.text())
    report.write()


if __name__ == "__main__":
    main()
