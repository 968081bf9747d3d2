"""Verify the presets other than lanxi4 filled in as busy directors type (session 12): every cell read, read
under a stated interpretation with a 警告 on it, or refused with 待核实 wherever the result appears — never a guess
turned into a number.

xinghuo (seed 000): 参训考勤 3分 "每少1次签到扣1分；旷训较多的每次扣0.5分"; 学习心得 5分 "每少一次扣1分"; 30 points.
baiwanzi (seed 001): 专题培训 "按1小时计1学时"; 集中培训 "未注明学时的按实际活动天数每天计8学时";
教学设计 "一篇字数800以上,计4学时"; 每年至少40学时. weicun (seed 002): "同时骨干教师拍摄十分钟微视频" (one a semester).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hours_books import compute as compute_hours
from hours_books import register_row
from hours_books import table as hours_table
from hours_books import write_book as write_hours
from real_input import XINGHUO, book, problems, row_of, table
from schoolbooks import record_sheet

from xlrubric.pipeline import compute_book
from xlrubric.readers.text import chinese_numeral, parse_number

D = dt.date
PENDING = "待核实"


def _xinghuo(counts: dict, signin=None, merges=None):
    rows, record_merges = record_sheet(XINGHUO, [("X01", "王芳", counts), ("X02", "李强", {})])
    sheets = {"教师名册": [["教师名册"], ["工号", "姓名"], ["X01", "王芳"], ["X02", "李强"]], "考核记录": rows}
    all_merges = {"考核记录": record_merges}
    if signin is not None:
        sheets["签到登记"] = signin
        all_merges["签到登记"] = merges or []
    return compute_book(book(sheets, all_merges), XINGHUO, "预设 xinghuo")


# ------------------------------------------------------------------ Chinese numerals said as ranges


@pytest.mark.parametrize(("typed", "value"), [("一两", None), ("三四", None), ("两三", None), ("二〇二一", None),
                                              ("一千二", 1200), ("一百五", 150), ("两千五", 2500), ("一千零二", 1002),
                                              ("十五", 15), ("二十", 20), ("三千五百", 3500), ("一千三千", None)])
def test_chinese_numerals_as_said(typed, value):
    """Verify two digits side by side are a range (三四次 = 3 or 4: no number; it was the last digit, 4), and a digit
    closing a number after 百/千 counts in the next place down, as it is said (一千二 = 1200; it was 1002)."""
    assert chinese_numeral(typed) == value


def test_count_said_as_a_range_is_pending():
    """Verify 缺签到次数「一两次」 (once or twice) is refused: 参训考勤 待核实 in 考核结果, 扣分明细 and the JSON
    report, the cell named — before, it was read as 2 (3 − 2×1 = 1分) with a 警告 that hid the guess."""
    r = _xinghuo({"缺签到次数": "一两次"})
    [bad] = [p for p in problems(r, "not-a-number") if p.value == "一两次"]
    assert bad.severity == "错误" and bad.sheet == "考核记录"
    row = row_of(r, "王芳")
    assert row["参训考勤（3分）"] == row["总分（30分）"] == PENDING
    assert bad.cell in row["待核实（单元格与原因）"]
    assert row["研修计划（5分）"] == 5                         # items not fed by the cell keep their score
    detail = [d for d in table(r, "扣分明细") if d["姓名"] == "王芳"]
    assert [(d["项目"], d["扣分"]) for d in detail] == [("参训考勤", PENDING)]
    report = next(t for t in r.report["teachers"] if t["name"] == "王芳")
    assert report["items"]["参训考勤"] == report["total"] == PENDING
    assert report["pending"]["参训考勤"][0]["cell"] == bad.cell
    assert row_of(r, "李强")["总分（30分）"] == 30


def test_days_said_as_a_range_are_pending(tmp_path):
    """Verify 天数「两三天」 (two or three days) leaves the 集中培训 row 待核实 — it was 3 days × 8 = 24学时 with a
    警告; and 字数「一千二」 is 1200 (a 警告 saying so), no longer 1002."""
    roster = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    rows = [{"工号": "B01", "日期": D(2023, 10, 14), "类别": "集中培训", "天数": "两三天"},          # row 3
            {"工号": "B01", "日期": D(2023, 10, 20), "类别": "教学设计", "字数": "一千二", "审核状态": "已认定"}]
    res = compute_hours(write_hours(tmp_path / "白湾子.xlsx", roster, rows), "baiwanzi")
    got = {p.cell: p for p in res.problems if p.sheet == "学时登记"}
    assert (got["I3"].code, got["I3"].severity) == ("not-a-number", "错误")
    assert (register_row(res, 3)["状态"], register_row(res, 3)["认定学时"]) == (PENDING, None)
    assert got["K4"].severity == "警告" and "已按 1200 计算" in got["K4"].message
    assert register_row(res, 4)["认定学时"] == 4                # 1200 ≥ 800: 计4学时
    b01 = hours_table(res, "学时汇总")[0]
    # confirmed 4 < 40 and the pending row could add: 待核实, never 28 (24 + 4)
    assert (b01["学年合计"], b01["已确认学时"], b01["学年达标"]) == (PENDING, 4, PENDING)
    assert b01["待核实"] == "学时登记 I3"
    report = json.loads(json.dumps(res.report, ensure_ascii=False, default=str))
    assert report["hours"][0]["years"] == {"2023-2024学年": None}


# ------------------------------------------------------------------ a unit of another kind in a count column


def test_points_typed_in_a_count_column_are_refused():
    """Verify 旷训次数「1分」 (the director typed the deduction, 1 point = 2 events at 0.5) is refused: 参训考勤
    待核实 with the cell — it was read as 1 event (3 − 0.5 = 2.5). 「2篇」 in 缺心得次数 stays a count: 5 − 2×1 = 3."""
    r = _xinghuo({"旷训次数": "1分", "缺心得次数": "2篇"})
    [bad] = problems(r, "wrong-unit")
    assert bad.severity == "错误" and bad.value == "1分" and "「分」不是次数的单位" in bad.message
    row = row_of(r, "王芳")
    assert row["参训考勤（3分）"] == row["总分（30分）"] == PENDING and bad.cell in row["待核实（单元格与原因）"]
    assert row["学习心得、感悟或教学反思（5分）"] == 3


def test_count_typed_in_a_score_column_is_refused():
    """Verify a scoring sheet's 研修计划「4次」 is refused (待核实), while 「4分」 is read as 4 (警告)."""
    sheets = {"考核评分表": [["序号", "姓名", "研修计划", "参训考勤", "研修记录", "实践作业", "心得体会", "研修总结"],
                             [1, "王芳", "4次", 3, 5, 7, 5, 5], [2, "李强", "4分", 3, 5, 7, 5, 5]]}
    spec = XINGHUO.model_copy(deep=True)
    spec.rubric.input = "scores"
    r = compute_book(book(sheets), spec, "预设 xinghuo")
    [bad] = problems(r, "wrong-unit")
    assert bad.value == "4次" and "不是得分的单位" in bad.message
    assert row_of(r, "王芳")["研修计划（5分）"] == PENDING
    assert row_of(r, "李强")["研修计划（5分）"] == 4 and row_of(r, "李强")["总分（30分）"] == 29


