"""Stream one result sheet (a `SheetTable`) to worksheet XML.

Why by hand: the sheet is brand new, so there is nothing to preserve, and string building is several
times faster than any object model for 20,000 rows. Text always goes out as an inline string — never a
formula, so "=SUM(A1)" typed by a school stays text — and inline strings spare us from rewriting the
school's shared-string table.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import zip_longest
from numbers import Integral, Real
from typing import Any

from xlrubric.ooxml import xmlscan as xs
from xlrubric.ooxml.opc import XML_DECL
from xlrubric.ooxml.styles import StylesPart
from xlrubric.results import SheetTable
from xlrubric.writers.pagesetup import PageLayout, table_layout

HEADER_FILL = "FFD9E1F2"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm:ss"
MAX_TEXT = 32767
_EPOCH = datetime(1899, 12, 30)
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPED = re.compile(r"_x[0-9A-Fa-f]{4}_")


def column_letter(col0: int) -> str:
    s, n = "", col0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def escape_cell_text(value: str) -> str:
    """XML-escape cell text the way Excel reads it back unchanged (`_xHHHH_` is Excel's own escape)."""
    value = _ESCAPED.sub(lambda m: "_x005F" + m.group(0), value)
    value = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_cell(ref: str, value: str, s: str) -> str:
    return f'<c r="{ref}"{s}{_text_tail(value)}'


def _text_tail(value: str) -> str:
    """What follows a text cell's reference and style: the same for every cell holding `value`."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT - 1] + "…"
    body = escape_cell_text(value) if _SPECIAL.search(value) else value
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{body}</t></is></c>'


def _serial(value: date | datetime | time | timedelta) -> float | None:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if value < datetime(1900, 3, 1):
            return None
        return (value - _EPOCH) / timedelta(days=1)
    if isinstance(value, date):
        return None if value < date(1900, 3, 1) else float((value - _EPOCH.date()).days)
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    return value / timedelta(days=1)


class _Formats:
    """Cell-format indices a table needs, made once per table. A table with wrapped text aligns every
    cell to the top, so a row's numbers stand beside the first line of its text."""

    def __init__(self, styles: StylesPart, table: SheetTable, layout: PageLayout):
        top = "top" if layout.wrap else ""
        self.header = styles.xf(font=styles.font(bold=True), fill=styles.fill(HEADER_FILL), wrap=True,
                                vertical="center")
        self.link = styles.xf(font=styles.font(link=True), vertical=top)
        self.plain = styles.xf(vertical=top) if top else None
        self.plain_attr = f' s="{self.plain}"' if self.plain is not None else ""
        self.date = styles.xf(num_fmt=styles.number_format(DATE_FORMAT), vertical=top)
        self.datetime = styles.xf(num_fmt=styles.number_format(DATETIME_FORMAT), vertical=top)
        self.time = styles.xf(num_fmt=styles.number_format(TIME_FORMAT), vertical=top)
        self.column = {c: styles.xf(num_fmt=styles.number_format(code), vertical=top)
                       for c, code in table.number_formats.items()}
        self.column.update({c: styles.xf(num_fmt=styles.number_format(table.number_formats[c])
                                         if c in table.number_formats else 0, wrap=True, vertical="top")
                            for c in layout.wrap})
        self.styles, self.top, self.wrap, self.formats = styles, top, layout.wrap, table.number_formats
        self.fills: dict[tuple[str, int], int] = {}

    def fill(self, argb: str, c: int) -> int:
        """A solid-fill format (待核实 cells) keeping column `c`'s number format and wrapping, made once each."""
        if (argb, c) not in self.fills:
            num = self.styles.number_format(self.formats[c]) if c in self.formats else 0
            self.fills[(argb, c)] = self.styles.xf(num_fmt=num, fill=self.styles.fill(argb), wrap=c in self.wrap,
                                                   vertical="top" if c in self.wrap else self.top)
        return self.fills[(argb, c)]


def sheet_xml(table: SheetTable, styles: StylesPart, code_name: str | None = None,
              layout: PageLayout | None = None) -> str:
    """The complete worksheet part for `table`; `code_name` is the VBA name a macro workbook needs;
    `layout` is `table_layout(table…)` when the caller has it already (it also needs it for print_titles)."""
    layout = layout or table_layout(table.header, table.rows, table.col_widths)
    fmt = _Formats(styles, table, layout)
    ncols = max([len(table.header), *(len(r) for r in table.rows)]) if table.rows else len(table.header)
    letters = [column_letter(c) for c in range(max(ncols, 1))]
    plain = fmt.plain_attr
    col_s = [f' s="{fmt.column[c]}"' if c in fmt.column else plain for c in range(ncols)]
    out = ['<sheetData>']
    head = f' s="{fmt.header}"'
    out.append(f'<row r="1" ht="{layout.header_height:g}" customHeight="1">'
               + "".join(_text_cell(f"{letters[c]}1", str(h), head) for c, h in enumerate(table.header)) + "</row>")
    _data_rows(out, table, letters, col_s, fmt, layout.row_heights(table.rows))
    out.append("</sheetData>")
    last = f"{letters[max(ncols, 1) - 1]}{len(table.rows) + 1}"
    widths = layout.widths
    cols = "".join(f'<col min="{c + 1}" max="{c + 1}" width="{w:g}" customWidth="1"/>'
                   for c, w in enumerate(widths) if w)
    head_xml = (f'{XML_DECL}<worksheet xmlns="{xs.NS_MAIN}" xmlns:r="{xs.NS_REL}">'
                f'<sheetPr{f" codeName={xs.attr(code_name)}" if code_name else ""}>'
                '<tabColor rgb="FF4472C4"/></sheetPr>'
                f'<dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0">')
    if table.rows:
        head_xml += ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                     '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>')
    head_xml += "</sheetView></sheetViews>" + (f"<cols>{cols}</cols>" if cols else "")
    tail = [f'<autoFilter ref="A1:{last}"/>' if table.header else ""]
    links = table.links
    if links:
        tail.append("<hyperlinks>")
        for (r, c), target in sorted(links.items()):
            tail.append(f'<hyperlink ref="{letters[c] if c < len(letters) else column_letter(c)}{r + 2}"'
                        f' location={xs.attr(target.lstrip("#"))}/>')
        tail.append("</hyperlinks>")
    tail.append(page_setup_xml(layout))
    return head_xml + "".join(out) + "".join(tail)


