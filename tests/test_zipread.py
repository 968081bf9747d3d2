"""Verify the one zip reader (`readers/zipread.py`): the editor and the preservation check refuse what the reader
refuses, with the same limits, and a part is never inflated past what its directory entry declares."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from xlrubric.errors import UnreadableWorkbook
from xlrubric.ooxml.package import write_results
from xlrubric.ooxml.preserve import check_preserved
from xlrubric.readers.workbook import open_workbook
from xlrubric.readers.zipread import read_member
from xlrubric.results import SheetTable


def _book(path: Path, extra: dict[str, bytes] | None = None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("教师名册").write_row(0, 0, ["姓名", "学时"])
    wb.close()
    if extra:
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
            for name, data in extra.items():
                z.writestr(name, data)
    return path


def test_a_bomb_is_refused_by_reader_editor_and_oracle_alike(tmp_path: Path) -> None:
    """Verify a 4 MB part of zeros (deflates to about 4 KB, ~1000:1, past the 200:1 line) stops all three."""
    src = _book(tmp_path / "bomb.xlsx", {"xl/media/zeros.bin": b"\0" * (4 << 20)})
    table = [SheetTable("考核结果", ["a"], [[1]])]
    for attempt in (lambda: open_workbook(src), lambda: write_results(src, tmp_path / "out.xlsx", table, []),
                    lambda: check_preserved(src, src)):
        with pytest.raises(UnreadableWorkbook, match="压缩炸弹") as err:
            attempt()
        assert err.value.reason == "zip-bomb"
    assert not (tmp_path / "out.xlsx").exists()


def test_parts_differing_only_in_case_are_refused_by_the_editor(tmp_path: Path) -> None:
    """Verify the editor, like the reader, refuses two parts whose names differ only in case (which one would
    Excel take?) instead of editing one of them."""
    src = _book(tmp_path / "dup.xlsx", {"XL/Styles.xml": b"<styleSheet/>"})
    with pytest.raises(UnreadableWorkbook, match="重名"):
        write_results(src, tmp_path / "out.xlsx", [SheetTable("考核结果", ["a"], [[1]])], [])


def test_a_part_is_refused_before_inflating_past_the_limit(tmp_path: Path) -> None:
    """Verify `limit` is checked on the declared size, and the declared size is all that is ever inflated."""
    src = _book(tmp_path / "b.xlsx")
    with zipfile.ZipFile(src) as z:
        info = z.getinfo("xl/styles.xml")
        with pytest.raises(UnreadableWorkbook, match="超过上限"):
            read_member(z, info, src.name, limit=info.file_size - 1)
        assert read_member(z, info, src.name, limit=info.file_size) == z.read(info)
        raw = src.read_bytes()
        assert read_member(z, info, src.name, raw=raw) == z.read(info)
        info.file_size -= 1                     # a directory entry that under-states the part
        with pytest.raises(UnreadableWorkbook, match="实际大小与目录记录不符"):
            read_member(z, info, src.name, raw=raw)