# ------------------------------------------------------------------ 学年 with one year


def test_school_year_with_one_year_is_refused(tmp_path):
    """Verify 学年「2024年春季」 beside 日期「3月5日」 no longer makes 2025-03-05 (2024-2025学年, 1学时 counted there):
    a year alone names one of two 学年, so the 学年 is an 错误 and, baiwanzi's cycle spanning five 学年, the 月日 has
    no year — the row is 待核实. A full 日期 still decides its own row («2023» beside 2023-10-12 counts 2学时)."""
    roster = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    rows = [{"工号": "B01", "日期": "3月5日", "类别": "专题培训", "时长": 1, "学年": "2024年春季"},    # row 3
            {"工号": "B01", "日期": D(2023, 10, 12), "类别": "专题培训", "时长": 2, "学年": "2023"},   # row 4
            {"工号": "B01", "日期": "11月6日", "类别": "专题培训", "时长": 3, "学年": "2023-24"},      # row 5
            {"工号": "B01", "日期": "12月7日", "类别": "专题培训", "时长": 4, "学年": "2023—2024学年"}]  # row 6
    res = compute_hours(write_hours(tmp_path / "白湾子.xlsx", roster, rows), "baiwanzi")
    got = {p.cell: p for p in res.problems if p.sheet == "学时登记"}
    assert got["O3"].code == "bad-year" and "2023-2024学年还是2024-2025学年" in got["O3"].message
    assert got["C3"].code == "date-no-year" and register_row(res, 3)["状态"] == PENDING
    assert got["O4"].code == "bad-year" and register_row(res, 4)["认定学时"] == 2
    assert "O5" not in got and register_row(res, 5)["日期"] == "2023-11-06"     # 2023-24 is one 学年
    assert "O6" not in got and register_row(res, 6)["日期"] == "2023-12-07"
    years = {r["学年"]: r for r in hours_table(res, "学时汇总")}
    assert list(years) == ["2023-2024学年"]                # nothing counted in 2024-2025
    # 2 + 3 + 4 = 9 confirmed, below 40; the 3月5日 row could add: 待核实, cited
    assert (years["2023-2024学年"]["已确认学时"], years["2023-2024学年"]["学年合计"]) == (9, PENDING)
    assert years["2023-2024学年"]["待核实"] == "学时登记 C3"


