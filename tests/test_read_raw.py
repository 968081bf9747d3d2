"""Reading workbook files into RawBook: faithful for good files, one Chinese message for every bad one."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import resource
from pathlib import Path

import badfiles
import pytest
import python_calamine as pc

from xlrubric.errors import UnreadableWorkbook, XlrubricError
from xlrubric.readers.raw import CellError
from xlrubric.readers.workbook import open_workbook, read_workbook_bytes

CJK = re.compile(r"[\u4e00-\u9fff]")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(path: Path, reason: str, **kwargs) -> UnreadableWorkbook:
    """Open `path`, expecting a refusal for `reason`; check the message and that the file is untouched."""
    before = sha256(path) if path.is_file() else None
    with pytest.raises(UnreadableWorkbook) as info:
        open_workbook(path, settle=0, **kwargs)
    err = info.value
    assert err.reason == reason, str(err)
    assert err.file == path.name and f"「{path.name}」" in str(err)
    assert CJK.search(err.detail) and CJK.search(err.hint or "")
    assert err.exit_code == 2 and isinstance(err, XlrubricError)
    if before is not None:
        assert sha256(path) == before
    return err


def need(bad_files: dict[str, Path], name: str) -> Path:
    if name not in bad_files:
        if os.environ.get("CI"):
            pytest.fail("CI 环境必须安装 LibreOffice（soffice）")
        pytest.skip("soffice 未安装")
    return bad_files[name]


# ---------------------------------------------------------------- a good workbook, read faithfully

@pytest.fixture(name="good", scope="module")
def fixture_good(bad_files: dict[str, Path]):
    return open_workbook(bad_files["good"], settle=0)


def test_positions_are_absolute(good) -> None:
    """Verify row 0 is Excel row 1 and column 0 is A, also when a sheet starts at C3."""
    roster = good.sheets["教师名册"]
    assert roster.value(0, 0) == "教师名册"
    assert roster.rows[1] == ["工号", "姓名", "出生日期", "学时"]
    assert roster.value(2, 0) == "T001" and roster.value(3, 3) == 3.5
    offset = good.sheets["偏移"]
    assert offset.value(2, 2) == "x" and offset.value(4, 4) == 5
    assert offset.rows[0] == [None] * 5 and len(offset.rows) == 5


def test_empty_cells_are_none(good) -> None:
    """Verify empty cells are None, never '' (calamine's empty value)."""
    roster = good.sheets["教师名册"]
    assert roster.rows[4] == [None, None, None, None]
    assert all(v != "" for sheet in good.sheets.values() for row in sheet.rows for v in row)


def test_values_keep_their_types(good) -> None:
    """Verify dates, numbers, booleans and a 10,000-character text come back whole."""
    roster = good.sheets["教师名册"]
    assert roster.value(2, 2) == dt.date(1980, 5, 6)
    assert roster.value(2, 3) == 12
    assert roster.value(9, 0) == badfiles.LONG_TEXT
    assert roster.value(10, 0) is True


def test_error_cells_and_uncached_formula(good) -> None:
    """Verify cached #DIV/0! and #REF! are CellError, and so is a never-calculated formula (session 10: it used
    to read as None, a blank — a silent 0 in a count column), naming the formula."""
    roster = good.sheets["教师名册"]
    assert roster.value(6, 3) == CellError("#DIV/0!")
    assert roster.value(7, 3) == CellError("#REF!")
    never = roster.value(8, 3)
    assert isinstance(never, CellError) and never.code.startswith("=SUM(D3:D4)（公式没有保存计算结果")


def test_merges_visibility_and_names(good) -> None:
    """Verify merged ranges (0-based inclusive), hidden/very hidden sheets, a full-width space in a name."""
    assert good.sheets["教师名册"].merged == [(0, 0, 0, 3)]
    assert list(good.sheets) == ["教师名册", "偏移", badfiles.HIDDEN_NAME, "vh", "空表"]
    assert good.sheets[badfiles.HIDDEN_NAME].visible == "hidden"
    assert good.sheets["vh"].visible == "veryhidden" and good.sheets["vh"].value(1, 1) == 2
    assert good.sheets["空表"].rows == []
    assert good.kind == "xlsx" and good.notes == []


def test_date_1904(bad_files: dict[str, Path]) -> None:
    """Verify a 1904-date-system book gives the date Excel shows (not one 4 years and a day earlier)."""
    book = open_workbook(bad_files["date1904"], settle=0)
    assert book.sheets["日期"].value(0, 0) == dt.date(2021, 4, 19)


def test_xlsm_kind_and_extension_note(bad_files: dict[str, Path], tmp_path: Path) -> None:
    """Verify macro content makes kind xlsm, and a .xlsx name on it is noted."""
    assert open_workbook(bad_files["xlsm"], settle=0).kind == "xlsm"
    renamed = badfiles.renamed(bad_files["xlsm"], "宏.xlsx")
    book = open_workbook(renamed, settle=0)
    assert book.kind == "xlsm" and any(".xlsx" in n and "宏" in n for n in book.notes)


def test_read_from_bytes(bad_files: dict[str, Path]) -> None:
    """Verify the in-memory entry reads the same grid and names the given file name in messages."""
    book = read_workbook_bytes(bad_files["good"].read_bytes(), name="上传.xlsx")
    assert book.sheets["教师名册"].value(6, 3) == CellError("#DIV/0!") and book.path == "上传.xlsx"
    with pytest.raises(UnreadableWorkbook, match="「上传.xlsx」"):
        read_workbook_bytes(b"", name="上传.xlsx")


# ---------------------------------------------------------------- passwords

def test_encrypted_without_password(bad_files: dict[str, Path]) -> None:
    """Verify an encrypted book asks for --password in Chinese."""
    err = refused(bad_files["encrypted"], "encrypted")
    assert "工作簿设置了打开密码" in str(err) and "--password" in str(err)


def test_encrypted_with_password(bad_files: dict[str, Path], good) -> None:
    """Verify the right password decrypts in memory and gives the same grid; the file stays encrypted."""
    path = bad_files["encrypted"]
    before = sha256(path)
    book = open_workbook(path, password=badfiles.PASSWORD, settle=0)
    assert book.sheets["教师名册"].rows == good.sheets["教师名册"].rows
    assert any("密码" in n for n in book.notes)
    assert sha256(path) == before


def test_encrypted_wrong_password(bad_files: dict[str, Path]) -> None:
    """Verify a wrong password has its own message."""
    err = refused(bad_files["encrypted"], "wrong-password", password="错误的密码")
    assert "密码不正确" in str(err)


# ---------------------------------------------------------------- legacy .xls and renamed files

def test_legacy_xls_is_read(bad_files: dict[str, Path]) -> None:
    """Verify a real .xls is read (errors as CellError) and noted as saved back as .xlsx."""
    book = open_workbook(need(bad_files, "xls"), settle=0)
    roster = book.sheets["教师名册"]
    assert book.kind == "xls" and "这是旧版 .xls 文件，结果将另存为新的 .xlsx 文件" in book.notes
    assert roster.rows[1] == ["工号", "姓名", "出生日期", "学时"]
    assert roster.value(2, 2) == dt.date(1980, 5, 6) and roster.value(3, 3) == 3.5
    assert roster.value(6, 3) == CellError("#DIV/0!") and roster.value(7, 3) == CellError("#REF!")
    assert roster.merged == [(0, 0, 0, 3)] and roster.value(9, 0) == badfiles.LONG_TEXT
    assert book.sheets[badfiles.HIDDEN_NAME].visible == "hidden"


def test_xls_renamed_xlsx_and_back(bad_files: dict[str, Path]) -> None:
    """Verify content decides the kind and the mismatch is noted, both ways."""
    xls_named_xlsx = open_workbook(need(bad_files, "xls_as_xlsx"), settle=0)
    assert xls_named_xlsx.kind == "xls"
    assert any("扩展名是 .xlsx" in n and ".xls" in n for n in xls_named_xlsx.notes)
    xlsx_named_xls = open_workbook(need(bad_files, "xlsx_as_xls"), settle=0)
    assert xlsx_named_xls.kind == "xlsx" and any("扩展名是 .xls" in n for n in xlsx_named_xls.notes)


# ---------------------------------------------------------------- files that are not workbooks

@pytest.mark.parametrize("name, reason, phrase", [
    ("html", "html", "这是网页格式（HTML）另存的文件"),
    ("xml2003", "xml-2003", "Excel 2003 XML"),
    ("csv", "text", "CSV"),
    ("png", "unknown", "无法识别"),
    ("empty", "empty", "0 字节"),
    ("lock", "lock-file", "临时锁定文件"),
    ("truncated", "truncated", "文件可能仍在写入或复制中，请稍后再试"),
    ("broken_directory", "corrupt", "损坏"),
    ("corrupt_member", "corrupt", "损坏"),
    ("docx", "not-workbook", "xl/workbook.xml"),
    ("ods", "ods", ".ods"),
    ("xlsb", "xlsb", ".xlsb"),
])
def test_not_a_workbook(bad_files: dict[str, Path], name: str, reason: str, phrase: str) -> None:
    """Verify each kind of non-workbook gets its own Chinese message naming the file and a way out."""
    assert phrase in str(refused(bad_files[name], reason))


def test_other_ole_document(bad_files: dict[str, Path]) -> None:
    """Verify a Word-style OLE file is not taken for an .xls."""
    refused(need(bad_files, "ole_other"), "ole-other")


def test_growing_file_is_refused(tmp_path: Path) -> None:
    """Verify a file still being copied says to try again later."""
    path, wait = badfiles.growing_file(tmp_path, seconds=1.0)
    try:
        with pytest.raises(UnreadableWorkbook, match="文件可能仍在写入或复制中，请稍后再试") as info:
            open_workbook(path, settle=0.1)
    finally:
        wait()
    assert info.value.reason == "growing"
    assert open_workbook(path, settle=0.05).kind == "xlsx"


def test_missing_file_and_folder(tmp_path: Path) -> None:
    """Verify a missing path and a folder are refused in Chinese, not with a bare OSError."""
    refused(tmp_path / "不存在.xlsx", "missing")
    folder = tmp_path / "文件夹.xlsx"
    folder.mkdir()
    refused(folder, "missing")


# ---------------------------------------------------------------- hostile input

def test_zip_bomb(bad_files: dict[str, Path]) -> None:
    """Verify a member inflating ~1000:1 is refused from the zip directory, before anything inflates it."""
    assert "压缩炸弹" in str(refused(bad_files["zip_bomb"], "zip-bomb"))


def test_total_inflated_size_cap(bad_files: dict[str, Path]) -> None:
    """Verify the total inflated size is capped (here at 10 KB, so an ordinary workbook exceeds it)."""
    assert "上限" in str(refused(bad_files["good"], "too-big", max_unzipped_bytes=10_000))


@pytest.mark.parametrize("name", ["billion_laughs", "external_entity"])
def test_entities_are_refused(bad_files: dict[str, Path], name: str) -> None:
    """Verify DOCTYPE/entity declarations are refused and no file content leaks into the message."""
    err = refused(bad_files[name], "unsafe-xml")
    assert "sharedStrings" in str(err) and "root:" not in str(err)


@pytest.mark.parametrize("name", ["billion_laughs", "external_entity"])
def test_calamine_itself_never_expands_entities(bad_files: dict[str, Path], name: str) -> None:
    """Verify (as measured) that calamine refuses custom entities rather than expanding them."""
    with pytest.raises(pc.CalamineError, match="unrecognized entity"):
        book = pc.CalamineWorkbook.from_path(str(bad_files[name]))
        book.get_sheet_by_name("教师名册").to_python()


def test_far_cell_is_refused_without_allocating(bad_files: dict[str, Path]) -> None:
    """Verify A1 + XFD1048576 is refused by name and cell, and memory does not grow (calamine would abort)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    err = refused(bad_files["far_cell"], "sheet-too-large")
    assert err.sheet == "教师名册" and "XFD1048576" in str(err)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000   # KiB


@pytest.mark.parametrize("kind", sorted(badfiles.HOSTILE_SHEETS))
def test_hostile_far_cells(tmp_path: Path, kind: str) -> None:
    """Verify every way of writing a far cell that calamine honours is caught."""
    refused(badfiles.hostile_sheet(tmp_path, kind), "sheet-too-large")


def test_claimed_dimension_does_not_matter(bad_files: dict[str, Path]) -> None:
    """Verify <dimension ref="A1:XFD1048576"> over two cells reads as a 3×2 grid."""
    sheet = open_workbook(bad_files["huge_dimension"], settle=0).sheets["教师名册"]
    assert sheet.rows == [[1.0, None], [None, None], [None, 2.0]]


def test_far_formatted_blank_is_read(bad_files: dict[str, Path]) -> None:
    """Verify a formatted but empty far cell (Excel writes these) does not trigger a refusal."""
    assert open_workbook(bad_files["far_blank"], settle=0).sheets["教师名册"].rows == [[1.0]]


def test_cell_cap_names_the_sheet(bad_files: dict[str, Path]) -> None:
    """Verify max_cells applies per sheet and the message names the sheet and its last cell."""
    err = refused(bad_files["good"], "sheet-too-large", max_cells=20)
    assert err.sheet == "教师名册" and "D11" in str(err)


def test_xls_cell_cap(bad_files: dict[str, Path]) -> None:
    """Verify the cap applies to .xls too, before calamine parses its sheets."""
    err = refused(need(bad_files, "xls"), "sheet-too-large", max_cells=20)
    assert err.sheet == "教师名册"


def test_member_larger_than_declared(tmp_path: Path) -> None:
    """Verify a member whose directory entry understates its size is refused, not inflated without end."""
    assert "损坏" in str(refused(badfiles.understated_size(tmp_path), "corrupt"))


def test_shared_string_count_bomb(bad_files: dict[str, Path]) -> None:
    """Verify a sharedStrings part declaring four billion strings is refused (calamine would abort)."""
    assert "4,000,000,000" in str(refused(bad_files["string_count"], "corrupt"))


def test_xls_dimensions_damage(bad_files: dict[str, Path]) -> None:
    """Verify an .xls DIMENSIONS record with its first row after its last is refused (calamine would abort)."""
    assert "DIMENSIONS" in str(refused(need(bad_files, "xls_dimensions"), "corrupt"))


def test_xls_string_count_is_tolerated(bad_files: dict[str, Path]) -> None:
    """Verify (as measured) an .xls SST count calamine does not trust is no reason to refuse the file."""
    book = open_workbook(need(bad_files, "xls_sst_count"), settle=0)
    assert book.sheets["教师名册"].value(2, 0) == "T001"


def test_shared_string_use_count_may_exceed_entries(bad_files: dict[str, Path], tmp_path: Path) -> None:
    """Verify a large `count` (uses of shared strings, not entries) is normal and read."""
    src = bad_files["good"]
    path = badfiles.rewrite(src, tmp_path / "many_uses.xlsx", {"xl/sharedStrings.xml": lambda b: re.sub(
        rb'count="\d+"', b'count="900000"', b, count=1)})
    assert open_workbook(path, settle=0).sheets["教师名册"].value(2, 0) == "T001"
