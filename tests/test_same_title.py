"""Verify a 能力点 registered twice counts once (tisheng2, seed 004: 每位教师至少通过3个能力点的微认证; 核心组 5,
学科指导组 4). Before session 10 the 微能力点 requirement counted rows, so one 能力点 entered twice made up for a
missing one. The teachers are test_hours_tisheng2's, worked by hand there: K05 and K09 are 教师 (3 needed)
with 3 能力点 A1–A3 and meet everything (K05 typed 良好 +2, K09 合格 +1).
"""

from __future__ import annotations

import datetime as dt

from hours_books import compute, table, write_book
from test_hours_tisheng2 import INFO, ROSTER, build

from xlrubric.spec.load import load_preset
from xlrubric.spec.sheet import spec_to_rows


def test_one_point_twice_counts_once(tmp_path):
    """Verify K09's A3 retyped as A1 leaves 2 distinct 能力点 + 1 repeat: the repeat may be a typo for a third
    point, so 微能力点（教师） is 待核实 (not 达标 as before, not 未达标) and 项目考核 待核实 with no bonus; K05
    with an extra A1 row still has 3 distinct ≥ 3: 达标, 良好 +2. Each repeat is a 警告 on its 题目 cell naming
    the first row."""
    rows = build()
    k09 = [r for r in rows if r["工号"] == "K09" and r["类别"] == "微能力点"]
    k09[2]["题目"] = "A1"
    rows.append({"工号": "K05", "日期": dt.date(2021, 3, 20), "类别": "微能力点", "题目": "A1"})
    res = compute(write_book(tmp_path / "提升工程.xlsx", ROSTER, rows, INFO), "tisheng2")
    duty = {(x["工号"], x["要求"]): x for x in table(res, "达标情况")}
    assert duty[("K09", "微能力点（教师）")]["达标"] == "待核实"
    assert "只计一次" in duty[("K09", "微能力点（教师）")]["说明"]
    assert duty[("K05", "微能力点（教师）")]["达标"] == "达标"
    g = {x["工号"]: (x["项目考核等次"], x["年终考核加分"]) for x in table(res, "项目考核")}
    assert g["K09"] == ("待核实", None) and g["K05"] == ("良好", 2) and g["K01"] == ("优秀", 3)
    same = [p for p in res.problems if p.code == "same-title"]
    assert len(same) == 2 and {p.value for p in same} == {"A1"}
    assert all(p.severity == "警告" and p.cell.startswith("N") and "只计一次" in p.message for p in same)


def test_flag_is_written_to_the_rules_sheet():
    """Verify 同题只计一次 is a 参数 of the three 微能力点 要求 rows of the 考核细则 sheet, so a school's own sheet
    keeps the rule (test_rules_sheet_hours reads every preset back through a workbook)."""
    rows = [r for r in spec_to_rows(load_preset("tisheng2")) if r[0] == "要求"]
    flagged = {r[2] for r in rows if "同题只计一次=是" in str(r[6])}
    assert flagged == {"micro_core", "micro_guide", "micro_teacher"}
