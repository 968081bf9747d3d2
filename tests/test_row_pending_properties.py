"""Property test: `engine.pending.row_pending` gives every 学时登记 row the reason a plain walk gives it.

The reference is the rule as the engine states it, group by group: the rows of a rule (or of a category whose
rule could not be chosen) take the first rejected cell, in key order, among the cells that rule needs (a row
typed by hand needs only its 审核状态 and 认定学时), unless the row already has a reason; the walk compares
every column with "" again at every step, as the engine once did.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlrubric.engine.pending import _choosing, needed, row_pending, worst, worst_by
from xlrubric.spec.load import load_preset

HOURS = load_preset("baiwanzi").hours
CATEGORIES = sorted({r.category for r in HOURS.rules}) + ["外来类别"]
KEYS = ["status", "manual", "duration", "days", "cert", "score", "level", "award", "words", "role"]


def reference(reg: pd.DataFrame, rule_idx: np.ndarray) -> list:
    n = len(reg)
    why = reg["pending"].tolist()
    manual = reg["manual"].notna().tolist()
    by_cat: dict[str, list] = {}
    for r in HOURS.rules:
        by_cat.setdefault(r.category, []).append(r)
    groups = [([rule_idx[p] == i for p in range(n)], needed(rule, by_cat[rule.category]))
              for i, rule in enumerate(HOURS.rules)]
    groups += [([rule_idx[p] == -1 and reg["category"].iloc[p] == cat for p in range(n)],
                {"status", "manual"} | _choosing(rules)) for cat, rules in by_cat.items()]
    said_by = {c[len("unread_"):]: reg[c].tolist() for c in reg.columns if c.startswith("unread_")}
    for m, keys in groups:
        for typed_by_hand, ks in ((False, keys), (True, {"status", "manual"})):
            for p in range(n):
                if not m[p] or manual[p] != typed_by_hand:
                    continue
                for key in sorted(ks & set(said_by)):
                    if why[p] == "" and said_by[key][p] != "":
                        why[p] = said_by[key][p]
    return why


reason = st.sampled_from(["", "", "", "「x」不是数字", "无法识别"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.integers(1, 30), st.sets(st.sampled_from(KEYS), max_size=5))
def test_row_pending_as_the_walk_over_every_row(data, n, unread):
    rule_idx = np.array(data.draw(st.lists(st.integers(-1, len(HOURS.rules) - 1), min_size=n, max_size=n)))
    reg = pd.DataFrame({
        "pending": data.draw(st.lists(st.sampled_from(["", "", "", "日期无法识别"]), min_size=n, max_size=n)),
        "manual": data.draw(st.lists(st.sampled_from([None, None, 2.0]), min_size=n, max_size=n)),
        "category": data.draw(st.lists(st.sampled_from(CATEGORIES), min_size=n, max_size=n)),
        **{f"unread_{k}": data.draw(st.lists(reason, min_size=n, max_size=n)) for k in sorted(unread)},
    }).astype({"pending": object})
    before = reg.copy()
    assert row_pending(reg, HOURS, rule_idx).tolist() == reference(reg, rule_idx)
    pd.testing.assert_frame_equal(reg, before)          # the register itself is not changed


def test_a_rejected_cell_the_rule_needs_is_its_reason():
    """Verify the first needed rejected cell names the reason: a 专题培训 row by the hour (rule 0 needs 时长,
    审核状态, 认定学时, 角色) with an unreadable 时长 is 待核实 for that cell; a row of the same rule typed by hand
    needs only 审核状态/认定学时, so an unreadable 时长 leaves it alone; a row with a reason keeps it."""
    assert HOURS.rules[0].category == "专题培训" and "duration" in needed(HOURS.rules[0], HOURS.rules[:2])
    reg = pd.DataFrame({"pending": ["", "", "学年无法确定"], "manual": [None, 3.0, None],
                        "category": ["专题培训"] * 3, "unread_duration": ["时长「两节」无法识别"] * 3}
                       ).astype({"pending": object})
    got = row_pending(reg, HOURS, np.array([0, 0, 0])).tolist()
    assert got == ["时长「两节」无法识别", "", "学年无法确定"]


verdicts = st.sampled_from(["达标", "未达标", "待核实", "达标"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["T3", "T1", "T2", "甲"]), st.integers(2021, 2024), verdicts),
                min_size=1, max_size=40, unique_by=lambda r: r[:2]))
def test_worst_by_teacher_as_worst_of_each_group(rows):
    """Verify `worst_by` (one groupby max over ranked verdicts) gives what `worst` gives each teacher's group,
    in the same order, as the one Python call per group it replaces did."""
    index = pd.MultiIndex.from_tuples([r[:2] for r in rows], names=["teacher", "year"])
    states = pd.Series([r[2] for r in rows], index=index, dtype=object)
    got = worst_by(states, "teacher")
    want = states.groupby(level="teacher").agg(worst)
    assert got.index.equals(want.index) and got.tolist() == want.tolist()
    assert got.tolist() == [worst(v for (t, _y, v) in rows if t == k) for k in got.index]


def test_worst_by_a_worked_case():
    """Verify by hand: T1 has 达标 and 未达标 → 未达标; T2 has 达标 and 待核实 → 待核实; T3 only 达标 → 达标."""
    index = pd.MultiIndex.from_tuples([("T2", 1), ("T1", 1), ("T1", 2), ("T3", 1), ("T2", 2)], names=["teacher", "y"])
    states = pd.Series(["达标", "达标", "未达标", "达标", "待核实"], index=index, dtype=object)
    assert worst_by(states, "teacher").to_dict() == {"T1": "未达标", "T2": "待核实", "T3": "达标"}
