"""The surgical writer's refusals, edge cases and speed (the corpus tests cover preservation)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import corpus
import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from xlrubric.errors import OutputError, UnreadableWorkbook
from xlrubric.ooxml import zipio
from xlrubric.ooxml.package import strip_results, write_results
from xlrubric.ooxml.preserve import check_preserved
from xlrubric.ooxml.sheetxml import sheet_xml
from xlrubric.ooxml.styles import StylesPart
from xlrubric.results import CellMark, SheetTable

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def small_book(path: Path, sheet: str = "教师名册") -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    ws.write_row(0, 0, ["姓名", "学时"])
    ws.write_row(1, 0, ["教师甲", 12])
    wb.close()
    return path


def edit_part(path: Path, name: str, change) -> None:
    corpus.rezip(path, lambda parts: parts.__setitem__(name, change(parts[name])))


def test_school_sheet_with_our_name_is_refused(tmp_path: Path) -> None:
    """Verify a school sheet named 考核结果 (not ours) is never overwritten and no output is left."""
    src = small_book(tmp_path / "school.xlsx", "考核结果")
    dst = tmp_path / "out.xlsx"
    with pytest.raises(OutputError, match="考核结果.*不是 xlrubric 写入的"):
        write_results(src, dst, [SheetTable("考核结果", ["a"], [[1]])], [])
    assert not dst.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_dtd_in_a_part_is_refused(tmp_path: Path) -> None:
    """Verify a part with a DOCTYPE/entity (billion laughs) is refused before any entity is expanded."""
    src = small_book(tmp_path / "dtd.xlsx")
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    edit_part(src, "xl/styles.xml", lambda data: bomb + data[data.index(b"<styleSheet"):])
    with pytest.raises(OutputError, match="DTD"):
        write_results(src, tmp_path / "out.xlsx", [SheetTable("考核结果", ["a"], [[1]])], [])
    assert not (tmp_path / "out.xlsx").exists()


def test_oversized_part_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Verify the inflate cap stops a part larger than the limit (zip bomb)."""
    src = small_book(tmp_path / "big.xlsx")
    monkeypatch.setattr(zipio, "MAX_PART", 200)
    with pytest.raises(UnreadableWorkbook, match="压缩炸弹"):
        write_results(src, tmp_path / "out.xlsx", [SheetTable("考核结果", ["a"], [[1]])], [])


def test_not_a_workbook(tmp_path: Path) -> None:
    """Verify a file that is not a zip package gives a Chinese UnreadableWorkbook."""
    src = tmp_path / "fake.xlsx"
    src.write_bytes(b"<html>not a workbook</html>")
    with pytest.raises(UnreadableWorkbook, match="不是有效的 Excel 工作簿"):
        write_results(src, tmp_path / "out.xlsx", [], [])


@pytest.mark.parametrize("name", ["", "a" * 32, "结果[1]", "'结果", "History"])
def test_bad_sheet_names_refused(tmp_path: Path, name: str) -> None:
    """Verify names Excel would refuse are refused up front."""
    src = small_book(tmp_path / "s.xlsx")
    with pytest.raises(OutputError, match="结果表名称"):
        write_results(src, tmp_path / "out.xlsx", [SheetTable(name, ["a"], [[1]])], [])


