"""Reading label files batch by batch, and writing split files atomically.

Files are read with polars, selecting only the columns needed, in batches,
so a file larger than memory is never loaded whole.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import polars as pl

from fastbal import InvalidInputError

#: File suffix -> format name.
FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".arrow": "ipc",
    ".ipc": "ipc",
    ".feather": "ipc",
}

#: Rows per batch when streaming a file.
BATCH_ROWS = 1_000_000


class DataError(InvalidInputError):
    """A problem with the input data or files (command-line exit code 1)."""


def file_format(path: str | Path) -> str:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise DataError(
            f"{path}: unreadable format {Path(path).suffix!r}; "
            f"use one of {', '.join(sorted(FORMATS))}"
        )
    return fmt


def scan(path: str | Path) -> pl.LazyFrame:
    """A lazy frame over a Parquet, CSV, NDJSON or Arrow IPC file."""
    if not Path(path).exists():
        raise DataError(f"{path}: no such file")
    fmt = file_format(path)
    if fmt == "parquet":
        return pl.scan_parquet(path)
    if fmt == "csv":
        return pl.scan_csv(path)
    if fmt == "ndjson":
        return pl.scan_ndjson(path)
    return pl.scan_ipc(path)


def check_columns(lf: pl.LazyFrame, path: str | Path, *columns: str | None) -> None:
    try:
        names = lf.collect_schema().names()
    except pl.exceptions.PolarsError as e:
        raise DataError(f"{path}: cannot read it as {file_format(path)}: {e}") from None
    for c in columns:
        if c is not None and c not in names:
            raise DataError(f"{path}: no column {c!r}; the columns are: {', '.join(names)}")


def count_rows(lf: pl.LazyFrame) -> int | None:
    """Row count when it is cheap to know (Parquet and IPC metadata), else None."""
    try:
        return int(lf.select(pl.len()).collect().item())
    except pl.exceptions.PolarsError:
        return None


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, what: str, total: int | None, stream: TextIO | None = None):
        self.what, self.total, self.done = what, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.start = time.perf_counter()

    def add(self, rows: int) -> None:
        self.done += rows
        if not self.enabled:
            return
        if self.total:
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(30 * frac)
            line = f"{self.what} [{bar:<30}] {self.done:,}/{self.total:,} rows"
        else:
            line = f"{self.what} {self.done:,} rows"
        self.stream.write(f"\r{line} ({time.perf_counter() - self.start:.1f}s)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def batches(
    path: str | Path, columns: list[str] | None, what: str, batch_rows: int = BATCH_ROWS
) -> Iterator[pl.DataFrame]:
    """The file's rows (only `columns`, or all) in order, `batch_rows` at a time."""
    lf = scan(path)
    if columns is not None:
        check_columns(lf, path, *columns)
        lf = lf.select(columns)
    progress = Progress(what, count_rows(lf) if file_format(path) != "csv" else None)
    try:
        for batch in lf.collect_batches(chunk_size=batch_rows, maintain_order=True):
            progress.add(len(batch))
            yield batch
    except pl.exceptions.PolarsError as e:
        raise DataError(f"{path}: cannot read it as {file_format(path)}: {e}") from None
    finally:
        progress.close()


class SplitWriter:
    """Writes rows to `train`, `valid` and `test` files in one format, under
    temporary names that are renamed into place only by `commit()`: a failure
    never leaves a half-written split behind."""

    def __init__(self, out_dir: str | Path, fmt: str, names: tuple[str, ...]):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.fmt = fmt
        ext = {"parquet": ".parquet", "csv": ".csv", "ndjson": ".ndjson", "ipc": ".arrow"}[fmt]
        self.final = {n: self.out_dir / f"{n}{ext}" for n in names}
        self.tmp = {n: self.out_dir / f".{n}{ext}.tmp-{os.getpid()}" for n in names}
        self.writers: dict[str, Any] = {}
        self.extra: dict[Path, Path] = {}

    def write(self, name: str, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        w = self.writers.get(name)
        if w is None:
            w = self.writers[name] = self._open(self.tmp[name], table.schema)
        if self.fmt == "ndjson":
            frame.write_ndjson(w)
        else:
            w.write_table(table)

    def _open(self, path: Path, schema: Any) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        if self.fmt == "parquet":
            return pq.ParquetWriter(path, schema)
        if self.fmt == "csv":
            return pacsv.CSVWriter(path, schema)
        if self.fmt == "ipc":
            return pa.ipc.new_file(path, schema)
        return open(path, "w", encoding="utf-8")

    def write_text(self, name: str, text: str) -> None:
        """A side file (report) committed with the splits."""
        final = self.out_dir / name
        tmp = self.out_dir / f".{name}.tmp-{os.getpid()}"
        tmp.write_text(text, encoding="utf-8")
        self.extra[tmp] = final

    def _close(self) -> None:
        for w in self.writers.values():
            w.close()
        self.writers.clear()

    def commit(self, schema_frame: pl.DataFrame) -> list[Path]:
        """Close the files (empty splits get an empty file) and rename them into place."""
        for name in self.final:
            if name not in self.writers:
                self.write(name, schema_frame.clear())
        self._close()
        for name, final in self.final.items():
            os.replace(self.tmp[name], final)
        for tmp, final in self.extra.items():
            os.replace(tmp, final)
        return [*self.final.values(), *self.extra.values()]

    def abort(self) -> None:
        """Remove every temporary file."""
        try:
            self._close()
        finally:
            for p in [*self.tmp.values(), *self.extra]:
                p.unlink(missing_ok=True)
