"""Total and footer lines under a table, worded as schools word them (readers/table.py `key_kind`).

A bare 「合计」 in the 姓名 column was always skipped; 「合计：」, 「全校合计」, 「小计（2人）」 and footers such as
「制表人：王老师」 / 「注：…」 were read as teachers — scored (full marks: no deduction typed), counted in the
优秀 quota and listed in 考核结果. Now a total line is skipped silently like 「合计」, and a line whose key cell
is a label with its value (a colon: no 工号 or name has one) is skipped with a 警告 naming its cell.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hours_books import compute as compute_file
from hours_books import table as hours_table
from hours_books import write_book
from real_input import compute, lanxi4_record, table

D = dt.date


@pytest.mark.parametrize("line", [[None, "合计："], [None, "全校合计"], [None, "小计（2人）"], [None, "总计:"],
                                  ["合 计"], [None, "平均分："]])
def test_total_lines_are_no_teachers(line):
    """Verify a total line under 考核记录 (no 教师名册) is skipped without a word: only 张丽 and 王强 are scored.
    lanxi4's 优秀 quota is 40% of the teachers: 2 × 40% = 0.8 → 0 places, so 张丽 (50) is 良好; with the line
    read as a third teacher it was 3 × 40% = 1.2 → 1 place, and 张丽 became 优秀."""
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {"计划未交": 1}))
    del sheets["教师名册"]
    sheets["考核记录"].append([*line, None, None, None, 1])
    r = compute(sheets, merges)
    rows = {x["姓名"]: x for x in table(r, "考核结果")}
    assert set(rows) == {"张丽", "王强"}
    assert (rows["张丽"]["总分（50分）"], rows["张丽"]["等次"]) == (50, "良好")
    assert rows["王强"]["总分（50分）"] == 45                # 计划未交: 计划 0 of 5
    assert [p for p in r.problems if p.sheet == "考核记录"] == []


@pytest.mark.parametrize(("line", "cell"), [(["制表人：王老师"], "A7"), ([None, "注：迟到3次按缺席1次计"], "B7"),
                                            ([None, "审核人:李四"], "B7")])
def test_footer_lines_are_skipped_and_said(line, cell):
    """Verify a footer under 考核记录 (after a blank row 6) is no teacher: a 警告 on its cell, 2 teachers scored."""
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {"计划未交": 1}))
    del sheets["教师名册"]
    sheets["考核记录"] += [[], line]
    r = compute(sheets, merges)
    assert {x["姓名"] for x in table(r, "考核结果")} == {"张丽", "王强"}
    said = [(p.code, p.severity, p.cell) for p in r.problems if p.sheet == "考核记录"]
    assert said == [("footer-row", "警告", cell)]


def test_roster_footer_is_no_teacher(tmp_path):
    """Verify a 教师名册 footer 「制表人：王芳」 is no teacher of 学时汇总 (it had a row of 0 学时, 未达标), and a
    long 学时登记 (80 rows, the column-wise path) skips its 「全校合计」 line silently and says its footer:
    B01 has 80 × 1 = 80 学时."""
    roster = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""], ["制表人：王芳"]]
    register = [{"工号": "B01", "日期": D(2023, 10, 1) + dt.timedelta(days=k), "类别": "专题培训", "时长": 1}
                for k in range(80)]
    register += [{"姓名": "全校合计", "时长": 80}, {"工号": "填表日期：2023-12-30"}]    # rows 83 and 84
    res = compute_file(write_book(tmp_path / "a.xlsx", roster, register), "baiwanzi")
    [row] = hours_table(res, "学时汇总")
    assert (row["工号"], row["学年合计"]) == ("B01", 80)
    said = sorted((p.sheet, p.code, p.cell) for p in res.problems if p.severity != "提示")
    assert said == [("学时登记", "footer-row", "A84"), ("教师名册", "footer-row", "A4")]


def test_a_keyless_row_starting_like_a_total_keeps_its_warning():
    """Verify a row without 工号 or 姓名 whose cell only begins like a total (「总计划未交」) is still said as a row
    without a teacher (警告 on A6), not skipped silently as a 总计 line."""
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
    sheets["考核记录"].append([None, None, "总计划未交"])
    r = compute(sheets, merges)
    assert [(p.code, p.cell) for p in r.problems if p.sheet == "考核记录"] == [("row-without-teacher", "A6")]
