"""The write path's column-wise shortcuts (issue 16, session 7) against the plain path they replace.

- `cellxml.data_rows` lays every row's pieces out by slice assignment and joins them once; a table whose
  links are all in one column finds its linked cells in C loops; a float column whose zeros are all 0.0
  (no -0.0) takes every zero's tail from one constant. Each row must be the plain row-by-row join of
  cells written one at a time (`test_write_bytes._plain_rows`).
- `textwidth.negative_zero` must say whether a -0.0 is among the values.
- `WorkbookPart.add_sheets` / `add_defined_names` and `Work.add_rels` / `add_overrides` make one edit for
  many; the texts must be those of one call per sheet, name, relationship and override.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from test_write_bytes import TEXT, _plain_rows, _styles

from xlrubric.ooxml.cellxml import _Cells, data_rows
from xlrubric.ooxml.sheetxml import _Formats, column_letter
from xlrubric.results import SheetTable
from xlrubric.writers.pagesetup import table_layout
from xlrubric.writers.textwidth import negative_zero

FLOATS = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 0.0, 1.0, -1.0, 2.5, 40.0, math.inf]),
                   st.floats(-100, 100))
CELLS = st.one_of(FLOATS, TEXT, st.sampled_from(["考核记录!C4", "同一个", ""]), st.integers(-5, 5))


def _written(tmp, rows: list[list], links: dict) -> tuple[bytes, bytes]:
    """`data_rows` of the table, and the plain path's rows for it."""
    header = ["甲", "乙", "丙"]
    table = SheetTable("结果", header, rows, links=links)
    layout = table_layout(header, rows)
    fmt = _Formats(_styles(tmp), table, layout)
    ncols = max([len(header), *map(len, rows)])
    letters = [column_letter(c) for c in range(ncols)]
    col_s = [f' s="{fmt.column[c]}"' if c in fmt.column else fmt.plain_attr for c in range(ncols)]
    heights = layout.row_heights(rows)
    fast = data_rows(table, letters, col_s, fmt, heights, layout.columns)
    own = {(i, c): f' s="{fmt.link}"' for i, c in links if i < len(rows) and c < len(rows[i])}
    nums = [str(i + 2).encode() for i in range(len(rows))]
    return fast, _plain_rows(table, _Cells(letters, fmt, nums), col_s, own, heights)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.one_of(FLOATS, CELLS), min_size=0, max_size=3), min_size=1, max_size=14),
       st.integers(0, 3), st.sets(st.integers(0, 30), max_size=10))
def test_links_in_one_column_equal_cells_written_one_by_one(tmp_path_factory, rows, column, at) -> None:
    """Links all in one column (some on rows past the table: the plain path's case), on short rows and
    empty cells: the same bytes as the plain path."""
    rows = rows + rows
    links = {(i, column): "#名册!A1" for i in at}
    fast, plain = _written(tmp_path_factory.mktemp("links"), rows, links)
    assert fast == plain


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(FLOATS, min_size=3, max_size=3), min_size=1, max_size=14), st.booleans())
def test_float_columns_with_zeros_equal_cells_written_one_by_one(tmp_path_factory, rows, signed) -> None:
    """Float columns with and without blanks, holding 0.0 only or also -0.0 (written "-0.0"): the same
    bytes as the plain path, and the same widths."""
    if not signed:
        rows = [[0.0 if v == 0 else v for v in row] for row in rows]
    rows = rows + rows
    fast, plain = _written(tmp_path_factory.mktemp("zeros"), rows, {})
    assert fast == plain


def test_a_negative_zero_keeps_its_own_tail_and_width(tmp_path) -> None:
    # Worked by hand: 0.0 is written <v>0.0</v> and -0.0 <v>-0.0</v> (repr), an empty cell not at all;
    # rows 2-4 hold 0.0, None, -0.0 in column A. Widths: "0" is 1 unit, "-0" 2: the column is the
    # 4-unit minimum either way, so only the cells show it.
    fast, plain = _written(tmp_path, [[0.0], [None], [-0.0]], {})
    assert fast == plain
    assert b'<c r="A2"><v>0.0</v></c>' in fast and b'<c r="A4"><v>-0.0</v></c>' in fast
    assert b'<c r="A3"' not in fast


@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True), st.sampled_from([0.0, -0.0]))))
def test_negative_zero(values) -> None:
    assert negative_zero(tuple(values)) == any(v == 0 and math.copysign(1.0, v) < 0 for v in values
                                               if v is not None)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["考核结果", "扣分明细", "校验'问题", "A&B", "学时汇总"]), unique=True, max_size=4),
       st.booleans(), st.lists(st.booleans(), min_size=8, max_size=8))
def test_sheets_and_names_added_at_once_equal_one_at_a_time(tmp_path_factory, sheets, named, hidden) -> None:
    """`add_sheets` / `add_defined_names` (one edit of workbook.xml, its relationships and the content
    types) give the texts, sheet references and record of adding each on its own."""
    import xlsxwriter

    from xlrubric.ooxml.opc import Work
    from xlrubric.ooxml.workbook import WorkbookPart
    from xlrubric.ooxml.zipio import SourceZip

    path = tmp_path_factory.mktemp("book") / "book.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("名册").write_row(0, 0, ["姓名"])
    if named:
        wb.define_name("学校名", "=名册!$A$1")
    wb.close()
    parts = [(name, f"xl/worksheets/sheet{k + 5}.xml") for k, name in enumerate(sheets)]
    results = []
    for at_once in (True, False):
        with SourceZip(path) as pkg:
            work = Work(pkg)
            book = WorkbookPart(work, work.office_document())
            for _name, part in parts:
                work.add(part, "<worksheet/>")
            record: dict = {}
            refs = book.add_sheets(parts) if at_once else [book.add_sheet(n, p) for n, p in parts]
            names = [(f"_xlnm.Print_Titles{k % 2}", ref.index, f"'{ref.name}'!$1:$1", hidden[k])
                     for k, ref in enumerate(refs + refs)]
            if at_once:
                book.add_defined_names(names, record)
            else:
                for name, local, value, flag in names:
                    book.add_defined_name(name, local, value, record, hidden=flag)
            results.append((refs, record, book.sheets(), [work.text(p) for p in
                            ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml")]))
    assert results[0] == results[1]
    assert results[0][2] == WorkbookPart(Work(SourceZip(path)), "xl/workbook.xml").sheets()[:1] + results[0][0]
