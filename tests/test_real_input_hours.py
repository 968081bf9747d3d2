"""Verify 学时登记 and 教师名册 as schools really type them (issue 11): every cell is read, read under a stated
interpretation with a 警告 on it, or rejected — and what a rejected cell feeds shows 待核实 with that cell, never a
number. Expected hours are worked out by hand from seed 001 (白湾子镇学校) and the groups from seed 004.

Seed 001: 讲座 1小时计1学时, 校内专家主讲 主讲人:参培者 = 4:1 (policy speaker_4x: 4 per hour); 集中培训 未注明学时的
按实际活动天数每天计8学时; 反思 一篇字数1000以上计4学时, 教学设计 800以上计4学时 (研修成果, 须学校认定, 每学年限1篇);
教研活动 每次1学时; 每年至少40学时.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hours_books import compute, register_row, table, write_book

from xlrubric.pipeline.hours import OVERALL

D = dt.date
ROSTER = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""],
          ["B02", "李强", "男", D(1980, 5, 2), D(2003, 9, 1), "数学", "数学组", ""],
          ["B03", "张伟", "男", D(1982, 6, 3), D(2005, 9, 1), "英语", "英语组", ""]]
INFO = [["学校名称", "白湾子镇学校"], ["学年", "2023-2024学年"]]
# Register columns: A 工号, C 日期, D 类别, E 角色, H 时长, I 天数, K 字数, P 审核状态; data from Excel row 3.
REGISTER = [
    {"工号": "B01", "日期": D(2023, 10, 12), "类别": "专题讲座", "时长": 2},            # 3: = 专题培训, 2×1 = 2
    {"工号": "B01", "日期": D(2023, 10, 13), "类别": "专题培训", "角色": "主讲教师", "时长": 2},  # 4: 主讲人 2×4 = 8
    {"工号": "B01", "日期": "5月20日", "类别": "专题培训", "时长": 3},                  # 5: 基本信息 → 2024-05-20, 3
    {"工号": "B01", "日期": D(2023, 11, 1), "类别": "外出学习", "天数": "半天"},        # 6: 集中培训 0.5×8 = 4
    {"工号": "B01", "日期": D(2023, 11, 2), "类别": "集中培训", "天数": "两天"},        # 7: 2×8 = 16
    {"工号": "B01", "日期": D(2023, 11, 3), "类别": "反思成果", "字数": "约1200字", "审核状态": "通过"},  # 8: 4
    {"工号": "B02", "日期": D(2023, 11, 4), "类别": "教学设计", "字数": "1000字", "审核状态": "已通过"},  # 9: 4
    {"工号": "B02", "日期": D(2023, 11, 5), "类别": "专题培训", "角色": "讲课的", "时长": 2},    # 10: role 待核实
    {"工号": "B02", "日期": D(2023, 11, 6), "类别": "教研活动", "角色": "讲课的"},      # 11: role not needed: 1
    {"工号": "B02", "日期": D(2023, 11, 7), "类别": "专题培训", "时长": "3天"},         # 12: 天 is no 时长 unit
    {"工号": "B02", "日期": D(2023, 11, 8), "类别": "专题培训", "时长": "90分钟"},      # 13: 1.5
    {"工号": "B02", "日期": D(2023, 11, 9), "类别": "专题培训", "时长": 1, "审核状态": "研究中"},  # 14: 待核实
    {"工号": "B03", "日期": D(2023, 10, 10), "类别": "集中培训", "天数": 5},            # 15: 5×8 = 40
    {"工号": "B03", "日期": D(2023, 10, 11), "类别": "专题培训", "时长": "记不清"},     # 16: 待核实
]


@pytest.fixture(name="res", scope="module")
def fixture_res(tmp_path_factory):
    return compute(write_book(tmp_path_factory.mktemp("real") / "白湾子.xlsx", ROSTER, REGISTER, INFO), "baiwanzi")


def problems(res, sheet="学时登记"):
    return {p.cell: (p.code, p.severity, p.message) for p in res.problems if p.sheet == sheet}


def test_words_schools_use_are_read_with_a_note(res):
    """Verify synonyms (提示) and quantities/approximations (警告) are read and said on their cells."""
    got = problems(res)
    assert got["D3"][:2] == ("category-synonym", "提示") and "按「专题培训」计" in got["D3"][2]
    assert got["E4"][:2] == ("role-synonym", "提示") and "按「主讲人」计" in got["E4"][2]
    assert got["D6"][:2] == ("category-synonym", "提示") and "按「集中培训」计" in got["D6"][2]
    assert got["I6"][:2] == ("number-as-text", "警告") and "0.5" in got["I6"][2]
    assert got["I7"][:2] == ("number-as-text", "警告") and "已按 2 计算" in got["I7"][2]
    assert got["K8"][:2] == ("approximate", "警告") and "已按 1200 计算" in got["K8"][2]
    assert got["P8"][:2] == ("status-synonym", "提示") and "按「已认定」计" in got["P8"][2]
    assert got["P9"][:2] == ("status-synonym", "提示")
    assert got["H13"][:2] == ("number-as-text", "警告") and "已按 1.5 计算" in got["H13"][2]


def test_month_day_from_the_workbook_term(res):
    """Verify "5月20日" without 学年 takes its year from 基本信息's 2023-2024学年 (May is in its 2nd year) with a
    警告 naming the year assumed."""
    code, severity, message = problems(res)["C5"]
    assert (code, severity) == ("date-year-assumed", "警告")
    assert "基本信息中的学年（2023-2024）" in message and "2024年5月20日" in message
    assert register_row(res, 5)["日期"] == "2024-05-20"


def test_hours_by_hand(res):
    """Verify B01 = 2 + 8 + 3 + 4 + 16 + 4 = 37 (all rows read; 37 < 40 so 未达标 by 3)."""
    rows = {r["工号"]: r for r in table(res, "学时汇总")}
    b01 = rows["B01"]
    assert b01["学年合计"] == 37 and b01["学年达标"] == "未达标（差3学时）" and b01[OVERALL] == "未达标"
    assert [register_row(res, n)["认定学时"] for n in range(3, 9)] == [2, 8, 3, 4, 16, 4]


def test_rejected_cells_make_hours_pending(res):
    """Verify an unreadable 角色 (where the rate depends on it), a 天 in 时长 and an unknown 审核状态 reject the
    row: 待核实 in 学时明细, B02's total 待核实 with the cells listed, confirmed 4 + 1 + 1.5 = 6.5; never the
    participant rate."""
    got = problems(res)
    assert got["E10"][:2] == ("unknown-role", "错误") and "主讲人" in got["E10"][2]
    assert got["H12"][:2] == ("wrong-unit", "错误")
    assert got["P14"][:2] == ("unknown-status", "错误") and "已认定" in got["P14"][2]
    for n in (10, 12, 14):
        row = register_row(res, n)
        assert (row["状态"], row["认定学时"], row["计算学时"]) == ("待核实", None, None), n
    assert register_row(res, 10)["角色"] == "讲课的"        # what the school typed, not a blank
    assert register_row(res, 11)["认定学时"] == 1           # 教研活动 pays every role alike
    b02 = {r["工号"]: r for r in table(res, "学时汇总")}["B02"]
    assert (b02["学年合计"], b02["已确认学时"], b02["学年达标"], b02[OVERALL]) == ("待核实", 6.5, "待核实", "待核实")
    assert b02["待核实"] == "学时登记 E10、H12、P14"


def test_pending_cannot_undo_a_reached_threshold(res):
    """Verify B03: 40 confirmed (5 days × 8) already reaches 每年40学时; the unreadable 时长 can only add, so 达标."""
    b03 = {r["工号"]: r for r in table(res, "学时汇总")}["B03"]
    assert (b03["学年合计"], b03["已确认学时"], b03["学年达标"], b03[OVERALL]) == ("待核实", 40, "达标", "达标")
    assert problems(res)["H16"][:2] == ("not-a-number", "错误")


def test_report_and_summary_say_pending(res):
    """Verify the JSON report has no number for a pending total and the summary gives no 达标率 while B02 waits."""
    report = json.loads(json.dumps(res.report, ensure_ascii=False, default=str))
    by = {h["id"]: h for h in report["hours"]}
    assert by["B02"]["years"] == {"2023-2024学年": None} and by["B02"]["met"] is None and by["B02"]["cycle"] is None
    assert any(w.startswith("E10：") for w in by["B02"]["pending"])
    assert by["B01"]["years"] == {"2023-2024学年": 37.0} and by["B01"]["met"] is False
    assert res.summary["hours_pending"] == 1 and "hours_met_rate" not in res.summary


def test_month_day_without_any_term_is_rejected(tmp_path):
    """Verify "5月20日" with no 学年 anywhere and a five-year cycle is an error, the row 待核实 — never a guess."""
    rows = [{"工号": "B01", "日期": "5月20日", "类别": "专题培训", "时长": 3},
            {"工号": "B01", "日期": D(2023, 10, 12), "类别": "专题培训", "时长": 2}]
    res = compute(write_book(tmp_path / "无学年.xlsx", ROSTER[:1], rows), "baiwanzi")
    code, severity, message = problems(res)["C3"]
    assert (code, severity) == ("date-no-year", "错误") and "跨多个学年" in message
    assert register_row(res, 3)["状态"] == "待核实"
    b01 = table(res, "学时汇总")[0]
    assert (b01["学年合计"], b01["已确认学时"]) == ("待核实", 2)


def test_month_day_from_a_one_year_period(tmp_path):
    """Verify tisheng2 (考核期 2020-09-01..2021-07-31, one 学年): "5月20日" is 2021-05-20 with a 警告."""
    roster = [["T01", "赵一", "女", D(1985, 1, 1), D(2008, 9, 1), "语文", "语文组", ""]]
    rows = [{"工号": "T01", "日期": "5月20日", "类别": "校本实践", "时长": 2}]
    res = compute(write_book(tmp_path / "提升.xlsx", roster, rows), "tisheng2")
    code, severity, message = problems(res)["C3"]
    assert (code, severity) == ("date-year-assumed", "警告") and "2021年5月20日" in message
    assert register_row(res, 3)["认定学时"] == 2


# --- 教师名册 (seed 004 groups, partial dates) -------------------------------------------------------------------

def _status(res, who: str, req: str) -> dict:
    return next(x for x in table(res, "达标情况") if x["姓名"] == who and x["要求"] == req)


def test_seed_004_group_words(tmp_path):
    """Verify seed 004's own words: 核心项目组 is 核心组 (needs 5 微能力点, so 3 is 未达标 — no longer passing as
    教师), 学科管理组 is 学科指导组 (4 needed), 骨干教师/班主任（兼） are 骨干/班主任; an unknown word is an error
    and every group-dependent duty is 待核实, never 教师."""
    roster = [["T01", "赵一", "女", D(1985, 1, 1), D(2008, 9, 1), "语文", "语文组", "核心项目组"],
              ["T02", "钱二", "男", D(1986, 1, 1), D(2009, 9, 1), "数学", "数学组", "学科管理组"],
              ["T03", "孙三", "女", D(1987, 1, 1), D(2010, 9, 1), "英语", "英语组", "骨干教师、班主任（兼）"],
              ["T04", "李四", "男", D(1988, 1, 1), D(2011, 9, 1), "科学", "综合组", "信息中心干事"]]
    rows = [{"工号": t, "日期": D(2020, 10, k + 1), "类别": "微能力点"} for t, n in
            (("T01", 3), ("T02", 4), ("T03", 3), ("T04", 3)) for k in range(n)]
    res = compute(write_book(tmp_path / "提升.xlsx", roster, rows), "tisheng2")
    core = _status(res, "赵一", "微能力点（核心组）")
    assert (core["应完成"], core["已完成"], core["达标"]) == (5, 3, "未达标")
    assert _status(res, "赵一", "微能力点（教师）")["达标"] == "不适用"
    assert _status(res, "钱二", "微能力点（学科指导组）")["达标"] == "达标"
    assert _status(res, "孙三", "微能力点（教师）")["达标"] == "达标"
    named = problems(res, "教师名册")
    assert named["H3"][:2] == ("group-synonym", "提示") and "按「核心组」计" in named["H3"][2]
    assert named["H6"][:2] == ("unknown-group", "错误") and "核心组" in named["H6"][2]
    for req in ("微能力点（核心组）", "微能力点（学科指导组）", "微能力点（教师）", "学习反思（教师）"):
        x = _status(res, "李四", req)
        assert (x["达标"], x["应完成"]) == ("待核实", None), req
        assert x["说明"].startswith("教师名册 H6：组别/角色「信息中心干事」无法识别"), req
    reqs = {(r["subject"], r["requirement"]): r for r in res.report["requirements"]}
    assert reqs[("T04", "micro_teacher")]["met"] is None and reqs[("T04", "micro_teacher")]["pending"]


def test_partial_dates(tmp_path):
    """Verify weicun's dates on 2021-09-01 (policy age_on): 入职 2020年9月 is under 3 years on every day of that
    month → 新教师 with a 警告; 入职 2018年9月 is 3 years if 9-1 but 2 if later → 待核实; born 1980年 is 40 or 41
    → ≤45 either way; born 1975年9月 is 46 if 9-1, else 45 → 待核实; born 1976 typed as a number is a year."""
    roster = [["W01", "王丽", "女", D(1990, 1, 1), "2020年9月", "语文", "语文组", ""],
              ["W02", "陈红", "女", D(1990, 1, 1), "2018.9", "数学", "数学组", ""],
              ["W03", "林峰", "男", "1980年", D(2005, 9, 1), "数学", "数学组", ""],
              ["W04", "周敏", "女", "1975年9月", D(1999, 9, 1), "英语", "英语组", ""],
              ["W05", "吴刚", "男", 1976, D(2000, 9, 1), "数学", "数学组", ""]]
    rows = [{"工号": "W01", "日期": D(2021, 9, 15), "类别": "随笔"}]
    res = compute(write_book(tmp_path / "魏村.xlsx", roster, rows), "weicun")
    named = problems(res, "教师名册")
    assert named["E3"][:2] == ("partial-date", "警告") and "2020-09-01至2020-09-30" in named["E3"][2]
    assert _status(res, "王丽", "新教师活动")["达标"] == "未达标"        # bound: no 新教师活动 registered
    x = _status(res, "陈红", "新教师活动")
    assert x["达标"] == "待核实" and "无法判断2021年09月01日是否已满3年" in x["说明"]
    assert _status(res, "林峰", "录像精品课")["达标"] == "未达标"         # bound (40–41), nothing registered
    x = _status(res, "周敏", "录像精品课")
    assert x["达标"] == "待核实" and x["说明"].startswith("教师名册 D6：出生日期只写到1975年9月")
    assert named["D7"][:2] == ("partial-date", "警告")                    # 1976 is not Excel day 1976 (1905)
    assert _status(res, "吴刚", "录像精品课")["达标"] == "未达标"          # 44–45: bound


def test_weicun_category_synonyms(tmp_path):
    """Verify weicun's 外出学习参观 is 外出学习 (seed 002) and creates the 三个一 obligations."""
    roster = [["W01", "王丽", "女", D(1980, 3, 1), D(2005, 9, 1), "语文", "语文组", ""]]
    rows = [{"工号": "W01", "日期": D(2021, 10, 15), "类别": "外出学习参观"}]
    res = compute(write_book(tmp_path / "魏村.xlsx", roster, rows), "weicun")
    assert problems(res)["D3"][:2] == ("category-synonym", "提示")
    assert _status(res, "王丽", "外出学习汇报课")["未完成的期次"] == "2021年10月15日外出学习后30天内缺汇报课"


