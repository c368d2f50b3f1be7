"""Repeated texts, conflicting labels and leakage across splits: `duplicates`.

A text seen with labels A, A and B caps what any model can get right on its
rows at two of three: conflicts put a floor under the loss that no class
weight removes. A valid or test row whose text is also in train measures
memory, not generalization. Both show without a model, from exact
duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fastbal import _fastbal
from fastbal._fastbal import InvalidInputError
from fastbal._format import plural
from fastbal._input import column_to_native
from fastbal._labels import Labels, as_labels
from fastbal.checks import choice

#: The rules of `Duplicates.keep_mask`.
KEEP_RULES = ("first", "consistent")

#: The worst groups kept by default.
TOP = 10


@dataclass(frozen=True)
class DuplicateGroup:
    """One repeated text: its rows, and its labels with their rows (most
    rows first; empty without labels)."""

    text: Any
    rows: int
    labels: dict[Any, int] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
class Duplicates:
    """Repeated texts of a column, their conflicting labels and the leakage
    across splits (see `fastbal.duplicates`).

    `accuracy_ceiling` is the share of the rows with a text and a label that
    a perfect model could get right: per text, the rows of its most frequent
    label. `leaked_rows` counts valid/test rows whose text is also in train
    (`leaked_texts` their texts). Both are None when labels / splits were not
    given. `worst` lists the worst groups: conflicting texts by rows lost to
    the ceiling, then the most repeated texts.
    """

    rows: int
    duplicate_rows: int
    duplicate_texts: int
    conflicting_texts: int
    conflicting_rows: int
    accuracy_ceiling: float | None
    leaked_rows: int | None
    leaked_texts: int | None
    worst: list[DuplicateGroup]
    _texts: Labels = field(compare=False)
    _conflict: npt.NDArray[np.bool_] | None = field(compare=False)

    def keep_mask(self, rule: str = "first") -> npt.NDArray[np.bool_]:
        """A row mask that removes duplicates by `rule`.

        ``"first"`` keeps the first row of each text (pandas'
        ``~duplicated(keep="first")``); ``"consistent"`` drops every row of a
        text seen with more than one label (it needs labels). Rows with a null
        text are kept by both.
        """
        choice("rule", rule, KEEP_RULES)
        if rule == "first":
            return _fastbal.keep_first_texts(self._texts._inner)
        if self._conflict is None:
            raise InvalidInputError(
                'keep_mask("consistent") needs labels: pass labels= to duplicates'
            )
        return _fastbal.keep_consistent_texts(self._texts._inner, self._conflict)

    def to_dict(self) -> dict[str, Any]:
        """The figures and the worst groups as plain Python values."""
        return {
            "rows": self.rows,
            "duplicate_rows": self.duplicate_rows,
            "duplicate_texts": self.duplicate_texts,
            "conflicting_texts": self.conflicting_texts,
            "conflicting_rows": self.conflicting_rows,
            "accuracy_ceiling": self.accuracy_ceiling,
            "leaked_rows": self.leaked_rows,
            "leaked_texts": self.leaked_texts,
            "worst": [
                {"text": _plain(g.text), "rows": g.rows, "labels": _label_list(g.labels)}
                for g in self.worst
            ],
        }

    def lines(self) -> list[str]:
        """The figures, one per line."""
        share = self.duplicate_rows / self.rows if self.rows else 0.0
        out = [
            f"repeated texts: {self.duplicate_texts:,} "
            f"({plural(self.duplicate_rows, 'row')}, {share:.2%} of {self.rows:,})"
        ]
        if self.accuracy_ceiling is not None:
            out.append(
                f"texts with conflicting labels: {self.conflicting_texts:,} "
                f"({plural(self.conflicting_rows, 'row')}); "
                f"accuracy ceiling {self.accuracy_ceiling:.2%}"
            )
        if self.leaked_rows is not None:
            out.append(
                f"valid/test rows whose text is in train: {self.leaked_rows:,} "
                f"({plural(self.leaked_texts or 0, 'text')})"
            )
        return out

    def to_markdown(self) -> str:
        """The figures and the worst groups as Markdown."""
        out = [f"- {line}" for line in self.lines()]
        if self.worst:
            out += ["", "| text | rows | labels |", "|---|---:|---|"]
            for g in self.worst:
                out.append(f"| {_cell(g.text)} | {g.rows:,} | {_label_cell(g.labels)} |")
        return "\n".join(out)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        ceiling = "None" if self.accuracy_ceiling is None else f"{self.accuracy_ceiling:.4f}"
        return (
            f"Duplicates(rows={self.rows:,}, duplicate_rows={self.duplicate_rows:,}, "
            f"conflicting_rows={self.conflicting_rows:,}, accuracy_ceiling={ceiling}, "
            f"leaked_rows={self.leaked_rows})"
        )


def duplicates(
    texts: Any,
    labels: Any = None,
    splits: Any = None,
    normalize: bool | None = None,
    top: int = TOP,
) -> Duplicates:
    """Repeated texts, the labels they carry and the leakage across splits,
    in one hashing pass over the texts.

    `texts` in any form labels take (a list, numpy str/object, pyarrow
    string / large_string / string_view, a polars or pandas Series), read in
    place; texts are compared exactly (never by hash alone). `labels` (any
    label type) adds the conflicts and the accuracy ceiling; `splits` (a
    `fastbal.Split`, or an assignment array: 0 train, 1 valid, 2 test, -1
    left out) adds the leakage. A null text is never a duplicate; a row with
    a null label counts toward its text's rows but not toward conflicts or
    the ceiling.

    `normalize=True` compares texts after folding case and whitespace:
    Unicode lower-casing (Arrow's `utf8_lower`), every run of whitespace
    (space, tab, line breaks, vertical tab, form feed and the Unicode
    space separators) replaced by one space, and both ends trimmed. That
    makes a copy of the texts; the default compares them as they are.

    >>> import fastbal
    >>> texts = ["rent", "rent", "fuel", "Rent ", "fuel", None]
    >>> labels = [610, 610, 620, 610, 640, 620]
    >>> d = fastbal.duplicates(texts, labels)
    >>> print(d)
    repeated texts: 2 (4 rows, 66.67% of 6)
    texts with conflicting labels: 1 (2 rows); accuracy ceiling 80.00%
    >>> d.worst[0]
    DuplicateGroup(text='fuel', rows=2, labels={620: 1, 640: 1})
    >>> d.keep_mask("first").tolist()
    [True, False, True, True, False, True]
    >>> d.keep_mask("consistent").tolist()
    [True, True, False, True, False, True]
    >>> fastbal.duplicates(texts, normalize=True).duplicate_rows
    5
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise InvalidInputError(f"top must be a count of groups (an int >= 0); got {top!r}")
    if normalize is not None and not isinstance(normalize, (bool, np.bool_)):
        raise InvalidInputError(f"normalize must be None, False or True; got {normalize!r}")
    text_labels = Labels(_normalized(texts) if normalize else texts)
    n = len(text_labels)
    label_labels = None
    if labels is not None:
        label_labels = as_labels(labels)
        _same_length("labels", len(label_labels), n)
    codes = None if splits is None else _split_codes(splits, n)
    r = _fastbal.duplicate_stats(
        text_labels._inner, None if label_labels is None else label_labels._inner, codes, top
    )
    ceiling = None
    if label_labels is not None:
        ceiling = r.majority_rows / r.labeled_rows if r.labeled_rows else 1.0
    worst = [
        DuplicateGroup(
            text=_plain(text_labels.classes[g.text]),
            rows=int(g.rows),
            labels={_plain(label_labels.classes[c]): int(k) for c, k in g.labels}
            if label_labels is not None
            else {},
        )
        for g in r.worst
    ]
    return Duplicates(
        rows=int(r.rows),
        duplicate_rows=int(r.duplicate_rows),
        duplicate_texts=int(r.duplicate_texts),
        conflicting_texts=int(r.conflicting_texts),
        conflicting_rows=int(r.conflicting_rows),
        accuracy_ceiling=ceiling,
        leaked_rows=r.leaked_rows,
        leaked_texts=r.leaked_texts,
        worst=worst,
        _texts=text_labels,
        _conflict=_read_only(r.conflict),
    )


def _read_only(a: npt.NDArray[np.bool_] | None) -> npt.NDArray[np.bool_] | None:
    """`a`, no longer writable: the masks of a `Duplicates` read it later."""
    if a is not None:
        a.flags.writeable = False
    return a


def _same_length(what: str, got: int, rows: int) -> None:
    if got != rows:
        raise InvalidInputError(f"{what} has {got:,} rows but the texts have {rows:,}")


def _split_codes(splits: Any, rows: int) -> npt.NDArray[np.int8]:
    """A split's assignment codes (0 train, 1 valid, 2 test, -1 left out)."""
    assignment = getattr(splits, "assignment", splits)
    codes = np.asarray(assignment)
    if codes.ndim != 1 or not (codes.dtype.kind in "iu" or codes.size == 0):
        raise InvalidInputError(
            "splits must be a fastbal Split or a 1-D integer array of split codes "
            f"(0 train, 1 valid, 2 test, -1 left out); got {type(splits).__name__}"
        )
    _same_length("splits", len(codes), rows)
    if codes.size and (codes.min() < _fastbal.LEFT_OUT or codes.max() >= len(_fastbal.SPLIT_NAMES)):
        raise InvalidInputError(
            "split codes must be 0 (train), 1 (valid), 2 (test) or -1 (left out); "
            f"got values from {codes.min()} to {codes.max()}"
        )
    return np.ascontiguousarray(codes, dtype=np.int8)


def _normalized(texts: Any) -> Any:
    """`texts` with case and whitespace folded (see `duplicates`)."""
    native = column_to_native(texts)
    if isinstance(native, np.ndarray):
        arr: Any = pa.array(native)
    elif hasattr(native, "__arrow_c_stream__"):
        arr = pa.chunked_array(native)
    else:
        arr = pa.array(native)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        if not pa.types.is_string_view(arr.type):
            raise InvalidInputError(f"normalize=True needs texts (strings); got {arr.type}")
        arr = arr.cast(pa.large_string())
    arr = pc.utf8_lower(arr)
    arr = pc.replace_substring_regex(arr, pattern=r"[\s\v\p{Zs}]+", replacement=" ")
    return pc.utf8_trim_whitespace(arr)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value


def _label_list(labels: dict[Any, int]) -> list[list[Any]]:
    return [[_plain(k), v] for k, v in labels.items()]


#: Labels shown per group in `Duplicates.to_markdown` (all of them in `to_dict`).
MARKDOWN_LABELS = 5


def _label_cell(labels: dict[Any, int]) -> str:
    """A group's labels, most rows first: the first `MARKDOWN_LABELS`, then what is left."""
    items = list(labels.items())
    shown = ", ".join(f"{k}: {v:,}" for k, v in items[:MARKDOWN_LABELS])
    rest = items[MARKDOWN_LABELS:]
    if rest:
        shown += f", {len(rest):,} more ({sum(v for _, v in rest):,} rows)"
    return shown


def _cell(text: Any) -> str:
    """A text as a Markdown table cell: one line, pipes escaped, at most 60 characters."""
    s = " ".join(str(text).split()).replace("|", "\\|")
    return s if len(s) <= 60 else s[:57] + "..."
