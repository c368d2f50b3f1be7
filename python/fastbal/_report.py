"""`fastbal.report`: the label analysis people read, as Markdown, JSON and a chart."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from fastbal import _fastbal, _format, checks
from fastbal._duplicates import Duplicates, duplicates
from fastbal._fastbal import FastbalError
from fastbal._labels import Labels, ValueCounts, run, to_native, value_counts
from fastbal._multilabel import MultilabelCounts, MultilabelSplitSummary, count_sets, read_sets
from fastbal._select import DEFAULT_THRESHOLDS, WhatIf, what_if
from fastbal._split import Split

#: The rule behind `LengthStats.short` / `.long`.
OUTLIER_RULE = (
    "Tukey fences over the per-class median lengths: below Q1 - 1.5 IQR is short, "
    "above Q3 + 1.5 IQR is long (classes with at least 5 texts)"
)


def _py(v: Any) -> Any:
    """A numpy scalar as a plain Python value (for JSON and printing)."""
    return v.item() if isinstance(v, np.generic) else v


def _rank_chart(
    path: str,
    dpi: int,
    labels: npt.NDArray[Any],
    counts: npt.NDArray[np.int64],
    *,
    top: int,
    min_count: int | None,
    title: str,
    what: tuple[str, str, str],
    needer: str,
) -> str:
    """The rank-frequency chart (log counts vs rank) as a PNG at `path`.

    `what` names a label, labels and the counted unit ("class", "classes",
    "rows"); the `top` first are labelled, `min_count` is drawn as a line.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(f"{needer} needs matplotlib: pip install 'fastbal[plot]'") from None
    one, many, unit = what
    ranks = np.arange(1, len(counts) + 1)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=dpi)
    try:
        ax.plot(ranks, counts, marker=".", linewidth=1)
        ax.set_yscale("log")
        ax.set_xlabel(f"{one} rank (most frequent first)")
        ax.set_ylabel(f"{unit} (log scale)")
        ax.set_title(title)
        head = [
            f"#{i + 1}  {_py(labels[i])}  ({int(counts[i]):,} {unit})"
            for i in range(min(top, len(counts)))
        ]
        if head:
            ax.plot(ranks[: len(head)], counts[: len(head)], "o", color="tab:orange")
            ax.text(
                0.98,
                0.97,
                f"head {many}\n" + "\n".join(head),
                transform=ax.transAxes,
                ha="right",
                va="top",
                multialignment="left",
                fontsize=8,
                family="monospace",
                bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9},
            )
        if min_count is not None:
            ax.axhline(min_count, color="tab:red", linestyle="--", linewidth=1)
            ax.annotate(
                f"min_count = {min_count}",
                (ranks[0], min_count),
                textcoords="offset points",
                xytext=(0, 4),
                fontsize=8,
                color="tab:red",
            )
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path


def length_histogram(x: Any, texts: Any) -> pl.DataFrame:
    """Rows per (class, text length in characters), as a DataFrame `class, length, rows`.

    The histogram merges across batches (sum `rows` by `class, length`), so
    per-class statistics of a streamed file are exact.
    """
    h, info = run(_fastbal.text_length_histogram, x, to_native(texts))
    codes, lengths, counts = h.codes, h.lengths, h.counts
    classes = info.classes[codes.astype(np.int64)] if len(codes) else info.classes[:0]
    # str classes stay String when there are none (a batch without labels), so batches concat
    kind = pl.String if info.classes.dtype == object else None
    return pl.DataFrame(
        {
            "class": pl.Series(classes, dtype=kind),
            "length": lengths.astype(np.int64),
            "rows": counts.astype(np.int64),
        }
    )


def _quantile(lengths: npt.NDArray[np.int64], rows: npt.NDArray[np.int64], q: float) -> float:
    """numpy's default ('linear') quantile of a histogram (`lengths` ascending)."""
    n = int(rows.sum())
    pos = q * (n - 1)
    lo = math.floor(pos)
    cum = np.cumsum(rows)
    v_lo = lengths[np.searchsorted(cum, lo + 1)]
    v_hi = lengths[np.searchsorted(cum, min(lo + 1, n - 1) + 1)]
    return float(v_lo + (pos - lo) * (v_hi - v_lo))


