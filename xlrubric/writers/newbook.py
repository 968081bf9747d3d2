"""A brand-new .xlsx from a RawBook plus our result sheets, for sources we cannot edit in place.

A legacy .xls (BIFF) is not a zip package, so the surgical writer does not apply; the school's sheets
are copied as values (the file itself is left untouched and the user is told the results went to a
new .xlsx). XlsxWriter writes new workbooks fast and cannot turn text into formulas by accident when
every string goes through `write_string`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlrubric.readers.raw import RawBook, RawSheet
from xlrubric.results import SEVERITY_FILL as FILLS
from xlrubric.results import CellMark, SheetTable
from xlrubric.writers.xlsx_format import new_workbook, write_value


def write_table(wb, ws, table: SheetTable, formats: dict[str, Any]) -> None:
    """One result table, laid out for print as the surgical writer lays it out (pagesetup.py)."""
    from xlrubric.writers.pagesetup import apply_xlsxwriter, table_layout

    layout = table_layout(table.header, table.rows, table.col_widths)
    ws.set_row(0, layout.header_height)
    for c, name in enumerate(table.header):
        ws.write_string(0, c, name, formats["header"])
    for r, row in enumerate(table.rows, start=1):
        height = layout.row_height(row) if layout.wrap else None
        if height:
            ws.set_row(r, height)
        for c, value in enumerate(row):
            target = table.links.get((r - 1, c))
            if target:
                ws.write_url(r, c, f"internal:{target}", formats["link"], string="" if value is None else str(value))
            elif (r - 1, c) in table.fills:
                fill = table.fills[(r - 1, c)]
                if fill not in formats:
                    formats[fill] = wb.add_format({"bg_color": "#" + fill[-6:], "pattern": 1})
                write_value(ws, r, c, value, formats[fill], formats["date"])
            else:
                write_value(ws, r, c, value, formats["wrap"] if c in layout.wrap else None, formats["date"])
    for c, w in enumerate(layout.widths):
        ws.set_column(c, c, w, formats["wrap"] if c in layout.wrap else None)
    ws.freeze_panes(1, 0)
    if table.rows:
        ws.autofilter(0, 0, len(table.rows), max(0, len(table.header) - 1))
    apply_xlsxwriter(ws, layout)


def write_new_workbook(book: RawBook, tables: list[SheetTable], marks: list[CellMark], dst: Path) -> None:
    """The school's sheets as values, our marks as coloured cells with notes, then our result sheets."""
    wb, st = new_workbook(str(dst), title="校本研修考核结果")
    formats = {"header": st.header, "link": st.link, "date": st.date, "wrap": st.wrap}
    fills = {k: wb.add_format({"bg_color": v}) for k, v in FILLS.items()}
    date_fills = {k: wb.add_format({"bg_color": v, "num_format": "yyyy-mm-dd"}) for k, v in FILLS.items()}
    ours = {t.name for t in tables}
    marks_by_sheet: dict[str, list[CellMark]] = {}
    for m in marks:
        marks_by_sheet.setdefault(m.sheet, []).append(m)
    from xlsxwriter.utility import xl_cell_to_rowcol

    for name, sheet in book.sheets.items():
        if name in ours:
            continue
        ws = wb.add_worksheet(name)
        if sheet.visible == "hidden":
            ws.hide()
        elif sheet.visible == "veryhidden":      # kept as the school had it: not listed by Excel's 取消隐藏 either
            ws.very_hidden()
        marked = {xl_cell_to_rowcol(m.cell): m for m in marks_by_sheet.get(name, [])}
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                m = marked.get((r, c))
                write_value(ws, r, c, value, fills[m.severity] if m else None,
                           date_fills[m.severity] if m else formats["date"])
        for (r, c), m in marked.items():
            if r >= len(sheet.rows) or c >= len(sheet.rows[r]) or sheet.rows[r][c] is None:
                ws.write_blank(r, c, None, fills[m.severity])
            ws.write_comment(r, c, m.message[:32000], {"author": "xlrubric"})
        for r0, c0, r1, c1 in sheet.merged:
            if (r0, c0) != (r1, c1):
                ws.merge_range(r0, c0, r1, c1, None)
                write_value(ws, r0, c0, sheet.value(r0, c0), None, formats["date"])
        for c, width in enumerate(copied_widths(sheet)):
            ws.set_column(c, c, width)
    for table in tables:
        write_table(wb, wb.add_worksheet(table.name), table, formats)
    wb.close()


def copied_widths(sheet: RawSheet) -> list[float]:
    """Column widths for a school's sheet copied from a .xls, from its content: neither python-calamine nor
    our reader gives a .xls's own widths (BIFF COLINFO), and Excel's default 8.43 cuts names and dates.
    A value merged across columns (a title) is left out: its width belongs to the merge, not a column."""
    from xlrubric.writers.pagesetup import content_widths

    spanning = {(r0, c0) for r0, c0, r1, c1 in sheet.merged if c1 > c0}
    rows = [[None if (r, c) in spanning else v for c, v in enumerate(row)] for r, row in enumerate(sheet.rows)]
    columns = max((len(row) for row in rows), default=0)
    return content_widths([""] * columns, rows)[0]
