"""The surgical writer against the preservation corpus: nothing lost, values right, reruns idempotent."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from copy import copy
from datetime import date, datetime, timedelta
from pathlib import Path

import corpus
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xlrubric.ooxml.package import strip_results, write_results
from xlrubric.ooxml.preserve import allowed_parts, check_preserved
from xlrubric.results import CellMark, SheetTable

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")   # openpyxl on x14 extensions it drops

FORMULA_LIKE = ["=SUM(A1:A3)", "+86 138 0000 0000", "-3次", "@提及", "=1+1", "普通文本"]
FILLS = {"错误": "FFFFC7CE", "警告": "FFFFEB9C", "提示": "FFDDEBF7"}
OUR_PARTS = re.compile(r"^(xl/worksheets/sheet\d+\.xml|xl/worksheets/_rels/sheet\d+\.xml\.rels"
                       r"|xl/comments\d+\.xml|xl/drawings/vmlDrawing\d+\.vml|customXml/(item|itemProps)\d+\.xml"
                       r"|customXml/_rels/item\d+\.xml\.rels)$")
M = CellMark
MARKS = {
    "full.xlsx": [M("教师名册", "B4", "姓名与名单不符", "错误"), M("教师名册", "A1", "标题", "提示"),
                  M("教师名册", "D10", "学科为空", "警告"), M("教师名册", "E50", "缺行", "错误"),
                  M("教师名册", "Z3", "行尾之后", "提示"), M("考核记录", "B3", "应为整数", "错误"),
                  M("考核记录", "F5", "迷你图单元格", "警告"), M("名单", "A3", "受保护", "提示"),
                  M("图表页", "A1", "图表工作表不标记", "错误"), M("不存在", "A1", "无此表", "错误")],
    "macro.xlsm": [M("考核记录", "B3", "迟交应为次数", "错误"), M("考核记录", "A3", "已调动", "警告"),
                   M("按钮页", "A1", "按钮旁", "提示")],
    "openpyxl.xlsx": [M("教师名册", "B5", "批注单元格", "错误"), M("教师名册", "C3", "学科", "警告"),
                      M("教师名册", "F1", "合并", "提示"), M("学时登记", "B2", "缺", "错误")],
    "school_comment.xlsx": [M("考核记录", "B3", "「三」应写作 3", "错误"), M("考核记录", "A2", "不在名册", "警告")],
    "prefixed.xlsx": [M("教师名册", "B2", "学时超限", "错误"), M("教师名册", "C5", "空", "提示")],
    "libreoffice.xlsx": [M("考核记录", "B3", "「三」应写作 3", "错误"), M("考核记录", "B2", "多", "警告"),
                         M("考核记录", "D1", "合并", "提示")],
}
Written = dict[str, tuple[Path, Path]]


def make_tables(marks: list[CellMark], n: int = 2000) -> list[SheetTable]:
    rows = [[f"教师{i}", FORMULA_LIKE[i % len(FORMULA_LIKE)], i * 0.25,
             date(2026, 1, 1) + timedelta(days=i % 300), None if i % 7 == 0 else i,
             datetime(2026, 6, 5, 8, 30), i % 2 == 0] for i in range(n)]
    hours = SheetTable("学时汇总", ["姓名", "备注", "学时", "日期", "序号", "登记时间", "达标"], rows,
                       number_formats={2: "0.00"})
    results = SheetTable("考核结果", ["姓名", "总分", "等次"],
                         [[f"教师{i}", 40 - i % 17, "优秀"] for i in range(300)], col_widths=[12, 8, 8])
    problems = SheetTable("校验问题", ["工作表", "单元格", "说明", "级别"],
                          [[m.sheet, m.cell, m.message, m.severity] for m in marks],
                          links={(i, 1): f"'{m.sheet}'!{m.cell}" for i, m in enumerate(marks)})
    return [results, hours, problems]


@pytest.fixture(name="books", scope="module")
def fixture_books(writer_corpus: dict[str, Path],
                  tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The corpus plus, when soffice exists, a workbook LibreOffice wrote."""
    books = dict(writer_corpus)
    folder = tmp_path_factory.mktemp("lo")
    lo = corpus.build_libreoffice(folder / "libreoffice.xlsx", folder)
    if lo is not None:
        books["libreoffice.xlsx"] = lo
    return books