def test_in_place_with_backup(tmp_path: Path) -> None:
    """Verify --in-place keeps a timestamped byte copy of the original beside it."""
    src = small_book(tmp_path / "学校.xlsx")
    before = src.read_bytes()
    write_results(src, src, [SheetTable("考核结果", ["a"], [[1]])], [CellMark("教师名册", "B2", "多")],
                  backup=True)
    backups = list(tmp_path.glob("学校.xlsx.*.bak.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert re.fullmatch(r"学校\.xlsx\.\d{4}-\d\d-\d\dT\d{6}\.bak\.xlsx", backups[0].name)
    assert "考核结果" in CalamineWorkbook.from_path(str(src)).sheet_names
    assert check_preserved(backups[0], src).ok


def test_text_is_kept_exactly(tmp_path: Path) -> None:
    """Verify Excel's own escapes, control characters and edge spaces read back unchanged."""
    src = small_book(tmp_path / "s.xlsx")
    values = ["_x0041_", "a\x01b", "  lead", "tail  ", "<&>\"'", "=A1", "line1\nline2\ttab", "混合 text"]
    write_results(src, tmp_path / "o.xlsx", [SheetTable("考核结果", ["值"], [[v] for v in values])], [])
    rows = CalamineWorkbook.from_path(str(tmp_path / "o.xlsx")).get_sheet_by_name("考核结果").to_python()
    assert [r[0] for r in rows[1:]] == values


def test_new_parts_have_fixed_timestamps(tmp_path: Path) -> None:
    """Verify added parts carry the 1980 timestamp, so the output does not depend on the clock."""
    src = small_book(tmp_path / "s.xlsx")
    write_results(src, tmp_path / "o.xlsx", [SheetTable("考核结果", ["a"], [[1]])], [CellMark("教师名册", "A2", "x")])
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(tmp_path / "o.xlsx") as b:
        old = set(a.namelist())
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in b.infolist() if i.filename not in old)


def test_workbook_without_styles_and_empty_sheet(tmp_path: Path) -> None:
    """Verify a package with no styles part and an empty sheetData is marked, then stripped back exactly."""
    src = corpus.build_prefixed(tmp_path / "p.xlsx")

    def drop_styles(parts: dict[str, bytes]) -> None:
        del parts["xl/styles.xml"]
        parts["xl/_rels/workbook.xml.rels"] = re.sub(rb'<Relationship Id="R8"[^>]*/>', b"",
                                                     parts["xl/_rels/workbook.xml.rels"])
        parts["[Content_Types].xml"] = re.sub(rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"",
                                              parts["[Content_Types].xml"])
        sheet = parts["xl/worksheets/sheet1.xml"]
        parts["xl/worksheets/sheet1.xml"] = re.sub(rb"<x:sheetData>.*</x:sheetData>", b"<x:sheetData/>", sheet)
    corpus.rezip(src, drop_styles)
    out, back = tmp_path / "o.xlsx", tmp_path / "b.xlsx"
    write_results(src, out, [SheetTable("考核结果", ["a"], [[1]])], [CellMark("教师名册", "C3", "空表", "警告")])
    assert check_preserved(src, out).ok
    ws = openpyxl.load_workbook(out)["教师名册"]
    assert ws["C3"].fill.fgColor.rgb == "FFFFEB9C" and "空表" in ws["C3"].comment.text
    strip_results(out, back)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(back) as b:
        assert {n: a.read(n) for n in a.namelist()} == {n: b.read(n) for n in b.namelist()}


def test_mark_left_alone_when_school_restyled_it(tmp_path: Path) -> None:
    """Verify a rerun does not 'restore' a marked cell whose style the school changed in between."""
    src = small_book(tmp_path / "s.xlsx")
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    write_results(src, first, [], [CellMark("教师名册", "B2", "多")])
    edit_part(first, "xl/worksheets/sheet1.xml", lambda d: re.sub(rb'(<c r="B2"[^>]*?) s="\d+"', rb'\1 s="0"', d))
    write_results(first, second, [], [])
    with zipfile.ZipFile(second) as z:
        assert re.search(rb'<c r="B2" s="0"', z.read("xl/worksheets/sheet1.xml"))


def test_twenty_thousand_rows_stay_column_wise(tmp_path: Path) -> None:
    """Verify the sheet stream stays far from per-cell object costs, counted rather than timed (a wall-clock bound
    flaked on a loaded machine): the Python-level calls that 18,000 more rows add are fewer than two per cell
    (each row's 10 cells; a writer that makes objects per cell makes several calls for each)."""
    import sys

    src = small_book(tmp_path / "s.xlsx")

    def calls(n: int) -> tuple[int, str]:
        rows = [[f"教师{i}", "=text", i, i * 0.5, None, "备注", i % 3, "语文", "2026", True] for i in range(n)]
        table = SheetTable("学时汇总", [f"列{c}" for c in range(10)], rows)
        count = [0]

        def profile(_frame, event, _arg) -> None:
            if event in ("call", "c_call"):
                count[0] += 1

        with zipio.SourceZip(src) as pkg:
            from xlrubric.ooxml.opc import Work
            styles = StylesPart(Work(pkg), "xl/styles.xml")
            sys.setprofile(profile)
            try:
                xml = sheet_xml(table, styles)
            finally:
                sys.setprofile(None)
        return count[0], xml

    few, _ = calls(2_000)
    many, xml = calls(20_000)
    assert xml.count("<row ") == 20_001
    assert (many - few) / 18_000 < 2 * 10, (few, many)


def test_macro_book_must_stay_xlsm(tmp_path: Path) -> None:
    """Verify a macro workbook is not written under .xlsx (Excel would refuse it) and gets VBA code names."""
    src = corpus.build_macro(tmp_path / "m.xlsm")
    if src is None:
        pytest.skip("xlwings（提供 vbaProject.bin）未安装")
    with pytest.raises(OutputError, match=r"\.xlsm"):
        write_results(src, tmp_path / "m.xlsx", [SheetTable("考核结果", ["a"], [[1]])], [])
    with pytest.raises(OutputError, match=r"\.xlsx"):
        write_results(small_book(tmp_path / "p.xlsx"), tmp_path / "p.xlsm", [], [])
    write_results(src, tmp_path / "o.xlsm", [SheetTable("考核结果", ["a"], [[1]])], [])
    with zipfile.ZipFile(tmp_path / "o.xlsm") as z:
        ours = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and b"tabColor" in z.read(n)]
        assert b'<sheetPr codeName="xlrubric1">' in z.read(ours[0])


