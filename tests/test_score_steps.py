"""Verify a typed score the rules cannot give (session 10): 0.25 where every deduction is a multiple of 0.5.

Seed 003 (兰西四中): 计划 5分 (未及时提交扣0.5分, 未围绕主题扣1分, 项目不全扣1分, 未交不得分) → steps of 0.5;
参与情况 5分 (迟到间缺早退一次扣0.5分, 缺席一次扣1分) → 0.5; 心得体会 10分 (未围绕学校实际扣2分, 每少一项扣2分)
→ 2; 评课材料 10分 (每少一项扣1分) → 1. A score off that grid is read as typed with a 警告 on its cell — the
director may mean it — and never changes a number; a score outside [0, full] stays an 错误 and 待核实 alone.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from real_input import LANXI4, compute, direct_sheet, table
from test_engine_properties import FAST, SPECS, counts

from xlrubric.engine.rubric import score


def test_steps_from_the_seed():
    """Verify the unit of each lanxi4 item, worked from seed 003's deductions (see the module docstring)."""
    steps = {i.name: i.score_step for i in LANXI4.rubric.items}
    assert steps["计划"] == 0.5 and steps["参与情况"] == 0.5 and steps["心得体会"] == 2 and steps["评课材料"] == 1


def test_off_grid_score_is_read_with_a_warning():
    """Verify 乙's 参与情况 4.25 (5 − 0.75: no count of 0.5s and 1s gives it) is read as typed, total
    5 + 4.25 + 10 + 10 + 10 + 10 = 49.25, with one 警告 on that cell; 甲's 6 in 计划 (full 5) is an 错误 and
    待核实 with no second message on the same cell."""
    teachers = [("甲老师", [6, 5, 10, 10, 10, 10]), ("乙老师", [5, 4.25, 10, 10, 10, 10])]
    r = compute(*direct_sheet(teachers))
    rows = {row["姓名"]: row for row in table(r, "考核结果")}
    assert rows["乙老师"]["参与情况（5分）"] == 4.25 and rows["乙老师"]["总分（50分）"] == 49.25
    assert rows["甲老师"]["总分（50分）"] == "待核实"
    step = [p for p in r.problems if p.code == "score-step"]
    assert [(p.severity, p.cell, p.value) for p in step] == [("警告", "D4", 4.25)]
    assert "每处扣分都是0.5分的倍数" in step[0].message and "已按 4.25 计算" in step[0].message
    assert [p.code for p in r.problems if p.cell == "C3"] == ["score-range"]


@FAST
@given(st.sampled_from(list(SPECS)).flatmap(lambda pid: st.tuples(st.just(pid), counts(pid, 1, 6))))
def test_scores_the_rules_give_are_on_the_grid(case):
    """Verify every item score the engine computes from any counts (lanxi4, xinghuo) is full marks minus a whole
    number of steps, so the 警告 can never fire on a score the rules themselves give."""
    pid, frame = case
    out = score(SPECS[pid], frame)
    for item in SPECS[pid].rubric.items:
        for v in out.scores[item.name].dropna():
            k = (item.full - v) / item.score_step
            assert math.isclose(k, round(k), abs_tol=1e-9), (item.name, v)
