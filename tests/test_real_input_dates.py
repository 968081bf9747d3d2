"""A plain number typed in a date cell (the date format lost in a copy-paste or a CSV round trip, or a typo).

Policy (readers/text.py `parse_date`, README 表格格式): a number that is an Excel day number of 1950-01-01 ..
2099-12-31 (18264..73050), or an 8-digit 年月日 (20231012), is read as that date with a 警告 on its cell
(`date-number`); any other number (15, 2021, 202109) is no date: an 错误 on the cell, what depends on it 待核实.
A real date cell stays a silent, certain date. Each sheet with a date column is checked through a real .xlsx
(openpyxl writes a number with the General format and a date with a date format, as Excel does).

Day numbers worked by hand: Excel's day 1 is 1900-01-01 and it counts a 1900-02-29 that never was, so from
March 1900 on, serial = days since 1899-12-30. 2023-10-12: 1899-12-30 → 2023-12-30 is 124 years = 124×365 + 30
leap days (1904..2020; 1900 is none) = 45290; minus the 79 days from 10-12 to 12-30 (19 + 30 + 30) = 45211.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hours_books import compute as compute_file
from hours_books import register_row, table, write_book
from real_input import compute, lanxi4_record, problems, row_of

from xlrubric.readers.text import parse_date

D = dt.date
PENDING = "待核实"
SERIAL_2023_10_12 = 45211              # worked out in the module docstring
# 2023-10-12 → 2025-10-12 is 731 days (2024 is a leap year), + 4 days → 2025-10-16: 45211 + 735 = 45946.
SERIAL_2025_10_16 = 45211 + 731 + 4


@pytest.mark.parametrize(("typed", "read"), [
    (SERIAL_2023_10_12, D(2023, 10, 12)), (float(SERIAL_2023_10_12), D(2023, 10, 12)),
    (20231012, D(2023, 10, 12)),                        # eight digits: 年月日, as the text "20231012" is read
    (18264, D(1950, 1, 1)), (73050, D(2099, 12, 31)),   # the ends of the range
    (18263, None), (73051, None), (15, None), (915, None), (2021, None), (202109, None), (20231312, None), (-3, None),
    (10.9, None),            # 10.9 typed for 10月9日 is stored as a number (and 10.10 as 10.1): no certain reading
])
def test_number_range(typed, read):
    """Verify which numbers are read as a date (with the day worked by hand) and which are refused."""
    assert parse_date(typed) == (read, True)


def signin_book(typed):
    # lanxi4 (term 2025-09-01 .. 2026-01-31): 教研活动 on 2025-10-09 with both teachers; 专题讲座 on the typed date
    # with only 张丽's row, so 王强 missed it: 参与情况 5 − 1 absence = 4 when the date is known.
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
    day = D(2025, 10, 9)
    sheets["签到登记"] = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"],
                      [day, "教研活动", "全体", "T1", "张丽", "已签到"],
                      [day, "教研活动", "全体", "T2", "王强", "已签到"],
                      [typed, "专题讲座", "全体", "T1", "张丽", "已签到"]]
    return compute(sheets, merges)


def test_signin_date_typed_as_a_number_is_read_and_said():
    """Verify a 签到 日期 typed as 45946 is the session of 2025-10-16, said on A5: 王强 4, not 待核实."""
    r = signin_book(SERIAL_2025_10_16)
    said = [(p.code, p.severity, p.cell) for p in r.problems if p.sheet == "签到登记"]
    assert said == [("date-number", "警告", "A5")]
    assert "按 Excel 日期序号读作 2025-10-16" in problems(r, "date-number")[0].message
    assert row_of(r, "王强")["参与情况（5分）"] == 4
    assert r.report["attendance"]["T2"]["evidence"] == ("2025-10-16 专题讲座（无签到）",)


def test_signin_date_a_small_number_is_refused():
    """Verify 15 in a 签到 日期 is no session on 1900-01-14 (formerly counted as 王强's absence: 4, no word):
    an 错误 on A5, and whether 王强 missed that session is unknown, so 参与情况 is 待核实."""
    r = signin_book(15)
    [p] = problems(r, "bad-date")
    assert (p.sheet, p.cell, p.severity) == ("签到登记", "A5", "错误") and "1950" in p.message
    assert row_of(r, "王强")["参与情况（5分）"] == PENDING


def test_register_date_numbers(tmp_path):
    """Verify 学时登记 (baiwanzi, cycle from 2023-2024): a date cell is silent, 45211 and 20231012 are
    2023-10-12 with a 警告 each, 15 is refused and its row 待核实. Confirmed 学时: 2 + 1 + 1 = 4."""
    register = [{"工号": "B01", "日期": D(2023, 10, 12), "类别": "专题培训", "时长": 2},     # row 3
                {"工号": "B01", "日期": SERIAL_2023_10_12, "类别": "专题培训", "时长": 1},  # row 4
                {"工号": "B01", "日期": 20231012, "类别": "专题培训", "时长": 1},           # row 5
                {"工号": "B01", "日期": 15, "类别": "专题培训", "时长": 3}]                 # row 6
    roster = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    res = compute_file(write_book(tmp_path / "a.xlsx", roster, register), "baiwanzi")
    said = sorted((p.code, p.severity, p.cell) for p in res.problems if p.sheet == "学时登记")
    assert said == [("bad-date", "错误", "C6"), ("date-number", "警告", "C4"), ("date-number", "警告", "C5")]
    assert register_row(res, 4)["日期"] == register_row(res, 5)["日期"] == "2023-10-12"
    assert (register_row(res, 6)["状态"], register_row(res, 6)["认定学时"]) == ("待核实", None)
    [row] = table(res, "学时汇总")
    assert row["已确认学时"] == 4 and row["学年合计"] == "待核实"


def test_roster_birth_date_numbers(tmp_path):
    """Verify 教师名册 出生日期 (weicun: 录像精品课 binds teachers aged ≤ 45 on 2021-09-01): 1980-03-01 typed
    as its day number is read with a 警告 on D3 (41 years old: bound, so the duty is decided, not 待核实);
    typed as 15 it is refused on D4 and the duty is 待核实."""
    # 1980-03-01: 1899-12-30 → 1979-12-30 is 80 years = 80×365 + 19 leap days (1904..1976) = 29219; then
    # → 1980-01-01 is 2 days, → 02-01 is 31 more, → 03-01 is 29 more (1980 is a leap year): 29219 + 62 = 29281.
    birth = 29219 + 62
    assert D(1899, 12, 30) + dt.timedelta(days=birth) == D(1980, 3, 1)
    roster = [["W01", "王丽", "女", birth, D(2005, 9, 1), "语文", "语文组", ""],
              ["W02", "陈红", "女", 15, D(2000, 9, 1), "数学", "数学组", ""]]
    res = compute_file(write_book(tmp_path / "b.xlsx", roster, []), "weicun")
    said = sorted((p.code, p.severity, p.cell) for p in res.problems if p.sheet == "教师名册")
    assert said == [("bad-date", "错误", "D4"), ("date-number", "警告", "D3")]
    status = {x["姓名"]: x for x in table(res, "达标情况") if x["要求"] == "录像精品课"}
    assert status["王丽"]["达标"] != "待核实" and status["陈红"]["达标"] == "待核实"


def test_submission_date_typed_as_a_number():
    """Verify 提交登记 (xinghuo, deadline 2021-06-05): 王强's 提交日期 typed as 44352 is that deadline day, on time
    (7 of 7) with a 警告 on D4; 李娜's 2021 is refused on D5, so whether she was late is unknown: 待核实."""
    # 2021-06-05 → 2023-06-05 is 730 days (no 02-29 between); 06-05 → 10-12 is 25 + 31 + 31 + 30 + 12 = 129:
    # 45211 − 859 = 44352.
    from real_input import XINGHUO, record_sheet, roster

    teachers = [("A1", "张丽", {}), ("A2", "王强", {}), ("A3", "李娜", {})]
    rows, merges = record_sheet(XINGHUO, teachers)
    sheets = {"教师名册": roster(*[(t, n) for t, n, _ in teachers]), "考核记录": rows,
              "提交登记": [["提交登记"], ["工号", "姓名", "材料", "提交日期"],
                       ["A1", "张丽", "实践作业", D(2021, 6, 5)], ["A2", "王强", "实践作业", 44352],
                       ["A3", "李娜", "实践作业", 2021]]}
    r = compute(sheets, {"考核记录": merges}, spec=XINGHUO)
    said = sorted((p.code, p.severity, p.cell) for p in r.problems if p.sheet == "提交登记")
    assert said == [("bad-date", "错误", "D5"), ("date-number", "警告", "D4")]
    practice = "说课材料、课件、教学实录或教学设计（7分）"
    assert row_of(r, "张丽")[practice] == row_of(r, "王强")[practice] == 7
    assert row_of(r, "李娜")[practice] == PENDING


def test_a_column_of_numbers_is_said_once_per_number():
    """Verify a 签到 日期 column pasted without its format (both 专题讲座 rows 45946, the 教研活动 rows 45939) gives
    one 警告 per number, on its first cell, naming the rows: A3 (rows 3-4) and A5 (rows 5-6); 王强 signed in at
    both, so 参与情况 5 (no deduction)."""
    # 2025-10-09 is 7 days before 2025-10-16: 45946 − 7 = 45939.
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
    early, late = SERIAL_2025_10_16 - 7, SERIAL_2025_10_16
    sheets["签到登记"] = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"],
                      [early, "教研活动", "全体", "T1", "张丽", "已签到"],
                      [early, "教研活动", "全体", "T2", "王强", "已签到"],
                      [late, "专题讲座", "全体", "T1", "张丽", "已签到"],
                      [late, "专题讲座", "全体", "T2", "王强", "已签到"]]
    r = compute(sheets, merges)
    said = [(p.code, p.cell) for p in r.problems if p.sheet == "签到登记"]
    assert said == [("date-number", "A3"), ("date-number", "A5")]
    assert [p.message for p in problems(r, "date-number")] == [
        "「45939」是数字，按 Excel 日期序号读作 2025-10-09；请核对并把单元格改成日期格式（第3-4行都是这个数）",
        "「45946」是数字，按 Excel 日期序号读作 2025-10-16；请核对并把单元格改成日期格式（第5-6行都是这个数）"]
    assert row_of(r, "王强")["参与情况（5分）"] == 5


