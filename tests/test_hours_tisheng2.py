"""Verify preset tisheng2 (seed 004): 50学时 with practice ≥50%, 微能力点 5/4/3, weekly 学习反思 2/1/1, ≥2
校本教研活动, 项目考核 合格/良好/优秀 → +1/+2/+3 and 10 学分, and the 基本信息 / 信息化管理团队 checks.

Project 2020-09-01..2021-07-31 (policy project_dates). Weeks Monday–Sunday: Mondays 2020-08-31 .. 2021-07-26 are
329/7+1 = 48 weeks; the first (9/1–9/6, Tue–Fri = 4 weekdays) and last (7/26–7/31, 5 weekdays) are ≥3 weekdays,
so none is merged (policy weekly_reflection): 48 weeks.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hours_books import compute, table, write_book

D = dt.date
START, END = D(2020, 9, 1), D(2021, 7, 31)
ROSTER = [
    ["K01", "刘明", "男", D(1980, 1, 1), D(2002, 9, 1), "信息", "综合组", "核心组"],
    ["K02", "王芳", "女", D(1982, 2, 2), D(2004, 9, 1), "数学", "数学组", "核心组"],
    ["K03", "李娜", "女", D(1985, 3, 3), D(2007, 9, 1), "语文", "语文组", "学科指导组"],
    ["K04", "张军", "男", D(1986, 4, 4), D(2008, 9, 1), "英语", "英语组", "学科指导组"],
    ["K05", "陈洁", "女", D(1990, 5, 5), D(2012, 9, 1), "语文", "语文组", ""],
    ["K06", "杨帆", "男", D(1991, 6, 6), D(2013, 9, 1), "数学", "数学组", "教师"],
    ["K07", "赵雪", "女", D(1992, 7, 7), D(2014, 9, 1), "科学", "综合组", ""],
    ["K08", "黄磊", "男", D(1993, 8, 8), D(2015, 9, 1), "体育", "综合组", ""],
    ["K09", "周婷", "女", D(1994, 9, 9), D(2016, 9, 1), "美术", "综合组", ""],
    ["K10", "吴昊", "男", D(1995, 10, 10), D(2017, 9, 1), "音乐", "综合组", ""],
]


def weeks() -> list[D]:
    """A Wednesday-or-first-day in each of the 48 weeks (test scaffolding, not an expectation)."""
    out, monday = [], D(2020, 8, 31)
    while monday <= END:
        out.append(max(monday + dt.timedelta(days=2), START))
        monday += dt.timedelta(days=7)
    return out


def r(t, date, cat, **kw):
    return {"工号": t, "日期": date, "类别": cat, **kw}


# (online cert, practice hours, micro points, reflections per week, 教研 count, typed grade)
PLAN = {
    "K01": (25, 25, 5, 2, 2, "优秀"),   # 50, share 25/50 = 50% ✓, 5 ≥ 5 ✓ → 优秀 +3
    "K02": (25, 25, 4, 2, 2, None),     # 4 < 5 ✗ → 不合格
    "K03": (30, 20, 4, 1, 2, None),     # 50 but 20/50 = 40% < 50% ✗ → 不合格
    "K04": (25, 25, 4, 1, 2, None),     # reflection missing in week 10 ✗ (below)
    "K05": (20, 30, 3, 1, 2, "良好"),   # 50, 60% ✓, 3 ≥ 3 ✓ → 良好 +2
    "K06": (25, 25, 2, 1, 2, "优秀"),   # 2 < 3 ✗ → 不合格; typed 优秀 is refused (警告)
    "K07": (25, 25, 3, 1, 1, None),     # 教研 1 < 2 ✗
    "K08": (25, 24, 3, 1, 2, None),     # 49 < 50 ✗
    "K09": (25, 25, 3, 1, 2, None),     # all ✓ → 合格 +1
    "K10": (25, 25, 3, 1, 2, None),     # week 1 has 2, week 2 none ✗ (below)
}


def build() -> list[dict]:
    rows = []
    wk = weeks()
    for t, (online, practice, micro, per_week, research, grade) in PLAN.items():
        rows.append(r(t, D(2020, 10, 10), "在线学习", 证书学时=online))
        rows.append(r(t, D(2020, 11, 11), "校本实践", 时长=practice))
        rows += [r(t, D(2021, 3, 1 + k), "微能力点", 题目=f"A{k + 1}") for k in range(micro)]
        rows += [r(t, D(2020, 12, 1 + k), "校本教研活动") for k in range(research)]
        for n, day in enumerate(wk, 1):
            count = per_week
            if (t, n) == ("K04", 10) or (t, n) == ("K10", 2):
                count = 0
            if (t, n) == ("K10", 1):
                count = 2
            rows += [r(t, day, "学习反思")] * count
        if grade:
            rows.append(r(t, D(2021, 7, 20), "项目考核", 等次=grade))
    return rows


INFO = [
    ["一、基本信息"],
    ["学校名称", "城关第一小学", "所涉学段", "小学、初中"],
    ["学校负责人", "刘校长"],
    ["项目联络人", "张老师", "联系电话", "1381234567"],     # 10 digits: 警告
    ["电子邮箱", "cgyx@school"],                             # no top-level domain: 错误
    ["学校信息化管理团队"],
    ["姓名", "年龄", "学历", "专业", "职务"],
    ["刘明", 45, "本科", "计算机", "信息中心主任"],
    ["王芳", "三十八", "硕士研究生", "教育技术", "教师"],    # text age: read as 38, 警告 (B9)
    ["赵强", 17, "大专", "数学", "教师"],                   # 17 < 18: 错误 (B10)
    ["钱丽", 40, "本科学历", "语文", "教研组长"],           # not a 学历 choice: 错误 (C11)
]


@pytest.fixture(name="results", scope="module")
def fixture_results(tmp_path_factory):
    path = write_book(tmp_path_factory.mktemp("ts") / "提升工程.xlsx", ROSTER, build(), INFO)
    return compute(path, "tisheng2")


def test_hours_and_share(results):
    """Verify 50学时 and 实践≥50% per teacher (K03 40% fails, K05 60% passes, K08 49 fails)."""
    rows = {x["工号"]: x for x in table(results, "学时汇总")}
    assert (rows["K01"]["在线学习"], rows["K01"]["校本实践"], rows["K01"]["学年合计"]) == (25, 25, 50)
    assert rows["K01"]["学年达标"] == "达标"
    assert rows["K03"]["学年达标"] == "未达标"
    assert rows["K05"]["学年达标"] == "达标"
    assert rows["K08"]["学年达标"] == "未达标（差1学时）"
    assert rows["K01"]["学年要求"] == "≥50；校本实践占50%以上"


def status(results, who: str, req: str) -> dict:
    return next(x for x in table(results, "达标情况") if x["姓名"] == who and x["要求"] == req)


def test_groups(results):
    """Verify 微能力点 5/4/3 and 学习反思 2/1/1 per week by group; 教师 = neither 核心组 nor 学科指导组."""
    assert status(results, "刘明", "微能力点（核心组）")["达标"] == "达标"               # 5 ≥ 5
    assert status(results, "王芳", "微能力点（核心组）")["未完成的期次"].endswith("微能力点4/5")
    assert status(results, "刘明", "微能力点（教师）")["达标"] == "不适用"
    assert status(results, "陈洁", "微能力点（教师）")["达标"] == "达标"                 # 3 ≥ 3, no group
    assert status(results, "杨帆", "微能力点（教师）")["达标"] == "未达标"               # 2 < 3
    x = status(results, "刘明", "学习反思（核心组）")
    assert (x["应完成"], x["已完成"], x["达标"]) == (96, 96, "达标")                     # 48 weeks × 2
    x = status(results, "张军", "学习反思（学科指导组）")
    assert x["未完成的期次"] == "第10周（11月2日–11月8日） 缺学习反思"                  # 9/1–9/6 is week 1
    x = status(results, "吴昊", "学习反思（教师）")
    assert x["未完成的期次"] == "第2周（9月7日–9月13日） 缺学习反思"                    # 2 in week 1 do not carry
    assert (x["应完成"], x["已完成"]) == (48, 48)                                        # 2+0+46×1
    assert status(results, "赵雪", "校本教研活动")["未完成的期次"].endswith("校本教研活动1/2")


def test_grades(results):
    """Verify 项目考核: only K01 (优秀 +3), K05 (良好 +2), K09 (合格 +1) pass; each pass earns 10 学分."""
    g = {x["工号"]: (x["项目考核等次"], x["年终考核加分"], x["校本研修学分"]) for x in table(results, "项目考核")}
    assert g == {"K01": ("优秀", 3, 10), "K02": ("不合格", 0, 0), "K03": ("不合格", 0, 0), "K04": ("不合格", 0, 0),
                 "K05": ("良好", 2, 10), "K06": ("不合格", 0, 0), "K07": ("不合格", 0, 0), "K08": ("不合格", 0, 0),
                 "K09": ("合格", 1, 10), "K10": ("不合格", 0, 0)}
    assert results.summary["hours_met_rate"] == pytest.approx(0.3)
    assert any(p.code == "grade-not-met" and "杨帆" in p.message for p in results.problems)


def test_info_and_team(results):
    """Verify the 基本信息 form and the 信息化管理团队 table, cell by cell."""
    got = {(p.code, p.cell, p.severity) for p in results.problems if p.sheet == "基本信息"}
    assert got == {("bad-phone", "D4", "警告"), ("bad-email", "B5", "错误"), ("number-as-text", "B9", "警告"),
                   ("at-least", "B10", "错误"), ("one-of", "C11", "错误")}
    assert results.summary["school"] == "城关第一小学"
    assert [m["姓名"] for m in results.summary["team"]] == ["刘明", "王芳", "赵强", "钱丽"]
