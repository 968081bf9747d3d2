"""Property test: the engine's whole-array 签到 counts equal a plain row-by-row count written here.

The reference walks the register one row at a time with the rule as the seed states it (a session is a
(日期, 活动名称); everyone or the named 教研组 is expected; a participant with no row, or only 缺席 rows, was
absent; 迟到/早退/间缺 rows are irregular), so any shortcut in `signin_counts` (codes, grids, distinct
values) that changes a count, a piece of evidence or a cited row fails here on a random register.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlrubric.codes import Coded, distinct
from xlrubric.engine.derive import ABSENT, IRREGULAR, signin_counts
from xlrubric.engine.verdicts import _pieces

TEACHERS = ["T1", "T2", "T3", "T4"]
GROUPS = {"语文组": {"T1", "T2"}, "数学组": {"T3", "外校"}}


def reference(rows: list[dict], teachers: list[str], groups: dict[str, set[str]]):
    def day(d) -> str:
        if isinstance(d, dt.datetime):
            d = d.date()
        return f"{d.year}-{d.month:02d}-{d.day:02d}" if isinstance(d, dt.date) else str(d or "")

    sessions: list[str] = []
    scope: dict[str, str] = {}
    for r in rows:
        label = f"{day(r['date'])} {r['name']}".strip()
        if label not in scope:
            sessions.append(label)
            scope[label] = ""
        if not scope[label] and isinstance(r["scope"], str) and r["scope"].strip():
            scope[label] = r["scope"]

    def state(r) -> str:
        return "" if r["status"] is None else str(r["status"]).strip()

    counts, evidence, cells = {}, {}, {}
    for t in teachers:
        absent_labels, first_cells, late = [], [], []
        n_sessions = 0
        for label in sessions:
            who = scope[label].strip()
            if who not in ("", "全体", "全体教师", "全校") and t not in groups.get(who, set()):
                continue
            n_sessions += 1
            mine = [r for r in rows if r["teacher"] == t and f"{day(r['date'])} {r['name']}".strip() == label]
            if not mine or all(state(r) in ABSENT for r in mine):
                absent_labels.append(label + ("" if mine else "（无签到）"))
                if mine:
                    first_cells.append(mine[0]["row"])
        for r in rows:
            if r["teacher"] == t and state(r) in IRREGULAR:
                late.append((f"{day(r['date'])} {r['name']}".strip() + " " + state(r), r["row"]))
        counts[t] = {"absent": float(len(absent_labels)), "irregular": float(len(late)),
                     "sessions": float(n_sessions)}
        if absent_labels:
            evidence[(t, "absent")] = "；".join(absent_labels)
        if first_cells:
            cells[(t, "absent")] = first_cells[0]
        if late:
            evidence[(t, "irregular")] = "；".join(text for text, _ in late)
            cells[(t, "irregular")] = late[0][1]
    return counts, evidence, cells


sign_in = st.fixed_dictionaries({
    "teacher": st.sampled_from([*TEACHERS, "外校"]),
    "date": st.sampled_from([dt.date(2025, 9, 1), dt.date(2025, 9, 8), dt.datetime(2025, 9, 8), None]),
    "name": st.sampled_from(["研修1", "研修2", "", None, 1, 1.0, True]),
    "scope": st.sampled_from(["", " ", "全体", "语文组", "数学组", "英语组", None]),
    "status": st.sampled_from(["已签到", "", None, "缺席", " 缺席", "迟到", "早退 ", "间缺", "请假", 1]),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sign_in, max_size=30))
def test_whole_array_counts_equal_row_by_row_reference(rows):
    for i, r in enumerate(rows):
        r["row"] = i + 3
    register = pd.DataFrame(rows, columns=["teacher", "date", "name", "scope", "status", "row"], dtype=object)
    register["row"] = register["row"].astype("int64")
    got = signin_counts(register, pd.Index(TEACHERS, dtype=object), GROUPS)
    counts, evidence, cells = reference(rows, TEACHERS, GROUPS)
    assert got.counts.to_dict("index") == counts
    assert {k: v for k, v in got.evidence.items() if k[0] in TEACHERS} == evidence
    assert {k: v for k, v in got.cells.items() if k[0] in TEACHERS} == cells


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sign_in, max_size=30))
def test_register_as_plain_arrays_and_repeated_teachers(rows):
    """The pipeline hands the register over as a dict of arrays, and a teacher may be asked for twice:
    each asked-for position gets that teacher's reference counts, in the order asked."""
    register = {k: [r[k] for r in rows] for k in ("teacher", "date", "name", "scope", "status")}
    register["row"] = list(range(3, 3 + len(rows)))
    for i, r in enumerate(rows):
        r["row"] = i + 3
    asked = ["T2", "T1", "T2", "T4", "T3"]
    got = signin_counts(register, pd.Index(asked, dtype=object), GROUPS)
    counts, evidence, cells = reference(rows, TEACHERS, GROUPS)
    assert [got.counts.iloc[i].to_dict() for i in range(len(asked))] == [counts[t] for t in asked]
    assert {k: v for k, v in got.evidence.items() if k[0] in TEACHERS} == evidence
    assert {k: v for k, v in got.cells.items() if k[0] in TEACHERS} == cells


TYPED_DATES = {"2025-09-01": dt.date(2025, 9, 1), "2025/9/1": dt.date(2025, 9, 1), "9月8日": dt.date(2025, 9, 8),
               "2025-09-08": dt.date(2025, 9, 8), "下周": None, "": None}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sign_in, max_size=30), st.lists(st.sampled_from(sorted(TYPED_DATES)), min_size=30, max_size=30))
def test_columns_handed_over_coded_count_as_the_reference(rows, typed):
    """The pipeline hands teacher, date and status over already coded (`codes.Coded`); the date column is coded
    by the cell as typed ("2025-09-01" and "2025/9/1" are two codes of one date), so two codes may print as one
    session label. The counts, evidence and cited rows must still be the row-by-row reference's."""
    for i, r in enumerate(rows):
        r["row"] = i + 3
        r["date"] = TYPED_DATES[typed[i]]          # what the pipeline's date reading gives the typed cell
    raw_dates = typed[:len(rows)]
    d_codes, d_typed = distinct(raw_dates)
    register = {"teacher": Coded(*distinct([r["teacher"] for r in rows])),
                "date": Coded(d_codes, [TYPED_DATES[v] for v in d_typed]),
                "status": Coded(*distinct([r["status"] for r in rows])),
                "name": [r["name"] for r in rows], "scope": [r["scope"] for r in rows],
                "row": [r["row"] for r in rows]}
    got = signin_counts(register, pd.Index(TEACHERS, dtype=object), GROUPS)
    counts, evidence, cells = reference(rows, TEACHERS, GROUPS)
    assert got.counts.to_dict("index") == counts
    assert {k: v for k, v in got.evidence.items() if k[0] in TEACHERS} == evidence
    assert {k: v for k, v in got.cells.items() if k[0] in TEACHERS} == cells


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text("；a 缺", max_size=8)), st.one_of(st.none(), st.text("；b", max_size=8)))
def test_attendance_evidence_pieces_as_split_text(missed, late):
    """考勤's evidence: the two texts' "；"-separated pieces, absences first, blanks dropped — written here as the
    plain split of the two joined."""
    want = () if missed is None and late is None else \
        tuple(p for p in f"{missed or ''}；{late or ''}".split("；") if p)
    assert _pieces(missed, late) == want
