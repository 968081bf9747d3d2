"""Stream one result sheet (a `SheetTable`) to worksheet XML (its data rows: cellxml.py).

Why by hand: the sheet is brand new, so there is nothing to preserve, and string building is several
times faster than any object model for 20,000 rows. Text always goes out as an inline string — never a
formula, so "=SUM(A1)" typed by a school stays text — and inline strings spare us from rewriting the
school's shared-string table.
"""

from __future__ import annotations

from itertools import repeat

from xlrubric.ooxml import xmlscan as xs
from xlrubric.ooxml.cellxml import data_rows, row_major, text_cell
from xlrubric.ooxml.opc import XML_DECL
from xlrubric.ooxml.styles import StylesPart
from xlrubric.results import SheetTable
from xlrubric.writers.pagesetup import ONE_LINE_POINTS, PageLayout, table_layout

HEADER_FILL = "FFD9E1F2"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm:ss"
_PLUS_TWO = (2).__add__             # row index → spreadsheet row number (row 1 is the header)


def column_letter(col0: int) -> str:
    s, n = "", col0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


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
    """`sheet_part` as text."""
    return sheet_part(table, styles, code_name, layout).decode("utf-8")


def sheet_part(table: SheetTable, styles: StylesPart, code_name: str | None = None,
               layout: PageLayout | None = None) -> bytes:
    """The complete worksheet part for `table`, UTF-8; `code_name` is the VBA name a macro workbook needs;
    `layout` is `table_layout(table…)` when the caller has it already (it also needs it for print_titles)."""
    layout = layout or table_layout(table.header, table.rows, table.col_widths)
    fmt = _Formats(styles, table, layout)
    ncols = _width(table)
    letters = [column_letter(c) for c in range(max(ncols, 1))]
    plain = fmt.plain_attr
    col_s = [f' s="{fmt.column[c]}"' if c in fmt.column else plain for c in range(ncols)]
    head = f' s="{fmt.header}"'
    header_row = (f'<sheetData><row r="1" ht="{layout.header_height:g}" customHeight="1">'
                  + "".join(text_cell(f"{letters[c]}1", str(h), head) for c, h in enumerate(table.header))
                  + "</row>")
    rows = data_rows(table, letters, col_s, fmt, layout.row_heights(table.rows), layout.columns)
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
    head_xml += ("</sheetView></sheetViews>"           # one-line rows: ONE_LINE_POINTS, not the program's own
                 f'<sheetFormatPr defaultRowHeight="{ONE_LINE_POINTS:g}" customHeight="1"/>'
                 + (f"<cols>{cols}</cols>" if cols else ""))
    tail = ["</sheetData>", f'<autoFilter ref="A1:{last}"/>' if table.header else ""]
    if table.links:
        tail += ["<hyperlinks>", _hyperlinks(table.links, letters), "</hyperlinks>"]
    tail.append(page_setup_xml(layout))
    return b"".join(((head_xml + header_row).encode(), rows, "".join(tail).encode()))


def _width(table: SheetTable) -> int:
    """Columns the table spans: its header's, or its longest row's."""
    return max(len(table.header), *map(len, table.rows)) if table.rows else len(table.header)


def _hyperlinks(links: dict[tuple[int, int], str], letters: list[str]) -> str:
    """The `<hyperlink>` of each linked cell (row index, column) in order, to a place in the workbook.
    A result sheet links a cell on every row (扣分明细's 来源): when no target has a character to escape
    (one search over them all), each is simply quoted, as `xs.attr` would. The elements are laid out a
    field at a time (references, row numbers, targets) and joined once, as `cellxml.data_rows` lays out
    rows (issue 16, session 8: an f-string per link cost more than the rest of the sheet's tail)."""
    if not links:
        return ""
    cells = sorted(links)
    rows, cols = zip(*cells, strict=True)
    targets = list(map(str.lstrip, map(links.__getitem__, cells), repeat("#")))
    if xs.needs_no_escape(" ".join(targets)):
        mid, end = '" location="', '"/>'
    else:
        targets, mid, end = list(map(xs.attr, targets)), '" location=', "/>"
    top = max(cols)
    if top >= len(letters):
        letters = letters + [column_letter(c) for c in range(len(letters), top + 1)]
    if len(set(cols)) == 1:
        head: list[str | list[str]] = ['<hyperlink ref="' + letters[cols[0]]]
    else:
        head = ['<hyperlink ref="', list(map(letters.__getitem__, cols))]
    fields = [*head, list(map(str, map(_PLUS_TWO, rows))), mid, targets, end]
    return "".join(row_major(fields, len(cells)))


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
    ncols = _width(table)
    return f"{quote_sheet(table.name)}!$A$1:${column_letter(ncols - 1)}${len(table.rows) + 1}"
