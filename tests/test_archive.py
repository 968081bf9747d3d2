"""Verify `xlrubric archive`: a new printable workbook (A4, page numbers, one teacher per page block) with each
teacher's 培训记录 and the school's 学时统计一览表, numbers equal to the hand-computed 学时; the source is unchanged."""

from __future__ import annotations

import hashlib

import pytest
import test_hours_baiwanzi as bwz
import test_requirements_weicun as wc
from hours_books import write_book
from openpyxl import load_workbook
from typer.testing import CliRunner

from xlrubric.cli import app


@pytest.fixture(name="books", scope="module")
def fixture_books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("arc")
    return {"baiwanzi": write_book(folder / "白湾子.xlsx", bwz.ROSTER, bwz.REGISTER),
            "weicun": write_book(folder / "魏村.xlsx", wc.ROSTER, wc.build()), "folder": folder}


def run(path, preset, out):
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    res = CliRunner().invoke(app, ["archive", str(path), "--preset", preset, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    return res


def test_baiwanzi_archive(books):
    """Verify the overview totals (T01: 59 and 40, cycle 99) and T01's record block and print setup."""
    out = books["folder"] / "档案"
    res = run(books["baiwanzi"], "baiwanzi", out)
    assert "12 位教师" in res.output
    wb = load_workbook(out / "白湾子镇学校_培训档案.xlsx")
    assert wb.sheetnames == ["学时统计一览表", "教师培训档案"]
    ov = wb["学时统计一览表"]
    header = [c.value for c in ov[2]]
    assert header == ["序号", "工号", "姓名", "教研组", "2023-2024学年", "2024-2025学年", "周期累计", "学时达标"]
    t01 = [c.value for c in ov[3]]
    assert t01[1:8] == ["T01", "王芳", "语文组", 59, 40, 99, "达标"]      # 2+6+24+24+3 ; 5×8 ; 59+40
    ws = wb["教师培训档案"]
    assert ws.page_setup.paperSize == 9 and "&P" in ws.oddFooter.center.text
    assert len(ws.row_breaks.brk) == 11                                      # 12 teachers, one block each
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    first_block = cells[:cells.index(next(r for r in cells if r[0] == "二、考勤"))]
    assert ["王芳", "专题培训", "专题培训（主讲人）", "2023-11-03", None, "认定6学时", 6, None] in first_block


def test_weicun_archive_without_hours(books):
    """Verify a preset with duties only: overview counts the duties met; blocks list the activities."""
    out = books["folder"] / "档案2"
    run(books["weicun"], "weicun", out)
    wb = load_workbook(out / "魏村小学_培训档案.xlsx")
    assert wb.sheetnames[0] == "达标情况一览表"                   # no 学时 here: not a 学时统计一览表 (issue 13)
    ov = wb["达标情况一览表"]
    rows = {r[2]: r for r in ([c.value for c in row] for row in ov.iter_rows(min_row=3))}
    # 陈红: 日常反思 (Nov missing), 录像精品课 (missing), 课堂教学论文 (done): 3 bound, 1 met.
    assert rows["陈红"][5:8] == [3, 1, "日常反思（随笔、案例或反思）、录像精品课"]


def test_archive_attendance_is_the_engines_and_sections_are_numbered_in_order(tmp_path):
    """Verify the archive's 考勤 counts are the ones 扣分明细 deducts for (one engine count, issue 13), the
    attendance line spans the block (never cut in a narrow column), and sections number 一、二、三 without gaps."""
    import re
    from pathlib import Path

    from python_calamine import CalamineWorkbook

    sample = Path(__file__).resolve().parent.parent / "samples" / "lanxi4.xlsx"
    out = tmp_path / "档案"
    run(sample, "lanxi4", out)
    assert CliRunner().invoke(app, ["compute", str(sample), "--preset", "lanxi4", "-o",
                                    str(tmp_path / "r.xlsx")]).exit_code in (0, 1)
    deducted: dict[str, float] = {}
    for r in CalamineWorkbook.from_path(str(tmp_path / "r.xlsx")).get_sheet_by_name("扣分明细").to_python()[1:]:
        if r[3] == "迟到间缺早退次数":
            deducted[r[1]] = r[5]
    wb = load_workbook(out / "兰西四中_培训档案.xlsx")
    ws = wb["教师培训档案"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    merged = {str(m) for m in ws.merged_cells.ranges}
    seen, name, numbers = 0, None, []
    for n, row in enumerate(cells, start=1):
        title = row[0] if isinstance(row[0], str) else ""
        if "教师个人培训档案" in title:
            name, numbers = title.rsplit("— ", 1)[1], []
        elif re.match(r"^[一二三四五六七八九十]、", title):
            numbers.append(title[0])
            assert "一二三四五六七八九十".startswith("".join(numbers)), numbers   # no 二 → 四 jump
        elif title.startswith("应到"):
            late = int(re.search(r"迟到/早退/间缺(\d+)次", title)[1])
            assert late == deducted.get(name, 0), name
            assert any(m.startswith(f"A{n}:") for m in merged)                   # spans the block
            seen += 1
    assert seen >= 30