@dataclass(frozen=True)
class LengthStats:
    """Text length (characters) per class: rows, min, median, mean, p95, max."""

    table: pl.DataFrame
    short: list[Any]
    long: list[Any]

    @classmethod
    def from_histogram(cls, hist: pl.DataFrame) -> LengthStats:
        hist = hist.group_by("class", "length").agg(pl.col("rows").sum()).sort("class", "length")
        rows = []
        for (label,), part in hist.group_by("class", maintain_order=True):
            lengths = part["length"].to_numpy()
            counts = part["rows"].to_numpy()
            n = int(counts.sum())
            rows.append(
                {
                    "class": label,
                    "rows": n,
                    "min": int(lengths[0]),
                    "median": _quantile(lengths, counts, 0.5),
                    "mean": float((lengths * counts).sum() / n),
                    "p95": _quantile(lengths, counts, 0.95),
                    "max": int(lengths[-1]),
                }
            )
        schema: dict[str, Any] = {"class": hist.schema["class"], "rows": pl.Int64, "min": pl.Int64}
        schema.update(median=pl.Float64, mean=pl.Float64, p95=pl.Float64, max=pl.Int64)
        table = pl.DataFrame(rows, schema=schema)  # typed even with no labeled row
        short: list[Any] = []
        long: list[Any] = []
        eligible = table.filter(pl.col("rows") >= 5)
        if len(eligible) >= 4:
            med = eligible["median"].to_numpy()
            q1, q3 = np.percentile(med, [25, 75])
            lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
            short = eligible.filter(pl.col("median") < lo).sort("median")["class"].to_list()
            long = (
                eligible.filter(pl.col("median") > hi)
                .sort("median", descending=True)["class"]
                .to_list()
            )
        return cls(table, short, long)

    def to_dict(self) -> dict[str, Any]:
        return {
            "classes": self.table.to_dicts(),
            "short": self.short,
            "long": self.long,
            "rule": OUTLIER_RULE,
        }


SPLITS = _fastbal.SPLIT_NAMES


def splits_markdown(s: dict[str, Any], noun: str) -> list[str]:
    """The "Splits" section's table (rows, and `noun` present, per split) and
    what each split misses; `noun` is "classes" or "labels"."""
    out = ["", "## Splits", "", "| | train | valid | test |", "|---|---:|---:|---:|"]
    out.append("| rows | " + " | ".join(f"{s['rows_per_split'][k]:,}" for k in SPLITS) + " |")
    out.append(f"| {noun} | " + " | ".join(str(s[f"{noun}_per_split"][k]) for k in SPLITS) + " |")
    out.append("")
    for k in SPLITS:
        miss = s[f"missing_from_{k}"]
        out.append(
            f"- {noun} missing from {k}: {len(miss)}"
            + (f" ({', '.join(map(str, miss[:20]))})" if miss else "")
        )
    return out


@dataclass(frozen=True)
class SplitCheck:
    """Split health: classes per split, classes a split lacks, share drift."""

    classes: list[Any]
    #: rows per class (rows) per split (columns: train, valid, test)
    cells: npt.NDArray[np.int64]

    @classmethod
    def from_split(cls, split: Split) -> SplitCheck:
        return cls(split.summary.classes.tolist(), split.summary.cells)

    @classmethod
    def from_columns(cls, columns: dict[str, Any]) -> SplitCheck:
        unknown = [k for k in columns if k not in SPLITS]
        if unknown or not any(columns.get(name) is not None for name in SPLITS):
            raise FastbalError(
                f"splits must map {', '.join(SPLITS)} (at least one) to label columns; "
                f"got keys {list(columns)}"
            )
        frames = []
        for name in SPLITS:
            col = columns.get(name)
            if col is None:
                continue
            vc = value_counts(col)
            frames.append(pl.DataFrame({"class": vc.classes, "rows": vc.counts, "split": name}))
        long = pl.concat(frames) if frames else pl.DataFrame()
        wide = long.pivot(on="split", index="class", values="rows").fill_null(0).sort("class")
        for name in SPLITS:
            if name not in wide.columns:
                wide = wide.with_columns(pl.lit(0, dtype=pl.Int64).alias(name))
        cells = wide.select(SPLITS).to_numpy().astype(np.int64)
        return cls(wide["class"].to_list(), cells)

    def _missing(self, i: int) -> list[Any]:
        present = self.cells.sum(axis=0) > 0
        if not present[i]:
            return []
        if i == 0:
            bad = (self.cells[:, 0] == 0) & (self.cells[:, 1:].sum(axis=1) > 0)
        else:
            bad = (self.cells[:, i] == 0) & (self.cells[:, 0] > 0)
        return [c for c, b in zip(self.classes, bad, strict=True) if b]

    def to_dict(self) -> dict[str, Any]:
        totals = self.cells.sum(axis=0)
        shares = self.cells / np.where(totals > 0, totals, 1)
        drift: dict[str, Any] = {"class": None, "split": None, "difference": 0.0}
        for i in (1, 2):
            if totals[i] and len(self.classes):
                diff = np.abs(shares[:, i] - shares[:, 0])
                j = int(np.argmax(diff))
                if diff[j] > drift["difference"]:
                    drift = {
                        "class": self.classes[j],
                        "split": SPLITS[i],
                        "difference": float(diff[j]),
                    }
        return {
            "rows_per_split": dict(zip(SPLITS, totals.tolist(), strict=True)),
            "classes_per_split": dict(
                zip(SPLITS, (self.cells > 0).sum(axis=0).tolist(), strict=True)
            ),
            "missing_from_train": self._missing(0),
            "missing_from_valid": self._missing(1),
            "missing_from_test": self._missing(2),
            "max_share_difference": drift,
        }