def test_check_preserved_command(tmp_path: Path) -> None:
    """Verify the check-preserved command exits 0 on a faithful output and 1 naming what was lost."""
    import typer
    from typer.testing import CliRunner

    from xlrubric.cli.check_preserved import check_preserved_cmd
    app = typer.Typer()
    app.command()(check_preserved_cmd)
    src = corpus.build_full(tmp_path / "full.xlsx")
    out = tmp_path / "out.xlsx"
    write_results(src, out, [SheetTable("考核结果", ["a"], [[1]])], [CellMark("教师名册", "B3", "x")])
    ok = CliRunner().invoke(app, [str(src), str(out)])
    assert ok.exit_code == 0 and "未发现丢失" in ok.stdout

    def lose(parts: dict[str, bytes]) -> None:
        del parts["xl/cellimages.xml"]
        sheet = corpus.sheet_part(parts, "考核记录")
        parts[sheet] = parts[sheet].replace(corpus.X14_DROPDOWN.encode(), b"")
    corpus.rezip(out, lose)
    bad = CliRunner().invoke(app, [str(src), str(out)], env={"COLUMNS": "200"})
    assert bad.exit_code == 1
    assert "部件丢失：xl/cellimages.xml" in bad.stdout and "扩展内容" in bad.stdout


def test_package_missing_a_part_is_bad_input(tmp_path: Path) -> None:
    """Verify a package without [Content_Types].xml is refused with a Chinese message, not a crash."""
    src = small_book(tmp_path / "s.xlsx")
    corpus.rezip(src, lambda parts: parts.pop("[Content_Types].xml"))
    with pytest.raises(OutputError, match="结构不完整或已损坏"):
        write_results(src, tmp_path / "o.xlsx", [SheetTable("考核结果", ["a"], [[1]])], [])
    assert not (tmp_path / "o.xlsx").exists()