# ------------------------------------------------------------------ cells merged down over several rows


SIGNIN_HEAD = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"]]


def test_signin_date_merged_over_a_session():
    """Verify one 日期 and 活动名称 merged down over a session's teachers count for each row, as the merge shows:
    两次活动 (4-20 研修1, 5-10 研修2), 李强 signed both (typed 「李 强」 and 「✓」), 王芳 missed 研修2 (×): 3 − 1 = 2,
    李强 3. Before, the rows under each merge had no 日期: both teachers' 参训考勤 was 待核实."""
    signin = SIGNIN_HEAD + [[D(2021, 4, 20), "研修1", None, None, "王芳", "已签到"],
                            [None, None, None, None, "李 强", "已签到"],
                            [D(2021, 5, 10), "研修2", None, None, "王芳", "×"],
                            [None, None, None, None, "李强", "✓"]]
    merges = [(2, 0, 3, 0), (2, 1, 3, 1), (4, 0, 5, 0), (4, 1, 5, 1)]
    r = _xinghuo({}, signin, merges)
    assert not [p for p in r.problems if p.severity == "错误"]
    assert row_of(r, "王芳")["参训考勤（3分）"] == 2 and row_of(r, "王芳")["总分（30分）"] == 29
    assert row_of(r, "李强")["参训考勤（3分）"] == 3


def test_signin_without_date_says_attendance():
    """Verify a blank 签到日期 says the session is unknown (出勤待核实), not 是否按时提交 (a hand-in's words), and
    every teacher's 参训考勤 is 待核实 (who missed that session is unknown)."""
    signin = SIGNIN_HEAD + [[D(2021, 4, 20), "研修1", None, "X01", "王芳", None],
                            [None, "研修2", None, "X02", "李强", None]]
    r = _xinghuo({}, signin)
    [p] = problems(r, "no-date")
    assert p.cell == "A4" and "出勤待核实" in p.message and "提交" not in p.message
    assert row_of(r, "王芳")["参训考勤（3分）"] == row_of(r, "李强")["参训考勤（3分）"] == PENDING


def test_roster_group_merged_over_teachers(tmp_path):
    """Verify weicun's 教师名册 with 组别/角色 「骨干」 (and 教研组) merged over two teachers: both are 骨干, so both
    owe 十分钟微视频 — none registered: 未达标. Before, the second teacher read as having no group: 不适用."""
    import openpyxl
    from hours_books import REGISTER_HEADER, ROSTER_HEADER

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "教师名册"
    ws.append(["教师名册"])
    ws.append(ROSTER_HEADER)
    ws.append(["W01", "王芳", "女", D(1970, 3, 1), D(1995, 9, 1), "语文", "语文组", "骨干"])
    ws.append(["W02", "李强", "男", D(1970, 3, 1), D(1995, 9, 1), "语文", None, None])
    ws.append(["W03", "张伟", "男", D(1970, 3, 1), D(1995, 9, 1), "数学", "数学组", "教师"])
    ws.merge_cells("G3:G4")
    ws.merge_cells("H3:H4")
    reg = wb.create_sheet("学时登记")
    reg.append(["学时登记"])
    reg.append(REGISTER_HEADER)
    reg.append(["W01", "王芳", D(2021, 9, 15), "随笔"])
    path = tmp_path / "魏村.xlsx"
    wb.save(path)
    res = compute_hours(path, "weicun")
    status = {(x["姓名"], x["要求"]): x["达标"] for x in hours_table(res, "达标情况")}
    assert status[("王芳", "十分钟微视频")] == status[("李强", "十分钟微视频")] == "未达标"
    assert status[("张伟", "十分钟微视频")] == "不适用"


