"""The reproducibility contract's constants, defined once in fastbal's Rust core.

Every front end reads them from here (or from `fastbal`): the split names in
code order, the codes of rows left out of a split or kept in every training
part, and the seed mixing of the scikit-learn splitters. A split is the same
on every machine and in every version because these never change.

>>> import fastbal.contract as contract
>>> contract.SPLIT_NAMES
('train', 'valid', 'test')
>>> contract.LEFT_OUT, contract.ALWAYS_TRAIN
(-1, -2)
"""

from __future__ import annotations

from fastbal import _fastbal

#: The split names in code order: a split assignment holds the index of a
#: row's split here (0 train, 1 valid, 2 test).
SPLIT_NAMES: tuple[str, str, str] = _fastbal.SPLIT_NAMES
#: The split (or k-fold) code of a row left out: a null label, or a row of a
#: rare class dropped by ``rare="drop"``.
LEFT_OUT: int = _fastbal.LEFT_OUT
#: The k-fold code of a row of a rare class kept by ``rare="train"``: in the
#: training part of every fold, never in a test fold.
ALWAYS_TRAIN: int = _fastbal.ALWAYS_TRAIN
#: The split code of each part of a split's rank cuts, in rank order (test,
#: valid, train), then of a row without a label.
SPLIT_PART_CODES: tuple[int, int, int, int] = _fastbal.SPLIT_PART_CODES


def mix64(x: int) -> int:
    """The splitmix64 finalizer (fastbal's fixed 64-bit mix) of the low 64 bits of `x`.

    >>> hex(mix64(1))
    '0x5692161d100b05e5'
    """
    return _fastbal.mix64(x)


def split_seed(seed: int, i: int) -> int:
    """The seed of split `i` of a splitter seeded with `seed`.

    The pair is mixed through a fixed 64-bit hash, so neighbouring seeds give
    unrelated split sets (split `i` of seed 0 is not split `i - 1` of seed 1),
    on every machine and in every Python process.

    >>> split_seed(0, 1) == split_seed(1, 0)
    False
    """
    return _fastbal.split_seed(seed, i)


__all__ = ["ALWAYS_TRAIN", "LEFT_OUT", "SPLIT_NAMES", "SPLIT_PART_CODES", "mix64", "split_seed"]
