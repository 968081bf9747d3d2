"""The raw grid of a workbook: what every source (a file, the book open in Excel) reduces to.

A `RawSheet` holds cell values from A1 (row 0 = Excel row 1, column 0 = column A), so a position in the
grid *is* an absolute cell address. Empty cells are None. Numbers are float/int, dates are
datetime/date, booleans bool, everything else str. Error cells (#DIV/0!) are kept as `CellError`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@functools.lru_cache(maxsize=1024)
@functools.lru_cache(maxsize=1024)
def column_letters(col0: int) -> str:
    """Excel's column letters for a 0-based column (0 → A, 26 → AA).

    Written here rather than taken from openpyxl because importing openpyxl costs about 0.3 s, and every
    command that names a cell (lint on a rules sheet included) would pay it. Remembered per column: a
    computation names the cells of a few columns thousands of times (扣分明细, problems).
    """
    letters = ""
    n = col0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def row_spans(numbers: Iterable[int], limit: int = 12) -> str:
    """Excel row numbers as 5、8-12、20 (at most `limit` pieces, then 等，共N行): a message names many rows in
    one line instead of one message per row."""
    pieces: list[str] = []
    items = sorted(set(numbers))
    k = 0
    while k < len(items):
        j = k
        while j + 1 < len(items) and items[j + 1] == items[j] + 1:
            j += 1
        pieces.append(str(items[k]) if j == k else f"{items[k]}-{items[j]}")
        k = j + 1
    shown = "、".join(pieces[:limit])
    return shown + (f"等，共{len(items)}行" if len(pieces) > limit else "")


def cell_address(row0: int, col0: int) -> str:
    """A1 address of a 0-based (row, column)."""
    return f"{column_letters(col0)}{row0 + 1}"


@dataclass(frozen=True)
class CellError:
    """An error value stored in a cell (#DIV/0!, #REF!, …)."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class HiddenLines:
    """Rows and columns a sheet hides (by hand, or rows a filter left out) and whether a filter is on.

    Kept so that a hidden row that is counted anyway is said (`readers.hidden`): a director may have hidden
    it meaning "do not count this", or only filtered to look.
    """

    rows: frozenset[int] = frozenset()          # 0-based
    cols: tuple[tuple[int, int], ...] = ()      # 0-based inclusive ranges (a <col min max> element each)
    filtered: bool = False                      # an autoFilter is set on the sheet

    def __bool__(self) -> bool:
        return bool(self.rows or self.cols)

    def col_hidden(self, col0: int) -> bool:
        return any(lo <= col0 <= hi for lo, hi in self.cols)


NOTHING_HIDDEN = HiddenLines()


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]                       # from A1; ragged rows allowed
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r0, c0, r1, c1) inclusive, 0-based
    visible: str = "visible"                    # visible / hidden / veryhidden
    hidden: HiddenLines = NOTHING_HIDDEN        # hidden rows and columns (xlsx, xls); none known from Excel

    def value(self, row0: int, col0: int) -> Any:
        if row0 < len(self.rows) and col0 < len(self.rows[row0]):
            return self.rows[row0][col0]
        return None

    @property
    def n_rows(self) -> int:
        return len(self.rows)


@dataclass
class RawBook:
    """A workbook reduced to grids. `kind` is xlsx / xlsm / xls / excel (open in Excel)."""

    path: str                                   # file path or the book's name in Excel
    kind: str
    sheets: dict[str, RawSheet]
    notes: list[str] = field(default_factory=list)   # Chinese notes for the user (e.g. ".xls 结果另存为 .xlsx")

    @property
    def name(self) -> str:
        from pathlib import PurePath
        return PurePath(self.path).name

    def sheet(self, name: str) -> RawSheet | None:
        """Find a sheet by name, tolerating full-width/half-width and stray spaces."""
        from xlrubric.readers.text import normalize_label

        if name in self.sheets:
            return self.sheets[name]
        want = normalize_label(name)
        for key, sheet in self.sheets.items():
            if normalize_label(key) == want:
                return sheet
        return None