def test_county_summary_says_pending(tmp_path):
    """Verify 县汇总's 学时达标率 cell reads 待核实（2人） for a school whose summary has no rate because two teachers
    wait on rejected cells, and keeps the number for a school without."""
    import openpyxl

    from xlrubric.batch.manifest import Entry, Manifest
    from xlrubric.batch.summary import write_county_summary

    out = tmp_path / "结果"
    out.mkdir()
    m = Manifest(out)
    base = {"email": "s@example.cn", "hours_teachers": 3, "problems": {"错误": 1, "警告": 0, "提示": 0},
            "status": "problems"}
    m.record(Entry("甲.xlsx", "0" * 64, "", "0.1.0", "problems", output="甲.xlsx", output_sha256="1" * 64,
                   summary=base | {"school": "甲校", "hours_pending": 2}))
    m.record(Entry("乙.xlsx", "0" * 64, "", "0.1.0", "ok", output="乙.xlsx", output_sha256="1" * 64,
                   summary=base | {"school": "乙校", "hours_pending": 0, "hours_met_rate": 0.5}))
    ws = openpyxl.load_workbook(write_county_summary(out, m))["学校汇总"]
    header = [c.value for c in ws[1]]
    rate = header.index("学时达标率") + 1
    shown = {ws.cell(r, 2).value: ws.cell(r, rate).value for r in range(2, ws.max_row + 1)
             if ws.cell(r, 1).value is not None}     # the key lines under the table have no 序号
    assert shown == {"甲校": "待核实（2人）", "乙校": 0.5}
