"""Verify a teacher listed twice in 教师名册 (session 10): the later row is not counted (错误, as before); where
the two rows say different things in a cell a 达标 selector reads (组别/角色, 出生日期, 入职日期) neither row can
be chosen, so what depends on it is 待核实 with the later row's cell — before, the first row silently won.
Teachers and rows are test_hours_tisheng2's (seed 004): K09 is 教师 (3 能力点, 1 反思 a week) and meets
everything → 合格 +1; K05 likewise, typed 良好 → +2.
"""

from __future__ import annotations

from hours_books import compute, table, write_book
from test_hours_tisheng2 import INFO, ROSTER, build


def test_two_roster_rows_that_disagree(tmp_path):
    """Verify K09 listed again as 核心组 (5 能力点, 2 反思 a week — which K09 does not have) makes each group
    requirement 待核实 citing H13 (the later row, Excel row 13: title, header, 10 teachers) and 项目考核 待核实;
    K05 listed twice with the same cells is only the duplicate 错误 and stays 良好 +2."""
    roster = [*ROSTER, [*ROSTER[8][:7], "核心组"], list(ROSTER[4])]
    res = compute(write_book(tmp_path / "提升工程.xlsx", roster, build(), INFO), "tisheng2")
    dup = {p.cell: p.message for p in res.problems if p.code == "duplicate-teacher"}
    assert set(dup) == {"A13", "A14"}
    assert "组别/角色不同" in dup["A13"] and "不同" not in dup["A14"]
    duty = {(x["工号"], x["要求"]): x for x in table(res, "达标情况")}
    for req in ("微能力点（核心组）", "微能力点（教师）", "学习反思（核心组）", "学习反思（教师）"):
        assert duty[("K09", req)]["达标"] == "待核实", req
        assert duty[("K09", req)]["说明"].startswith("教师名册 H13：与第11行的组别/角色不同（空、核心组）"), req
    g = {x["工号"]: (x["项目考核等次"], x["年终考核加分"]) for x in table(res, "项目考核")}
    assert g["K09"] == ("待核实", None) and g["K05"] == ("良好", 2)