def _data_rows(out: list[str], table: SheetTable, letters: list[str], col_s: list[str], fmt: _Formats,
               heights: list[float | None]) -> None:
    """Append every data row's XML to `out`: a row start, the row's cells joined, a row end.

    The cells are made a column at a time (`_Cells.column`), then the few cells whose style is not their
    column's — links and 待核实 fills — are made again in row order, so that a fill's cell format is
    created where it was met row by row and styles.xml numbers the formats as a row-by-row writer would.
    """
    rows = table.rows
    cells = _Cells(letters, fmt, [str(i + 2) for i in range(len(rows))])
    by_column = list(zip_longest(*rows))          # short rows pad with None: no cell
    columns = [cells.column(c, by_column[c] if c < len(by_column) else (None,) * len(rows), col_s[c])
               for c in range(len(col_s))]
    links, fills = table.links, table.fills
    link_s = f' s="{fmt.link}"'
    for i, c in sorted({*links, *fills}):
        if i >= len(rows) or c >= len(rows[i]) or rows[i][c] is None:
            continue                              # no cell there (a link still goes in <hyperlinks>)
        s = link_s if (i, c) in links else col_s[c]
        if (i, c) in fills:
            s = f' s="{fmt.fill(fills[(i, c)], c)}"'
        columns[c][i] = cells.one(cells.nums[i], c, rows[i][c], s)
    append = out.append
    for n, height, row_cells in zip(cells.nums, heights, zip(*columns, strict=True) if columns else [()] * len(rows),
                                    strict=True):
        append(f'<row r="{n}" ht="{height:g}" customHeight="1">' if height else f'<row r="{n}">')
        append("".join(row_cells))
        append("</row>")


class _Cells:
    """Cell XML, with what follows a cell's style — the escaped text or the number — made once per
    distinct value: a result table repeats names, statuses, reasons and scores on thousands of rows.

    Values are remembered per type (1, 1.0 and True are equal keys written differently); a zero float
    is never remembered (0.0 and -0.0 are equal keys written "0.0" and "-0.0"), nor NaN (no cell).
    A column holding only text, only ints or only floats is made in one comprehension; any other column
    cell by cell, the same XML either way (a property test compares them).
    """

    def __init__(self, letters: list[str], fmt: _Formats, nums: list[str]):
        self.letters, self.fmt, self.nums = letters, fmt, nums
        self.starts = [f'<c r="{letter}' for letter in letters]
        self.texts: dict[str, str] = {}
        self.floats: dict[float, str] = {}
        self.ints: dict[int, str] = {}
        self.memo: dict[type, dict[Any, str]] = {str: self.texts, float: self.floats, int: self.ints}

    def column(self, c: int, values: tuple[Any, ...], s: str) -> list[str]:
        """Column `c`'s cells, "" where a row has none, all in style `s`."""
        start, nums = self.starts[c], self.nums
        kinds = set(map(type, values))       # of every value: a set of values keeps 1.0 and drops an equal 1
        kinds.discard(type(None))
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind in self.memo:
            distinct = set(values)
            distinct.discard(None)
            if kind is not float or all(v == v for v in distinct):
                tails = self.memo[kind]
                for v in distinct:
                    if v not in tails:
                        self.one("", c, v, "")    # remembers v's tail (a zero float is made below)
                if kind is float:
                    return ["" if v is None else f'{start}{n}"{s}{tails[v] if v else _number_tail(v)}'
                            for n, v in zip(nums, values, strict=True)]
                return ["" if v is None else f'{start}{n}"{s}{tails[v]}' for n, v in zip(nums, values, strict=True)]
        memo, one, cells = self.memo, self.one, []
        for n, v in zip(nums, values, strict=True):        # mixed types (or unhashable values): cell by cell
            tail = memo[type(v)].get(v) if type(v) in memo else None
            cells.append(f'{start}{n}"{s}{tail}' if tail is not None else "" if v is None else one(n, c, v, s))
        return cells

    def one(self, n: str, c: int, v: Any, s: str) -> str:
        """One cell of row `n`, column `c` ("" for NaN and other values that write no cell)."""
        t = type(v)
        if t is str:
            tail = self.texts.get(v)
            if tail is None:
                tail = self.texts[v] = _text_tail(v)
        elif t is float:
            if v != v:
                return ""                         # NaN: an empty cell
            tail = self.floats.get(v)
            if tail is None:
                tail = _number_tail(v)
                if v:
                    self.floats[v] = tail
        elif t is int:
            tail = self.ints.get(v)
            if tail is None:
                tail = self.ints[v] = f"><v>{v}</v></c>"
        else:
            return _other_cell(f"{self.letters[c]}{n}", v, s, c in self.fmt.column, self.fmt)
        return f'{self.starts[c]}{n}"{s}{tail}'


