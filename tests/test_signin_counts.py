"""Verify the engine's 签到 counts on a small register worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from xlrubric.engine.derive import signin_counts


def test_sessions_absences_and_irregular_rows_by_hand():
    d1, d2 = dt.date(2025, 9, 1), dt.date(2025, 9, 8)
    register = pd.DataFrame({
        "teacher": ["T1", "T2", "T1", "T1"],
        "date": [d1, d1, d2, d2],
        "name": ["研修1", "研修1", "研修2", "研修2"],
        "scope": ["全体", "", "语文", None],
        "status": ["已签到", "迟到 ", "缺席", "缺席"],
        "row": [3, 4, 5, 6],
    })
    teachers = pd.Index(["T1", "T2", "T3"], dtype=object)
    got = signin_counts(register, teachers, {"语文": {"T1", "T2"}})
    # 研修1 is for everyone (T1, T2, T3): T1 signed in, T2 came late (irregular, not absent), T3 has no row.
    # 研修2 is for 语文 (T1, T2): T1's two rows are both 缺席 (absent, first row 5); T2 has no row.
    assert got.counts.to_dict("index") == {
        "T1": {"absent": 1.0, "irregular": 0.0, "sessions": 2.0},
        "T2": {"absent": 1.0, "irregular": 1.0, "sessions": 2.0},
        "T3": {"absent": 1.0, "irregular": 0.0, "sessions": 1.0},
    }
    assert got.evidence == {
        ("T3", "absent"): "2025-09-01 研修1（无签到）",
        ("T1", "absent"): "2025-09-08 研修2",
        ("T2", "absent"): "2025-09-08 研修2（无签到）",
        ("T2", "irregular"): "2025-09-01 研修1 迟到",
    }
    assert got.cells == {("T1", "absent"): 5, ("T2", "irregular"): 4}


def test_empty_register_counts_nothing():
    got = signin_counts(pd.DataFrame(columns=["teacher", "date", "name", "scope", "status", "row"]),
                        pd.Index(["T1"], dtype=object), {})
    assert got.counts.to_dict("index") == {"T1": {"absent": 0.0, "irregular": 0.0, "sessions": 0.0}}
    assert got.evidence == {} and got.cells == {}


def test_roster_groups_worked_out_only_when_a_session_names_one():
    """Verify the pipeline's lazy groups (`RosterGroups`): the same counts as the roster's own `groups()`, and a
    register whose sessions are all 全体 never makes the roster work its groups out."""
    from xlrubric.pipeline.registers import RosterGroups
    from xlrubric.schemas.teachers import Roster

    def roster() -> Roster:
        return Roster(names={"T1": "甲", "T2": "乙", "T3": "丙"}, present=True,
                      columns={"教研组": ["语文", "语文", "数学"]})
    d1, d2 = dt.date(2025, 9, 1), dt.date(2025, 9, 8)
    register = pd.DataFrame({"teacher": ["T1", "T1"], "date": [d1, d2], "name": ["研修1", "研修2"],
                             "scope": ["全体", "语文"], "status": ["已签到", "已签到"], "row": [3, 4]})
    teachers = pd.Index(["T1", "T2", "T3"], dtype=object)
    lazy, eager = roster(), roster()
    got = signin_counts(register, teachers, RosterGroups(lazy))
    want = signin_counts(register, teachers, eager.groups())
    # 研修1 for all three, 研修2 for 语文 (T1, T2): T2 missed both, T3 missed 研修1 only.
    assert got.counts.to_dict("index") == want.counts.to_dict("index") == {
        "T1": {"absent": 0.0, "irregular": 0.0, "sessions": 2.0},
        "T2": {"absent": 2.0, "irregular": 0.0, "sessions": 2.0},
        "T3": {"absent": 1.0, "irregular": 0.0, "sessions": 1.0}}
    everyone = roster()
    signin_counts(register.assign(scope=["全体", "全校"]), teachers, RosterGroups(everyone))
    assert everyone._groups is None and lazy._groups == {"语文": {"T1", "T2"}, "数学": {"T3"}}
    assert dict(RosterGroups(eager)) == eager.groups() and len(RosterGroups(eager)) == 2
