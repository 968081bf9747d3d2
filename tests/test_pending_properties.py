"""Verify the 待核实 contract as a property: for any rejected cell, no output shows a number for what
depends on it — 考核结果, 扣分明细, the JSON report and the per-school summary — and a teacher with no
rejected cell gets numbers everywhere.

Sheets are lanxi4's template 考核记录 (seed 003) and the director's own 直接评分 sheet, filled with a mix of
valid values and what schools mistype (negative, too many, halves, words). 不得分 columns get blanks or
invalid values only, so no certain 不得分 decides an item that also has a rejected cell.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from real_input import LANXI4, compute, direct_sheet, lanxi4_record, table

PENDING = "待核实"
FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
OWNER = {d.event: item.name for item, d in LANXI4.rubric.deductions}
FULL = {i.name: i.full for i in LANXI4.rubric.items}
BAD = st.sampled_from([-1, 0.5, "好几次", "x", 99])


def count_value(event: str):
    d = next(d for _, d in LANXI4.rubric.deductions if d.event == event)
    if d.kind in ("zero", "not_counted"):
        return st.one_of(st.none(), BAD)
    top = d.max_count if d.max_count is not None else 4
    return st.one_of(st.none(), st.integers(0, top), BAD)


TEACHER = st.fixed_dictionaries({e: count_value(e) for e in OWNER})
SCORES = st.lists(st.one_of(st.sampled_from([0, 2.5, 5]), st.none(), BAD), min_size=6, max_size=6)


def is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and not (isinstance(v, float) and math.isnan(v))


def check_outputs(r, dependent: dict[str, set[str]]) -> None:
    """`dependent` maps each teacher to the items a rejected cell feeds."""
    rows = {row["姓名"]: row for row in table(r, "考核结果")}
    report = {t["name"]: t for t in r.report["teachers"]}
    details = table(r, "扣分明细")
    for name, items in dependent.items():
        row, rep = rows[name], report[name]
        for item in FULL:
            shown = row[f"{item}（{FULL[item]:g}分）"]
            if item in items:
                assert shown == PENDING and rep["items"][item] == PENDING
                assert all(d["扣分"] == PENDING for d in details if d["姓名"] == name and d["项目"] == item)
                assert any(d["扣分"] == PENDING for d in details if d["姓名"] == name and d["项目"] == item)
            else:
                assert is_number(shown) and 0 <= shown <= FULL[item] and is_number(rep["items"][item])
        if items:
            assert row["总分（50分）"] == row["等次"] == rep["total"] == rep["band"] == PENDING
            assert not is_number(row["折算分（40分制）"])
        else:
            assert is_number(row["总分（50分）"]) and is_number(rep["total"]) and row["等次"] != PENDING
    known = [row["总分（50分）"] for row in rows.values() if row["总分（50分）"] != PENDING]
    assert sorted(r.summary["totals"]) == sorted(known)
    assert r.summary["pending"] == len(rows) - len(known)


@FAST
@given(st.lists(TEACHER, min_size=1, max_size=6))
def test_rejected_count_never_becomes_a_number(teachers):
    """Verify every item fed by a rejected 考核记录 cell is 待核实, and only those."""
    people = [(f"T{n}", f"教师{n}", counts) for n, counts in enumerate(teachers)]
    sheets, merges = lanxi4_record(*people)
    r = compute(sheets, merges)
    errors = {(p.cell) for p in r.problems if p.sheet == "考核记录" and p.severity == "错误"}
    header = sheets["考核记录"][2]
    dependent: dict[str, set[str]] = {}
    for n, (_, name, _) in enumerate(people):
        excel_row = 4 + n            # title, item row, event row, then one row per teacher
        dependent[name] = {OWNER[e] for e in OWNER
                           if f"{_col(header.index(e))}{excel_row}" in errors}
    check_outputs(r, dependent)


@FAST
@given(st.lists(SCORES, min_size=1, max_size=6))
def test_rejected_typed_score_never_becomes_a_number(scores):
    """Verify every typed score that is blank, out of [0, full] or not a number leaves its item 待核实."""
    teachers = [(f"教师{n}", s) for n, s in enumerate(scores)]
    r = compute(*direct_sheet(teachers))
    items = list(FULL)
    dependent = {name: {items[j] for j, v in enumerate(s) if not (is_number(v) and 0 <= v <= FULL[items[j]])}
                 for name, s in teachers}
    check_outputs(r, dependent)


def _col(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        out = chr(65 + rem) + out
    return out
