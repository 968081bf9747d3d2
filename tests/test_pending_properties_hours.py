"""Property tests for 待核实 (issue 11): a rejected cell never becomes a number or a verdict.

1. 学时登记, through real workbooks: corrupt cells a row needs (日期, 类别, 角色 where the rate depends on it, 时长,
   天数, 字数, 审核状态) and the row earns no number, its teacher's 学年合计 and report figure are 待核实/None, and
   no certain verdict contradicts the clean workbook (hours only add, so the confirmed part never exceeds the
   clean total and a certain 达标 stays 达标). Cells a row does not need (角色 of a 集中培训) change nothing.
2. 教师名册, on the selector: a verdict given for a partial date or an unknown group word holds for every reading
   of it (every day of the month or year, every group word), and 待核实 is given only when two readings differ.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hours_books import compute, table, write_book
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from xlrubric.engine.requirements import select
from xlrubric.pipeline.hours import OVERALL
from xlrubric.spec.load import load_preset

D = dt.date
ROSTER = [["P01", "甲", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""],
          ["P02", "乙", "男", D(1980, 5, 2), D(2003, 9, 1), "数学", "数学组", ""],
          ["P03", "丙", "男", D(1982, 6, 3), D(2005, 9, 1), "英语", "英语组", ""]]
# Clean rows a school might register (baiwanzi), with the cells each one needs to be valued.
ROWS = {
    "专题培训": ({"类别": "专题培训", "时长": 3, "角色": "参培者"}, ["日期", "类别", "角色", "时长", "审核状态"]),
    "集中培训": ({"类别": "集中培训", "天数": 2, "角色": "参培者"}, ["日期", "类别", "天数", "审核状态"]),
    "反思成果": ({"类别": "反思成果", "字数": 1500, "审核状态": "已认定", "题目": "反思"},
             ["日期", "类别", "字数", "审核状态"]),
    "教研活动": ({"类别": "教研活动", "角色": "参加者"}, ["日期", "类别", "审核状态"]),
}
GARBAGE = {"日期": "某天", "类别": "乱填的类别", "角色": "乱填", "时长": "不详", "天数": "不详", "字数": "不详",
           "审核状态": "乱填"}
# Each example computes two workbooks (~0.5 s): few examples, and no shrinking (it would take minutes).
PROFILE = settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

row = st.tuples(st.sampled_from(["P01", "P02", "P03"]), st.sampled_from(sorted(ROWS)), st.integers(0, 200))
NEEDED = [(kind, cell) for kind, (_, cells) in sorted(ROWS.items()) for cell in cells]
IDLE = [("集中培训", "角色"), ("反思成果", "角色"), ("教研活动", "角色")]    # their rules pay every 角色 alike
spoil = st.tuples(st.integers(0, 1000), st.one_of(st.sampled_from(NEEDED).map(lambda p: (*p, True)),
                                                  st.sampled_from(IDLE).map(lambda p: (*p, False))))


def _book(rows, spoiled: dict[int, str]) -> list[dict]:
    out = []
    for n, (t, kind, day) in enumerate(rows):
        cells = {"工号": t, "日期": D(2023, 9, 4) + dt.timedelta(days=day), **ROWS[kind][0]}
        if n in spoiled:
            cells[spoiled[n]] = GARBAGE[spoiled[n]]
        out.append(cells)
    return out


@PROFILE
@given(rows=st.lists(row, min_size=1, max_size=12), spoils=st.lists(spoil, min_size=1, max_size=3))
@example(rows=[("P01", "专题培训", 0), ("P01", "专题培训", 1)], spoils=[(0, ("专题培训", "角色", True))])
def test_rejected_register_cells_never_become_numbers(tmp_path_factory, rows, spoils):
    folder = tmp_path_factory.mktemp("p")
    rows = list(rows)
    needed: dict[int, str] = {}
    idle: dict[int, str] = {}
    for which, (kind, cell, need) in spoils:
        n = which % len(rows)
        if n in needed or n in idle:
            continue
        rows[n] = (rows[n][0], kind, rows[n][2])
        (needed if need else idle)[n] = cell
    clean = compute(write_book(folder / "clean.xlsx", ROSTER, _book(rows, {})), "baiwanzi")
    bad = compute(write_book(folder / "bad.xlsx", ROSTER, _book(rows, {**needed, **idle})), "baiwanzi")
    before = {r["工号"]: r for r in table(clean, "学时汇总")}
    after = {r["工号"]: r for r in table(bad, "学时汇总")}
    detail = {r["行"]: r for r in table(bad, "学时明细")}
    report = {h["id"]: h for h in bad.report["hours"]}
    waiting = {rows[n][0] for n in needed}
    for n in needed:                                   # Excel row = n + 3
        assert (detail[n + 3]["状态"], detail[n + 3]["认定学时"]) == ("待核实", None), (n, needed[n])
    for t, r in after.items():
        if t in waiting:
            assert r["学年合计"] == "待核实" and r["已确认学时"] <= before.get(t, {"学年合计": 0})["学年合计"] + 1e-9
            assert all(v is None for v in report[t]["years"].values())
            assert r[OVERALL] in ("待核实", "达标") and (r[OVERALL] == "达标") == (r["已确认学时"] >= 40)
            assert report[t]["met"] is (True if r[OVERALL] == "达标" else None)
            if r[OVERALL] == "达标":
                assert before[t][OVERALL] == "达标"
        else:
            assert r["学年合计"] == before[t]["学年合计"] and r[OVERALL] == before[t][OVERALL]
    assert waiting <= set(after)                       # every waiting teacher is listed, even with no dated row
    assert ("hours_met_rate" in bad.summary) == all(r[OVERALL] != "待核实" for r in after.values())


# --- 教师名册: the selector against every reading of a partial date or an unknown word ---------------------------

SELECTORS = [q.selector for name in ("tisheng2", "weicun") for q in load_preset(name).requirements]
ON = D(2021, 9, 1)
WORDS = ["核心组", "学科指导组", "教师", "骨干", "班主任"]


def _interval(year: int, month: int | None) -> tuple[D, D]:
    if month is None:
        return D(year, 1, 1), D(year, 12, 31)
    nxt = D(year + (month == 12), month % 12 + 1, 1)
    return D(year, month, 1), nxt - dt.timedelta(days=1)


teacher = st.fixed_dictionaries({
    "groups": st.sets(st.sampled_from(WORDS), max_size=2), "unknown": st.booleans(),
    # years and months around the boundaries on ON (45周岁: born 1975/1976; 未满三年: hired 2018), where a
    # partial date can go either way, plus some far from them
    "born": st.tuples(st.sampled_from([1975, 1976, 1980, 1970]), st.sampled_from([None, 8, 9, 10, 3])),
    "hired": st.tuples(st.sampled_from([2018, 2019, 2015, 2021]), st.sampled_from([None, 8, 9, 10, 3])),
})


def _frame(t: dict, readings: list[tuple[set[str], tuple[D, D], tuple[D, D]]]) -> pd.DataFrame:
    """One roster row per reading: its groups and its birth/hire intervals (an exact date is lo == hi)."""
    n = len(readings)
    return pd.DataFrame({
        "groups": [g for g, _, _ in readings],
        "groups_why": ["教师名册 H3：组别/角色「乱填」无法识别" if t["unknown"] else ""] * n,
        "born_lo": pd.to_datetime([b[0] for _, b, _ in readings]),
        "born_hi": pd.to_datetime([b[1] for _, b, _ in readings]),
        "hired_lo": pd.to_datetime([h[0] for _, _, h in readings]),
        "hired_hi": pd.to_datetime([h[1] for _, _, h in readings]),
        "born_note": ["教师名册 D3：出生日期只写到某月"] * n, "hired_note": ["教师名册 E3：入职日期只写到某月"] * n,
    }, index=range(n))


def _readings(t: dict, sel) -> list[tuple[set[str], D, D]]:
    """Every exact reading that can matter to `sel`: each group word the unknown one could be (or none) when it
    selects by group; the first and last day of each interval and the days around the anniversary on ON when
    it selects by age or service (completed years only change there)."""
    extra = [set(), *({w} for w in WORDS)] if t["unknown"] and (sel.groups or sel.exclude_groups) else [set()]
    days = []
    for key in ("born", "hired"):
        lo, hi = _interval(*t[key])
        edges = {lo, hi}
        for d in (D(lo.year, ON.month, ON.day), D(lo.year, ON.month, ON.day) + dt.timedelta(days=1)):
            if lo <= d <= hi:
                edges.add(d)
        days.append(sorted(edges))
    return [(t["groups"] | more, b, h) for more in extra for b in days[0] for h in days[1]]


@settings(max_examples=25, deadline=None)
@given(t=teacher)
@example(t={"groups": set(), "unknown": False, "born": (1975, None), "hired": (2018, 9)})
@example(t={"groups": {"骨干"}, "unknown": True, "born": (1980, 3), "hired": (2015, 3)})
def test_roster_verdict_holds_for_every_reading(t):
    partial = _frame(t, [(t["groups"], _interval(*t["born"]), _interval(*t["hired"]))])
    for sel in SELECTORS:
        bound, _, unknown = select(partial, sel, ON)
        exact = [(g, (b, b), (h, h)) for g, b, h in _readings(t, sel)]
        readings = set(select(_frame({**t, "unknown": False}, exact), sel, ON)[0].astype(bool))
        if unknown[0]:
            assert not bound[0] and len(readings) == 2, sel       # 待核实 only when two readings differ
        else:
            assert readings == {bool(bound[0])}, sel              # a verdict holds for every reading
