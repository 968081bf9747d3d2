"""How a table we write prints on A4: column widths from content, wrapped long text, orientation, scale,
and — for tables wider than a landscape page — vertical page groups that repeat the key columns.

Why by hand: no library decides a print layout from content. "Fit to one page wide" (what we did
before) shrinks a 28-column 学时汇总 to unreadable type, so a wide table is instead split into page
groups, each repeating 工号/姓名, at a scale that keeps 11-point text at 9 points or more. Every writer
(the surgical sheet writer, the new-workbook writers, 县汇总) takes its page setup from `plan_pages`.

Units: Excel column widths count characters of the default font, a CJK character taking two, and each
column adds about 0.7 of padding. Measured with LibreOffice (Calibri's metric twin Carlito, margins 0.5″):
columns of width 10 fit 8 to an upright A4 page and 12 across, so a page holds 86 and 128 units.
Excel fits a little more, so these are the safe side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from typing import Any

from xlrubric.writers.textwidth import TEXT_TYPES, Columns, column_widths, display_width, lines_of, text_lines

PORTRAIT_CHARS = 86.0
LANDSCAPE_CHARS = 128.0
PADDING = 0.7
MIN_SCALE = 85               # 11 pt × 0.85 ≈ 9.4 pt: the smallest type we print
GROUP_SCALE = 90             # scale of a table split into page groups
LONG_TEXT = 36.0             # widest column; longer text wraps inside it
NARROWEST = 20.0             # a text column is not narrowed below this to spare a page group
HEADER_LINES = 3             # a header wraps to at most this many lines (narrow columns of numbers)
LINE_POINTS = 15.0           # one line of wrapped text (Excel's default row is 15 pt for 11 pt type)
# A one-line row of a sheet we make: the sheet's default row height, stated (sheetFormatPr customHeight). A row
# with no height in a sheet that states none is whatever the program likes: LibreOffice gives it 12.8 pt and
# cuts the bottom of 11-pt Chinese text on screen and on paper (seen in session 7's print of 扣分明细); at 15 pt
# the characters touch the row's lower border; 17 pt is a wrapped row's one line plus its 2 pt (row_height).
ONE_LINE_POINTS = LINE_POINTS + 2
KEY_HEADERS = ("序号", "行", "工号", "姓名", "学校", "学年")
SAMPLE_ROWS = 2000

@dataclass
class PageLayout:
    """The print decisions for one table."""

    widths: list[float]
    wrap: set[int] = field(default_factory=set)    # columns whose long text wraps
    landscape: bool = False
    scale: int = 100
    key_cols: int = 0                              # leading columns repeated on every page group
    col_breaks: list[int] = field(default_factory=list)   # 0-based first column of each new page group
    header_lines: int = 1
    _lines: dict[tuple[str, int], int] = field(default_factory=dict, repr=False, compare=False)
    # display_width of each distinct one-paragraph text per column, as content_widths measured it, so
    # that row_heights does not measure the same texts again (issue 16)
    measured: dict[int, dict[str, float]] = field(default_factory=dict, repr=False, compare=False)
    columns: Columns | None = field(default=None, repr=False, compare=False)   # the table's, when known

    @property
    def header_height(self) -> float:
        return LINE_POINTS * self.header_lines + 2

    def row_height(self, row: list[Any]) -> float | None:
        """The height a row needs for its wrapped text, or None when one line will do."""
        known, lines, n = self._lines, 1, len(row)
        for c in self.wrap:
            if c < n and isinstance(text := row[c], str):
                need = known.get((text, c))
                if need is None:       # rows repeat the same texts: measure each once per column
                    need = known[(text, c)] = text_lines(text, self.widths[c])
                lines = max(lines, need)
        return LINE_POINTS * lines + 2 if lines > 1 else None

    def row_heights(self, rows: list[list[Any]]) -> list[float | None]:
        """`row_height` of every row, worked out a column at a time: each wrapped column's distinct texts
        are measured once — by `content_widths` already, for the rows it sampled — and the per-row
        maximum is taken over whole columns (issue 16: the same numbers as `row_height` row by row, at a
        fraction of its interpreter cost on a long table; a property test compares them)."""
        if not self.wrap or not rows:
            return [None] * len(rows)
        table = self.columns if self.columns is not None and self.columns.rows is rows else Columns(rows)
        columns = []
        for c in sorted(self.wrap):
            if c >= len(table.values):
                continue                                  # no value: one line
            values, distinct = table.values[c], table.distinct(c)
            if distinct is None:                          # an unhashable value: never text, one line
                values = tuple(v if isinstance(v, str) else None for v in values)
                distinct = set(values)
            texts = (distinct - {None} if values is table.values[c] and table.types(c) <= TEXT_TYPES
                     else {v for v in distinct if isinstance(v, str)})
            known = lines_of(texts, self.widths[c], self.measured.get(c, {}))
            if max(known.values(), default=1) > 1:        # a column of one-line texts raises no row
                columns.append(list(map(known.get, values, repeat(1))))
        if not columns:
            return [None] * len(rows)
        most = columns[0] if len(columns) == 1 else list(map(max, *columns))
        height = {lines: LINE_POINTS * lines + 2 if lines > 1 else None for lines in set(most)}
        return list(map(height.__getitem__, most))


@lru_cache(maxsize=4096)
def _header_width(head: str) -> float:
    """`display_width` of a header text, worked out once: every school's result tables have the same
    headers, and a column's header is measured twice (issue 16, session 9)."""
    return display_width(head)