@pytest.fixture(name="written", scope="module")
def fixture_written(books: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Written:
    """Each corpus book written once (first run) and once more over its own output (second run)."""
    out = {}
    folder = tmp_path_factory.mktemp("out")
    for name, src in books.items():
        marks = MARKS[name]
        first, second = folder / f"1_{name}", folder / f"2_{name}"
        write_results(src, first, make_tables(marks), marks)
        write_results(first, second, make_tables(marks), marks)
        out[name] = (first, second)
    return out


def require_soffice() -> str:
    exe = shutil.which("soffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI 环境必须安装 LibreOffice（soffice）")
        pytest.skip("soffice 未安装")
    return exe


NAMES = list(MARKS)


def _book(books: dict[str, Path], name: str) -> Path:
    if name not in books:
        if name == "libreoffice.xlsx":
            require_soffice()
        pytest.skip(f"{name} 未生成")
    return books[name]


@pytest.mark.parametrize("name", NAMES)
def test_nothing_lost(name: str, books: dict[str, Path], written: Written) -> None:
    """Verify the oracle finds no lost part and no change outside the allowed parts; additions are ours."""
    src = _book(books, name)
    out = written[name][0]
    report = check_preserved(src, out)
    assert report.problems == []
    assert set(report.changed) <= allowed_parts(src)
    assert all(OUR_PARTS.match(p) for p in report.added), report.added
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert b.testzip() is None
        for info in a.infolist():
            if info.filename not in report.changed:
                assert b.getinfo(info.filename).CRC == info.CRC


@pytest.mark.parametrize("name", NAMES)
def test_rerun_is_identical(name: str, books: dict[str, Path], written: Written) -> None:
    """Verify a second run over our own output gives the same bytes, with no duplicated sheet or mark."""
    _book(books, name)
    first, second = written[name]
    assert first.read_bytes() == second.read_bytes()
    sheets = CalamineWorkbook.from_path(str(second)).sheet_names
    assert len(sheets) == len(set(sheets))
    with zipfile.ZipFile(second) as z:
        record = [n for n in z.namelist() if re.match(r"customXml/item\d+\.xml$", n) and b"urn:xlrubric" in z.read(n)]
        assert len(record) == 1
        assert our_notes(z) == expected_notes(books[name], MARKS[name])


def our_notes(z: zipfile.ZipFile) -> int:
    """How many comments in the package are authored by xlrubric."""
    total = 0
    for n in z.namelist():
        if re.match(r"xl/(.*/)?comments?\d+\.xml$", n):
            text = z.read(n).decode()
            authors = re.findall(r"<(?:\w+:)?author>(.*?)</(?:\w+:)?author>", text)
            if "xlrubric" in authors:
                total += text.count(f'authorId="{authors.index("xlrubric")}"')
    return total


def expected_notes(src: Path, marks: list[CellMark]) -> int:
    wb = openpyxl.load_workbook(src)
    return sum(1 for m in marks if m.sheet in wb.sheetnames and m.sheet != "图表页"
               and wb[m.sheet][m.cell].comment is None)


@pytest.mark.parametrize("name", NAMES)
def test_values_read_back(name: str, books: dict[str, Path], written: Written) -> None:
    """Verify calamine and openpyxl read our sheets back with the right values, text never as formula."""
    src = _book(books, name)
    out = written[name][0]
    original = CalamineWorkbook.from_path(str(src)).sheet_names
    cal = CalamineWorkbook.from_path(str(out))
    assert cal.sheet_names == [*original, "考核结果", "学时汇总", "校验问题"]
    rows = cal.get_sheet_by_name("学时汇总").to_python()
    assert len(rows) == 2001
    assert rows[1][:4] == ["教师0", "=SUM(A1:A3)", 0.0, date(2026, 1, 1)]
    assert rows[2][1] == "+86 138 0000 0000" and rows[3][1] == "-3次" and rows[4][1] == "@提及"
    wb = openpyxl.load_workbook(out)
    ws = wb["学时汇总"]
    assert ws["B2"].value == "=SUM(A1:A3)" and ws["B2"].data_type == "s"
    assert ws["C3"].value == 0.25 and ws["C3"].number_format == "0.00"
    assert ws["D2"].value == datetime(2026, 1, 1) and ws["D2"].is_date
    assert ws["E2"].value is None and ws["E3"].value == 1 and ws["G2"].value is True
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G2001"
    assert ws["A1"].font.b
    problems = wb["校验问题"]
    assert problems["B2"].hyperlink.location == f"'{MARKS[name][0].sheet}'!{MARKS[name][0].cell}"
    with zipfile.ZipFile(out) as z:
        ours = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and b"tabColor" in z.read(n)]
        assert len(ours) == 3
        assert not any(re.search(rb"<(\w+:)?f[ >]", z.read(n)) for n in ours)