@dataclass(frozen=True)
class LabelReport:
    """The label analysis of one column. `str(report)` is Markdown.

    Build it with `fastbal.report`. `to_dict()` has stable keys (see
    `REPORT_KEYS`); `plot(path)` draws the rank-frequency chart.
    """

    counts: ValueCounts
    top: int = 5
    min_count: int | None = None
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    lengths: LengthStats | None = None
    splits: SplitCheck | None = None
    duplicates: Duplicates | None = None
    whatif: WhatIf = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "top", checks.count("top", self.top))
        if self.min_count is not None:
            object.__setattr__(self, "min_count", checks.count("min_count", self.min_count))
        object.__setattr__(self, "whatif", what_if(self.counts, self.thresholds))

    # ---- figures
    @property
    def labeled_rows(self) -> int:
        return self.counts.total

    @property
    def rows(self) -> int:
        return self.labeled_rows + self.counts.null_count

    @property
    def n_classes(self) -> int:
        return len(self.counts)

    @property
    def imbalance_ratio(self) -> float:
        c = self.counts.counts
        return float(c[0] / c[-1]) if len(c) else float("nan")

    def _share(self, n: int) -> float:
        return n / self.labeled_rows if self.labeled_rows else 0.0

    @property
    def top_k_share(self) -> float:
        return self._share(int(self.counts.counts[: self.top].sum()))

    @property
    def one_row_classes(self) -> list[Any]:
        return list(self.counts.classes[self.counts.counts == 1].tolist())

    @property
    def classes_under_min_count(self) -> list[Any]:
        if self.min_count is None:
            return []
        return list(self.counts.classes[self.counts.counts < self.min_count].tolist())

    @property
    def majority_baseline(self) -> float:
        """Accuracy of always predicting the largest class."""
        return self._share(int(self.counts.counts[0])) if len(self.counts) else 0.0

    @property
    def entropy(self) -> float:
        """Shannon entropy of the label distribution over log(classes): 1 is balanced."""
        k = self.n_classes
        if k < 2:
            return 0.0
        p = self.counts.counts / self.labeled_rows
        return float(-(p * np.log(p)).sum() / math.log(k))

    @property
    def effective_classes(self) -> float:
        """exp(entropy in nats): the number of equally frequent classes with the same entropy."""
        if not self.n_classes:
            return 0.0
        p = self.counts.counts / self.labeled_rows
        return float(np.exp(-(p * np.log(p)).sum()))

    def _table(self, idx: range | list[int]) -> list[dict[str, Any]]:
        cum = np.cumsum(self.counts.counts)
        return [
            {
                "label": _py(self.counts.classes[i]),
                "rows": int(self.counts.counts[i]),
                "share": self._share(int(self.counts.counts[i])),
                "cumulative_share": self._share(int(cum[i])),
            }
            for i in idx
        ]

    @property
    def head(self) -> list[dict[str, Any]]:
        return self._table(range(min(self.top, self.n_classes)))

    @property
    def tail(self) -> list[dict[str, Any]]:
        return self._table(range(max(self.n_classes - self.top, 0), self.n_classes))

    # ---- renderings
    def to_dict(self) -> dict[str, Any]:
        """Plain data with stable keys (REPORT_KEYS), JSON-ready."""
        c = self.counts

        def cls(i: int) -> dict[str, Any] | None:
            return {"label": _py(c.classes[i]), "rows": int(c.counts[i])} if len(c) else None

        return {
            "rows": self.rows,
            "null_rows": c.null_count,
            "labeled_rows": self.labeled_rows,
            "classes": self.n_classes,
            "imbalance_ratio": self.imbalance_ratio if self.n_classes else None,
            "largest_class": cls(0),
            "smallest_class": cls(-1),
            "head": self.head,
            "tail": self.tail,
            "top_k": self.top,
            "top_k_share": self.top_k_share,
            "one_row_classes": self.one_row_classes,
            "min_count": self.min_count,
            "classes_under_min_count": self.classes_under_min_count,
            "majority_baseline": self.majority_baseline,
            "entropy": self.entropy,
            "effective_classes": self.effective_classes,
            "what_if": self.whatif.rows(),
            "text_length": None if self.lengths is None else self.lengths.to_dict(),
            "splits": None if self.splits is None else self.splits.to_dict(),
            "duplicates": None if self.duplicates is None else self.duplicates.to_dict(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=_py)

    def to_markdown(self) -> str:
        d = self.to_dict()
        out = ["# Label report", ""]
        ratio = _format.ratio(d["imbalance_ratio"])
        out += [
            f"- rows: {d['rows']:,} ({d['null_rows']:,} without a label)",
            f"- classes: {d['classes']:,}",
            f"- imbalance ratio (largest / smallest): {ratio}",
            f"- top-{self.top} share: {100 * d['top_k_share']:.2f}%",
            f"- majority-class baseline accuracy: {100 * d['majority_baseline']:.2f}%",
            f"- normalized entropy: {d['entropy']:.3f}; "
            f"effective number of classes: {d['effective_classes']:.1f}",
            f"- one-row classes ({len(d['one_row_classes'])}): "
            + (", ".join(map(str, d["one_row_classes"])) or "none"),
        ]
        if self.min_count is not None:
            under = d["classes_under_min_count"]
            out.append(
                f"- classes under min_count={self.min_count} ({len(under)}): "
                + (", ".join(map(str, under[:50])) or "none")
                + (" ..." if len(under) > 50 else "")
            )
        for title, rows in (("Head", d["head"]), ("Tail", d["tail"])):
            out += [
                "",
                f"## {title}",
                "",
                "| label | rows | share | cumulative |",
                "|---:|---:|---:|---:|",
            ]
            out += [
                f"| {r['label']} | {r['rows']:,} | {100 * r['share']:.2f}% | "
                f"{100 * r['cumulative_share']:.2f}% |"
                for r in rows
            ]
        out += ["", "## What a min-count filter would remove", "", self.whatif.to_markdown()]
        if self.lengths is not None:
            ls = self.lengths
            out += [
                "",
                "## Text length per class (characters)",
                "",
                "| label | rows | min | median | mean | p95 | max |",
                "|---:|---:|---:|---:|---:|---:|---:|",
            ]
            # every class when there are few; else the head, the tail and the outliers
            shown = {r["label"] for r in [*self.head, *self.tail]} | {*ls.short, *ls.long}
            for r in ls.table.iter_rows(named=True):
                if len(ls.table) <= 30 or r["class"] in shown:
                    out.append(
                        f"| {r['class']} | {r['rows']:,} | {r['min']} | {r['median']:.1f} | "
                        f"{r['mean']:.1f} | {r['p95']:.1f} | {r['max']} |"
                    )
            out += [
                "",
                f"Unusually short texts: {', '.join(map(str, ls.short)) or 'none'}; "
                f"unusually long: {', '.join(map(str, ls.long)) or 'none'} "
                f"({OUTLIER_RULE}). All classes: `to_dict()['text_length']`.",
            ]
        if self.splits is not None:
            s = d["splits"]
            out += splits_markdown(s, "classes")
            drift = s["max_share_difference"]
            if drift["class"] is not None:
                out.append(
                    f"- largest class-share difference from train: class {drift['class']} in "
                    f"{drift['split']}, {100 * drift['difference']:.2f} points"
                )
        if self.duplicates is not None:
            out += ["", "## Duplicates and conflicting labels", "", self.duplicates.to_markdown()]
        return "\n".join(out) + "\n"

    __str__ = to_markdown

    def plot(self, path: str, *, dpi: int = 100) -> str:
        """Draw the rank-frequency chart (log rows vs class rank) as a PNG at `path`.

        The head classes are labelled and `min_count`, when set, is drawn as a
        line. Needs matplotlib (`pip install 'fastbal[plot]'`). Returns `path`.
        """
        return _rank_chart(
            path,
            dpi,
            self.counts.classes,
            self.counts.counts,
            top=self.top,
            min_count=self.min_count,
            title=f"{self.labeled_rows:,} rows, {self.n_classes} classes, "
            f"imbalance {self.imbalance_ratio:,.0f} : 1",
            what=("class", "classes", "rows"),
            needer="LabelReport.plot",
        )


#: Keys of `LabelReport.to_dict()`, in order.
REPORT_KEYS = (
    "rows",
    "null_rows",
    "labeled_rows",
    "classes",
    "imbalance_ratio",
    "largest_class",
    "smallest_class",
    "head",
    "tail",
    "top_k",
    "top_k_share",
    "one_row_classes",
    "min_count",
    "classes_under_min_count",
    "majority_baseline",
    "entropy",
    "effective_classes",
    "what_if",
    "text_length",
    "splits",
    "duplicates",
)


# ---------------------------------------------------------------------------- label sets


def _first_value(xs: Any) -> Any:
    """The first element of a sequence that is not None or NaN (None when there is none)."""
    for v in xs:
        if v is not None and not (isinstance(v, float) and v != v):
            return v
    return None


def _is_label_sets(x: Any) -> bool:
    """Whether `report` reads `x` as label sets (several labels a row): a 2-D
    array or scipy.sparse matrix, an Arrow `list` / `large_list` array (pyarrow,
    polars `List`, a pandas Series of lists), or a list of lists. Each of these
    is refused as a single-label column, so nothing read before changes."""
    if isinstance(x, Labels):
        return False
    module = type(x).__module__
    if module.startswith("scipy.sparse"):
        return True
    if isinstance(x, np.ndarray):
        if x.ndim == 2:
            return True
        return x.ndim == 1 and x.dtype.kind == "O" and _is_set(_first_value(x))
    if module.startswith("polars"):
        return isinstance(getattr(x, "dtype", None), pl.List)
    if module.startswith("pandas"):
        if getattr(x, "ndim", 1) == 2:
            return True
        dtype = getattr(x, "dtype", None)
        arrow = getattr(dtype, "pyarrow_dtype", None)
        if arrow is not None:
            return _is_list_type(arrow)
        return getattr(dtype, "kind", "") == "O" and _is_set(_first_value(x.to_numpy()))
    if isinstance(x, (pa.Array, pa.ChunkedArray)):
        return _is_list_type(x.type)
    if isinstance(x, (list, tuple)):
        return _is_set(_first_value(x))
    return False


def _is_set(v: Any) -> bool:
    return isinstance(v, (list, tuple)) or (isinstance(v, np.ndarray) and v.ndim == 1)


def _is_list_type(t: pa.DataType) -> bool:
    if isinstance(t, pa.ExtensionType):
        t = t.storage_type
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t))