def _header_need(head: str, content: float) -> float:
    """The narrowest width that shows `head` whole in at most HEADER_LINES lines, never cut mid-word."""
    whole = _header_width(head) + 1.5
    if whole <= max(content, 4.0):
        return whole
    ascii_run = max((len(w) for w in head.split() if w.isascii()), default=0)
    return max(math.ceil(_header_width(head) / HEADER_LINES) + 1.5, ascii_run + 1.5)


def content_widths(header: list[str], rows: list[list[Any]], preferred: list[float] | None = None,
                   ) -> tuple[list[float], set[int], int]:
    """Widths from what the columns hold (95th percentile of the first rows), headers never cut.

    `preferred` (a renderer's hint) caps a column; text longer than the width wraps. A header may wrap
    to HEADER_LINES lines (its text is never changed: readers find columns by it). Returns (widths,
    wrapped columns, header lines).
    """
    widths, wrap, lines, _measured = _measure(header, rows, preferred)
    return widths, wrap, lines


def _measure(header: list[str], rows: list[list[Any]], preferred: list[float] | None,
             table: Columns | None = None) -> tuple[list[float], set[int], int, dict[int, dict[str, float]]]:
    """`content_widths`, and the display width of every distinct one-paragraph text of each column it
    sampled (for `PageLayout.row_heights`). `table`: the rows by columns, when made already."""
    widths: list[float] = []
    wrap: set[int] = set()
    lines = 1
    measured: dict[int, dict[str, float]] = {}
    if table is None or len(rows) > SAMPLE_ROWS:
        table = Columns(rows[:SAMPLE_ROWS])
    for c, head in enumerate(header):
        if c < len(table.values):
            found, measured[c] = column_widths(table.values[c], table.types(c), table.distinct(c),
                                                table.encoded(c))
            seen = sorted(found)
        else:
            seen = []
        content = seen[min(len(seen) - 1, int(len(seen) * 0.95))] + 2.5 if seen else 0.0
        cap = min(float(preferred[c]) if preferred and c < len(preferred) and preferred[c] else LONG_TEXT,
                  LONG_TEXT)
        need = max(_header_need(str(head), content), 4.0)
        width = max(min(content, max(cap, need)), need)
        if seen and seen[-1] + 2.5 > width:
            wrap.add(c)
        lines = max(lines, math.ceil(_header_width(str(head)) / max(width - 1.5, 1.0)))
        widths.append(round(width, 1))
    return widths, wrap, min(lines, HEADER_LINES + 1), measured


def plan_pages(header: list[str], widths: list[float], wrap: set[int] | None = None,
               header_lines: int = 1, starts: set[int] | None = None) -> PageLayout:
    """Orientation, scale and page groups for a table whose column widths are known. `starts`: the
    columns a page group may begin at (default any), so columns under one merged header stay together."""
    layout = PageLayout(list(widths), set(wrap or ()), header_lines=header_lines)
    _narrow_text(layout, LANDSCAPE_CHARS * 100 / MIN_SCALE - 1)
    span = [w + PADDING for w in layout.widths]
    total = sum(span)
    if total <= PORTRAIT_CHARS:
        return layout
    if total * MIN_SCALE / 100 <= PORTRAIT_CHARS and total <= PORTRAIT_CHARS * 1.1:
        layout.scale = int(PORTRAIT_CHARS * 100 / total)      # a little too wide: upright, slightly smaller
        return layout
    layout.landscape = True
    if total <= LANDSCAPE_CHARS:
        return layout
    if total * MIN_SCALE / 100 <= LANDSCAPE_CHARS:
        layout.scale = int(LANDSCAPE_CHARS * 100 / total)
        return layout
    layout.scale = GROUP_SCALE
    page = LANDSCAPE_CHARS * 100 / GROUP_SCALE
    keys = 0
    while keys < min(3, len(header)) and str(header[keys]) in KEY_HEADERS:
        keys += 1
    layout.key_cols = keys
    key_width = sum(span[:keys])
    used = key_width
    allowed = sorted(set(range(len(span))) if starts is None else starts | {len(span)})
    for c in range(keys, len(span)):
        unit = sum(span[c:next((a for a in allowed if a > c), len(span))]) if c in allowed else 0.0
        if c in allowed and used + unit > page and used > key_width:
            layout.col_breaks.append(c)
            used = key_width
        used += span[c]
    return layout