def _number_tail(v: float) -> str:
    """What follows a float cell's style: its shortest repr, or ∞ as text (OOXML has no infinity)."""
    return f"><v>{v!r}</v></c>" if not math.isinf(v) else _text_tail("∞" if v > 0 else "-∞")


def page_setup_xml(layout: PageLayout) -> str:
    """Printable as it is (see pagesetup.py): A4, gridlines, the planned orientation, scale and page
    groups, sheet name and page numbers; row 1 and the key columns repeat (see print_titles)."""
    orientation = "landscape" if layout.landscape else "portrait"
    breaks = ""
    if layout.col_breaks:
        breaks = (f'<colBreaks count="{len(layout.col_breaks)}" manualBreakCount="{len(layout.col_breaks)}">'
                  + "".join(f'<brk id="{c}" max="1048575" man="1"/>' for c in layout.col_breaks) + "</colBreaks>")
    return ('<printOptions gridLines="1"/>'
            '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
            f'<pageSetup paperSize="9" scale="{layout.scale}" orientation="{orientation}"/>'
            '<headerFooter><oddHeader>&amp;C&amp;A</oddHeader>'
            '<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>'
            f"{breaks}</worksheet>")


def print_titles(table: SheetTable, layout: PageLayout | None = None) -> str | None:
    """The `_xlnm.Print_Titles` value: the header row repeats on every printed page, and on a table split
    into page groups the key columns (工号、姓名) repeat on every group."""
    if not table.header:
        return None
    rows = f"{quote_sheet(table.name)}!$1:$1"
    keys = (layout or table_layout(table.header, table.rows, table.col_widths)).key_cols
    if not keys:
        return rows
    return f"{quote_sheet(table.name)}!$A:${column_letter(keys - 1)},{rows}"


def filter_range(table: SheetTable) -> str | None:
    """The `_xlnm._FilterDatabase` value for the table's autofilter (absolute refs, quoted sheet)."""
    if not table.header:
        return None
    ncols = max([len(table.header), *(len(r) for r in table.rows)]) if table.rows else len(table.header)
    return f"{quote_sheet(table.name)}!$A$1:${column_letter(ncols - 1)}${len(table.rows) + 1}"


def _other_cell(ref: str, v: Any, s: str, has_col_fmt: bool, fmt: _Formats) -> str:
    """Everything that is not a plain str/int/float: bools, numpy/Decimal numbers, dates, times."""
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return f'<c r="{ref}"{s} t="b"><v>{int(bool(v))}</v></c>'
    try:
        if v != v:                   # NaN, NaT
            return ""
    except TypeError:                # pd.NA refuses to be a bool
        return ""
    if isinstance(v, Integral):
        return f'<c r="{ref}"{s}><v>{int(v)}</v></c>'
    if isinstance(v, Real | Decimal):
        f = float(v)
        return f'<c r="{ref}"{s}><v>{f!r}</v></c>' if math.isfinite(f) else _text_cell(ref, str(v), s)
    if isinstance(v, date | time | timedelta):
        serial = _serial(v)
        if serial is None:
            return _text_cell(ref, v.isoformat(), s)
        if not has_col_fmt and s in ("", fmt.plain_attr):
            if isinstance(v, datetime):
                x = fmt.datetime if (v.hour, v.minute, v.second) != (0, 0, 0) else fmt.date
            elif isinstance(v, date):
                x = fmt.date
            else:
                x = fmt.time
            s = f' s="{x}"'
        return f'<c r="{ref}"{s}><v>{serial!r}</v></c>'
    return _text_cell(ref, str(v), s)