@dataclass(frozen=True)
class MultilabelSplitCheck:
    """Split health for label sets: rows and labels per split, the labels a
    split lacks, and the largest difference of a label's share of rows from
    train's."""

    labels: list[Any]
    #: positives per label (rows) per split (columns: train, valid, test)
    cells: npt.NDArray[np.int64]
    #: rows per split (train, valid, test)
    rows: npt.NDArray[np.int64]

    @classmethod
    def from_split(cls, split: Split) -> MultilabelSplitCheck:
        summary = split.summary
        if not isinstance(summary, MultilabelSplitSummary):
            raise FastbalError(
                "splits is the Split of a single-label column; a multilabel report takes "
                "the Split of fastbal.multilabel_split, or train / valid / test label sets"
            )
        rows = np.array([summary.sizes[k] for k in SPLITS], dtype=np.int64)
        return cls(summary.classes.tolist(), summary.cells.astype(np.int64), rows)

    @classmethod
    def from_columns(cls, columns: dict[str, Any]) -> MultilabelSplitCheck:
        unknown = [k for k in columns if k not in SPLITS]
        if unknown or not any(columns.get(name) is not None for name in SPLITS):
            raise FastbalError(
                f"splits must map {', '.join(SPLITS)} (at least one) to label sets; "
                f"got keys {list(columns)}"
            )
        parts: dict[str, MultilabelCounts] = {}
        for name in SPLITS:
            col = columns.get(name)
            if col is not None:
                parts[name] = count_sets(read_sets(col), 0)[0]
        labels = sorted({v for mc in parts.values() for v in mc.labels.tolist()})
        where = {v: i for i, v in enumerate(labels)}
        cells = np.zeros((len(labels), len(SPLITS)), dtype=np.int64)
        rows = np.zeros(len(SPLITS), dtype=np.int64)
        for j, name in enumerate(SPLITS):
            if name in parts:
                mc = parts[name]
                rows[j] = mc.rows - mc.null_rows
                for v, n in zip(mc.labels.tolist(), mc.counts.tolist(), strict=True):
                    cells[where[v], j] = n
        return cls(labels, cells, rows)

    def _missing(self, i: int) -> list[Any]:
        if not self.rows[i]:
            return []
        if i == 0:
            bad = (self.cells[:, 0] == 0) & (self.cells[:, 1:].sum(axis=1) > 0)
        else:
            bad = (self.cells[:, i] == 0) & (self.cells[:, 0] > 0)
        return [v for v, b in zip(self.labels, bad, strict=True) if b]

    def to_dict(self) -> dict[str, Any]:
        """Rows and labels per split, the labels missing from each, and the
        largest |share of valid or test rows carrying a label - train's|."""
        shares = self.cells / np.where(self.rows > 0, self.rows, 1)
        drift: dict[str, Any] = {"label": None, "split": None, "difference": 0.0}
        for i in (1, 2):
            if self.rows[i] and self.rows[0] and len(self.labels):
                diff = np.abs(shares[:, i] - shares[:, 0])
                j = int(np.argmax(diff))
                if diff[j] > drift["difference"]:
                    drift = {
                        "label": _py(self.labels[j]),
                        "split": SPLITS[i],
                        "difference": float(diff[j]),
                    }
        return {
            "rows_per_split": dict(zip(SPLITS, self.rows.tolist(), strict=True)),
            "labels_per_split": dict(
                zip(SPLITS, (self.cells > 0).sum(axis=0).tolist(), strict=True)
            ),
            "missing_from_train": self._missing(0),
            "missing_from_valid": self._missing(1),
            "missing_from_test": self._missing(2),
            "max_share_difference": drift,
        }


