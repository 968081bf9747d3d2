"""The write path's shortcuts (issue 16) must never change a byte: a cell value is escaped once and its
XML remembered, an attribute with nothing to escape skips the escaping, and xml.sax is not imported.
Expected cells are worked out by hand from SpreadsheetML's rules; the property tests compare the
remembered output with a value written on its own."""

from __future__ import annotations

import math
import re
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.ooxml import xmlscan as xs
from xlrubric.ooxml.opc import Work
from xlrubric.ooxml.sheetxml import sheet_xml
from xlrubric.ooxml.styles import StylesPart
from xlrubric.ooxml.zipio import SourceZip
from xlrubric.results import SheetTable

CELL = re.compile(r'<c r="[A-Z]+(\d+)"(.*?)(?:/>|</c>)')


def _sheet(tmp: Path, table: SheetTable) -> str:
    path = tmp / "school.xlsx"
    if not path.exists():
        wb = xlsxwriter.Workbook(str(path))
        wb.add_worksheet("教师名册").write_row(0, 0, ["姓名"])
        wb.close()
    with SourceZip(path) as pkg:
        return sheet_xml(table, StylesPart(Work(pkg), "xl/styles.xml"))


def _cells(xml: str) -> list[tuple[int, str]]:
    """(row number, everything after the cell reference) of every data cell."""
    return [(int(m.group(1)), m.group(2)) for m in CELL.finditer(xml) if m.group(1) != "1"]


def test_equal_values_of_other_types_keep_their_own_xml(tmp_path: Path) -> None:
    # Worked by hand. A data row n is spreadsheet row n + 2. No column wraps (all short), no number
    # formats, so no cell carries a style. 1 (int) → <v>1</v>; 1.0 (float) → repr "1.0"; True → t="b" 1;
    # 0.0 and -0.0 are equal keys but repr "0.0" and "-0.0"; NaN and None write no cell; inf has no
    # number in OOXML and is written as the text ∞; "a&b" escapes &; " x" starts with a space so the
    # <t> keeps it (xml:space). The second 1.0 and -0.0 (rows 12, 13) must not take 1's or 0.0's XML.
    rows = [[1], [1.0], [True], [0.0], [-0.0], [math.nan], [math.inf], ["a&b"], [" x"], [None], [1.0],
            [-0.0], [1]]
    xml = _sheet(tmp_path, SheetTable("结果", ["值"], rows))
    assert _cells(xml) == [
        (2, "><v>1</v>"), (3, "><v>1.0</v>"), (4, ' t="b"><v>1</v>'), (5, "><v>0.0</v>"),
        (6, "><v>-0.0</v>"), (8, ' t="inlineStr"><is><t>∞</t></is>'),
        (9, ' t="inlineStr"><is><t>a&amp;b</t></is>'), (10, ' t="inlineStr"><is><t xml:space="preserve"> x</t></is>'),
        (12, "><v>1.0</v>"), (13, "><v>-0.0</v>"), (14, "><v>1</v>")]


def test_a_column_mixing_equal_numbers_of_two_types(tmp_path: Path) -> None:
    # Found by the property test below: a set of {1.0, 1} keeps one of them, so a column's types must
    # come from every value. Worked by hand: 1.0 → repr "1.0", 1 → "1", True → t="b" 1. Widths:
    # "1.0" prints f"{1.0:g}" = "1", 1 unit; True prints "True", 4 units (0.6 × 4 bytes + 0.4 × 4).
    from xlrubric.writers.textwidth import _widths

    xml = _sheet(tmp_path, SheetTable("结果", ["值"], [[1.0], [1], [True], [1.0]]))
    assert _cells(xml) == [(2, "><v>1.0</v>"), (3, "><v>1</v>"), (4, ' t="b"><v>1</v>'), (5, "><v>1.0</v>")]
    assert _widths((1.0, True, None, 1.0)) == [1.0, 4.0, 1.0]


def test_fill_formats_are_made_in_row_order(tmp_path: Path) -> None:
    # The fills dict lists row 1 before row 0; the cells are met row by row, so row 0's colour gets the
    # first new cell format and row 1's the next one (styles.xml must number them as before the change).
    table = SheetTable("结果", ["值"], [["甲"], ["乙"]], fills={(1, 0): "FFFF0000", (0, 0): "FF00FF00"})
    styles = dict((row, int(re.search(r's="(\d+)"', rest).group(1))) for row, rest in _cells(_sheet(tmp_path, table)))
    assert styles[3] == styles[2] + 1


SHORT = st.one_of(st.sampled_from([1, 1.0, True, False, 0, 0.0, -0.0, 2.5, -7, 1e20, math.nan, math.inf,
                                   "1", "a&b", "<x>", " 空格", "张三", "_x0041_", None]),
                  st.integers(-999, 999), st.floats(-1e6, 1e6), st.text(max_size=8))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(SHORT, min_size=2, max_size=2), min_size=1, max_size=25))
def test_remembered_cells_equal_cells_written_alone(tmp_path_factory, rows) -> None:
    """Every cell of a table (values repeat, so the memo is hit) is written as that value alone would be.
    The style is left out of the comparison: a longer table may wrap a column, which styles it."""
    tmp = tmp_path_factory.mktemp("memo")
    rows = rows + rows
    unstyled = re.compile(r' s="\d+"')
    whole = [(n, unstyled.sub("", rest)) for n, rest in _cells(_sheet(tmp, SheetTable("结果", ["甲", "乙"], rows)))]
    alone = []
    for n, row in enumerate(rows):
        alone += [(n + 2, unstyled.sub("", rest))
                  for _r, rest in _cells(_sheet(tmp, SheetTable("结果", ["甲", "乙"], [row])))]
    assert whole == alone


@settings(max_examples=2000)
@given(st.text(alphabet=st.sampled_from(list("ab\"'&<>\n\r\t 张;#")), max_size=12))
def test_attr_and_text_escape_as_saxutils(value: str) -> None:
    assert xs.attr(value) == quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    assert xs.text(value) == escape(value)


def test_write_path_does_not_import_xml_sax() -> None:
    """xml.sax imports urllib.request and http.client: a third of the write path's import time."""
    import subprocess
    import sys
    code = "import sys, xlrubric.ooxml.package, xlrubric.writers.output; print('xml.sax' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


TEXTS = st.one_of(st.none(), st.integers(0, 99), st.sampled_from(["", "短", "第一行\n第二行更长一些，还要再长一点"]),
                  st.text(alphabet=st.sampled_from(list("扣分缺签到 ab1\n")), max_size=90))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(TEXTS, max_size=4), min_size=1, max_size=30), st.floats(3, 40))
def test_row_heights_by_column_equal_row_by_row(rows, width) -> None:
    """`row_heights` (a column at a time) gives `row_height` of each row; `text_lines` of one paragraph
    (its shortcut) equals the paragraph-by-paragraph sum."""
    from xlrubric.writers.pagesetup import PageLayout, table_layout
    from xlrubric.writers.textwidth import display_width, text_lines

    layout = table_layout(["甲", "乙", "丙", "丁"], rows)
    assert layout.row_heights(rows) == [layout.row_height(r) for r in rows]
    forced = PageLayout([width] * 4, wrap={0, 2, 3})
    assert forced.row_heights(rows) == [forced.row_height(r) for r in rows]
    for row in rows:
        for v in row:
            if isinstance(v, str):
                whole = sum(max(1, math.ceil(display_width(p) / max(width, 1.0))) for p in v.split("\n"))
                assert text_lines(v, width) == (whole + 1 if whole >= 3 else whole)
