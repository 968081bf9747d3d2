"""Headers typed with the marks forms use: a required-field star (*工号, 姓名*, ＊日期, ※日期) or a label colon
(姓名：). Such a header was not found, so the whole sheet was refused (no-header, twice) and what it decides
fell back to the typed cells: 王强's absence from 签到登记 was not counted (参与情况 5 instead of 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from real_input import compute, lanxi4_record, row_of

from xlrubric.spec.load import load_preset

D = dt.date


def test_starred_signin_headers():
    """Verify 签到登记 headed ＊日期 | 活动名称 | 参加范围 | *工号 | 姓名： | 签到状态※ is read: 王强 has no row for
    研修1 (only 张丽 signed in), so one absence: 参与情况 5 − 1 = 4, 总分 49."""
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
    sheets["签到登记"] = [["签到登记"], ["＊日期", "活动名称", "参加范围", "*工号", "姓名：", "签到状态※"],
                      [D(2025, 10, 9), "研修1", "全体", "T1", "张丽", "已签到"]]
    r = compute(sheets, merges)
    assert [p.code for p in r.problems if p.sheet == "签到登记"] == []
    assert row_of(r, "王强")["参与情况（5分）"] == 4 and row_of(r, "王强")["总分（50分）"] == 49


def test_starred_register_headers():
    """Verify 学时登记 (baiwanzi) headed *工号 | 姓名* | *日期 | *类别 | 时长（小时）* is read: B01 has
    2 + 3 = 5 学时."""
    sheets = {"教师名册": [["工号", "姓名"], ["B01", "王芳"]],
              "学时登记": [["*工号", "姓名*", "*日期", "*类别", "时长（小时）*"],
                       ["B01", "王芳", D(2023, 10, 12), "专题培训", 2],
                       ["B01", "王芳", D(2023, 10, 13), "专题培训", 3]]}
    r = compute(sheets, spec=load_preset("baiwanzi"))
    assert [p.code for p in r.problems if p.severity == "错误"] == []
    [row] = [x for x in next(t for t in r.tables if t.name == "学时汇总").as_records()]
    assert row["学年合计"] == 5


def test_a_register_without_a_header_decides_nothing():
    """Verify a 签到登记 whose header is not found (日子 | 活动 | … : no 工号 or 姓名 column) is an 错误 said once,
    and the 参与情况 it decides is 待核实 for everyone (it was 5, the typed blank counts); an empty 签到登记 is
    no register: 参与情况 5 from the typed counts, as before."""
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
    sheets["签到登记"] = [["签到登记"], ["日子", "活动", "范围", "编码", "人", "状态"],
                      [D(2025, 10, 9), "研修1", "全体", "T1", "张丽", "已签到"]]
    r = compute(sheets, merges)
    assert [(p.code, p.cell) for p in r.problems if p.sheet == "签到登记"] == [("no-header", "A1")]
    for who in ("张丽", "王强"):
        assert row_of(r, who)["参与情况（5分）"] == "待核实"
        assert "签到登记!A1：签到登记找不到表头" in row_of(r, who)["待核实（单元格与原因）"]
    sheets["签到登记"] = [[None], [None, None]]
    assert row_of(compute(sheets, merges), "王强")["参与情况（5分）"] == 5


def test_a_submission_register_without_a_header_decides_nothing():
    """Verify xinghuo's 提交登记 without a header leaves the 7-point item (its 迟交/未交 come from the register)
    待核实 for each teacher instead of 7."""
    from real_input import XINGHUO, record_sheet, roster

    rows, merges = record_sheet(XINGHUO, [("A1", "张丽", {}), ("A2", "王强", {})])
    sheets = {"教师名册": roster(("A1", "张丽"), ("A2", "王强")), "考核记录": rows,
              "提交登记": [["提交登记"], ["编码", "人", "东西", "哪天"], ["A1", "张丽", "实践作业", D(2021, 6, 5)]]}
    r = compute(sheets, {"考核记录": merges}, spec=XINGHUO)
    practice = "说课材料、课件、教学实录或教学设计（7分）"
    assert row_of(r, "张丽")[practice] == row_of(r, "王强")[practice] == "待核实"


SIGNIN_HEADER = ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"]
# 研修1 held twice (10-09 and 10-16): 张丽 signed in, then came late; 王强 absent (a 缺席 row) and then no row.
SIGNIN_ROWS = [[D(2025, 10, 9), "研修1", "全体", "T1", "张丽", "已签到"],
               [D(2025, 10, 9), "研修1", "全体", "T2", "王强", "缺席"],
               [D(2025, 10, 16), "研修1", "全体", "T1", "张丽", "迟到"]]


def _signin_without(column):
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
    keep = [i for i, h in enumerate(SIGNIN_HEADER) if h != column]
    sheets["签到登记"] = [["签到登记"], [SIGNIN_HEADER[i] for i in keep], *[[r[i] for i in keep] for r in SIGNIN_ROWS]]
    return compute(sheets, merges)


@pytest.mark.parametrize("column", ["日期", "活动名称", "签到状态"])
def test_a_signin_register_lacking_a_needed_column_decides_nothing(column):
    """Verify a 签到登记 whose header lacks 日期 / 活动名称 / 签到状态 is an 错误 on its header row naming the column
    and what to write, and 参与情况 is 待核实 for everyone, citing 签到登记!A2. Before, a number came out:
    without 日期 the two 研修1 were one session, 王强 5 − 1 = 4 (he missed two: 3); without 签到状态 his 缺席 row
    read as a sign-in (4) and 张丽's 迟到 was lost (5 instead of 5 − 0.5 = 4.5)."""
    r = _signin_without(column)
    [p] = [p for p in r.problems if p.sheet == "签到登记"]
    assert (p.code, p.severity, p.cell) == ("missing-column", "错误", "A2")
    assert f"缺少必需的列「{column}」" in p.message and "表头加上这一列" in p.message
    for who in ("张丽", "王强"):
        assert row_of(r, who)["参与情况（5分）"] == "待核实"
        assert f"签到登记!A2：签到登记缺少「{column}」列" in row_of(r, who)["待核实（单元格与原因）"]
    if column == "签到状态":       # a list of who signed in only needs the column added, left blank (= 已签到)
        assert "留空视为已签到" in p.message and "留空即可" in row_of(r, "张丽")["待核实（单元格与原因）"]