@dataclass(frozen=True)
class MultilabelReport:
    """The label analysis of label sets (several labels a row). `str(report)`
    is Markdown.

    Build it with `fastbal.report` on label sets. `to_dict()` has stable keys
    (see `MULTILABEL_REPORT_KEYS`); `plot(path)` draws the rank-frequency
    chart of the labels' positives.
    """

    counts: MultilabelCounts
    top: int = 5
    min_count: int | None = None
    #: per threshold: labels removed, positives removed (and their share),
    #: rows that would lose every label, labels left
    what_if: list[dict[str, Any]] = field(default_factory=list)
    splits: MultilabelSplitCheck | None = None

    # ---- figures
    @property
    def rows(self) -> int:
        return self.counts.rows

    @property
    def labeled_rows(self) -> int:
        """Rows with at least one label."""
        return self.counts.rows - self.counts.null_rows - self.counts.empty_rows

    @property
    def n_labels(self) -> int:
        return len(self.counts.labels)

    @property
    def positives(self) -> int:
        """(row, label) pairs: the sum of every label's positives."""
        return int(self.counts.counts.sum())

    @property
    def density(self) -> float:
        """Labels per row over the number of labels (0 with no label)."""
        return self.counts.cardinality / self.n_labels if self.n_labels else 0.0

    @property
    def imbalance_ratio(self) -> float:
        """Positives of the most frequent label over the least frequent's."""
        c = self.counts.counts
        return float(c[0] / c[-1]) if len(c) else float("nan")

    def _share(self, n: int) -> float:
        rows = self.counts.rows - self.counts.null_rows
        return n / rows if rows else 0.0

    @property
    def one_positive_labels(self) -> list[Any]:
        return list(self.counts.labels[self.counts.counts == 1].tolist())

    @property
    def labels_under_min_count(self) -> list[Any]:
        if self.min_count is None:
            return []
        return list(self.counts.labels[self.counts.counts < self.min_count].tolist())

    def _table(self, idx: range) -> list[dict[str, Any]]:
        return [
            {
                "label": _py(self.counts.labels[i]),
                "positives": int(self.counts.counts[i]),
                "share": self._share(int(self.counts.counts[i])),
            }
            for i in idx
        ]

    @property
    def head(self) -> list[dict[str, Any]]:
        """The `top` labels with the most positives: label, positives, share of rows."""
        return self._table(range(min(self.top, self.n_labels)))

    @property
    def tail(self) -> list[dict[str, Any]]:
        """The `top` labels with the fewest positives."""
        return self._table(range(max(self.n_labels - self.top, 0), self.n_labels))

    @property
    def pairs(self) -> list[dict[str, Any]]:
        """The most frequent label pairs: the labels, the rows holding both, their share."""
        return [
            {"labels": [_py(a), _py(b)], "rows": n, "share": self._share(n)}
            for (a, b), n in self.counts.pairs
        ]

    # ---- renderings
    def to_dict(self) -> dict[str, Any]:
        """Plain data with stable keys (MULTILABEL_REPORT_KEYS), JSON-ready."""
        c = self.counts

        def label(i: int) -> dict[str, Any] | None:
            return (
                {"label": _py(c.labels[i]), "positives": int(c.counts[i])}
                if len(c.labels)
                else None
            )

        return {
            "rows": self.rows,
            "null_rows": c.null_rows,
            "empty_rows": c.empty_rows,
            "labeled_rows": self.labeled_rows,
            "labels": self.n_labels,
            "positives": self.positives,
            "cardinality": c.cardinality,
            "density": self.density,
            "distinct_sets": c.distinct_sets,
            "imbalance_ratio": self.imbalance_ratio if self.n_labels else None,
            "largest_label": label(0),
            "smallest_label": label(-1),
            "head": self.head,
            "tail": self.tail,
            "top_k": self.top,
            "one_positive_labels": self.one_positive_labels,
            "min_count": self.min_count,
            "labels_under_min_count": self.labels_under_min_count,
            "pairs": self.pairs,
            "what_if": self.what_if,
            "splits": None if self.splits is None else self.splits.to_dict(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=_py)

    def to_markdown(self) -> str:
        d = self.to_dict()
        out = ["# Multilabel report", ""]
        out += [
            f"- rows: {d['rows']:,} ({d['null_rows']:,} null, {d['empty_rows']:,} without a label)",
            f"- labels: {d['labels']:,}; positives: {d['positives']:,}",
            f"- labels per row (cardinality): {d['cardinality']:.2f}; density: {d['density']:.4f}",
            f"- distinct label sets: {d['distinct_sets']:,}",
            f"- imbalance ratio (most / fewest positives): {_format.ratio(d['imbalance_ratio'])}",
            f"- labels with one positive ({len(d['one_positive_labels'])}): "
            + (", ".join(map(str, d["one_positive_labels"][:50])) or "none")
            + (" ..." if len(d["one_positive_labels"]) > 50 else ""),
        ]
        if self.min_count is not None:
            under = d["labels_under_min_count"]
            out.append(
                f"- labels under min_count={self.min_count} ({len(under)}): "
                + (", ".join(map(str, under[:50])) or "none")
                + (" ..." if len(under) > 50 else "")
            )
        for title, rows in (("Head", d["head"]), ("Tail", d["tail"])):
            out += [
                "",
                f"## {title}",
                "",
                "| label | positives | share of rows |",
                "|---:|---:|---:|",
            ]
            out += [
                f"| {r['label']} | {r['positives']:,} | {100 * r['share']:.2f}% |" for r in rows
            ]
        out += ["", "## Most frequent label pairs", ""]
        if d["pairs"]:
            out += ["| labels | rows | share of rows |", "|---|---:|---:|"]
            out += [
                f"| {p['labels'][0]} + {p['labels'][1]} | {p['rows']:,} | {100 * p['share']:.2f}% |"
                for p in d["pairs"]
            ]
        else:
            out.append("No row holds two labels.")
        if self.what_if:
            out += [
                "",
                "## What a min-count filter would remove",
                "",
                "| min_count | labels removed | positives removed | share "
                "| rows losing every label | labels left |",
                "|---:|---:|---:|---:|---:|---:|",
            ]
            out += [
                f"| {r['threshold']} | {r['labels_removed']:,} | {r['positives_removed']:,} | "
                f"{100 * r['share_removed']:.3f}% | {r['rows_emptied']:,} | {r['labels_left']:,} |"
                for r in self.what_if
            ]
        if self.splits is not None:
            s = d["splits"]
            out += splits_markdown(s, "labels")
            drift = s["max_share_difference"]
            if drift["label"] is not None:
                out.append(
                    f"- largest difference of a label's share of rows from train: label "
                    f"{drift['label']} in {drift['split']}, {100 * drift['difference']:.2f} points"
                )
        return "\n".join(out) + "\n"

    __str__ = to_markdown

    def plot(self, path: str, *, dpi: int = 100) -> str:
        """Draw the rank-frequency chart (log positives vs label rank) as a PNG
        at `path`, the head labels labelled and `min_count` drawn as a line.
        Needs matplotlib (`pip install 'fastbal[plot]'`). Returns `path`."""
        return _rank_chart(
            path,
            dpi,
            self.counts.labels,
            self.counts.counts,
            top=self.top,
            min_count=self.min_count,
            title=f"{self.rows:,} rows, {self.n_labels} labels, "
            f"{self.counts.cardinality:.2f} labels a row",
            what=("label", "labels", "positives"),
            needer="MultilabelReport.plot",
        )


#: Keys of `MultilabelReport.to_dict()`, in order.
MULTILABEL_REPORT_KEYS = (
    "rows",
    "null_rows",
    "empty_rows",
    "labeled_rows",
    "labels",
    "positives",
    "cardinality",
    "density",
    "distinct_sets",
    "imbalance_ratio",
    "largest_label",
    "smallest_label",
    "head",
    "tail",
    "top_k",
    "one_positive_labels",
    "min_count",
    "labels_under_min_count",
    "pairs",
    "what_if",
    "splits",
)


def _sets_what_if(
    sets: Any, by_code: npt.NDArray[np.int64], thresholds: tuple[int, ...]
) -> list[dict[str, Any]]:
    """What dropping the labels with fewer positives than each threshold would
    remove: labels, positives, and the rows left with no label."""
    offsets = np.asarray(sets.offsets, dtype=np.int64)
    lo, hi = int(offsets[0]), int(offsets[-1])
    lengths = np.diff(offsets)
    full = lengths > 0
    if sets.null is not None:
        full &= ~np.asarray(sets.null, dtype=bool)
    values = by_code[np.asarray(sets.codes)[lo:hi]]
    # a row's most frequent label: each non-empty row's values are the segment
    # from its start up to the next non-empty row's (the rows between hold none)
    starts = (offsets[:-1] - lo)[lengths > 0]
    kept = full[lengths > 0]
    row_max = np.maximum.reduceat(values, starts)[kept] if len(starts) else values[:0]
    counts = np.sort(by_code[by_code > 0])
    total = int(counts.sum())
    out = []
    for t in thresholds:
        under = counts[counts < t]
        removed = int(under.sum())
        out.append(
            {
                "threshold": t,
                "labels_removed": len(under),
                "positives_removed": removed,
                "share_removed": removed / total if total else 0.0,
                "rows_emptied": int((row_max < t).sum()),
                "labels_left": len(counts) - len(under),
            }
        )
    return out


def _multilabel_report(
    x: Any,
    texts: Any,
    top: int,
    min_count: int | None,
    splits: Any,
    thresholds: tuple[int, ...],
) -> MultilabelReport:
    if texts is not None:
        raise FastbalError(
            "texts= (text length and duplicates per class) needs one label per row; "
            "these are label sets (several labels a row): report them without texts"
        )
    top = checks.count("top", top)
    if min_count is not None:
        min_count = checks.count("min_count", min_count)
    ts = tuple(checks.count("threshold", t) for t in thresholds)
    try:
        sets = read_sets(x)
    except FastbalError as e:
        if isinstance(x, np.ndarray) and x.ndim == 2:
            raise type(e)(
                f"{e}. fastbal.report reads a 2-D array as label sets (rows x labels, 0/1); "
                "for one label per row pass a 1-D column (y.ravel())"
            ) from None
        raise
    counts, by_code = count_sets(sets, top)
    check = None
    if isinstance(splits, Split):
        check = MultilabelSplitCheck.from_split(splits)
    elif isinstance(splits, dict):
        check = MultilabelSplitCheck.from_columns(splits)
    elif isinstance(splits, tuple):
        check = MultilabelSplitCheck.from_columns(dict(zip(SPLITS, splits, strict=False)))
    elif splits is not None:
        raise TypeError("splits must be a Split, a dict of label sets or a tuple of them")
    return MultilabelReport(
        counts,
        top=top,
        min_count=min_count,
        what_if=_sets_what_if(sets, by_code, ts),
        splits=check,
    )


def report(
    x: Any,
    texts: Any = None,
    top: int = 5,
    min_count: int | None = None,
    splits: Split | dict[str, Any] | tuple[Any, ...] | None = None,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
) -> LabelReport | MultilabelReport:
    """The label analysis of a column in one call.

    Totals, classes, imbalance ratio, head and tail tables with shares, the
    top-`top` share, one-row classes, classes under `min_count`, the
    majority baseline, entropy and effective number of classes, and what a
    min-count filter would remove at each of `thresholds`. With `texts` (a
    string column of the same rows): text length per class and the classes
    whose median length is unusual, and the repeated texts, the texts seen
    with more than one label and the accuracy ceiling they leave (see
    `fastbal.duplicates`). With `splits` (a `Split`, or train / valid / test
    label columns as a dict or tuple): classes per split and the classes a
    split lacks; a `Split` of the same rows as `texts` adds the leakage: the
    valid/test rows whose text is also in train.

    Label sets (several labels a row: a 2-D 0/1 array, a scipy.sparse
    matrix, a list of label lists, an Arrow `list` array such as a polars
    `List` or a pandas Series of lists) give a `MultilabelReport`: rows,
    null and empty rows, labels per row, distinct label sets, positives per
    label (head and tail), labels under `min_count`, the most frequent
    label pairs (`top` of them) and what a min-count filter on labels would
    remove; `splits` is then the Split of `fastbal.multilabel_split` or
    train / valid / test label sets, and `texts` is refused.

    >>> import fastbal
    >>> r = fastbal.report(["a"] * 6 + ["b"] * 3 + ["c"], top=2)
    >>> r.n_classes, r.imbalance_ratio, r.one_row_classes
    (3, 6.0, ['c'])
    >>> print(r.to_markdown().splitlines()[2])
    - rows: 10 (0 without a label)
    >>> r = fastbal.report(["a", "a", "b", "b"], texts=["rent", "rent", "fuel", "rent"])
    >>> print(r.duplicates)
    repeated texts: 1 (3 rows, 75.00% of 4)
    texts with conflicting labels: 1 (3 rows); accuracy ceiling 75.00%
    >>> r = fastbal.report([["a", "b"], ["a"], ["a", "c"], [], None], top=2)
    >>> r.n_labels, r.head[0], r.pairs[0]
    (3, {'label': 'a', 'positives': 3, 'share': 0.75}, {'labels': ['a', 'b'], 'rows': 1, 'share': 0.25})
    """  # noqa: E501
    if _is_label_sets(x):
        return _multilabel_report(x, texts, top, min_count, splits, tuple(thresholds))
    labels = x if isinstance(x, Labels) else Labels(x) if texts is not None else None
    vc = value_counts(labels if labels is not None else x)
    lengths = dups = None
    if texts is not None:
        lengths = LengthStats.from_histogram(length_histogram(labels, texts))
        dups = duplicates(texts, labels, splits if isinstance(splits, Split) else None)
    check = None
    if isinstance(splits, Split):
        check = SplitCheck.from_split(splits)
    elif isinstance(splits, dict):
        check = SplitCheck.from_columns(splits)
    elif isinstance(splits, tuple):
        check = SplitCheck.from_columns(dict(zip(SPLITS, splits, strict=False)))
    elif splits is not None:
        raise TypeError("splits must be a Split, a dict of label columns or a tuple of them")
    return LabelReport(
        vc,
        top=top,
        min_count=min_count,
        thresholds=tuple(thresholds),
        lengths=lengths,
        splits=check,
        duplicates=dups,
    )
