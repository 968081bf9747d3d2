"""Verify the rubric engine against scores worked out by hand from the seed documents.

xinghuo (seed 000): 研修计划5 参训考勤3 研修记录5 说课材料…7 学习心得…5 研修总结5 = 30, no 等次.
lanxi4 (seed 003): 计划5 参与情况5 心得体会10 评课材料10 教学反思10 研修总结10 = 50; 等次 on a 40-point
scale (policy band_scale=scale: 折算分 = 总分×40/50), 优秀 ≥36 (总分 ≥45) ≤40%, 良好 ≥24 (总分 ≥30), 一般 below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xlrubric.engine.rubric import Override, score
from xlrubric.spec.load import load_preset

XH_ITEMS = ["研修计划", "参训考勤", "研修记录", "说课材料、课件、教学实录或教学设计", "学习心得、感悟或教学反思",
            "研修总结"]
LX_ITEMS = ["计划", "参与情况", "心得体会", "评课材料", "教学反思", "研修总结"]


def frame(spec, rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    events = [d.event for _, d in spec.rubric.deductions]
    return pd.DataFrame([{e: r.get(e, np.nan) for e in events} for r in rows.values()], index=list(rows))


def with_policy(spec, pid: str, choice: str):
    spec = spec.model_copy(deep=True)
    spec.policy_obj(pid).choice = choice
    return spec


# (counts, expected item scores in XH_ITEMS order); arithmetic from the seed's 考核标准 in comments.
XINGHUO_CASES = {
    "t01": ({}, [5, 3, 5, 7, 5, 5]),                                                   # no deduction: 30
    "t02": ({"研修计划偏离主题或应付": 1, "研修计划迟交": 1}, [3.5, 3, 5, 7, 5, 5]),   # 5-1-0.5
    "t03": ({"研修计划未交": 1, "研修计划迟交": 1}, [0, 3, 5, 7, 5, 5]),               # 不上交的不得分
    "t04": ({"缺签到次数": 2, "旷训次数": 1}, [5, 0.5, 5, 7, 5, 5]),                   # 3-2×1-1×0.5
    "t05": ({"缺签到次数": 4}, [5, 0, 5, 7, 5, 5]),                                    # 3-4 floored at 0
    "t06": ({"缺席集中学习次数": 2, "缺学习记录次数": 1, "缺学科研修记录次数": 1,
             "研修记录不详实次数": 3}, [5, 3, 0, 7, 5, 5]),                             # 5-2-0.5-1-1.5 = 0
    "t07": ({"缺席集中学习次数": 3, "研修记录不详实次数": 2}, [5, 3, 1, 7, 5, 5]),     # 5-3-1 (one 5-point pool)
    "t08": ({"资料迟交次数": 2, "未体现分层教学或信息技术": 1}, [5, 3, 5, 4.5, 5, 5]),  # 7-2×1-0.5
    "t09": ({"缺心得次数": 1, "心得迟交": 1}, [5, 3, 5, 7, 3.5, 5]),                   # 5-1-0.5
    "t10": ({"心得未交": 1}, [5, 3, 5, 7, 0, 5]),                                      # 逾期不交者此项不纳入考核
    "t11": ({"实践作业未交": 1, "资料迟交次数": 1}, [5, 3, 5, 0, 5, 5]),               # 不纳入考核 wins over -1
    "t12": ({"研修总结偏离主题": 1, "研修总结项目数": 2}, [5, 3, 5, 7, 5, 3]),         # 5-1-(3-2)×1
    "t13": ({"研修总结项目数": 0}, [5, 3, 5, 7, 5, 2]),                                 # 5-(3-0)×1
    "t14": ({"研修总结项目数": 3}, [5, 3, 5, 7, 5, 5]),                                 # three items: not 少于三项
    "t15": ({"研修计划迟交": 1, "缺签到次数": 1, "缺学习记录次数": 2, "未体现分层教学或信息技术": 1,
             "缺心得次数": 2, "研修总结偏离主题": 1}, [4.5, 2, 4, 6.5, 3, 4]),          # 24 in all
    "t16": ({"研修总结未交": 1, "研修总结项目数": 0}, [5, 3, 5, 7, 5, 0]),          # policy missing_work: 0
}


def test_xinghuo_hand_computed():
    """Verify every xinghuo deduction rule, the zero-outs and the floor at 0 against hand arithmetic."""
    spec = load_preset("xinghuo")
    out = score(spec, frame(spec, {k: v[0] for k, v in XINGHUO_CASES.items()}))
    for teacher, (_, expected) in XINGHUO_CASES.items():
        assert list(out.scores.loc[teacher, XH_ITEMS]) == expected, teacher
        assert out.scores.loc[teacher, "总分"] == sum(expected), teacher
    assert out.scores.loc["t15", "总分"] == 24
    assert "等次" not in out.scores.columns          # the seed defines no 等次
    # The 扣分明细 explains every point: items lost = sum of explained deductions (floors shown as +).
    for teacher, (_, expected) in XINGHUO_CASES.items():
        lost = 30 - sum(expected)
        explained = -sum(d["points"] for d in out.details.records() if d["teacher"] == teacher)
        assert explained == pytest.approx(lost), teacher


def test_xinghuo_policies_switch_the_reading():
    """Verify the named policies change exactly what they say: late work, and the 少于三项 baseline."""
    spec = with_policy(load_preset("xinghuo"), "late_work", "not_counted")
    out = score(spec, frame(spec, {"a": {"研修计划迟交": 1, "心得迟交": 1, "资料迟交次数": 1}}))
    assert list(out.scores.loc["a", XH_ITEMS]) == [0, 3, 5, 0, 0, 5]      # 迟交 → 不纳入考核, 18 in all
    spec = with_policy(load_preset("xinghuo"), "missing_components", "all_listed")
    out = score(spec, frame(spec, {"b": {"研修总结项目数": 2}, "c": {"研修总结项目数": 3}}))
    assert out.scores.loc["b", "研修总结"] == 3        # below three: 4-2 = 2 missing → 5-2
    assert out.scores.loc["c", "研修总结"] == 5


LANXI_CASES = {
    "L01": ({}, [5, 5, 10, 10, 10, 10], "优秀"),                                         # 50 → 40
    "L02": ({"计划未及时提交": 1, "计划未围绕研修主题": 1, "计划项目不全": 1},
            [2.5, 5, 10, 10, 10, 10], "优秀"),                                          # 47.5 → 38
    "L03": ({"迟到间缺早退次数": 3, "缺席研修活动次数": 2}, [5, 1.5, 10, 10, 10, 10], "优秀"),   # 46.5 → 37.2
    "L04": ({"缺席研修活动次数": 6}, [5, 0, 10, 10, 10, 10], "良好"),                     # 45 → 36, 5th over quota
    "L05": ({"心得未围绕学校实际": 2, "心得体会缺项数": 2}, [5, 5, 2, 10, 10, 10], "良好"),   # 10-2×2-2×2; 42 → 33.6
    "L06": ({"评课材料缺项数": 3, "反思未围绕主题教学": 1, "教学反思缺项数": 2},
            [5, 5, 10, 7, 6, 10], "良好"),                                              # 43 → 34.4
    "L07": ({"研修总结未交": 1, "心得体会未交": 1}, [5, 5, 0, 10, 10, 0], "良好"),          # 30 → 24.0
    "L08": ({"总结未围绕校本研修": 1, "研修总结缺项数": 4, "评课材料未交": 1, "教学反思未交": 1},
            [5, 5, 10, 0, 0, 4], "一般"),                                               # 24 → 19.2
    "L09": ({"计划未交": 1, "心得体会未交": 1, "迟到间缺早退次数": 1, "评课材料缺项数": 3,
             "反思未围绕主题教学": 1}, [0, 4.5, 0, 7, 8, 10], "一般"),                      # 29.5 → 23.6: the gap
    "L10": ({"计划未及时提交": 1}, [4.5, 5, 10, 10, 10, 10], "优秀"),                      # 49.5 → 39.6
}


def test_lanxi4_hand_computed_with_quota():
    """Verify lanxi4 items, the 40-point scaling, the 23–24 gap and the 40% quota (10 teachers → 4)."""
    spec = load_preset("lanxi4")
    out = score(spec, frame(spec, {k: v[0] for k, v in LANXI_CASES.items()}))
    scaled = "折算分（40分制）"
    for teacher, (_, expected, band) in LANXI_CASES.items():
        assert list(out.scores.loc[teacher, LX_ITEMS]) == expected, teacher
        total = sum(expected)
        assert out.scores.loc[teacher, "总分"] == total
        assert out.scores.loc[teacher, scaled] == pytest.approx(total * 40 / 50)
        assert out.scores.loc[teacher, "等次"] == band, teacher
    # Five reach 36 (L01 40, L10 39.6, L02 38, L03 37.2, L04 36); floor(10×40%) = 4: L04 goes to 良好.
    assert (out.scores["等次"] == "优秀").sum() == 4
    assert any("名额" in n["message"] for n in out.notes)


def test_lanxi4_gap_policy_report_leaves_the_gap_unbanded():
    spec = with_policy(load_preset("lanxi4"), "band_gaps", "report")
    out = score(spec, frame(spec, {"L09": LANXI_CASES["L09"][0], "L05": LANXI_CASES["L05"][0]}))
    assert pd.isna(out.scores.loc["L09", "等次"])        # 23.6 is in no band's range
    assert out.scores.loc["L05", "等次"] == "良好"
    assert any(n["teacher"] == "L09" for n in out.notes)


def test_lanxi4_raw_scale_policy():
    spec = with_policy(load_preset("lanxi4"), "band_scale", "raw")
    low = LANXI_CASES["L07"][0]                            # 30
    out = score(spec, frame(spec, {"a": {}, "b": LANXI_CASES["L05"][0], "c": low, "d": low, "e": low}))
    assert "折算分（40分制）" not in out.scores.columns
    # raw reading: 42 ≥ 36 is 优秀 (5 teachers → 2 places); 30 ≥ 24 is 良好.
    assert list(out.scores["等次"]) == ["优秀", "优秀", "良好", "良好", "良好"]


def _totals_frame(spec, totals: dict[str, float]) -> pd.DataFrame:
    """Counts that give each teacher the wanted total (whole points off 研修总结 via 缺项数, 0.5 via 计划)."""
    rows = {}
    for t, total in totals.items():
        lost = 50 - total
        row = {}
        if lost % 1:
            row["计划未及时提交"] = 1
            lost -= 0.5
        row["研修总结缺项数"] = min(lost, 4)
        lost -= row["研修总结缺项数"]
        row["评课材料缺项数"] = min(lost, 3)
        lost -= row["评课材料缺项数"]
        row["教学反思缺项数"] = lost
        rows[t] = row
    return frame(spec, rows)


def test_quota_ties_exclude_and_include():
    """Five teachers → 2 优秀 places; three tie at the line (total 50 → 40)."""
    spec = load_preset("lanxi4")
    counts = _totals_frame(spec, {"a": 50, "b": 50, "c": 50, "d": 45, "e": 40})
    out = score(spec, counts)
    # exclude_tied: a, b, c tie across the line, none gets 优秀; d (36) is below the tied group: not 优秀 either.
    assert list(out.scores["等次"]) == ["良好", "良好", "良好", "良好", "良好"]
    assert any(n.get("teachers") == ["a", "b", "c"] for n in out.notes)
    out = score(with_policy(spec, "quota_ties", "include_tied"), counts)
    assert list(out.scores["等次"]) == ["优秀", "优秀", "优秀", "良好", "良好"]
    counts = _totals_frame(spec, {"a": 50, "b": 50, "c": 47.5, "d": 45, "e": 50})
    counts.loc["e", ["心得体会未交", "评课材料未交", "教学反思未交"]] = 1          # 5+5+0+0+0+10 = 20 → 16
    out = score(spec, counts)
    assert list(out.scores["总分"]) == [50, 50, 47.5, 45, 20]
    assert list(out.scores["等次"]) == ["优秀", "优秀", "良好", "良好", "一般"]


def test_overrides_replace_and_are_shown():
    spec = load_preset("lanxi4")
    counts = frame(spec, {"a": {"计划未交": 1}, "b": {}, "c": {}})
    out = score(spec, counts, overrides=[Override("a", "计划", 4, "补交了计划，经领导小组认定"),
                                         Override("c", "等次", "良好", "本人申请")])
    assert out.scores.loc["a", "计划"] == 4 and out.scores.loc["a", "总分"] == 49
    assert "补交了计划" in out.overrides["a"][0] and "计算 0" in out.overrides["a"][0]
    assert out.scores.loc["c", "等次"] == "良好"
    assert any("调整为良好" in s for s in out.overrides["c"])
