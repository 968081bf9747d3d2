"""Recognising a file by its bytes: every kind a county folder holds, whatever its extension says."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import badfiles
import pytest

from xlrubric.readers.sniff import FileKind, is_lock_file_name, sniff, sniff_bytes

EXPECTED = {
    "good": FileKind.XLSX, "xlsm": FileKind.XLSM, "date1904": FileKind.XLSX, "encrypted": FileKind.OLE_ENCRYPTED,
    "html": FileKind.HTML, "xml2003": FileKind.XML_2003, "csv": FileKind.TEXT, "png": FileKind.UNKNOWN,
    "empty": FileKind.EMPTY, "lock": FileKind.LOCK_FILE, "truncated": FileKind.TRUNCATED,
    "broken_directory": FileKind.TRUNCATED, "corrupt_member": FileKind.XLSX, "docx": FileKind.ZIP_NOT_WORKBOOK,
    "ods": FileKind.ODS, "xlsb": FileKind.XLSB, "zip_bomb": FileKind.XLSX, "billion_laughs": FileKind.XLSX,
    "far_cell": FileKind.XLSX,
}
NEEDS_SOFFICE = {"xls": FileKind.OLE_XLS, "xls_as_xlsx": FileKind.OLE_XLS, "xlsx_as_xls": FileKind.XLSX,
                 "ole_other": FileKind.OLE_OTHER}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_kind_from_content(bad_files: dict[str, Path], name: str) -> None:
    """Verify each built file is recognised by content, and sniffing leaves it byte-identical."""
    path = bad_files[name]
    before = sha256(path)
    assert sniff(path, settle=0) is EXPECTED[name]
    assert sha256(path) == before


@pytest.mark.parametrize("name", sorted(NEEDS_SOFFICE))
def test_kind_of_legacy_and_renamed(bad_files: dict[str, Path], name: str) -> None:
    """Verify .xls, .xls renamed .xlsx (and the reverse) and other OLE files are told apart."""
    if name not in bad_files:
        if os.environ.get("CI"):
            pytest.fail("CI 环境必须安装 LibreOffice（soffice）")
        pytest.skip("soffice 未安装")
    assert sniff(bad_files[name], settle=0) is NEEDS_SOFFICE[name]


def test_sniff_bytes_matches_sniff(bad_files: dict[str, Path]) -> None:
    """Verify the in-memory entry agrees with the path entry for every content-decided kind."""
    for name, kind in EXPECTED.items():
        if kind is not FileKind.LOCK_FILE:
            assert sniff_bytes(bad_files[name].read_bytes()) is kind, name


@pytest.mark.parametrize("name, expected", [
    ("~$学校.xlsx", True), ("~$x.xls", True), (".~lock.学校.xlsx#", True),
    ("学校.xlsx", False), ("a~$b.xlsx", False), (".~lock.学校.xlsx", False),
])
def test_lock_file_names(name: str, expected: bool) -> None:
    """Verify Excel/WPS (~$) and LibreOffice (.~lock.…#) owner files are known by name alone."""
    assert is_lock_file_name(name) is expected


def test_lock_file_wins_over_content(tmp_path: Path) -> None:
    """Verify a ~$ file is a lock file even when its bytes look like a workbook (never opened)."""
    good = badfiles.good_xlsx(tmp_path)
    lock = good.with_name("~$" + good.name)
    lock.write_bytes(good.read_bytes())
    assert sniff(lock, settle=0) is FileKind.LOCK_FILE
    assert (tmp_path / "~$good.xlsx").stat().st_size > 0


def test_growing_file(tmp_path: Path) -> None:
    """Verify a file whose size still changes is reported as still being written."""
    path, wait = badfiles.growing_file(tmp_path, seconds=1.0)
    try:
        assert sniff(path, settle=0.1) is FileKind.GROWING
    finally:
        wait()
    assert sniff(path, settle=0.05) is FileKind.XLSX


def test_bom_text_and_utf16(tmp_path: Path) -> None:
    """Verify UTF-8-with-BOM CSV and Excel's UTF-16 "Unicode text" export are text, not unknown."""
    a = tmp_path / "a.xlsx"
    a.write_bytes("\ufeff工号,姓名\nT1,张三\n".encode())
    b = tmp_path / "b.xls"
    b.write_bytes("工号\t姓名\r\nT1\t张三\r\n".encode("utf-16"))
    assert sniff(a, settle=0) is FileKind.TEXT
    assert sniff(b, settle=0) is FileKind.TEXT


def test_readable_kinds() -> None:
    """Verify which kinds the reader accepts."""
    assert {k for k in FileKind if k.readable} == {FileKind.XLSX, FileKind.XLSM, FileKind.OLE_XLS,
                                                   FileKind.OLE_ENCRYPTED}


def test_missing_path_raises_oserror(tmp_path: Path) -> None:
    """Verify sniff does not invent a kind for a path that is not there."""
    with pytest.raises(OSError):
        sniff(tmp_path / "nope.xlsx", settle=0)
