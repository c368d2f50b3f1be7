"""Shared helpers for the benchmarks in this folder.

- seed-shaped data: int32 labels with the 224 classes of
  `fastbal.datasets.seed_shaped_counts()` in the same proportions at any size,
  and the same labels as strings ("acct_<label>") and dictionary-encoded;
- `time_cases`: medians of repeated calls, tools interleaved round-robin in
  one process after one warm-up call each;
- `run_child`: one call in a fresh process, for peak memory (and for tools
  that must be stoppable after a time limit);
- `Budget`: skips a tool at a size where, extrapolated from a smaller size,
  it would take longer than the limit or need more memory than is free;
- `Report`: Markdown tables, printed and written to `results/<name>.md` under
  a header giving the machine, the package versions and the command.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import gc
import hashlib
import importlib
import math
import multiprocessing as mp
import os
import platform
import shlex
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
#: Generated label columns are cached here (400 MB at 100M rows); override with
#: FASTBAL_BENCH_CACHE.
CACHE = Path(os.environ.get("FASTBAL_BENCH_CACHE", Path(tempfile.gettempdir()) / "fastbal-bench"))
_CACHE_VERSION = 1

N_CLASSES = 224
#: A call slower than this (its warm-up run) is timed once more, not `repeats` times.
SLOW_SECONDS = 5.0
#: Default per-call time limit for peers.
LIMIT_SECONDS = 180.0
#: The same in quick mode, a smoke run.
QUICK_LIMIT_SECONDS = 30.0

# --------------------------------------------------------------------------- sizes


def parse_size(text: str) -> int:
    """'1M' -> 1_000_000, '300k' -> 300_000, '2500' -> 2500."""
    text = text.strip().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000, "b": 1_000_000_000}
    if text and text[-1].lower() in scale:
        return round(float(text[:-1]) * scale[text[-1].lower()])
    return int(text)


def parse_sizes(text: str) -> list[int]:
    return [parse_size(t) for t in text.split(",") if t.strip()]


def fmt_size(n: int) -> str:
    for unit, scale in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= scale and n % (scale // 10) == 0:
            value = n / scale
            return f"{value:g}{unit}"
    return f"{n:,}"


# --------------------------------------------------------------------------- data


def seed_counts(n: int) -> np.ndarray:
    """Rows per label (index = label 0..223) at `n` rows, in the seed-shaped proportions.

    Exact largest-remainder apportionment of `n` (ties to the smaller label),
    so at n = 298,821 this is the seed-shaped dataset itself. Classes whose
    share rounds to zero rows are absent at small n.
    """
    from fastbal.datasets import SEED_ROWS, seed_shaped_counts

    base = seed_shaped_counts()
    weights = np.array([base[c] for c in range(N_CLASSES)], dtype=np.int64)
    assert weights.sum() == SEED_ROWS
    q, r = np.divmod(weights * n, SEED_ROWS)
    short = n - int(q.sum())
    order = np.lexsort((np.arange(N_CLASSES), -r))  # largest remainder first, then label
    q[order[:short]] += 1
    return q


def int_labels(n: int, seed: int = 0) -> np.ndarray:
    """Seed-shaped int32 labels (0..223) at `n` rows, in a seeded random order.

    Deterministic for (n, seed); cached as .npy under `CACHE` so that child
    processes and later runs load instead of regenerating.
    """
    counts = seed_counts(n)
    tag = hashlib.sha1(counts.tobytes()).hexdigest()[:12]  # a new shape, a new file
    path = CACHE / f"seed_int32_v{_CACHE_VERSION}_{n}_{seed}_{tag}.npy"
    if path.exists():
        with contextlib.suppress(OSError, ValueError):
            y = np.load(path)
            if y.shape == (n,) and y.dtype == np.int32:
                return y
    y = np.repeat(np.arange(N_CLASSES, dtype=np.int32), counts)
    np.random.default_rng(seed).shuffle(y)
    with contextlib.suppress(OSError):
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.save(f, y)
        os.replace(tmp, path)
    return y


def class_names() -> list[str]:
    return [f"acct_{c}" for c in range(N_CLASSES)]


def arrow_strings(y: np.ndarray) -> Any:
    """The labels as a pyarrow large_string array of "acct_<label>"."""
    import pyarrow as pa

    return pa.array(class_names(), pa.large_string()).take(pa.array(y))


def polars_strings(strings: Any) -> Any:
    """A polars String Series (polars stores it as utf8_view) from an Arrow string array."""
    import polars as pl

    return pl.Series("y", strings)


def pandas_strings(strings: Any) -> Any:
    """A pandas Series of pyarrow-backed strings (`string[pyarrow]`)."""
    import pandas as pd

    return pd.Series(strings, dtype=pd.StringDtype("pyarrow"), name="y")


def arrow_dictionary(y: np.ndarray) -> Any:
    """The labels as a pyarrow dictionary<int32, string> array ("acct_<label>")."""
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(y), pa.array(class_names(), pa.string()))


def polars_categorical(dictionary: Any) -> Any:
    import polars as pl

    return pl.Series("y", dictionary)


def pandas_categorical(y: np.ndarray) -> Any:
    import pandas as pd

    return pd.Series(pd.Categorical.from_codes(y, categories=class_names()), name="y")


# --------------------------------------------------------------------------- timing


@dataclasses.dataclass
class Timing:
    """Median seconds of the timed runs (None when the call failed), and their count."""

    seconds: float | None
    runs: int
    note: str = ""
    output: Any = None


#: Pause before each timed call, so thread pools that spin after their last
#: task (every tool here has one) are idle when the next tool starts.
SETTLE_SECONDS = 0.05


def _once(fn: Callable[[], Any], keep: bool = False) -> tuple[float, Any]:
    gc.collect()
    time.sleep(SETTLE_SECONDS)
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        elapsed = time.perf_counter() - t0
    finally:
        gc.enable()
    if not keep:
        del out
        out = None
    return elapsed, out


def short_error(e: BaseException) -> str:
    msg = " ".join(str(e).split())
    if len(msg) > 72:
        msg = msg[:69] + "..."
    return f"error: {type(e).__name__}: {msg}"


def time_cases(
    cases: dict[Hashable, Callable[[], Any]],
    repeats: int,
    *,
    slow: float = SLOW_SECONDS,
    keep_output: Iterable[Hashable] = (),
    describe: Callable[[Hashable, Any], Any] | None = None,
) -> dict[Hashable, Timing]:
    """Time every case in this process: one warm-up call each, then `repeats`
    rounds that call every case once in turn; the median per case.

    A case whose warm-up took longer than `slow` seconds is timed once more
    only. A case that raises is reported as an error and dropped. The
    warm-up outputs of `keep_output` cases are returned in `Timing.output`
    (for checks), or `describe(key, output)` for every case when given.
    """
    keep = set(keep_output)
    result: dict[Hashable, Timing] = {}
    live: dict[Hashable, Callable[[], Any]] = {}
    warm: dict[Hashable, float] = {}
    for key, fn in cases.items():
        try:
            warm[key], out = _once(fn, keep=key in keep or describe is not None)
            if describe is not None:
                out = describe(key, out)
        except Exception as e:  # a peer refusing the data is a result, not a crash
            result[key] = Timing(None, 0, short_error(e))
            continue
        live[key] = fn
        result[key] = Timing(None, 0, output=out)
        del out
    times: dict[Hashable, list[float]] = {key: [] for key in live}
    for r in range(repeats):
        for key, fn in live.items():
            if r >= 1 and warm[key] > slow:
                continue
            times[key].append(_once(fn)[0])
    for key, ts in times.items():
        result[key].seconds = statistics.median(ts) if ts else warm[key]
        result[key].runs = len(ts)
    return result


def repeats_for(n: int, args: argparse.Namespace) -> int:
    """Timed runs per case: `--repeats`, or 1 in quick mode, 5 up to 10M rows, 3 above."""
    if args.repeats:
        return int(args.repeats)
    if args.quick:
        return 1
    return 5 if n <= 10_000_000 else 3


# --------------------------------------------------------------------------- child processes


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def nbytes(obj: Any, _depth: int = 0) -> int | None:
    """Bytes held by a call's result (numpy/Arrow/polars/pandas data), None if unknown."""
    if _depth > 4:
        return None
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, np.generic)):
        return 0
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    mod = type(obj).__module__.split(".")[0]
    if mod == "polars" and hasattr(obj, "estimated_size"):
        return int(obj.estimated_size())
    if mod == "pyarrow" and hasattr(obj, "nbytes"):
        return int(obj.nbytes)
    if mod == "pandas" and hasattr(obj, "memory_usage"):
        usage = obj.memory_usage(index=False)
        return int(usage.sum() if hasattr(usage, "sum") else usage)
    parts: list[Any]
    if isinstance(obj, (tuple, list)):
        parts = list(obj)
    elif isinstance(obj, dict):
        parts = list(obj.values())
    elif dataclasses.is_dataclass(obj):
        parts = [getattr(obj, f.name) for f in dataclasses.fields(obj)]
    elif hasattr(type(obj), "__slots__"):
        parts = [getattr(obj, s, None) for s in type(obj).__slots__]
    else:
        return None
    sizes = [nbytes(p, _depth + 1) for p in parts]
    return None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)


