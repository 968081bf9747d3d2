"""Atomic output, backups and safe names: the old file or the new one, never half, never elsewhere."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter

from xlrubric.atomic import (
    MAX_NAME_BYTES,
    atomic_output,
    backup_copy,
    remove_stale_temps,
    safe_output_name,
)
from xlrubric.errors import OutputError


@pytest.mark.parametrize(("name", "expected"), [
    ("兰西四中.xlsx", "兰西四中.xlsx"),
    ("../../etc/passwd", "etc_passwd"),
    ("..", "工作簿"),
    ("a/b\\c.xlsx", "a_b_c.xlsx"),
    ("学校：兰西四中?*.xlsx", "学校：兰西四中.xlsx"),   # a full-width colon is a legal character
    ("CON.xlsx", "_CON.xlsx"),
    ("nul", "_nul"),
    ("com1.txt.xlsx", "_com1.txt.xlsx"),
    ("tab\tand\x00nul\x1f.xlsx", "tab_and_nul.xlsx"),
    ("  trailing dots... ", "trailing dots"),
    ("", "工作簿"),
])
def test_safe_output_name(tmp_path: Path, name: str, expected: str) -> None:
    """Verify names made from school data stay one plain file inside the output folder."""
    path = safe_output_name(tmp_path, name)
    assert path.parent == tmp_path
    assert path.name == expected


def test_safe_output_name_limits_length(tmp_path: Path) -> None:
    """Verify a very long (CJK) name is cut to a safe byte length and keeps its extension."""
    path = safe_output_name(tmp_path, "很长的学校名称" * 40 + ".xlsx")
    assert path.suffix == ".xlsx" and len(path.name.encode("utf-8")) <= MAX_NAME_BYTES
    path.write_bytes(b"ok")          # the file system accepts it


def test_exception_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    """Verify a failure mid-write keeps the previous output and removes the temporary file."""
    dst = tmp_path / "out.xlsx"
    dst.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(dst) as f:
        f.write(b"half")
        raise RuntimeError("boom")
    assert dst.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [dst]


def test_missing_folder_is_a_chinese_error(tmp_path: Path) -> None:
    """Verify writing into a folder that does not exist says so in Chinese."""
    with pytest.raises(OutputError, match="输出文件夹不存在"), atomic_output(tmp_path / "no" / "x.xlsx"):
        pass


def test_backup_names_never_collide(tmp_path: Path) -> None:
    """Verify backups are named with a timestamp and never overwrite one another."""
    src = tmp_path / "学校.xlsx"
    src.write_bytes(b"v1")
    now = datetime(2026, 11, 24, 20, 30, 0)
    first = backup_copy(src, now)
    second = backup_copy(src, now)
    assert first.name == "学校.xlsx.2026-11-24T203000.bak.xlsx"
    assert second.name == "学校.xlsx.2026-11-24T203000-2.bak.xlsx"
    assert first.read_bytes() == second.read_bytes() == b"v1"


CHILD = """
import sys
from xlrubric.results import SheetTable
from xlrubric.ooxml.package import write_results
rows = [[f"教师{i}", "=x", i, i * 0.5, "备注" * 5] for i in range(int(sys.argv[3]))]
write_results(sys.argv[1], sys.argv[2], [SheetTable("学时汇总", ["a", "b", "c", "d", "e"], rows)], [])
print("done", flush=True)
"""


def _valid(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return z.testzip() is None and "xl/workbook.xml" in z.namelist()


def test_sigkill_never_leaves_a_partial_file(tmp_path: Path) -> None:
    """Verify a writer killed at random moments leaves the old output or a complete new one."""
    src = tmp_path / "school.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("教师名册").write("A1", "姓名")
    wb.close()
    dst = tmp_path / "out.xlsx"
    rng = random.Random(20261124)
    outcomes = set()
    for i in range(6):
        old = dst.read_bytes() if dst.exists() else None
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(src), str(dst), str(30_000 + i)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.2, 1.6))
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate()
        if dst.exists():
            assert _valid(dst), f"第 {i} 次：输出文件不完整"
            outcomes.add("old" if dst.read_bytes() == old else "new")
        else:
            assert old is None
            outcomes.add("absent")
    assert outcomes <= {"old", "new", "absent"}      # with these delays both kills and completions occur
    remove_stale_temps(tmp_path)                      # a SIGKILLed writer cannot clean up after itself
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (src, dst) if p.exists())
    assert os.path.exists(src)