def test_a_signin_register_without_scope_is_read_as_everyone():
    """Verify 参加范围 stays optional (blank means 全体, README): 张丽 4.5 (one 迟到 −0.5), 王强 5 − 2 = 3."""
    r = _signin_without("参加范围")
    assert [p for p in r.problems if p.sheet == "签到登记"] == []
    assert (row_of(r, "张丽")["参与情况（5分）"], row_of(r, "王强")["参与情况（5分）"]) == (4.5, 3)


SUBMISSION_HEADER = ["工号", "姓名", "材料", "提交日期"]
# xinghuo: 实践作业 (说课材料… 7 points) due 2021-06-05, 资料迟交 −1 per time; 张丽 late (06-07), 王强 on time.
SUBMISSION_ROWS = [["A1", "张丽", "实践作业", D(2021, 6, 7)], ["A2", "王强", "实践作业", D(2021, 6, 1)]]


@pytest.mark.parametrize("column", ["材料", "提交日期"])
def test_a_submission_register_lacking_a_needed_column_decides_nothing(column):
    """Verify a 提交登记 without 材料 or 提交日期 leaves the 7-point item 待核实 for both teachers (it depends on
    迟交 from 提交日期 and 未交 from 材料); before, both got 7 — 张丽's late hand-in (7 − 1 = 6) was lost.
    研修计划 has no deadline, so its 迟交 is the typed cell either way: 5 when only 提交日期 is missing."""
    from real_input import XINGHUO, record_sheet, roster

    keep = [i for i, h in enumerate(SUBMISSION_HEADER) if h != column]
    rows, merges = record_sheet(XINGHUO, [("A1", "张丽", {}), ("A2", "王强", {})])
    sheets = {"教师名册": roster(("A1", "张丽"), ("A2", "王强")), "考核记录": rows,
              "提交登记": [["提交登记"], [SUBMISSION_HEADER[i] for i in keep],
                       *[[r[i] for i in keep] for r in SUBMISSION_ROWS]]}
    r = compute(sheets, {"考核记录": merges}, spec=XINGHUO)
    [p] = [p for p in r.problems if p.sheet == "提交登记"]
    assert (p.code, p.severity, p.cell) == ("missing-column", "错误", "A2") and f"「{column}」" in p.message
    practice = "说课材料、课件、教学实录或教学设计（7分）"
    for who in ("张丽", "王强"):
        assert row_of(r, who)[practice] == "待核实"
        assert f"提交登记!A2：提交登记缺少「{column}」列" in row_of(r, who)["待核实（单元格与原因）"]
    if column == "提交日期":
        assert row_of(r, "王强")["研修计划（5分）"] == 5