# ------------------------------------------------------------------ forms already read right (guards)


def test_yes_no_marks_and_full_width_digits():
    """Verify what xinghuo's once-only column (研修计划偏离主题或应付, 扣1分) and a count column accept: ✓/✔/是/有
    are 1 (5 − 1 = 4), ×/否 are 0 (5), each with a 警告; 「X」 and 「对」 are refused; full-width 「２」 in 缺签到次数
    is 2 (3 − 2 = 1)."""
    for typed, score in [("✓", 4), ("✔", 4), ("是", 4), ("有", 4), ("×", 5), ("否", 5), ("X", PENDING),
                         ("对", PENDING)]:
        r = _xinghuo({"研修计划偏离主题或应付": typed})
        assert row_of(r, "王芳")["研修计划（5分）"] == score, typed
        warned = [p for p in r.problems if p.value == typed]
        assert warned and warned[0].severity == ("错误" if score == PENDING else "警告"), typed
    r = _xinghuo({"缺签到次数": "２"})
    assert row_of(r, "王芳")["参训考勤（3分）"] == 1 and problems(r, "number-as-text")


def test_hour_forms_read_or_refused(tmp_path):
    """Verify baiwanzi 学时登记 forms: 「１．５小时」 1.5 (警告), 「约2」/「2左右」 2 (approximate, 警告), 「/」「无」
    「暂无」「80%」 refused, 「半天」 in 时长 refused, 「1等奖」 refused (not a guess at 一等奖), 国级 → 国家级 (提示),
    工号 12 for 0012 (警告)."""
    roster = [["0012", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    base = {"工号": "0012", "类别": "专题培训"}
    rows = [base | {"日期": D(2023, 10, 1), "时长": "１．５小时"},                # 3: 1.5
            base | {"日期": D(2023, 10, 2), "时长": "约2"},                     # 4: 2
            base | {"日期": D(2023, 10, 3), "时长": "2左右"},                   # 5: 2
            base | {"日期": D(2023, 10, 4), "时长": "/"},                       # 6
            base | {"日期": D(2023, 10, 5), "时长": "无"},                      # 7
            {"工号": "0012", "类别": "集中培训", "日期": D(2023, 10, 6), "证书学时": "暂无"},   # 8
            {"工号": "0012", "类别": "集中培训", "日期": D(2023, 10, 7), "证书学时": "80%"},    # 9
            base | {"日期": D(2023, 10, 8), "时长": "半天"},                    # 10
            {"工号": "0012", "类别": "论文获奖", "日期": D(2023, 10, 9), "级别": "县级", "等次": "1等奖",
             "题目": "甲", "字数": 3000},                                        # 11
            {"工号": 12, "类别": "论文发表", "日期": D(2023, 10, 10), "级别": "国级", "题目": "乙",
             "字数": 3000}]                                                      # 12: 国家级 16
    res = compute_hours(write_hours(tmp_path / "白湾子.xlsx", roster, rows), "baiwanzi")
    got = {p.cell: (p.code, p.severity) for p in res.problems if p.sheet == "学时登记"}
    assert got["H3"] == ("number-as-text", "警告") and got["H4"] == got["H5"] == ("approximate", "警告")
    for cell in ("H6", "H7", "J8", "J9", "H10"):
        assert got[cell][1] == "错误", cell
    assert got["G11"] == ("unknown-award", "错误") and got["F12"] == ("level-synonym", "提示")
    assert got["A12"] == ("id-leading-zero", "警告")
    assert [register_row(res, n)["认定学时"] for n in (3, 4, 5, 12)] == [1.5, 2, 2, 16]
    for n in (6, 7, 8, 9, 10, 11):
        assert register_row(res, n)["状态"] == PENDING, n
    assert parse_number("１．５") == (1.5, True)


# ------------------------------------------------------------------ an example row left in; a 能力点 with its name


def test_example_row_left_in_is_no_teacher():
    """Verify a template's example row kept under the header (工号「示例」, 姓名 张三) is skipped with a 警告 on its
    cell, not scored as a teacher: xinghuo's 考核记录 without a 名册 lists only 王芳 (30). Before, 「示例」 was a
    teacher with full marks in 考核结果."""
    rows, merges = record_sheet(XINGHUO, [("示例", "张三", {"缺签到次数": 1}), ("X01", "王芳", {})])
    r = compute_book(book({"考核记录": rows}, {"考核记录": merges}), XINGHUO, "预设 xinghuo")
    [p] = problems(r, "example-row")
    assert (p.severity, p.cell, p.value) == ("警告", "A4", "示例") and "示例行" in p.message
    assert [x["姓名"] for x in table(r, "考核结果")] == ["王芳"]
    assert row_of(r, "王芳")["总分（30分）"] == 30


def test_example_row_in_the_roster(tmp_path):
    """Verify tisheng2's 教师名册 with an example row (「例1」 | 张三) lists no 张三 in 项目考核 or 达标情况."""
    roster = [["例1", "张三", "男", D(1980, 1, 1), D(2000, 9, 1), "语文", "语文组", "教师"],
              ["T01", "赵一", "女", D(1985, 1, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    rows = [{"工号": "T01", "日期": D(2020, 10, 1), "类别": "微能力点", "题目": "A1"}]
    res = compute_hours(write_hours(tmp_path / "提升.xlsx", roster, rows), "tisheng2")
    assert [(p.code, p.cell) for p in res.problems if p.sheet == "教师名册"] == [("example-row", "A3")]
    assert {x["姓名"] for x in hours_table(res, "项目考核")} == {"赵一"}
    assert {x["姓名"] for x in hours_table(res, "达标情况")} == {"赵一"}


def test_ability_point_typed_with_its_name_counts_once(tmp_path):
    """Verify 「A1」 and 「A1 技术支持的学情分析」 are one 能力点 (seed 004: "每位教师至少通过3个能力点的微认证"):
    A1, A1…, B2 is 2 certain points, short of 3, and the repeat may be a typo for another point → 待核实 (a 警告 on
    the repeat). Before, the two A1 rows counted as two: 3 of 3, 达标. A10 is not A1."""
    roster = [["T01", "赵一", "女", D(1985, 1, 1), D(2008, 9, 1), "语文", "语文组", ""],
              ["T02", "钱二", "男", D(1986, 1, 1), D(2009, 9, 1), "数学", "数学组", ""]]
    rows = [{"工号": "T01", "日期": D(2020, 10, 1), "类别": "微能力点", "题目": "A1"},                  # row 3
            {"工号": "T01", "日期": D(2020, 10, 2), "类别": "微能力点", "题目": "A1 技术支持的学情分析"},  # row 4
            {"工号": "T01", "日期": D(2020, 10, 3), "类别": "微能力点", "题目": "B2"},
            {"工号": "T02", "日期": D(2020, 10, 1), "类别": "微能力点", "题目": "A1"},
            {"工号": "T02", "日期": D(2020, 10, 2), "类别": "微能力点", "题目": "A10"},
            {"工号": "T02", "日期": D(2020, 10, 3), "类别": "微能力点", "题目": "B2"}]
    res = compute_hours(write_hours(tmp_path / "提升.xlsx", roster, rows), "tisheng2")
    [p] = [p for p in res.problems if p.code == "same-title"]
    assert (p.cell, p.severity) == ("N4", "警告")
    status = {x["姓名"]: x for x in hours_table(res, "达标情况") if x["要求"] == "微能力点（教师）"}
    assert status["赵一"]["达标"] == PENDING
    assert (status["钱二"]["达标"], status["钱二"]["已完成"]) == ("达标", 3)


# ------------------------------------------------------------------ one session typed two ways; rows that disagree


def test_session_name_typed_full_width_is_one_session():
    """Verify 「研修２」 (full-width) and 「研修 2」 on the same day are the one session 研修2: both teachers signed
    both sessions, 3分 each. Before, they were two sessions and each teacher was absent from the other's: 3 − 1 = 2."""
    signin = SIGNIN_HEAD + [[D(2021, 4, 20), "研修1", None, "X01", "王芳", "已签到"],
                            [D(2021, 4, 20), "研修1", None, "X02", "李强", "已签到"],
                            [D(2021, 5, 10), "研修２", None, "X01", "王芳", "已签到"],
                            [D(2021, 5, 10), "研修 2", None, "X02", "李强", "已签到"]]
    r = _xinghuo({}, signin)
    assert row_of(r, "王芳")["参训考勤（3分）"] == row_of(r, "李强")["参训考勤（3分）"] == 3
    assert not [d for d in table(r, "扣分明细") if d["项目"] == "参训考勤"]


def test_rows_of_one_session_that_disagree_are_pending():
    """Verify 王芳 on two rows of 研修1, 已签到 and 缺席, is an 错误 on the later 签到状态 and her 参训考勤 待核实
    (in 考核结果 and 扣分明细, citing the cell) — before, any row not 缺席 counted as signed in: 3分 silently.
    李强's two 已签到 rows agree: one sign-in, 3分."""
    signin = SIGNIN_HEAD + [[D(2021, 4, 20), "研修1", None, "X01", "王芳", "已签到"],
                            [D(2021, 4, 20), "研修1", None, "X01", "王芳", "缺席"],
                            [D(2021, 4, 20), "研修1", None, "X02", "李强", "已签到"],
                            [D(2021, 4, 20), "研修1", None, "X02", "李强", "已签到"]]
    r = _xinghuo({}, signin)
    [p] = problems(r, "signin-disagrees")
    assert (p.sheet, p.cell, p.severity) == ("签到登记", "F4", "错误") and "第3行" in p.message
    row = row_of(r, "王芳")
    assert row["参训考勤（3分）"] == row["总分（30分）"] == PENDING and "签到登记!F4" in row["待核实（单元格与原因）"]
    detail = [d for d in table(r, "扣分明细") if d["姓名"] == "王芳"]
    assert [(d["项目"], d["扣分"], d["来源"]) for d in detail] == [("参训考勤", PENDING, "签到登记!F4")]
    assert row_of(r, "李强")["参训考勤（3分）"] == 3


# ------------------------------------------------------------------ a 级别, 等次 or 角色 the rule needs left blank


def test_blank_level_award_or_role_is_pending(tmp_path):
    """Verify a choice the row's rule needs left blank is 待核实 with an 错误 on that cell, not 无效 0学时 (seed 001:
    论文 "在县级以上获奖……分别按一、二、三等奖计12、8、4学时"; 课题 "课题主持人及主笔……按国省级、市县级计40、30学时；
    课题主要参与者……20、15学时"; "课题是指……批准研究并结题的课题"). Before, each row was 无效 ("级别「」不计学时",
    "须结题后才计学时（填的是「」）") with no word on the blank cell. 公开课 计4学时 is certain: confirmed 4."""
    roster = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    paper = {"工号": "B01", "类别": "论文获奖", "字数": 3000}
    project = {"工号": "B01", "类别": "课题"}
    rows = [paper | {"日期": D(2023, 10, 17), "等次": "一等奖", "题目": "甲"},                    # 3: 级别 blank
            paper | {"日期": D(2023, 10, 18), "级别": "县级", "题目": "乙"},                      # 4: 等次 blank
            project | {"日期": D(2023, 10, 19), "级别": "省级", "等次": "结题", "题目": "丙"},     # 5: 角色 blank
            project | {"日期": D(2023, 10, 20), "级别": "省级", "角色": "主持人", "题目": "丁"},   # 6: 等次 blank
            {"工号": "B01", "日期": D(2023, 10, 21), "类别": "公开课"},                          # 7: 4
            paper | {"日期": D(2023, 10, 22), "级别": "县级", "题目": "戊", "字数": 1500}]   # 8: 字数 short
    res = compute_hours(write_hours(tmp_path / "白湾子.xlsx", roster, rows), "baiwanzi")
    got = {p.cell: p for p in res.problems if p.sheet == "学时登记"}
    for cell, said in (("F3", "未填写级别"), ("G4", "未填写等次"), ("E5", "未填写角色"), ("G6", "未填写等次")):
        assert (got[cell].code, got[cell].severity) == ("missing-amount", "错误") and said in got[cell].message, cell
        assert register_row(res, int(cell[1:]))["状态"] == PENDING, cell
    assert register_row(res, 7)["认定学时"] == 4
    # 1500 < 2000 ("一篇字数2000以上") already makes row 8 无效, whatever its 等次: no 待核实 for it
    assert register_row(res, 8)["状态"] == "无效学时" and "G8" not in got
    b01 = hours_table(res, "学时汇总")[0]
    assert (b01["学年合计"], b01["已确认学时"], b01["学年达标"]) == (PENDING, 4, PENDING)
    assert b01["待核实"] == "学时登记 F3、G4、E5、G6"


# ------------------------------------------------------------------ 人工调整 typed as text


def test_override_typed_as_text():
    """Verify xinghuo's 人工调整 of 参训考勤 (3分; computed 3 − 2×1 = 1 for 缺签到次数 2): 「2.5分」 is 2.5 with a 警告
    (总分 30 − 3 + 2.5 = 29.5; it was taken silently), and 「3次」 — a count, not a score — is refused: 参训考勤 待核实
    on the cell (it was adopted as 3, full marks, silently)."""
    rows, merges = record_sheet(XINGHUO, [("X01", "王芳", {"缺签到次数": 2}), ("X02", "李强", {"缺签到次数": 2})])
    adjust = [["人工调整"], ["工号", "姓名", "项目", "调整为", "原因"],
              ["X01", "王芳", "参训考勤", "2.5分", "补签到一次"],
              ["X02", "李强", "参训考勤", "3次", "补签到"]]
    sheets = {"教师名册": [["教师名册"], ["工号", "姓名"], ["X01", "王芳"], ["X02", "李强"]], "考核记录": rows,
              "人工调整": adjust}
    r = compute_book(book(sheets, {"考核记录": merges}), XINGHUO, "预设 xinghuo")
    said = {p.cell: (p.code, p.severity) for p in r.problems if p.sheet == "人工调整"}
    assert said == {"D3": ("number-as-text", "警告"), "D4": ("override-wrong-unit", "错误")}
    assert row_of(r, "王芳")["参训考勤（3分）"] == 2.5 and row_of(r, "王芳")["总分（30分）"] == 29.5
    li = row_of(r, "李强")
    assert li["参训考勤（3分）"] == li["总分（30分）"] == PENDING and "人工调整!D4" in li["待核实（单元格与原因）"]


# ------------------------------------------------------------------ more forms already read right (guards)


def test_teacher_twice_under_other_spellings():
    """Verify a teacher on two rows of xinghuo's 考核记录 under other spellings — 工号 0012 and the number 12 (Excel
    dropped the 0), 「X02」 and 「X02 」, 工号 X03 and a row with only 姓名 「张 伟」 — is one teacher listed twice:
    the differing 缺签到次数 leave 参训考勤 待核实 on the later row's cell, never the first row's value."""
    rows, merges = record_sheet(XINGHUO, [("0012", "王芳", {"缺签到次数": 1}), (12, "王芳", {"缺签到次数": 2}),
                                          ("X02", "李强", {}), ("X02 ", "李强", {"缺签到次数": 1})])
    sheets = {"教师名册": [["教师名册"], ["工号", "姓名"], ["0012", "王芳"], ["X02", "李强"]], "考核记录": rows}
    r = compute_book(book(sheets, {"考核记录": merges}), XINGHUO, "预设 xinghuo")
    assert {p.cell for p in problems(r, "duplicate")} == {"A5", "A7"}
    assert "考核记录!F5" in row_of(r, "王芳")["待核实（单元格与原因）"]
    assert "考核记录!F7" in row_of(r, "李强")["待核实（单元格与原因）"]
    assert row_of(r, "王芳")["参训考勤（3分）"] == row_of(r, "李强")["参训考勤（3分）"] == PENDING


def test_register_dates_as_typed(tmp_path):
    """Verify weicun 学时登记 dates: 2021.9.1, 2021/10/1, ２０２１．１１．５ are read; 9月1日 is 2021-09-01 from the
    one-学年 考核期 (警告); 21.12.1, month-only 2021年11月, 十二月一日 and 2021-11-31 are refused (待核实)."""
    roster = [["W01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    typed = ["2021.9.1", "2021/10/1", "２０２１．１１．５", "9月1日", "21.12.1", "2021年11月", "十二月一日",
             "2021-11-31"]
    rows = [{"工号": "W01", "日期": t, "类别": "随笔"} for t in typed]
    res = compute_hours(write_hours(tmp_path / "魏村.xlsx", roster, rows), "weicun")
    got = {p.cell: (p.code, p.severity) for p in res.problems if p.sheet == "学时登记"}
    assert got == {"C6": ("date-year-assumed", "警告"), "C7": ("bad-date", "错误"), "C8": ("bad-date", "错误"),
                   "C9": ("bad-date", "错误"), "C10": ("bad-date", "错误")}
    # 每月一篇 (seed 002): September (rows 3, 6), October, November are met by readable rows; the refused rows can
    # only add, so the months checked stay met (December on is not yet due as of the last dated row).
    x = next(x for x in hours_table(res, "达标情况") if x["要求"].startswith("日常反思"))
    assert (x["达标"], x["应完成"], x["已完成"]) == ("达标", 3, 4)
