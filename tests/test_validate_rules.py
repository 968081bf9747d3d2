"""Verify that one pandera check per column still gives one problem per failed rule, on its own cell."""

from __future__ import annotations

import pandas as pd

from xlrubric.readers.table import Table
from xlrubric.schemas.validate import Rule, at_most, non_negative, one_of, run_rules, whole_number


def _table(frame: pd.DataFrame) -> Table:
    # Columns A, B, C, D; the header is on row 2, so data rows are Excel rows 3, 4, 5.
    return Table("学校.xlsx", "考核记录", frame, {"工号": 0, "缺签到": 1, "有无计划": 2, "学历": 3}, (2, 2))


def test_each_failed_rule_is_its_own_problem_on_its_cell():
    frame = pd.DataFrame({"工号": ["T1", "T2", "T1"],
                          "缺签到": [-1.5, 2.0, None],
                          "有无计划": [1.0, 3.0, 0.0],
                          "学历": ["本科", "小学", None]}, index=pd.Index([3, 4, 5]))
    yes_no = Rule("有无计划", "yes-no", lambda s: s <= 1, lambda v: f"只能填1或留空，填的是 {v:g}")
    rules = [non_negative("缺签到"), whole_number("缺签到"), at_most("缺签到", 1), yes_no,
             one_of("学历", ["本科", "硕士研究生"], "学历应为"),
             whole_number("学历")]        # cannot run on text: passes, as a pandera check error named no cell
    problems = run_rules(_table(frame), frame, rules, unique="工号")
    got = sorted((p.cell, p.code, p.value) for p in problems)
    # By hand: B3 = -1.5 is negative and not whole (2 problems; -1.5 <= 1 passes at-most);
    # B4 = 2 is whole and non-negative but over the limit 1; B5 blank: nothing;
    # C4 = 3 > 1 fails yes-no; D4 「小学」 is not an allowed 学历; A5 repeats T1 (row 3 keeps it).
    assert got == sorted([("B3", "non-negative", -1.5), ("B3", "whole-number", -1.5), ("B4", "at-most", 2.0),
                          ("C4", "yes-no", 3.0), ("D4", "one-of", "小学"), ("A5", "duplicate", "T1")])
    order = [p.code for p in problems if p.cell == "B3"]
    assert order == ["non-negative", "whole-number"]          # the rules' own order on one cell


def test_clean_frame_has_no_problems():
    frame = pd.DataFrame({"工号": ["T1", "T2"], "缺签到": [0.0, 3.0]}, index=pd.Index([3, 4]))
    assert run_rules(_table(frame), frame, [non_negative("缺签到"), whole_number("缺签到")], unique="工号") == []
