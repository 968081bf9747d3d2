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
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache, partial
from itertools import repeat, zip_longest
from operator import add, eq, is_not, mul, truediv
from typing import Any

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
_SIXTENTHS, _FOURTENTHS = partial(mul, 0.6), partial(mul, 0.4)     # 0.6 * n, 0.4 * n: display_width's terms
_not_none = partial(is_not, None)
_is_zero = partial(eq, 0.0)
_TEXT_TYPES = {str, type(None)}


def negative_zero(values: tuple[Any, ...]) -> bool:
    """Whether a -0.0 is among `values` (0.0 and -0.0 are equal keys that print apart), in C loops."""
    return min(map(math.copysign, repeat(1.0), filter(_is_zero, values)), default=1.0) < 0


def display_width(value: Any) -> float:
    """Width in Excel's character units: ASCII one, a CJK character (3 bytes in UTF-8) 2.2.

    An 11-point CJK glyph is 14.7 px against the 7 px digit a width unit stands for, hence 2.2 rather
    than the customary 2. 0.6 × bytes + 0.4 × characters gives exactly that for ASCII and CJK text, at
    C speed, which matters on a 20,000-row sheet. A lone surrogate (it cannot be UTF-8; the cell writer
    escapes it as _xD800_) counts the three bytes it would take, rather than stopping the write.
    """
    if value is None:
        return 0.0
    if isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, date | datetime):
        return 10.0
    else:
        text = value if isinstance(value, str) else str(value)
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    return 0.6 * len(longest.encode("utf-8", "surrogatepass")) + 0.4 * len(longest)


_ZERO_WIDTH = display_width(0.0)        # "0"


class Columns:
    """A table by columns (short rows padded with None), and each column's value types and distinct
    values, worked out once for everything that reads the table a column at a time — its widths, its
    row heights, the sheet writer's cells (issue 16: each was a pass over every value of the table)."""

    def __init__(self, rows: list[list[Any]]):
        self.rows = rows
        self.values = list(zip_longest(*rows))
        self._types: dict[int, set[type]] = {}
        self._distinct: dict[int, set[Any] | None] = {}
        self._encoded: dict[int, tuple[list[str], bytes] | None] = {}

    def types(self, c: int) -> set[type]:
        """The types of column `c`'s values, NoneType among them where a row has no value (do not change)."""
        if c not in self._types:
            self._types[c] = set(map(type, self.values[c]))
        return self._types[c]

    def distinct(self, c: int) -> set[Any] | None:
        """Column `c`'s distinct values, None among them where a row has none; None if a value is
        unhashable (do not change)."""
        if c not in self._distinct:
            try:
                self._distinct[c] = set(self.values[c])
            except TypeError:
                self._distinct[c] = None
        return self._distinct[c]

    def encoded(self, c: int) -> tuple[list[str], bytes] | None:
        """Column `c`'s distinct texts and their UTF-8, joined by NUL, when the column holds text only (None
        where a row has none) and every text encodes; else None. Made once for the two readers that need
        the bytes of every distinct text: the widths (`text_widths`) and the cells (`cellxml.text_tails`)."""
        if c not in self._encoded:
            distinct, found = self.distinct(c), None
            if distinct is not None and self.types(c) <= _TEXT_TYPES:
                texts = list(distinct - {None} if None in distinct else distinct)
                with suppress(UnicodeEncodeError):       # a lone surrogate: each text on its own
                    found = texts, "\x00".join(texts).encode()
            self._encoded[c] = found
        return self._encoded[c]


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
            texts = (distinct - {None} if values is table.values[c] and table.types(c) <= _TEXT_TYPES
                     else {v for v in distinct if isinstance(v, str)})
            known = _lines_of(texts, self.widths[c], self.measured.get(c, {}))
            if max(known.values(), default=1) > 1:        # a column of one-line texts raises no row
                columns.append(list(map(known.get, values, repeat(1))))
        if not columns:
            return [None] * len(rows)
        most = columns[0] if len(columns) == 1 else list(map(max, *columns))
        height = {lines: LINE_POINTS * lines + 2 if lines > 1 else None for lines in set(most)}
        return list(map(height.__getitem__, most))


def _lines_of(texts: set[str], width: float, measured: dict[str, float]) -> dict[str, int]:
    """`text_lines(t, width)` of each text, from its measured display width where `content_widths` has
    it (one paragraph: the same arithmetic as `text_lines`, over all of them in C loops), else measured
    now."""
    per_line = max(width, 1.0)
    texts = list(texts)
    widths = list(map(measured.get, texts))
    if None in widths:
        out = {t: text_lines(t, width) for t, w in zip(texts, widths, strict=True) if w is None}
        texts = [t for t, w in zip(texts, widths, strict=True) if w is not None]
        widths = list(filter(_not_none, widths))
    else:
        out = {}
    lines = map(math.ceil, map(truediv, widths, repeat(per_line)))     # ≥ 0: `or 1` is max(1, …)
    out.update(zip(texts, [n + 1 if n >= 3 else n or 1 for n in lines], strict=True))
    return out


