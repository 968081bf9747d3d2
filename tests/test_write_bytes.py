"""The write path's byte-level shortcuts (issue 16, session 5) against the plain path they replace.

- `cellxml.text_tails` checks a column's texts for anything to escape in one pass over their UTF-8 bytes;
  each text's tail must be `text_tail` of that text alone.
- `cellxml.data_rows` builds every row with one `bytes %` template per table; each cell must be the cell
  `_Cells.one` writes for that value and style on its own, and the rows the plain row-by-row str join.
- `zipio.deflate` writes new parts at level 1; they must read back to the same content.
- `PageLayout.row_heights` reuses the widths `content_widths` measured; each height must be
  `row_height` of the row (measured from scratch); `lines_of` (session 6) each text's `text_lines`.
- A float column is measured over its distinct values (session 6); each width must be the value's own.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from pathlib import Path

import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.ooxml.cellxml import _Cells, data_rows, text_tail, text_tails
from xlrubric.ooxml.opc import Work
from xlrubric.ooxml.sheetxml import _Formats, column_letter
from xlrubric.ooxml.styles import StylesPart
from xlrubric.ooxml.zipio import LEVEL, OutPart, SourceZip, deflate, write_package
from xlrubric.results import SheetTable
from xlrubric.writers.pagesetup import table_layout

# Characters that exercise every branch of escaping: markup, control characters (tab and newline are
# legal, the rest are written _xHHHH_), Excel's own escape, the non-characters U+FFFE/U+FFFF, a lone
# surrogate (cannot be UTF-8), leading/trailing white space (xml:space), CJK and full-width punctuation.
ALPHABET = list("ab_xX0F9 \t\n\r&<>\"'\x00\x01\x1f张三，；（）\u3000\ufffe\uffff\ud800")
TEXT = st.text(alphabet=st.sampled_from(ALPHABET), max_size=12)


@settings(max_examples=400)
@given(st.lists(TEXT, max_size=8, unique=True))
def test_text_tails_of_a_column_equal_each_text_alone(texts) -> None:
    assert text_tails(texts) == {v: text_tail(v).encode() for v in texts}


def test_text_tails_by_hand() -> None:
    # Worked by hand: plain text goes in as it is; " x" starts with a space, so <t> keeps it; "a&b"
    # escapes &; "_x0041_" is Excel's escape and is itself escaped as _x005F_x0041_; \x01 is _x0001_.
    tails = text_tails(["张三", " x", "a&b", "_x0041_", "\x01"])
    assert tails == {"张三": ' t="inlineStr"><is><t>张三</t></is></c>'.encode(),
                     " x": b' t="inlineStr"><is><t xml:space="preserve"> x</t></is></c>',
                     "a&b": b' t="inlineStr"><is><t>a&amp;b</t></is></c>',
                     "_x0041_": b' t="inlineStr"><is><t>_x005F_x0041_</t></is></c>',
                     "\x01": b' t="inlineStr"><is><t>_x0001_</t></is></c>'}


VALUE = st.one_of(st.none(), TEXT, st.integers(-10**20, 10**20), st.booleans(),
                  st.floats(allow_nan=True, allow_infinity=True),
                  st.sampled_from([0.0, -0.0, 1.0, 1, True, math.nan, "", "同一个", "同一个"]))


def _styles(tmp: Path) -> StylesPart:
    path = tmp / "school.xlsx"
    if not path.exists():
        wb = xlsxwriter.Workbook(str(path))
        wb.add_worksheet("名册").write_row(0, 0, ["姓名"])
        wb.close()
    return StylesPart(Work(SourceZip(path)), "xl/styles.xml")


def _plain_rows(table: SheetTable, cells: _Cells, col_s: list[str], own: dict, heights: list) -> bytes:
    """The plain path: every cell on its own, joined row by row as str, encoded at the end."""
    out = []
    for i, row in enumerate(table.rows):
        n = cells.nums[i]
        h = heights[i]
        out.append(f'<row r="{n.decode()}" ht="{h:g}" customHeight="1">' if h else f'<row r="{n.decode()}">')
        for c, v in enumerate(row):
            s = own.get((i, c), col_s[c])
            out.append(cells.one(n, c, v, s.encode()).decode())
        out.append("</row>")
    return "".join(out).encode()


def _both_ways(tmp: Path, table: SheetTable) -> tuple[bytes, bytes]:
    """`data_rows` of `table`, and the same rows by the plain path (links styled as the sheet writer does)."""
    rows = table.rows
    layout = table_layout(table.header, rows)
    fmt = _Formats(_styles(tmp), table, layout)
    ncols = max([len(table.header), *map(len, rows)])
    letters = [column_letter(c) for c in range(ncols)]
    col_s = [f' s="{fmt.column[c]}"' if c in fmt.column else fmt.plain_attr for c in range(ncols)]
    heights = layout.row_heights(rows)
    own = {(i, c): f' s="{fmt.link}"' for i, c in table.links if i < len(rows) and c < len(rows[i])}
    nums = [str(i + 2).encode() for i in range(len(rows))]
    return (data_rows(table, letters, col_s, fmt, heights),
            _plain_rows(table, _Cells(letters, fmt, nums), col_s, own, heights))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(VALUE, min_size=0, max_size=4), min_size=0, max_size=12),
       st.sets(st.tuples(st.integers(0, 12), st.integers(0, 4)), max_size=6))
def test_data_rows_equal_cells_written_one_by_one(tmp_path_factory, rows, links) -> None:
    """Rows of any shape (short rows, empty cells, mixed types, equal values of different types) with
    links on some cells: the template path writes exactly the cells and rows of the plain path."""
    tmp = tmp_path_factory.mktemp("rows")
    rows = rows + rows                       # values repeat: the remembered tails are used
    header = ["甲", "乙", "丙", "丁"]
    table = SheetTable("结果", header, rows, links={k: "#名册!A1" for k in links})
    fast, plain = _both_ways(tmp, table)
    assert fast == plain



@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(VALUE, min_size=0, max_size=4), min_size=0, max_size=12), st.booleans(),
       st.sets(st.tuples(st.integers(0, 12), st.integers(0, 4)), max_size=6))
def test_styled_columns_of_repeated_or_distinct_values_equal_cells_written_one_by_one(
        tmp_path_factory, rows, repeat, links) -> None:
    """Every column styled (number formats): a column repeating its values carries its style and the next
    cell's opening in its joined tails, one of mostly distinct values keeps them as pieces of their own
    (session 8); both write exactly the cells of the plain path."""
    tmp = tmp_path_factory.mktemp("styled")
    rows = rows + rows if repeat else rows
    header = ["甲", "乙", "丙", "丁"]
    table = SheetTable("结果", header, rows, links={k: "#名册!A1" for k in links},
                       number_formats={0: "@", 1: "0.0", 2: "0", 3: "0.00"})
    fast, plain = _both_ways(tmp, table)
    assert fast == plain

@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 9),
                                   st.text(alphabet=st.sampled_from(list("扣分缺签到 ab1\n")), max_size=90)),
                         max_size=4), min_size=1, max_size=30))
def test_row_heights_from_measured_widths_equal_row_height(rows) -> None:
    layout = table_layout(["甲", "乙", "丙", "丁"], rows)
    layout.wrap |= {0, 1}                    # wrap more columns than the plan did
    unmeasured = table_layout(["甲", "乙", "丙", "丁"], rows)
    unmeasured.wrap, unmeasured.measured = set(layout.wrap), {}
    assert layout.row_heights(rows) == [unmeasured.row_height(r) for r in rows]


def test_a_new_part_is_raw_deflate_at_level_1_and_reads_back(tmp_path: Path) -> None:
    """Parts we write are deflated at level 1 (zipio.deflate says why): the stored bytes are ISA-L's raw
    deflate at that level (zlib's where isal is missing), zlib inflates them to the content, the CRC is
    the content's, and the zip reads back to the same content."""
    from isal import isal_zlib

    data = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>教师{i % 97}扣分</t></is></c></row>'
                   for i in range(20000)).encode()
    assert LEVEL == 1
    comp = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
    payload, crc = deflate(data)
    assert (payload, crc) == (comp.compress(data) + comp.flush(), zlib.crc32(data))
    assert zlib.decompress(payload, -15) == data
    wb = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    wb.add_worksheet("名册").write_row(0, 0, ["姓名"])
    wb.close()
    with SourceZip(tmp_path / "s.xlsx") as pkg:
        out = io.BytesIO()
        write_package(out, pkg, [OutPart("xl/big.xml", data)])
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        assert z.read("xl/big.xml") == data and z.testzip() is None


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 9)), unique=True, max_size=8),
       st.lists(st.sampled_from(["考核记录!C4", "'扣分 明细'!A2", 'a"b', "a&b", "x<y", "t\tab", "名册!A1"]),
                min_size=8, max_size=8))