@pytest.mark.parametrize(("typed", "read"), [
    ("2023年10月12号", D(2023, 10, 12)), ("2023/10/12 上午", D(2023, 10, 12)), ("2023.10.12.", D(2023, 10, 12)),
    ("2023。10。12", D(2023, 10, 12)), ("2023-10-12 14:30", D(2023, 10, 12)),
    ("上午", None), ("14:30", None), ("2023.10", None), ("2023年10月", None),    # no day: still refused
])
def test_date_text_forms(typed, read):
    """Verify 号 for 日, the IME's 。 for ".", a trailing dot and a time of day do not make a date unreadable, and
    a time alone, or a month without a day, is still no date (never a blank)."""
    assert parse_date(typed) == (read, True)


def test_register_date_text_forms(tmp_path):
    """Verify 学时登记 rows dated 「2023年10月12号」 and 「10月13号下午」 (学年 2023-2024: October is in its first
    year) both count: 2 + 1 = 3 学时, no problem on the register (each was 待核实 before)."""
    register = [{"工号": "B01", "日期": "2023年10月12号", "类别": "专题培训", "时长": 2},
                {"工号": "B01", "日期": "10月13号下午", "学年": "2023-2024", "类别": "专题培训", "时长": 1}]
    roster = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    res = compute_file(write_book(tmp_path / "e.xlsx", roster, register), "baiwanzi")
    assert [p.code for p in res.problems if p.sheet == "学时登记"] == []
    assert register_row(res, 4)["日期"] == "2023-10-13"
    assert table(res, "学时汇总")[0]["学年合计"] == 3


