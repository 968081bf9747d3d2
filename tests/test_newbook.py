"""Verify the legacy .xls path: a school's .xls gets its results in a NEW .xlsx (writers/newbook.py, built by the one
workbook factory `xlsx_format.new_workbook`) that says the same as the surgical path says for the same workbook.

The .xls is LibreOffice's BIFF8 save of the bundled lanxi4 sample, a second program's file. The oracle is the
.xlsx path itself: the same rows computed from the same cells must come out cell for cell the same, whichever
writer wrote them (the numbers are proven by hand in test_samples.py / test_compute_end_to_end.py).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from badfiles import soffice_convert
from python_calamine import CalamineWorkbook

from xlrubric.process import compute_file

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "lanxi4.xlsx"


def _sheets(path: Path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice to save a real .xls")
def test_xls_results_match_the_surgical_path(tmp_path: Path) -> None:
    """Verify a .xls school gets a new .xlsx whose result sheets equal the .xlsx path's, whose own sheets are
    kept as values, whose marked cells carry notes, and whose text stays text (no formula, no link)."""
    src = tmp_path / "lanxi4.xlsx"
    shutil.copy(SAMPLE, src)
    xls = soffice_convert(src, tmp_path / "lo", "xls")
    assert xls is not None, "LibreOffice did not save the .xls"
    xlsx_results, xlsx_out = compute_file(src, preset="lanxi4")
    xls_results, xls_out = compute_file(xls, tmp_path / "lo" / "out.xls", preset="lanxi4")

    assert xls_out.suffix == ".xlsx", "a legacy .xls gets a new .xlsx, never a .xls"
    assert [t.name for t in xls_results.tables] == [t.name for t in xlsx_results.tables]
    new, surgical = _sheets(xls_out), _sheets(xlsx_out)
    for table in xlsx_results.tables:
        if table.name != "校验问题":
            assert new[table.name] == surgical[table.name], table.name
    # 校验问题: the same problems, plus the one 提示 that the results went to a new .xlsx
    extra = [row for row in new["校验问题"] if row not in surgical["校验问题"]]
    assert [row for row in new["校验问题"] if row not in extra] == surgical["校验问题"]
    assert len(extra) == 1 and extra[0][0] == "提示" and ".xls" in extra[0][-1]
    # the school's own sheets come across as values, in their order, before ours
    school = [name for name in _sheets(src)]
    assert list(new)[:len(school)] == school
    assert new["教师名册"] == _sheets(src)["教师名册"]
    # lanxi4's sample carries deliberate mistakes: each marked cell of the school's sheets gets a note
    marked = {(m.sheet, m.cell) for m in xls_results.marks if m.sheet in school}
    assert marked, "the lanxi4 sample is meant to carry mistakes"
    with zipfile.ZipFile(xls_out) as z:
        comments = b"".join(z.read(n) for n in z.namelist() if "comments" in n)
        properties = z.read("docProps/core.xml")
        sheets_xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert comments.count(b"<comment ") == len(marked)
    assert b"<f>" not in sheets_xml, "text must never become a formula"
    assert b"2024-01-01T00:00:00Z" in properties, "the factory's fixed date, so the same input gives the same file"


def test_copied_sheets_get_widths_from_their_content(tmp_path: Path) -> None:
    """Verify a .xls school's sheet copied into the new .xlsx gets column widths from its content (calamine
    gives no .xls widths; Excel's default 8.43 cut names and dates), the merged title left out.

    By hand (textwidth.display_width: ASCII 1 a character, CJK 2.2; + 2.5 padding; at most 36):
    A "1001" → 4 + 2.5 = 6.5; B 兰西县第四中学教研组, 10 CJK → 22 + 2.5 = 24.5; C 60 CJK → 132, capped at 36.
    The title (40 CJK, merged over A1:C1) would make A 36 wide if measured. XlsxWriter stores a width plus
    its 5-pixel padding (about 0.71), so the read-back widths sit just above these.
    """
    from openpyxl import load_workbook

    from xlrubric.readers.raw import RawBook, RawSheet
    from xlrubric.writers.newbook import write_new_workbook

    title = "兰西四中" * 10
    rows = [[title, None, None], ["1001", "兰西县第四中学教研组", "长" * 60], ["1002", "数学组", "短"]]
    book = RawBook("school.xls", "xls", {"名册": RawSheet("名册", rows, merged=[(0, 0, 0, 2)])})
    out = tmp_path / "out.xlsx"
    write_new_workbook(book, [], [], out)
    dims = load_workbook(out)["名册"].column_dimensions
    for col, width in (("A", 6.5), ("B", 24.5), ("C", 36.0)):
        assert width < dims[col].width < width + 1, (col, dims[col].width)


def test_hidden_sheets_stay_hidden_as_they_were(tmp_path: Path) -> None:
    """Verify a .xls school's sheets come across to the new .xlsx as visible, hidden or very hidden as they
    were: a very hidden sheet (one a macro or a careful director set so) came out visible, and a hidden one
    must not turn very hidden either. workbook.xml says each sheet's state (no state: visible)."""
    import re

    from xlrubric.readers.raw import RawBook, RawSheet
    from xlrubric.writers.newbook import write_new_workbook

    book = RawBook("学校.xls", "xls", {name: RawSheet(name, [["工号", "姓名"], ["T01", "张伟"]], [], state)
                                      for name, state in (("教师名册", "visible"), ("旧表", "hidden"),
                                                          ("宏数据", "veryhidden"))})
    out = tmp_path / "out.xlsx"
    write_new_workbook(book, [], [], out)
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/workbook.xml").decode()
    tags = re.findall(r"<sheet [^>]*/>", xml)
    states = {re.search(r'name="([^"]+)"', tag).group(1): re.search(r'state="([^"]+)"|$', tag).group(1) or "visible"
              for tag in tags}
    assert states == {"教师名册": "visible", "旧表": "hidden", "宏数据": "veryHidden"}
