"""Verify that one pandera check per column still gives one problem per failed rule, on its own cell."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _reference(frame: pd.DataFrame, rules: list[Rule], unique: str) -> list[tuple[str, str, object]]:
    """What `run_rules` must report, worked out cell by cell in plain Python: in the key column every repeat
    of a key after its first row; in a checked column each non-blank cell, with each rule, in the rules'
    order, that rejects it."""
    letters = {"工号": "A", "缺签到": "B", "有无计划": "C", "学历": "D"}
    out: list[tuple[str, str, object]] = []
    for col in frame.columns:
        if col == unique:
            seen: set = set()
            for row, key in frame[col].items():
                if pd.isna(key):
                    continue                  # no key: nothing to repeat
                if key in seen:
                    out.append((f"A{row}", "duplicate", key))
                seen.add(key)
        for row, value in frame[col].items():
            if value is None or value != value:
                continue                      # a blank cell is never checked
            for rule in (r for r in rules if r.column == col):
                try:
                    passed = bool(rule.test(pd.Series([value])).iloc[0])
                except (TypeError, ValueError):
                    passed = True             # a rule that cannot run on this value rejects nothing
                if not passed:
                    out.append((f"{letters[col]}{row}", rule.name, value))
    return out


number = st.one_of(st.none(), st.just(float("nan")), st.sampled_from([0.0, 1.0, 2.0, 3.0]),
                   st.floats(min_value=-5, max_value=5, allow_nan=False).map(lambda x: round(x, 1)))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["T1", "T2", "T3", "T4", None]), number, number,
                          st.sampled_from(["本科", "小学", "硕士研究生", None])), min_size=1, max_size=12),
       st.booleans())
def test_problems_match_a_cell_by_cell_reference(rows, mixed_order):
    frame = pd.DataFrame({"工号": [r[0] for r in rows], "缺签到": [r[1] for r in rows],
                          "有无计划": [r[2] for r in rows], "学历": [r[3] for r in rows]},
                         index=pd.Index(range(3, 3 + len(rows))))
    frame["缺签到"] = frame["缺签到"].astype(float)
    frame["有无计划"] = frame["有无计划"].astype(float)
    yes_no = Rule("有无计划", "yes-no", lambda s: s <= 1, lambda v: f"只能填1或留空，填的是 {v:g}")
    rules = [non_negative("缺签到"), whole_number("缺签到"), at_most("缺签到", 2), yes_no,
             one_of("学历", ["本科", "硕士研究生"], "学历应为"), whole_number("学历")]
    if mixed_order:        # a column's rules need not be next to each other
        rules = [rules[0], rules[3], rules[1], rules[4], rules[2], rules[5]]
    got = [(p.cell, p.code, p.value) for p in run_rules(_table(frame), frame, rules, unique="工号")]
    want = _reference(frame, rules, "工号")
    # pandera orders its failure cases by an unstable sort, so only the order of one cell's rules is kept
    assert sorted(got, key=repr) == sorted(want, key=repr)
    for cell in {c for c, _, _ in want}:
        assert [g for g in got if g[0] == cell] == [w for w in want if w[0] == cell]