def test_hyperlinks_quote_targets_as_attr(cells, targets) -> None:
    from xlrubric.ooxml import xmlscan as xs
    from xlrubric.ooxml.sheetxml import _hyperlinks

    links = {cell: "#" + t for cell, t in zip(cells, targets, strict=False)}
    letters = [column_letter(c) for c in range(5)]              # columns 5-9 take column_letter's own
    assert _hyperlinks(links, letters) == "".join(
        f'<hyperlink ref="{column_letter(c)}{r + 2}" location={xs.attr(links[(r, c)][1:])}/>'
        for r, c in sorted(links))


def test_sheet_list_kept_through_a_write_equals_the_list_read_again(tmp_path: Path) -> None:
    """`WorkbookPart` keeps its sheet list through the sheets and names a write adds (edits after every
    <sheet>) instead of reading workbook.xml again; the kept list must be the list read afresh."""
    from xlrubric.ooxml.workbook import WorkbookPart

    for names in (False, True):
        path = tmp_path / f"book{names}.xlsx"
        wb = xlsxwriter.Workbook(str(path))
        wb.add_worksheet("名册").write_row(0, 0, ["姓名"])
        wb.add_worksheet("记录").write_row(0, 0, ["工号"])
        if names:
            wb.define_name("学校名", "=名册!$A$1")
        wb.close()
        with SourceZip(path) as pkg:
            work = Work(pkg)
            book = WorkbookPart(work, work.office_document())
            record: dict = {}
            for k, sheet in enumerate(["考核结果", "扣分明细", "校验'问题"]):
                ref = book.add_sheet(sheet, f"xl/worksheets/sheet{k + 10}.xml")
                book.add_defined_name("_xlnm._FilterDatabase", ref.index, f"'{sheet}'!$A$1:$B$2", record)
                book.add_defined_name("_xlnm.Print_Titles", ref.index, f"'{sheet}'!$1:$1", record, hidden=False)
                assert book.sheets() == WorkbookPart(work, book.part).sheets()
            assert [s.name for s in book.sheets()] == ["名册", "记录", "考核结果", "扣分明细", "校验'问题"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=False), st.sampled_from([0.0, -0.0, 1.0, 2.5, 1e20])),
                max_size=40))
def test_float_column_widths_equal_each_value_measured(values) -> None:
    """A column of floats (with or without blanks and signed zeros) is measured over its distinct values;
    each width must be `display_width` of the value alone, in order."""
    from xlrubric.writers.textwidth import _widths, display_width

    column = tuple(values + values[:3])
    assert _widths(column) == [display_width(v) for v in column if v is not None]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("扣分缺签到 ab1\n")), max_size=90), min_size=1, max_size=30),
       st.floats(0.5, 40))
def test_lines_of_equal_text_lines(texts, width) -> None:
    """`lines_of` works line counts out in C loops from measured widths (or measures what it was not
    given); each must be `text_lines` of the text alone."""
    from xlrubric.writers.textwidth import display_width, lines_of, text_lines

    measured = {t: display_width(t) for t in texts[::2] if "\n" not in t}
    assert lines_of(set(texts), width, measured) == {t: text_lines(t, width) for t in texts}