def test_duration_typed_as_a_time(tmp_path):
    """Verify 时长 typed as 2:00 (Excel keeps a time of day) is 2 小时 with a 警告, a [h]:mm 1:30 is 1.5, and 8:30
    (a clock time: nothing starts before 5:00, so an earlier time can only be a length) is refused: 已确认学时
    2 + 1.5 = 3.5, the 学年 待核实 (each time cell was refused before: 0 confirmed)."""
    from openpyxl import load_workbook

    register = [{"工号": "B01", "日期": D(2023, 10, 12 + k), "类别": "专题培训", "时长": 1} for k in range(3)]
    roster = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    path = write_book(tmp_path / "t.xlsx", roster, register)
    wb = load_workbook(path)
    ws = wb["学时登记"]
    for cell, value, fmt in (("H3", dt.time(2, 0), "h:mm"), ("H4", dt.timedelta(hours=1, minutes=30), "[h]:mm"),
                             ("H5", dt.time(8, 30), "h:mm")):
        ws[cell] = value
        ws[cell].number_format = fmt
    wb.save(path)
    res = compute_file(path, "baiwanzi")
    said = sorted((p.code, p.severity, p.cell) for p in res.problems if p.sheet == "学时登记")
    assert said == [("time-as-hours", "警告", "H3"), ("time-as-hours", "警告", "H4"), ("time-of-day", "错误", "H5")]
    [row] = table(res, "学时汇总")
    assert row["已确认学时"] == 3.5 and row["学年合计"] == "待核实"
