"""Built-in datasets.

`seed_shaped()` is a label column shaped like the account-code dataset of the
incident fastbal was built for: 298,821 rows, 224 classes (labels 0..223),
the same five head classes and ten one-sample classes, and a smooth
geometric tail in between. It is generated, deterministic, and needs no
download. `seed_shaped_texts(y)` gives each row a synthetic text whose length
depends on its class; `seed_shaped_lines(y)` gives ledger lines that repeat
and sometimes carry two labels, as real ones do (see `fastbal.duplicates`).

>>> from fastbal.datasets import seed_shaped
>>> y = seed_shaped()
>>> len(y), len(set(y.tolist()))
(298821, 224)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Rows in the seed-shaped dataset.
SEED_ROWS = 298_821
#: The five most frequent labels and their counts.
SEED_HEAD = {197: 44_098, 177: 35_707, 62: 21_683, 178: 18_958, 79: 16_768}
#: The labels that occur exactly once.
SEED_SINGLETONS = (138, 119, 127, 46, 223, 44, 2, 38, 85, 221)
#: Counts of the rare band: classes with 2 to 9 rows, under a min-count of 10.
_RARE_BAND = (2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 7, 8, 8, 9, 9, 9)
#: The smallest count of the smooth tail.
_TAIL_MIN = 10


def _tail_counts(n_classes: int, total: int) -> list[int]:
    """A geometric tail from its largest count down to `_TAIL_MIN`, summing to `total`."""
    lo_q, hi_q = 1.0, 2.0
    for _ in range(200):  # bisect the ratio q so that the sum hits `total`
        q = (lo_q + hi_q) / 2
        s = sum(_TAIL_MIN * q**i for i in range(n_classes))
        lo_q, hi_q = (q, hi_q) if s < total else (lo_q, q)
    real = [_TAIL_MIN * q**i for i in range(n_classes)]
    counts = [int(r) for r in real]
    # largest remainders take the rows that rounding down left over
    order = sorted(range(n_classes), key=lambda i: (counts[i] - real[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return sorted(counts, reverse=True)


def seed_shaped_counts() -> dict[int, int]:
    """`{label: count}` of the seed-shaped dataset."""
    others = [c for c in range(224) if c not in SEED_HEAD and c not in SEED_SINGLETONS]
    rare_total = sum(_RARE_BAND)
    tail_total = SEED_ROWS - sum(SEED_HEAD.values()) - len(SEED_SINGLETONS) - rare_total
    tail = _tail_counts(len(others) - len(_RARE_BAND), tail_total)
    # which label gets which tail count is a fixed, seeded shuffle
    labels = np.random.default_rng(42).permutation(others).tolist()
    counts = dict(SEED_HEAD)
    counts.update(zip(labels, [*tail, *_RARE_BAND], strict=True))
    counts.update(dict.fromkeys(SEED_SINGLETONS, 1))
    return counts


def seed_shaped(seed: int = 42) -> npt.NDArray[np.int32]:
    """The seed-shaped label column (int32), rows in a seeded random order."""
    counts = seed_shaped_counts()
    labels = np.array(sorted(counts), dtype=np.int32)
    y = np.repeat(labels, [counts[int(c)] for c in labels])
    return np.random.default_rng(seed).permutation(y)


_WORDS = (
    "invoice",
    "payment",
    "supplier",
    "customer",
    "freight",
    "travel",
    "office",
    "rent",
    "salary",
    "tax",
    "vat",
    "refund",
    "deposit",
    "insurance",
    "license",
    "software",
    "hardware",
    "consulting",
    "advertising",
    "utilities",
    "bank",
    "fee",
    "interest",
    "loan",
    "depreciation",
    "inventory",
    "shipping",
    "repair",
    "maintenance",
    "subscription",
    "training",
    "meals",
    "lodging",
    "fuel",
    "parking",
    "postage",
    "telephone",
    "internet",
    "legal",
    "audit",
    "commission",
    "bonus",
)


def seed_shaped_texts(y: npt.NDArray[np.int32], seed: int = 42) -> list[str]:
    """A synthetic accounting text per row whose length depends on its class.

    Each class gets a typical length (most between 30 and 120 characters;
    labels 13 and 31 unusually short, labels 7 and 101 unusually long), and
    rows vary around it. Deterministic.
    """
    rng = np.random.default_rng(seed)
    typical = rng.integers(30, 120, size=224)
    typical[[13, 31]] = 8
    typical[[7, 101]] = 400
    lengths = np.maximum(3, (typical[y] * rng.uniform(0.7, 1.3, size=len(y))).astype(np.int64))
    base = " ".join(rng.choice(_WORDS, size=2000).tolist())
    starts = rng.integers(0, len(base) - 500, size=len(y))
    return [base[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]


#: Share of the rows of `seed_shaped_lines` whose text is one of their class's recurring lines.
LINES_REPEATED = 0.4
#: Share of the rows of `seed_shaped_lines` that carry a recurring line of their class's
#: look-alike class (the same line coded two ways).
LINES_CONFLICTING = 0.02
#: Recurring lines per class in `seed_shaped_lines`.
LINES_PER_CLASS = 8


def seed_shaped_lines(y: npt.NDArray[np.int32], seed: int = 42) -> list[str]:
    """Ledger lines for a label column, with the repeats and conflicts of a real ledger.

    Each class has `LINES_PER_CLASS` recurring lines of three to six words
    ("rent office fee bank"), distinct across classes, and a look-alike class
    (a seeded pairing). `LINES_REPEATED` of the rows carry one of their
    class's recurring lines, `LINES_CONFLICTING` one of their look-alike's
    (the same line coded two ways), and the rest a line of their own ending
    in a reference number, seen once. Deterministic.

    >>> import fastbal
    >>> from fastbal.datasets import seed_shaped, seed_shaped_lines
    >>> y = seed_shaped()
    >>> lines = seed_shaped_lines(y)
    >>> lines[:2]
    ['insurance salary invoice internet postage', 'freight refund tax utilities meals ref 358354']
    >>> print(fastbal.duplicates(lines, y))
    repeated texts: 1,409 (125,808 rows, 42.10% of 298,821)
    texts with conflicting labels: 710 (53,451 rows); accuracy ceiling 98.91%
    """
    labels = np.asarray(y)
    n = len(labels)
    rng = np.random.default_rng(seed)
    words = np.array(_WORDS)
    classes = np.unique(labels)
    recurring: list[str] = []
    seen: set[str] = set()
    while len(recurring) < len(classes) * LINES_PER_CLASS:
        line = " ".join(rng.choice(words, int(rng.integers(3, 7))).tolist())
        if line not in seen:
            seen.add(line)
            recurring.append(line)
    look_alike = rng.permutation(len(classes))
    of_row = np.searchsorted(classes, labels)
    pick = of_row * LINES_PER_CLASS + rng.integers(0, LINES_PER_CLASS, n)
    draw = rng.random(n)
    conflicting = draw >= 1 - LINES_CONFLICTING
    pick[conflicting] = (
        look_alike[of_row[conflicting]] * LINES_PER_CLASS + pick[conflicting] % LINES_PER_CLASS
    )
    own = (draw >= LINES_REPEATED) & ~conflicting
    lengths = rng.integers(3, 7, n).tolist()
    body = rng.integers(0, len(_WORDS), (n, 6)).tolist()
    refs = (rng.permutation(n) + 100_000).tolist()
    picks = pick.tolist()
    return [
        f"{' '.join([_WORDS[w] for w in body[i][: lengths[i]]])} ref {refs[i]}"
        if mine
        else recurring[picks[i]]
        for i, mine in enumerate(own.tolist())
    ]