def _child(
    conn: Any,
    make_case: Callable[..., Callable[[], Any]],
    args: tuple,
    repeats: int,
    slow: float,
    describe: Callable[[Any], Any] | None,
) -> None:
    try:
        fn = make_case(*args)
        gc.collect()
        conn.send(("ready",))
        before = _status_kb("VmRSS") * 1024
        exact = _reset_peak()
        peak_before = _status_kb("VmHWM") * 1024
        elapsed, out = _once(fn, keep=True)
        peak = _status_kb("VmHWM") * 1024
        # without a reset, a peak no higher than the setup's says nothing about the call
        extra = peak - before if exact or peak > peak_before else None
        size = nbytes(out)
        about = describe(out) if describe is not None else None
        del out
        conn.send(("first", elapsed, extra, size, exact, about))
        if elapsed <= slow:
            for _ in range(repeats):
                conn.send(("time", _once(fn)[0]))
        conn.send(("done",))
    except BaseException as e:  # report it; a failed send (parent gone) is no news
        with contextlib.suppress(BaseException):
            conn.send(("error", short_error(e), traceback.format_exc(limit=3)))
    finally:
        conn.close()


@dataclasses.dataclass
class ChildResult:
    """One call in a fresh process: its time, and its peak RSS above the RSS before it."""

    first_seconds: float | None = None
    peak_extra: int | None = None
    output_bytes: int | None = None
    peak_exact: bool = True
    about: Any = None
    times: list[float] = dataclasses.field(default_factory=list)
    timed_out: bool = False
    error: str = ""

    @property
    def seconds(self) -> float | None:
        """Median of the repeat runs when there are any, else the first (cold) run."""
        return statistics.median(self.times) if self.times else self.first_seconds


