"""Cells as codes: each distinct cell value of a column, kept apart by type, numbered once.

Shared by the readers of every sheet that repeats the same few hundred values thousands of times (a
register's teachers, dates, statuses): `schemas.teachers`, the pipeline's registers and the engine's
counts work on the codes and touch each distinct value once in Python.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

_ONE_TYPE = frozenset({"string", "empty", "integer", "floating", "boolean", "date", "datetime"})


def distinct(values, *, blanks: bool = True) -> tuple[np.ndarray, list]:
    """(code per cell, one representative cell per code): cells share a code only when equal AND of one type.

    `pd.factorize` alone hashes by equality, so True, 1 and 1.0 (and None, NaN) would share one answer; a
    cell's reading depends on its type (TRUE is text read as 1 with a 警告, 1 is a number), so a column that
    mixes such types is keyed by (value, type). Blank cells (None, NaN, NaT) get codes of their own per type,
    or -1 with `blanks=False`. C hash passes; Python touches only the distinct values and, for a column of
    mixed types, each cell's type.
    """
    arr = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(arr)                 # blanks -1; uniques hold each class's first cell
    reps = uniques.tolist()
    if infer_dtype(arr, skipna=True) not in _ONE_TYPE:
        tcodes, types = pd.factorize(np.fromiter(map(type, arr), dtype=object, count=len(arr)))
        filled = codes >= 0
        codes[filled], _ = pd.factorize(codes[filled] * len(types) + tcodes[filled])
        reps = arr[filled][np.unique(codes[filled], return_index=True)[1]].tolist()
    blank = codes < 0
    if blanks and blank.any():
        cells = arr[blank]
        kind, _ = pd.factorize(np.fromiter(map(type, cells), dtype=object, count=len(cells)))
        codes[blank] = len(reps) + kind
        reps += cells[np.unique(kind, return_index=True)[1]].tolist()
    return codes, reps


class Coded:
    """A column already coded (`distinct`'s codes and representatives), handed to the next reader of the same
    column so it is not coded again: the pipeline codes a register's 签到状态 to check it, then the engine
    counts with the same codes. `values()` gives the cells back (each row's representative)."""

    __slots__ = ("cells", "codes")

    def __init__(self, codes: np.ndarray, cells: list) -> None:
        self.codes, self.cells = codes, cells

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, mask: np.ndarray) -> Coded:
        """The rows where `mask` holds, with the same representatives."""
        return Coded(self.codes[mask], self.cells)

    def value_ids(self) -> np.ndarray:
        """Each row's id by value: rows whose representatives are equal share one (two cells that resolve to one
        teacher, a date typed as text and as a date), as a dict keyed by the values would group them; an
        unhashable representative keeps an id of its own. Touches each distinct cell once."""
        ids: dict[Any, int] = {}
        per = np.empty(len(self.cells) + 1, dtype=np.int64)
        for k, v in enumerate(self.cells):
            try:
                per[k] = ids.setdefault(v, len(ids))
            except TypeError:
                per[k] = ids.setdefault(("unhashable", k), len(ids))
        per[-1] = len(ids)                               # blanks coded -1
        return per[self.codes]

    def values(self) -> np.ndarray:
        """Each row's cell as an object array (codes of blanks, -1, are None)."""
        arr = np.empty(len(self.cells) + 1, dtype=object)
        for k, v in enumerate(self.cells):          # item by item: a tuple cell stays one object
            arr[k] = v
        return arr[self.codes]


def coded(values) -> tuple[np.ndarray, list]:
    """(codes, representatives) of a column: a `Coded` one as it is, anything else through `distinct`."""
    if isinstance(values, Coded):
        return values.codes, values.cells
    return distinct(values)