def text_lines(text: Any, width: float) -> int:
    """Lines `text` takes wrapped in a column `width` wide. A column holds about `width` units of text
    (display_width already counts CJK 10 % wide); a long text loses room where lines break early at
    punctuation, so from three lines on one more is allowed (a blank line is better than a cut one)."""
    per_line = max(width, 1.0)
    if isinstance(text, str) and "\n" not in text:        # one paragraph (most texts): no split, no sum
        lines = max(1, math.ceil(display_width(text) / per_line))
        return lines + 1 if lines >= 3 else lines
    lines = sum(max(1, math.ceil(display_width(p) / per_line)) for p in str(text or "").split("\n"))
    return lines + 1 if lines >= 3 else lines


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
            found, measured[c] = _column_widths(table.values[c], table.types(c), table.distinct(c),
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


def _widths(values: tuple[Any, ...]) -> list[float]:
    """`display_width` of every non-empty value of a column (see `_column_widths`)."""
    try:
        distinct: set[Any] | None = set(values)
    except TypeError:
        distinct = None
    return _column_widths(values, set(map(type, values)), distinct)[0]


def _column_widths(values: tuple[Any, ...], types: set[type], distinct: set[Any] | None,
                   encoded: tuple[list[str], bytes] | None = None) -> tuple[list[float], dict[str, float]]:
    """`display_width` of every non-empty value of a column, each distinct text measured once: a result
    column repeats the same names, statuses and reasons on thousands of rows (issue 16: this halved the
    write). `types` and `distinct` are the column's (`Columns`). Only str, int and float are remembered,
    each in its own table (1, 1.0 and True are equal keys of different widths), and zero is not (0.0 and
    -0.0 are equal and print as "0" and "-0"). A column of text only, or of floats only, is measured over
    its distinct values in C loops. Also returns the width of each distinct one-paragraph text (a text
    column's only). `encoded`: the column's distinct texts and their bytes (`Columns.encoded`), if made."""
    kinds = types - {type(None)}            # of every value: a set of values keeps 1.0 and drops an equal True
    if distinct is not None and kinds <= {str}:
        # display_width's own arithmetic on every one-paragraph text (most: no split), in C loops
        texts, blob = encoded if encoded is not None else (list(distinct - {None} if None in distinct
                                                              else distinct), None)
        multi = [v for v in texts if "\n" in v] if any(map(str.__contains__, texts, repeat("\n"))) else []
        if multi:
            texts, blob = [v for v in texts if "\n" not in v], None
        width = dict(zip(texts, text_widths(texts, blob), strict=True))
        one_paragraph = dict(width) if multi else width
        width.update((v, display_width(v)) for v in multi)
        present = filter(_not_none, values) if type(None) in types else values
        return list(map(width.__getitem__, present)), one_paragraph
    if distinct is not None and kinds == {float} and all(v == v for v in distinct if v is not None):
        width = {v: display_width(v) for v in distinct if v}
        if 0.0 in distinct and negative_zero(values):     # 0.0 and -0.0: one at a time, by sign
            return [width[v] if v else display_width(v) for v in values if v is not None], {}
        present = filter(_not_none, values) if type(None) in types else values
        return list(map(width.get, present, repeat(_ZERO_WIDTH))), {}    # a zero is 0.0: "0"
    known: dict[type, dict[Any, float]] = {str: {}, int: {}, float: {}}
    out = []
    for v in values:
        if v is None:
            continue
        seen = known.get(type(v))
        if seen is None or v == 0:
            out.append(display_width(v))
            continue
        w = seen.get(v)
        if w is None:
            w = seen[v] = display_width(v)
        out.append(w)
    return out, {}


MANY_TEXTS = 64            # from this many distinct texts, their byte counts come from one encode of them all


def text_widths(texts: list[str], blob: bytes | None = None) -> list[float]:
    """`display_width` of each one-paragraph text (no newline): 0.6 × UTF-8 bytes + 0.4 × characters.

    Many texts (a result column of names, 工号, 来源 references or 说明): the texts joined by NUL and encoded
    once (`blob`, made by `Columns.encoded` for the cells' tails too, or here), each one's byte count is the
    distance between NULs, found by numpy; the same two products and sum in float64, so the same bits as
    `display_width` one at a time (issue 16, session 8; a property test compares them). Measured with
    callgrind on bench_compute's result tables: numpy's pass over the bytes costs less than encoding each
    text again even for 说明's long texts, and less than a split of the blob. A text holding NUL itself, or
    few texts, are encoded one at a time.
    """
    if len(texts) >= MANY_TEXTS:
        if blob is None:
            blob = "\x00".join(texts).encode("utf-8", "surrogatepass")
        import numpy as np

        ends = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 0)
        if ends.size == len(texts) - 1:
            bounds = np.concatenate(([-1], ends, [len(blob)]))     # np.diff's prepend/append, without its
            utf8 = bounds[1:] - bounds[:-1] - 1                      # Python-level set-up (session 9)
            chars = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            return (0.6 * utf8 + 0.4 * chars).tolist()
    utf8 = map(str.encode, texts, repeat("utf-8"), repeat("surrogatepass"))
    return list(map(add, map(_SIXTENTHS, map(len, utf8)), map(_FOURTENTHS, map(len, texts))))


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