def run_child(
    make_case: Callable[..., Callable[[], Any]],
    *args: Any,
    limit: float | None = None,
    repeats: int = 0,
    slow: float = SLOW_SECONDS,
    describe: Callable[[Any], Any] | None = None,
) -> ChildResult:
    """Call `make_case(*args)()` in a fresh (spawned) process.

    `make_case` (a module-level function) builds its data in the child and
    returns the call to measure. Before that call the child's peak RSS is
    reset to its current RSS, so the peak measured is that of the call alone.
    With `repeats`, the call runs again that many times (unless the first
    run was slower than `slow`) and `seconds` is their median. The child is
    stopped when one call runs past `limit` seconds. `describe` (module
    level) turns the first call's output into something small to send back.
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child, args=(child, make_case, args, repeats, slow, describe), daemon=True
    )
    proc.start()
    child.close()
    res = ChildResult()

    def receive(timeout: float | None) -> tuple | None:
        if parent.poll(timeout):
            try:
                return parent.recv()  # type: ignore[no-any-return]
            except EOFError:
                return ("error", "error: the child process died (out of memory?)", "")
        return None

    try:
        msg = receive(None)  # setup: no limit
        while msg is not None:
            kind = msg[0]
            if kind == "error":
                res.error = msg[1]
                break
            if kind == "first":
                (
                    _,
                    res.first_seconds,
                    res.peak_extra,
                    res.output_bytes,
                    res.peak_exact,
                    res.about,
                ) = msg
            elif kind == "time":
                res.times.append(msg[1])
            elif kind == "done":
                break
            msg = receive(limit)
        else:
            res.timed_out = True
    finally:
        if proc.is_alive() and res.timed_out:
            # SIGINT first: the child's Python code unwinds and frees what it holds
            with contextlib.suppress(OSError):
                os.kill(proc.pid, signal.SIGINT)
        proc.join(10)
        if proc.is_alive():
            proc.terminate()
            proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join()
        parent.close()
    if not res.error and not res.timed_out and res.first_seconds is None:
        res.error = f"error: the child process exited with code {proc.exitcode}"
    return res


def mem_available() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


# --------------------------------------------------------------------------- skipping


class Budget:
    """Decides whether a tool is run at a size, from what it took at a smaller one.

    Time is extrapolated as n log n from the largest smaller size measured;
    peak memory linearly. A tool that ran out of time is not run at larger
    sizes (one that raised is tried again: a larger size may suit it).
    """

    def __init__(self, limit: float = LIMIT_SECONDS, memory_share: float = 0.8):
        self.limit = limit
        self.memory_share = memory_share
        self.times: dict[Hashable, tuple[int, float]] = {}
        self.memory: dict[Hashable, tuple[int, int]] = {}
        self.stopped: dict[Hashable, str] = {}

    def record(self, tool: Hashable, n: int, seconds: float | None) -> None:
        if seconds is not None:
            self.times[tool] = (n, seconds)

    def record_memory(self, tool: Hashable, n: int, peak: int | None) -> None:
        if peak is not None:
            self.memory[tool] = (n, peak)

    def timeout(self, tool: Hashable, n: int) -> None:
        self.stopped[tool] = f"not run: > {fmt_s(self.limit)} s at {fmt_size(n)}"

    def estimate(self, tool: Hashable, n: int) -> float | None:
        if tool not in self.times:
            return None
        n0, t0 = self.times[tool]
        return t0 * (n / n0) * max(1.0, math.log(n) / math.log(max(n0, 2)))

    def skip(self, tool: Hashable, n: int) -> str | None:
        """Why `tool` is not run at `n` rows, or None."""
        if tool in self.stopped:
            return self.stopped[tool]
        est = self.estimate(tool, n)
        if est is not None and est > self.limit:
            n0 = self.times[tool][0]
            return f"skipped: est. {fmt_s(est)} s > {fmt_s(self.limit)} s (from {fmt_size(n0)})"
        if tool in self.memory:
            n0, m0 = self.memory[tool]
            need = m0 * n / n0
            free = mem_available()
            if free and need > self.memory_share * free:
                share = f"{self.memory_share:.0%}"
                return f"skipped: est. peak {need / 2**30:.1f} GiB > {share} of free memory"
        return None


# --------------------------------------------------------------------------- formatting


def fmt_s(seconds: float) -> str:
    return f"{seconds:,.0f}" if seconds >= 10 else f"{seconds:.2g}"


def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    ms = seconds * 1e3
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fmt_ratio(num: float | None, den: float | None) -> str:
    if num is None or den is None or den <= 0:
        return "—"
    r = num / den
    return f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 10 else f"{r:.2f}x"


def fmt_mib(nbytes_: int | None) -> str:
    if nbytes_ is None:
        return "—"
    mib = nbytes_ / 2**20
    return f"{mib:,.0f}" if abs(mib) >= 10 else f"{mib:.1f}"


def fmt_per_row(nbytes_: int | None, n: int) -> str:
    return "—" if nbytes_ is None or n <= 0 else f"{nbytes_ / n:.1f}"


def cell(t: Timing | str | None) -> str:
    """A table cell: the median in ms, or the reason there is none."""
    if t is None:
        return "—"
    if isinstance(t, str):
        return t
    if t.seconds is None:
        return t.note or "—"
    return fmt_ms(t.seconds) + (f" ({t.note})" if t.note else "")


def markdown_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], align: str | None = None
) -> str:
    """A Markdown table; `align` is one char per column, 'l' or 'r' (default: first l)."""
    align = align or "l" + "r" * (len(headers) - 1)
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- report

PACKAGES = {
    "fastbal": "fastbal",
    "numpy": "numpy",
    "pyarrow": "pyarrow",
    "polars": "polars",
    "pandas": "pandas",
    "scikit-learn": "sklearn",
    "imbalanced-learn": "imblearn",
    "datasets": "datasets",
    "polars-ds": "polars_ds",
    "dask": "dask",
    "distributed": "distributed",
    "dask-ml": "dask_ml",
}


def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def versions(names: Iterable[str]) -> str:
    parts = []
    for name in names:
        try:
            mod = importlib.import_module(PACKAGES.get(name, name))
            version = str(getattr(mod, "__version__", "?"))
        except ImportError:
            version = "not installed"
        if name == "fastbal" and version != "not installed":
            debug = getattr(importlib.import_module("fastbal._fastbal"), "DEBUG_BUILD", False)
            version += " (DEBUG build)" if debug else " (release build)"
        parts.append(f"{name} {version}")
    return ", ".join(parts)


def machine_line(packages: Iterable[str]) -> str:
    threads = [
        f"{v}={os.environ[v]}"
        for v in ("RAYON_NUM_THREADS", "POLARS_MAX_THREADS", "OMP_NUM_THREADS")
        if v in os.environ
    ]
    mem = ""
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo") as f:
        mem = f", {int(f.readline().split()[1]) / 2**20:.0f} GiB RAM"
    return (
        f"Machine: {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), "
        f"{cpu_model()}{mem}; Python {platform.python_version()}; "
        + versions(packages)
        + (f"; {', '.join(threads)}" if threads else "; default thread counts")
    )


def command_line() -> str:
    script = Path(sys.argv[0]).resolve()
    with contextlib.suppress(ValueError):
        script = script.relative_to(REPO)
    return shlex.join(["python3", str(script), *sys.argv[1:]])


class Report:
    """Sections of Markdown, printed and written to `<out>/<name>.md`."""

    def __init__(self, name: str, title: str, args: argparse.Namespace, packages: Sequence[str]):
        self.name = name
        self.title = title
        self.args = args
        self.packages = packages
        self.sections: list[str] = []

    def add(self, heading: str, body: str, notes: Iterable[str] = ()) -> None:
        text = f"### {heading}\n\n{body}\n"
        notes = [n for n in notes if n]
        if notes:
            text += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
        self.sections.append(text)
        print(text, flush=True)

    def text(self) -> str:
        when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        mode = (
            "\n**Quick mode (small sizes, 1 repeat): a check that the script runs, "
            "not a result.**\n"
            if self.args.quick
            else ""
        )
        head = (
            f"## {self.title}\n\n{machine_line(self.packages)}; {when}.\n\n"
            f"Command (from the repository root): `{command_line()}`\n{mode}"
        )
        return head + "\n" + "\n".join(self.sections)

    def write(self) -> Path:
        out = Path(self.args.out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{self.name}.md"
        path.write_text(self.text())
        print(f"wrote {path}", flush=True)
        return path


def write_blocks(path: Path, blocks: Sequence[tuple[str, Report | None]]) -> Path:
    """Write several reports, each a "## <title>" block with its own header, to `path`.

    `blocks` lists (title, report) in file order; a block whose report is None
    (not run this time) keeps the block of that title already in the file, if
    any, so a run of one part of a script leaves the results of the others as
    they were, each under the machine line, date and command that made it.
    """
    kept: dict[str, str] = {}
    if path.exists():
        title, lines = "", []
        for line in [*path.read_text().splitlines(), "## "]:
            if line.startswith("## "):
                if title:
                    kept[title] = "\n".join(lines).rstrip() + "\n"
                title, lines = line[3:].strip(), []
            lines.append(line)
    parts = []
    for title, report in blocks:
        if report is not None:
            parts.append(report.text().rstrip() + "\n")
        elif title in kept:
            parts.append(kept[title])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
    print(f"wrote {path}", flush=True)
    return path


# --------------------------------------------------------------------------- command line


def parser(description: str, sizes: Sequence[int], quick_sizes: Sequence[int]) -> Any:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="small sizes, 1 repeat: a smoke run")
    p.add_argument(
        "--sizes",
        type=parse_sizes,
        default=None,
        help=f"comma-separated row counts, e.g. 1M,10M (default "
        f"{','.join(map(fmt_size, sizes))}; with --quick {','.join(map(fmt_size, quick_sizes))})",
    )
    p.add_argument("--repeats", type=int, default=0, help="timed runs per case (after a warm-up)")
    p.add_argument(
        "--limit",
        type=float,
        default=None,
        help="seconds one call of a peer may take (estimated from a smaller size, or "
        f"stopped there) (default {LIMIT_SECONDS:.0f}; with --quick {QUICK_LIMIT_SECONDS:.0f})",
    )
    p.add_argument(
        "--out",
        default=None,
        help="folder for the Markdown results (default benches/results, "
        "or benches/results/quick with --quick)",
    )
    p.set_defaults(_sizes=list(sizes), _quick_sizes=list(quick_sizes))
    return p


def finish_args(args: argparse.Namespace) -> argparse.Namespace:
    if args.sizes is None:
        args.sizes = args._quick_sizes if args.quick else args._sizes
    if args.limit is None:
        args.limit = QUICK_LIMIT_SECONDS if args.quick else LIMIT_SECONDS
    if args.out is None:
        args.out = str(RESULTS / "quick" if args.quick else RESULTS)
    return args


def size_option(
    p: Any, dest: str, sizes: Sequence[int], quick_sizes: Sequence[int], what: str
) -> None:
    """A second size list (e.g. `text_sizes` -> --text-sizes), defaulting like --sizes."""
    p.add_argument(
        "--" + dest.replace("_", "-"),
        dest=dest,
        type=parse_sizes,
        default=None,
        help=f"row counts for {what} (default {','.join(map(fmt_size, sizes))}; "
        f"with --quick {','.join(map(fmt_size, quick_sizes))})",
    )
    p.set_defaults(**{f"_{dest}": list(sizes), f"_{dest}_quick": list(quick_sizes)})


def finish_size_option(args: argparse.Namespace, dest: str) -> list[int]:
    value = getattr(args, dest)
    if value is None:
        value = getattr(args, f"_{dest}_quick" if args.quick else f"_{dest}")
    setattr(args, dest, list(value))
    return list(value)


def progress(*parts: Any) -> None:
    print("..", *parts, file=sys.stderr, flush=True)


@dataclasses.dataclass
class Row:
    """A table row: a case key, what it is, and what it is given."""

    key: Hashable
    label: str
    given: str = ""


def by_size_table(
    rows: Sequence[Row],
    sizes: Sequence[int],
    results: dict[int, dict[Hashable, Timing | str]],
    extra: Sequence[tuple[str, Sequence[str]]] = (),
    unit: str = "ms",
) -> str:
    """Tools down, sizes across: median ms per cell (or why there is none), then
    `extra` rows (a label and one cell per size), e.g. ratios."""
    headers = ["tool", "input", *[f"{fmt_size(n)} ({unit})" for n in sizes]]
    body: list[list[str]] = []
    for row in rows:
        cells = []
        for n in sizes:
            cells.append(cell(results.get(n, {}).get(row.key)))
        body.append([row.label, row.given, *cells])
    for label, values in extra:
        body.append([f"**{label}**", "", *values])
    return markdown_table(headers, body, "ll" + "r" * len(sizes))


def seconds_of(results: dict[Hashable, Timing | str], key: Hashable) -> float | None:
    got = results.get(key)
    return got.seconds if isinstance(got, Timing) else None


def fastest(results: dict[Hashable, Timing | str], keys: Iterable[Hashable]) -> Hashable | None:
    """The key with the smallest median among `keys` (None if none ran)."""
    timed = [(s, k) for k in keys if (s := seconds_of(results, k)) is not None]
    return min(timed, key=lambda sk: sk[0])[1] if timed else None
