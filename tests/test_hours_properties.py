"""Property tests for the 学时 engine: adding an activity never lowers a teacher's total (a cap or a
de-duplication may make the new row earn nothing, and then it says so), caps are never exceeded, and every
total is the sum of its categories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlrubric.engine.hours import compute_hours, row_hours
from xlrubric.spec.hours import HourLimit, HoursSpec
from xlrubric.spec.load import load_preset

BASE = load_preset("baiwanzi").hours
# baiwanzi plus an hours cap, so max_hours is exercised too: 课题 at most 45学时 per 学年.
SPEC = HoursSpec.model_validate({**BASE.model_dump(), "limits": [
    *BASE.model_dump()["limits"], HourLimit(id="cap", group="课题", per="学年", max_hours=45).model_dump()]})
TEACHERS = ["A", "B", "C"]
CATS = [r.category for r in SPEC.rules] + ["其他"]
PROFILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

activity = st.fixed_dictionaries({
    "teacher": st.sampled_from(TEACHERS),
    "day": st.integers(0, 729),
    "category": st.sampled_from(CATS),
    "role": st.sampled_from(["", "参培者", "主讲人", "主持人", "主要参与者", "主笔"]),
    "level": st.sampled_from(["", "国家级", "省级", "市级", "县级", "校级"]),
    "award": st.sampled_from(["", "一等奖", "二等奖", "三等奖", "结题", "在研"]),
    "title": st.sampled_from(["", "甲", "乙", "丙"]),
    "status": st.sampled_from(["", "已认定", "待审核", "不予认定"]),
    "duration": st.one_of(st.none(), st.floats(0, 8)),
    "days": st.one_of(st.none(), st.integers(0, 5).map(float)),
    "cert": st.one_of(st.none(), st.integers(0, 40).map(float)),
    "words": st.one_of(st.none(), st.integers(500, 3000).map(float)),
    "score": st.one_of(st.none(), st.integers(0, 100).map(float)),
    "manual": st.one_of(st.none(), st.none(), st.none(), st.integers(0, 10).map(float)),
})


def frame(acts: list[dict]) -> pd.DataFrame:
    start = dt.date(2023, 9, 1)
    rows = []
    for n, a in enumerate(acts):
        d = start + dt.timedelta(days=a["day"])
        rows.append({**{k: v for k, v in a.items() if k != "day"}, "row": n + 3, "date": pd.Timestamp(d),
                     "year": d.year - (d.month < 9)})
    df = pd.DataFrame(rows, columns=["teacher", "category", "role", "level", "award", "title", "status", "duration",
                                     "days", "cert", "words", "score", "manual", "row", "date", "year"])
    for c in ("duration", "days", "cert", "words", "score", "manual"):
        df[c] = df[c].astype(float)
    return df.set_index(pd.Index(df["row"].to_numpy(), name="行"))


def totals(acts: list[dict]) -> pd.Series:
    o = compute_hours(frame(acts), SPEC, pd.Index(TEACHERS), years=[2023, 2024])
    return o.by_year["合计"].groupby(level="teacher").sum()


@PROFILE
@given(st.lists(activity, max_size=25), activity)
def test_adding_never_lowers_total(acts, extra):
    """Verify a teacher's total never drops when an activity is added, except on exam ranks of *others*."""
    before, after = totals(acts), totals([*acts, extra])
    t = extra["teacher"]
    assert after[t] >= before[t] - 1e-9
    rows = row_hours(frame([*acts, extra]), SPEC)
    new = rows.iloc[-1]
    if new["counted"] == 0 and new["limited_by"]:
        assert new["reason"], "a capped or de-duplicated row must say why"
    if extra["category"] != "专业知识考试":
        for other in TEACHERS:
            if other != t:
                assert after[other] == before[other]


@PROFILE
@given(st.lists(activity, max_size=40))
def test_caps_never_exceeded(acts):
    """Verify every HourLimit holds on the computed (not hand-entered) rows."""
    df = frame(acts)
    rows = row_hours(df, SPEC)
    group = rows["rule"].map({r.id: r.group for r in SPEC.rules})
    auto = rows["manual"].isna() & (rows["counted"] > 0)
    for lim in SPEC.limits:
        sub = df[auto & (group == lim.group)]
        keys = ["teacher"] if lim.per == "周期" else ["teacher", "year"]
        if lim.max_count is not None and len(sub):
            assert sub.groupby(keys).size().max() <= lim.max_count
        if lim.max_hours is not None and len(sub):
            assert rows.loc[sub.index, "counted"].groupby([sub[k] for k in keys]).sum().max() <= lim.max_hours + 1e-9
        if lim.dedup_by_title:
            titled = sub[sub["title"] != ""]
            assert not titled.duplicated(["teacher", "title"]).any()


@PROFILE
@given(st.lists(activity, max_size=40))
def test_totals_are_sums(acts):
    """Verify 合计 = Σ categories = 计算学时 + 人工认定, and the cycle total = Σ 学年."""
    o = compute_hours(frame(acts), SPEC, pd.Index(TEACHERS), years=[2023, 2024])
    by = o.by_year
    assert np.allclose(by[SPEC.categories].sum(axis=1), by["合计"])
    assert np.allclose(by["计算学时"] + by["人工认定"], by["合计"])
    assert np.allclose(by["合计"].groupby(level="teacher").sum().reindex(TEACHERS), o.cycle["周期合计"])
    rows = row_hours(frame(acts), SPEC)
    assert ((rows["counted"] == 0) | rows["valid"]).all()
    bad = rows.loc[~rows["valid"]]      # each says why: 无效 with a reason, or 待核实 (a blank amount) with the cell
    assert ((bad["reason"] != "") | (bad["pending"] != "")).all()
