"""The `fastbal` command line: `report`, `split` and `demo`.

Exit codes: 0 success, 1 a data error (one line on stderr: any
`fastbal.FastbalError`, or a file that cannot be read or written), 2 a usage
error. Anything else is a bug and ends with its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import polars as pl

import fastbal
from fastbal.cli._io import BATCH_ROWS, DataError, SplitWriter, batches, file_format
from fastbal.distributed import length_histogram


@contextmanager
def _labels_of(path: str, label: str) -> Iterator[None]:
    """A label column fastbal cannot read (its type, its values) is a data error."""
    try:
        yield
    except TypeError as e:
        raise DataError(f"{path}: the label column {label!r}: {e}") from None


def _count(name: str, minimum: int) -> Callable[[str], int]:
    """An argparse type: an int of at least `minimum` (a usage error otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an int; got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{name} must be at least {minimum}; got {value}")
        return value

    return parse


def _report_file(
    path: str, label: str, text: str | None, top: int, min_count: int | None, batch_rows: int
) -> fastbal.LabelReport:
    """Count a file batch by batch and merge: memory holds one batch, not the
    file, except the label and text columns when `text` is given (the
    duplicates need every text at once)."""
    counter = fastbal.LabelCounter()
    hists: list[pl.DataFrame] = []
    label_chunks: list[pl.Series] = []
    text_chunks: list[pl.Series] = []
    cols = [label] if text is None else [label, text]
    for batch in batches(path, cols, "counting", batch_rows):
        with _labels_of(path, label):
            if text is None:
                counter.update(batch[label])
            else:
                labels = fastbal.Labels(batch[label])
                counter.update(labels)
                hists.append(length_histogram(labels, batch[text]))
                label_chunks.append(batch[label])
                text_chunks.append(batch[text])
    vc = counter.counts
    if len(vc) == 0:
        raise DataError(f"{path}: the label column {label!r} has no non-null value")
    lengths = fastbal.LengthStats.from_histogram(pl.concat(hists)) if hists else None
    dups = None
    if text_chunks:
        with _labels_of(path, label):
            dups = fastbal.duplicates(
                pl.concat(text_chunks, rechunk=False), pl.concat(label_chunks, rechunk=False)
            )
    return fastbal.LabelReport(vc, top=top, min_count=min_count, lengths=lengths, duplicates=dups)


def _cmd_report(args: argparse.Namespace) -> int:
    rep = _report_file(args.file, args.label, args.text, args.top, args.min_count, args.batch_rows)
    sys.stdout.write(rep.to_json() + "\n" if args.format == "json" else rep.to_markdown())
    if args.plot:
        rep.plot(args.plot)
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0


def _cmd_split(args: argparse.Namespace) -> int:
    fmt = file_format(args.file)
    # pass 1: the label column alone, batch by batch
    chunks = [
        b[args.label] for b in batches(args.file, [args.label], "reading labels", args.batch_rows)
    ]
    y = pl.concat(chunks, rechunk=False) if chunks else pl.Series(args.label, [])
    if y.null_count() == len(y):
        raise DataError(f"{args.file}: the label column {args.label!r} has no non-null value")
    with _labels_of(args.file, args.label):
        prepared = fastbal.prepare_split(
            y,
            test_size=args.test_size,
            val_size=args.val_size,
            seed=args.seed,
            max_classes=args.max_classes,
            min_count=args.min_count,
            extract_ratio=args.extract_ratio,
            rare=args.rare,
        )
    if not (prepared.assignment >= 0).any():
        raise DataError(
            f"{args.file}: no row is left to split after --max-classes / --min-count; "
            "nothing written"
        )
    rep = fastbal.report(
        y.gather(np.flatnonzero(prepared.assignment >= 0)),
        splits=prepared.split,
        min_count=args.min_count,
    )
    # pass 2: every column, batch by batch, each row to its split's file
    names = fastbal.SPLIT_NAMES
    writer = SplitWriter(args.out, args.format or fmt, names)
    try:
        offset = 0
        first: pl.DataFrame | None = None
        for batch in batches(args.file, None, "writing splits", args.batch_rows):
            first = batch if first is None else first
            part = prepared.assignment[offset : offset + len(batch)]
            offset += len(batch)
            for code, name in enumerate(names):
                rows = batch.filter(pl.Series(part == code))
                if len(rows):
                    writer.write(name, rows)
        writer.write_text("report.md", prepared.log() + "\n\n" + rep.to_markdown())
        writer.write_text("report.json", rep.to_json() + "\n")
        assert first is not None  # the label pass saw rows
        written = writer.commit(first)
    except BaseException:
        writer.abort()
        raise
    print(prepared.log(), file=sys.stderr)
    for p in written:
        print(p)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from fastbal.demo import run_demo

    run_demo(out=sys.stdout, plot=args.plot)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastbal",
        description="Label statistics and class-imbalance handling for ML datasets.",
    )
    parser.add_argument("--version", action="version", version=f"fastbal {fastbal.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_file_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("file", help="a Parquet, CSV, NDJSON or Arrow IPC file")
        p.add_argument("--label", required=True, help="the label column")
        p.add_argument(
            "--batch-rows",
            type=_count("--batch-rows", 1),
            default=BATCH_ROWS,
            help=f"rows read at a time (default {BATCH_ROWS:,})",
        )

    rep = sub.add_parser(
        "report",
        help="the label report of a file",
        description="Print the label report of a file (read in batches).",
    )
    add_file_args(rep)
    rep.add_argument(
        "--text",
        help="a text column: adds text length per class, and the repeated texts, the texts "
        "with conflicting labels and the accuracy ceiling they leave (this column and the "
        "label column are read whole)",
    )
    rep.add_argument(
        "--top", type=_count("--top", 0), default=5, help="rows in the head/tail tables"
    )
    rep.add_argument(
        "--min-count", type=_count("--min-count", 0), help="list the classes under this count"
    )
    rep.add_argument("--format", choices=("md", "json"), default="md")
    rep.add_argument("--plot", metavar="PNG", help="also draw the rank-frequency chart")
    rep.set_defaults(func=_cmd_report)

    sp = sub.add_parser(
        "split",
        help="filter and split a file into train/valid/test files",
        description="Apply extract, max-classes, min-count and a stratified split, in that "
        "order, and write train, valid and test files plus report.md and report.json.",
    )
    add_file_args(sp)
    sp.add_argument("--test-size", type=float, default=0.2)
    sp.add_argument("--val-size", type=float, default=0.1)
    sp.add_argument("--seed", type=int, default=42)
    sp.add_argument(
        "--min-count", type=_count("--min-count", 0), help="drop classes with fewer rows"
    )
    sp.add_argument(
        "--max-classes",
        type=_count("--max-classes", 0),
        help="keep only the most frequent classes",
    )
    sp.add_argument(
        "--extract-ratio", type=float, default=1.0, help="stratified fraction of rows to keep first"
    )
    sp.add_argument(
        "--rare",
        choices=("train", "drop", "error"),
        default="train",
        help="classes too small for every split (default: all to train)",
    )
    sp.add_argument(
        "--format",
        choices=("parquet", "csv", "ndjson", "ipc"),
        help="output format (default: the input's)",
    )
    sp.add_argument("--out", required=True, help="output directory")
    sp.set_defaults(func=_cmd_split)

    demo = sub.add_parser(
        "demo", help="run the whole analysis on a built-in dataset shaped like a real incident"
    )
    demo.add_argument(
        "--plot", metavar="PNG", help="where to draw the chart (default: a temp file)"
    )
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `fastbal` and `python -m fastbal`. Returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except BrokenPipeError:
        # the reader went away (`fastbal report ... | head`): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (fastbal.FastbalError, OSError) as e:
        # a refused input or argument, or a file that cannot be read or written
        # (DataError is a FastbalError); anything else is a bug and shows its traceback
        print(f"fastbal: error: {e}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
