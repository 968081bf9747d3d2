"""Headers typed with the marks forms use: a required-field star (*工号, 姓名*, ＊日期, ※日期) or a label colon
(姓名：). Such a header was not found, so the whole sheet was refused (no-header, twice) and what it decides
fell back to the typed cells: 王强's absence from 签到登记 was not counted (参与情况 5 instead of 4)."""

from __future__ import annotations

import datetime as dt

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