def _narrow_text(layout: PageLayout, room: float) -> None:
    """Before splitting a table across pages, let its long text wrap in narrower columns (not below
    NARROWEST): one more line in a row reads better than a page holding one column."""
    widths = layout.widths
    excess = sum(w + PADDING for w in widths) - room
    wide = [c for c, w in enumerate(widths) if w > NARROWEST]
    if excess <= 0 or not wide:
        return
    spare = sum(widths[c] - NARROWEST for c in wide)
    cut = min(1.0, excess / spare)
    for c in wide:
        widths[c] = round(widths[c] - (widths[c] - NARROWEST) * cut, 1)
        layout.wrap.add(c)


def table_layout(header: list[str], rows: list[list[Any]], preferred: list[float] | None = None) -> PageLayout:
    """`content_widths` then `plan_pages`, then `widen_wrapped`: the whole print decision for a result table."""
    table = Columns(rows)
    widths, wrap, lines, measured = _measure(header, rows, preferred, table)
    layout = plan_pages(header, widths, wrap, lines)
    layout.measured, layout.columns = measured, table
    widen_wrapped(layout)
    return layout


def widen_wrapped(layout: PageLayout) -> None:
    """In a table printed in page groups, give each group's unused width to its wrapping columns.

    `plan_pages` narrows long text before splitting a table (one more line beats a page holding one column),
    but a table that is split anyway keeps those narrow columns, and every row is as tall as its most-wrapped
    cell in ANY group: 学时明细's 依据（细则原文）, 20 units wide in a last group three-fifths empty, made each of
    1,097 rows four lines tall on every page (228 pages). Widening within each group's own spare room moves no
    column to another page; a column grows only as far as its longest text needs (`measured`).
    """
    if not layout.col_breaks or not layout.wrap:
        return
    page = LANDSCAPE_CHARS * 100 / layout.scale
    widths = layout.widths
    keys = layout.key_cols
    key_span = sum(w + PADDING for w in widths[:keys])
    bounds = [keys, *layout.col_breaks, len(widths)]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        spare = page - key_span - sum(widths[c] + PADDING for c in range(lo, hi))
        want = {c: max(layout.measured.get(c, {}).values(), default=0.0) + 2.5 - widths[c]
                for c in range(lo, hi) if c in layout.wrap}
        want = {c: w for c, w in want.items() if w > 0.1}
        while spare > 0.1 and want:                 # share the room equally; what one does not need goes on
            share = spare / len(want)
            for c in list(want):
                give = math.floor(min(share, want[c]) * 10) / 10
                widths[c] = round(widths[c] + give, 1)
                spare -= give
                want[c] -= give
                if want[c] <= 0.1 or give == 0:
                    del want[c]


def apply_xlsxwriter(ws: Any, layout: PageLayout, *, header_row: int | None = 0, result: bool = True) -> None:
    """The same decisions through XlsxWriter's page-setup calls (new workbooks: .xls results, 县汇总, the
    archive); `header_row` repeats on every page (None: a sheet of blocks, nothing repeats). A `result` sheet's
    one-line rows are ONE_LINE_POINTS high; the blank forms (templates, the guide) keep XlsxWriter's 15 pt, so
    the checked-in templates and samples stay as schools have them."""
    ws.set_paper(9)
    if result:
        ws.set_default_row(ONE_LINE_POINTS)
    if layout.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_print_scale(layout.scale)
    ws.hide_gridlines(0)                 # gridlines on screen and on paper: a borderless table needs them
    if header_row is not None:
        ws.repeat_rows(header_row)
    if layout.key_cols:
        ws.repeat_columns(0, layout.key_cols - 1)
    if layout.col_breaks:
        ws.set_v_pagebreaks(layout.col_breaks)
    ws.set_header("&C&A")
    ws.set_footer("&C第 &P 页，共 &N 页")