@pytest.mark.parametrize("name", NAMES)
def test_marks_on_school_cells(name: str, books: dict[str, Path], written: Written) -> None:
    """Verify marked cells get the severity fill and our note, except where the school's own note stays."""
    src = _book(books, name)
    out = written[name][0]
    before, after = openpyxl.load_workbook(src), openpyxl.load_workbook(out)
    for m in MARKS[name]:
        if m.sheet not in before.sheetnames or m.sheet == "图表页":
            continue
        cell, old = after[m.sheet][m.cell], before[m.sheet][m.cell]
        assert cell.fill.fgColor.rgb == FILLS[m.severity], (m, cell.fill)
        assert cell.value == old.value and cell.number_format == old.number_format
        assert copy(cell.font) == copy(old.font) and copy(cell.border) == copy(old.border)
        if old.comment is not None:
            assert cell.comment.text == old.comment.text
        else:
            assert cell.comment is not None and m.message in cell.comment.text
            assert cell.comment.author == "xlrubric"


def test_second_run_moves_marks(books: dict[str, Path], tmp_path: Path) -> None:
    """Verify marks of a first run vanish when the second run no longer has them, and strip restores all."""
    for name in ("full.xlsx", "macro.xlsm"):
        src = _book(books, name)
        first, second, stripped = tmp_path / f"1{name}", tmp_path / f"2{name}", tmp_path / f"s{name}"
        marks1 = MARKS[name]
        marks2 = [CellMark(marks1[0].sheet, "C7", "新问题", "警告")]
        write_results(src, first, make_tables(marks1), marks1)
        write_results(first, second, make_tables(marks2)[:1], marks2)
        assert check_preserved(src, second).problems == []
        before, after = openpyxl.load_workbook(src), openpyxl.load_workbook(second)
        assert "学时汇总" not in after.sheetnames and "考核结果" in after.sheetnames
        for m in marks1:
            if m.sheet in before.sheetnames and m.sheet != "图表页" and m.cell != "C7":
                cell, old = after[m.sheet][m.cell], before[m.sheet][m.cell]
                assert copy(cell.fill) == copy(old.fill), m
                assert (cell.comment and cell.comment.text) == (old.comment and old.comment.text), m
        assert after[marks2[0].sheet]["C7"].fill.fgColor.rgb == FILLS["警告"]
        strip_results(second, stripped)
        with zipfile.ZipFile(src) as a, zipfile.ZipFile(stripped) as b:
            assert sorted(a.namelist()) == sorted(b.namelist())
            for n in a.namelist():
                assert a.read(n) == b.read(n), n


def test_macro_project_and_buttons_kept(books: dict[str, Path], written: Written) -> None:
    """Verify the .xlsm keeps its VBA project bytes, macro content type and button shapes."""
    src = _book(books, "macro.xlsm")
    out = written["macro.xlsm"][0]
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
        assert b"macroEnabled.main+xml" in b.read("[Content_Types].xml")
        vml = b"".join(b.read(n) for n in b.namelist() if n.endswith(".vml"))
        assert vml.count(b'ObjectType="Button"') == 2 and vml.count(b'ObjectType="Note"') == 3


def test_libreoffice_opens_outputs(written: Written, tmp_path: Path) -> None:
    """Verify a second program (LibreOffice) loads every output and sees our sheets."""
    require_soffice()
    outputs = [first for first, _second in written.values()]
    converted = corpus.soffice_convert(outputs, tmp_path / "lo")
    for path in converted:
        assert path.exists(), f"LibreOffice 未能打开 {path.name}"
        names = CalamineWorkbook.from_path(str(path)).sheet_names
        assert {"考核结果", "学时汇总", "校验问题"} <= set(names)


def test_rerun_after_libreoffice_resave(books: dict[str, Path], tmp_path: Path) -> None:
    """Verify a rerun on an output that LibreOffice re-saved finds our record, replaces our sheets and
    replaces our notes (LibreOffice drops comment authors and moves the custom XML relationship)."""
    require_soffice()
    src = _book(books, "school_comment.xlsx")
    marks = [CellMark("考核记录", "A2", "旧消息", "错误"), CellMark("考核记录", "B3", "有学校批注", "警告")]
    first = tmp_path / "first.xlsx"
    write_results(src, first, make_tables(marks, 10), marks)
    resaved = corpus.soffice_convert([first], tmp_path / "lo")[0]
    assert resaved.exists()
    again = [CellMark("考核记录", "A2", "新消息", "提示")]
    second = tmp_path / "second.xlsx"
    write_results(resaved, second, make_tables(again, 10), again)
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames == ["考核记录", "考核结果", "学时汇总", "校验问题"]
    ws = wb["考核记录"]
    assert ws["A2"].comment.text == "xlrubric（提示）：\n新消息"
    assert ws["B3"].comment.text == "学校批注：补签过"
    assert ws["A2"].fill.fgColor.rgb == FILLS["提示"] and ws["B3"].fill.fgColor.rgb not in FILLS.values()
    with zipfile.ZipFile(second) as z:
        vml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".vml"))
    assert vml.count(b'ObjectType="Note"') == 2
