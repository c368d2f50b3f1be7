"""The `fastbal` command line: `report`, `split` and `demo`.

Exit codes: 0 success, 1 a data error (one line on stderr: any
`fastbal.FastbalError`, or a file that cannot be read or written), 2 a usage
error. Anything else is a bug and ends with its traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
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


def _read_columns(path: str, columns: list[str], batch_rows: int) -> dict[str, pl.Series]:
    """`columns` of a file, whole (read batch by batch, only those columns)."""
    chunks: dict[str, list[pl.Series]] = {c: [] for c in columns}
    for b in batches(path, columns, "reading labels", batch_rows):
        for c in columns:
            chunks[c].append(b[c])
    return {
        c: pl.concat(parts, rechunk=False) if parts else pl.Series(c, [])
        for c, parts in chunks.items()
    }


def _dedupe(texts: pl.Series, y: pl.Series, rule: str) -> tuple[np.ndarray, str]:
    """The rows `--dedupe rule` keeps, and its log line."""
    n = len(y)
    keep = fastbal.duplicates(texts, y).keep_mask(rule)
    rows = np.flatnonzero(keep)
    removed = n - len(rows)
    why = (
        "repeating an earlier row's text"
        if rule == "first"
        else "of texts seen with more than one label"
    )
    share = 100 * removed / n if n else 0.0
    line = (
        f"dedupe({rule}): kept {len(rows):,} of {n:,} rows; "
        f"removed {removed:,} rows ({share:.3f}%) {why}"
    )
    return rows, line


def _cmd_split(args: argparse.Namespace) -> int:
    fmt = file_format(args.file)
    # pass 1: the label column (and the text, group and id columns) alone, batch by batch
    wanted = [args.label, args.text, args.group, args.ids]
    names = list(dict.fromkeys(c for c in wanted if c is not None))
    cols = _read_columns(args.file, names, args.batch_rows)
    y = cols[args.label]
    if y.null_count() == len(y):
        raise DataError(f"{args.file}: the label column {args.label!r} has no non-null value")
    n = len(y)
    steps: list[str] = []
    rows = np.arange(n, dtype=np.int64)
    if args.dedupe:
        with _labels_of(args.file, args.label):
            rows, line = _dedupe(cols[args.text], y, args.dedupe)
        steps.append(line)

    def sub(column: pl.Series, at: np.ndarray) -> pl.Series:
        return column if len(at) == n else column.gather(at)

    grouped_or_folds = args.group is not None or args.kfold is not None
    with _labels_of(args.file, args.label):
        prepared = fastbal.prepare_split(
            sub(y, rows),
            # a group split or a k-fold follows the filters: here they only filter
            test_size=0 if grouped_or_folds else args.test_size,
            val_size=0 if grouped_or_folds else args.val_size,
            seed=args.seed,
            max_classes=args.max_classes,
            min_count=args.min_count,
            extract_ratio=args.extract_ratio,
            rare="train" if grouped_or_folds else args.rare,
            ids=None if args.ids is None else sub(cols[args.ids], rows),
        )
    if not (prepared.assignment >= 0).any():
        raise DataError(
            f"{args.file}: no row is left to split after the filters "
            "(--dedupe, --extract-ratio, --max-classes, --min-count); nothing written"
        )
    steps += [str(s) for s in prepared.steps]
    kept = rows[prepared.assignment >= 0]
    y_kept = sub(y, kept)
    texts_kept = None if args.text is None else sub(cols[args.text], kept)
    groups_kept = None if args.group is None else sub(cols[args.group], kept)
    ids_kept = None if args.ids is None else sub(cols[args.ids], kept)
    codes: np.ndarray
    with _labels_of(args.file, args.label):
        if args.kfold is not None:
            codes, summary = _folds(args, y_kept, groups_kept, ids_kept)
        elif groups_kept is not None:
            gs = fastbal.stratified_group_split(
                y_kept,
                groups_kept,
                test_size=args.test_size,
                val_size=args.val_size,
                seed=args.seed,
            )
            codes, summary = gs.assignment, str(gs.summary)
        else:
            codes, summary = (
                prepared.assignment[prepared.assignment >= 0],
                str(prepared.split.summary),
            )
    log = "\n".join([*steps, summary])
    assignment = np.full(n, fastbal.LEFT_OUT, dtype=codes.dtype)
    assignment[kept] = codes
    in_split = codes >= 0 if args.kfold is None else codes != fastbal.LEFT_OUT
    y_split = y_kept.filter(pl.Series(in_split))
    if args.kfold is not None:
        rep = fastbal.report(y_split, min_count=args.min_count)
    elif groups_kept is not None:
        split_cols = {
            name: y_kept.filter(pl.Series(codes == code))
            for code, name in enumerate(fastbal.SPLIT_NAMES)
        }
        rep = fastbal.report(y_split, splits=split_cols, min_count=args.min_count)
    else:
        rep = fastbal.report(y_split, splits=prepared.split, min_count=args.min_count)
    if texts_kept is not None:
        # the rows written: their repeated texts, conflicts and (for a split) leakage
        dups = fastbal.duplicates(
            texts_kept.filter(pl.Series(in_split)),
            y_split,
            None if args.kfold is not None else codes[in_split],
        )
        assert isinstance(rep, fastbal.LabelReport)  # a column of one label per row
        rep = dataclasses.replace(rep, duplicates=dups)
    # pass 2: every column, batch by batch, each row to its split's file
    out_fmt = args.format or fmt
    writer = SplitWriter(args.out, out_fmt, ("folds",) if args.kfold else fastbal.SPLIT_NAMES)
    try:
        offset = 0
        first: pl.DataFrame | None = None
        for batch in batches(args.file, None, "writing splits", args.batch_rows):
            part = assignment[offset : offset + len(batch)]
            offset += len(batch)
            if args.kfold is not None:
                if FOLD_COLUMN in batch.columns:
                    raise DataError(
                        f"{args.file}: the file has a column {FOLD_COLUMN!r} already; "
                        "--kfold adds it"
                    )
                batch = batch.with_columns(pl.Series(FOLD_COLUMN, part))
                writer.write("folds", batch)
            else:
                for code, name in enumerate(fastbal.SPLIT_NAMES):
                    picked = batch.filter(pl.Series(part == code))
                    if len(picked):
                        writer.write(name, picked)
            first = batch if first is None else first
        writer.write_text("report.md", log + "\n\n" + rep.to_markdown())
        writer.write_text("report.json", rep.to_json() + "\n")
        assert first is not None  # the label pass saw rows
        written = writer.commit(first)
    except BaseException:
        writer.abort()
        raise
    print(log, file=sys.stderr)
    for p in written:
        print(p)
    return 0


#: The column `split --kfold` adds.
FOLD_COLUMN = "fold"


def _folds(
    args: argparse.Namespace, y: pl.Series, groups: pl.Series | None, ids: pl.Series | None
) -> tuple[np.ndarray, str]:
    """The fold codes of the kept rows for `--kfold`, and the k-fold's summary."""
    if groups is not None:
        gk = fastbal.stratified_group_kfold(y, groups, k=args.kfold, seed=args.seed)
        return np.asarray(gk.folds), str(gk.summary)
    kf = fastbal.stratified_kfold(y, k=args.kfold, seed=args.seed, ids=ids, rare=args.rare)
    lines = [f"{args.kfold}-fold: fold sizes {kf.plan.sum(axis=0).tolist()}"]
    if kf.rare_classes:
        where = (
            f"in the training part of every fold (fold {fastbal.ALWAYS_TRAIN})"
            if args.rare == "train"
            else "left out (fold -1)"
        )
        shown = ", ".join(map(str, kf.rare_classes[:20]))
        more = " ..." if len(kf.rare_classes) > 20 else ""
        lines.append(
            f"{len(kf.rare_classes)} classes with fewer rows than folds, {where}: {shown}{more}"
        )
    return np.asarray(kf.folds), "\n".join(lines)


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
    rep.add_argument(
        "--format", choices=("md", "json"), default="md", help="Markdown (default) or JSON"
    )
    rep.add_argument("--plot", metavar="PNG", help="also draw the rank-frequency chart")
    rep.set_defaults(func=_cmd_report)

    sp = sub.add_parser(
        "split",
        help="filter and split a file into train/valid/test files (or k folds)",
        description="Apply dedupe, extract, max-classes, min-count and a stratified split, in "
        "that order, and write train, valid and test files (with --kfold: the input with a "
        "fold column) plus report.md and report.json. The label, text, group and id columns "
        "are read whole; the rows are streamed batch by batch.",
    )
    add_file_args(sp)
    sp.add_argument(
        "--test-size",
        type=float,
        default=0.2,
        help="the test share of the labeled rows (default 0.2)",
    )
    sp.add_argument(
        "--val-size",
        type=float,
        default=0.1,
        help="the valid share of the labeled rows (default 0.1)",
    )
    sp.add_argument("--seed", type=int, default=42, help="the seed of the split (default 42)")
    sp.add_argument(
        "--text",
        help="a text column: adds the duplicates section (repeated texts, conflicting labels, "
        "texts of valid/test rows also in train) to the report; needed by --dedupe",
    )
    sp.add_argument(
        "--dedupe",
        choices=("first", "consistent"),
        help="before the other filters, drop repeated texts of --text: 'first' keeps the first "
        "row of each text, 'consistent' drops every row of a text seen with more than one "
        "label (rows without a text are kept)",
    )
    sp.add_argument(
        "--group",
        metavar="COL",
        help="keep the rows sharing this column's value in one split (or fold); --group on "
        "the text column keeps duplicate texts together, so no text leaks from train",
    )
    sp.add_argument(
        "--ids",
        metavar="COL",
        help="a column of unique row keys: each row's split follows its key, not its position, "
        "so reordering the file does not change it (--extract-ratio still samples by "
        "position; not with --group)",
    )
    sp.add_argument(
        "--kfold",
        metavar="K",
        type=_count("--kfold", 2),
        help="stratified k-fold instead of a split: write the input once, as folds.EXT, with a "
        "'fold' column (0..K-1; -1 left out; -2 a rare class kept in every fold's training "
        "part); --test-size and --val-size do not apply",
    )
    sp.add_argument(
        "--min-count", type=_count("--min-count", 0), help="drop classes with fewer rows"
    )
    sp.add_argument(
        "--max-classes",
        type=_count("--max-classes", 0),
        help="keep only the most frequent classes",
    )
    sp.add_argument(
        "--extract-ratio",
        type=float,
        default=1.0,
        help="stratified fraction of the rows to keep, before max-classes and min-count",
    )
    sp.add_argument(
        "--rare",
        choices=("train", "drop", "error"),
        default="train",
        help="classes too small for every split or fold: all to train (default), dropped, "
        "or an error listing them (not with --group)",
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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "split":
        if args.dedupe and args.text is None:
            parser.error("--dedupe needs --text COL: the column whose repeated texts to drop")
        if args.group is not None and args.ids is not None:
            parser.error(
                "--ids does not apply with --group: a group split depends on the group values, "
                "not on the row order"
            )
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
