"""Reduce the workbook open in Excel (an xlwings Book) to the `RawBook` that `xlrubric compute` reads
from a file, so that `compute_book` sees the same grid either way.

Only the API every xlwings engine shares is used (`sheets`, `used_range`, `.options(...).value`,
`names`). Values are put where they are in the sheet (the used range's top-left offset is applied, so
grid position = absolute cell) and normalised to what python-calamine gives for the same cell: numbers
as float, a date without a time of day as `date`, error values as `CellError`, empty as None.

Merged ranges matter to the table reader (a two-row header whose upper row is merged over its events).
Excel on Windows/macOS answers `merge_cells` / `merge_area`; we ask only about the first
`HEADER_SCAN_ROWS` rows (the only rows whose merges the reader uses) and only about the cells that can
anchor a merge there, first per block and per row so that a sheet without merges costs one call. An
engine that cannot answer synchronously (the remote engine) raises NotImplementedError; then the merges
of the saved file (`book.fullname`, read with python-calamine) are used where that file exists.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xlrubric.readers.raw import CellError, RawBook, RawSheet
from xlrubric.readers.table import HEADER_SCAN_ROWS

EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!",
                          "#BUSY!", "#UNKNOWN!"})


def cell_value(v: Any) -> Any:
    """One value as python-calamine would give it for the same cell."""
    if v is None or v == "":
        return None
    t = type(v)
    if t is float or t is str and v not in EXCEL_ERRORS:
        return v
    if t is bool:
        return v
    if t is int:
        return float(v)
    if t is str:
        return CellError(v)
    if isinstance(v, dt.datetime):
        v = v.replace(tzinfo=None)
        return v.date() if v.time() == dt.time(0) else v
    return v


def sheet_grid(sheet) -> list[list[Any]]:
    """The sheet's values from A1 (row 0 = Excel row 1), read in one call."""
    rng = sheet.used_range
    values = rng.options(ndim=2, err_to_str=True).value
    r0, c0 = rng.row - 1, rng.column - 1
    pad = [None] * c0
    rows: list[list[Any]] = [[] for _ in range(r0)]
    for row in values:
        rows.append(pad + [cell_value(v) for v in row])
    return rows


def _anchors(rows: list[list[Any]], r: int) -> list[int]:
    """Columns in row r whose cell could anchor a merge: filled, with an empty cell right or below."""
    row = rows[r] if r < len(rows) else []
    below = rows[r + 1] if r + 1 < len(rows) else []
    out = []
    for c, v in enumerate(row):
        if v is None:
            continue
        right = row[c + 1] if c + 1 < len(row) else None
        down = below[c] if c < len(below) else None
        if right is None or down is None:
            out.append(c)
    return out


def probe_merges(sheet, rows: list[list[Any]]) -> list[tuple[int, int, int, int]] | None:
    """Merged ranges anchored in the first rows, asked of Excel; None when the engine cannot say."""
    n = min(len(rows), HEADER_SCAN_ROWS)
    width = max((len(r) for r in rows[:n + 1]), default=0)
    if n == 0 or width == 0:
        return []
    try:
        if sheet.range((1, 1), (n, width)).merge_cells is False:
            return []
        merges: list[tuple[int, int, int, int]] = []
        covered: set[tuple[int, int]] = set()
        for r in range(n):
            if sheet.range((r + 1, 1), (r + 1, width)).merge_cells is False:
                continue
            for c in _anchors(rows, r):
                if (r, c) in covered:
                    continue
                area = sheet.range((r + 1, c + 1)).merge_area
                nrows, ncols = area.shape
                if (nrows, ncols) != (1, 1) and (area.row, area.column) == (r + 1, c + 1):
                    m = (r, c, r + nrows - 1, c + ncols - 1)
                    merges.append(m)
                    covered.update((i, j) for i in range(m[0], m[2] + 1) for j in range(m[1], m[3] + 1))
        return merges
    except NotImplementedError:
        return None


def file_merges(fullname: str) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged ranges per sheet of the saved workbook file, if `fullname` is one; {} otherwise."""
    try:
        path = Path(fullname)
        if not path.is_file():
            return {}
        import python_calamine as pc

        book = pc.CalamineWorkbook.from_path(str(path))
        out = {}
        for name in book.sheet_names:
            ranges = book.get_sheet_by_name(name).merged_cell_ranges or []
            out[name] = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges]
        return out
    except Exception:          # a file we cannot read only means: no merges known
        return {}


def read_book(book, skip: set[str] = frozenset()) -> RawBook:
    """The open workbook as a RawBook; sheets named in `skip` (casefolded: ours) are left out."""
    sheets: dict[str, RawSheet] = {}
    unknown: list[RawSheet] = []
    for sheet in book.sheets:
        name = sheet.name
        if name.casefold() in skip:
            continue
        rows = sheet_grid(sheet)
        merges = probe_merges(sheet, rows)
        raw = RawSheet(name, rows, merges or [])
        if merges is None:
            unknown.append(raw)
        sheets[name] = raw
    if unknown:
        saved = file_merges(book.fullname)
        for raw in unknown:
            raw.merged = saved.get(raw.name, [])
    return RawBook(path=book.fullname, kind="excel", sheets=sheets)


def preset_setting(book, env: dict[str, str]) -> str | None:
    """The preset for a workbook without its own 考核细则 sheet: the defined name `xlrubric_preset`
    (a cell holding the preset id, e.g. lanxi4), else the environment variable XLRUBRIC_PRESET."""
    try:
        names = [n for n in book.names if n.name.rsplit("!", 1)[-1].casefold() == "xlrubric_preset"]
    except Exception:          # an engine without names: only the environment is left
        names = []
    for name in names:
        try:
            value = name.refers_to_range.value
        except Exception:      # a name holding a constant, ="lanxi4" (Excel on Windows/macOS)
            value = str(name.refers_to or "").lstrip("=").strip('"')
        if isinstance(value, str) and value.strip():
            return value.strip()
    value = env.get("XLRUBRIC_PRESET", "").strip()
    return value or None
