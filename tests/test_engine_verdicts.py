"""Verify the per-teacher decisions that join parts (engine/verdicts.py, issue 13): the verdict over 学时 and
every obligation, the 项目考核 等次 of seed 004, and that every output prints the same verdict."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from xlrubric.engine.verdicts import duty_states, grade_project, teacher_verdicts
from xlrubric.process import compute_file
from xlrubric.spec.load import load_preset

MET, NOT_MET, PENDING = "达标", "未达标", "待核实"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HOURS = load_preset("tisheng2").hours


def test_duty_states_take_the_worst_obligation_that_binds():
    """Verify a teacher's obligations combine as 未达标 > 待核实 > 达标, unbound ones ignored.

    By hand: A meets both of its obligations → 达标; B meets one, misses one → 未达标; C meets one and
    one is 待核实 → 待核实; D is bound by nothing (its one row is unbound and says 未达标) → 达标."""
    table = pd.DataFrame({
        "subject": ["A", "A", "B", "B", "C", "C", "D"],
        "bound": [True, True, True, True, True, False, False],
        "met": [True, True, True, False, True, None, False],
        "pending": ["", "", "", "", "", "学时登记 E7：无法识别", ""],
    })
    got = duty_states(table, pd.Index(["A", "B", "C", "D"], name="teacher"))
    assert got.to_dict() == {"A": MET, "B": NOT_MET, "C": PENDING, "D": MET}


def test_project_grade_needs_everything_met():
    """Verify seed 004's 项目考核: 合格/良好/优秀 add 1/2/3 to the year-end assessment and earn 10 学分, and
    only a teacher who meets every 学时 target and obligation passes.

    By hand: A meets everything, no typed grade → the lowest passing grade 合格: +1, 10 学分.
    B meets its 学时 but not an obligation, and was typed 良好 (row 9) → 不合格, 0, 0, the typed grade refused;
    its verdict says which part fails. C misses 学时 → 不合格. D meets everything and was typed 优秀 (row 7)
    → 优秀: +3, 10 学分. E's 学时 are 待核实 → 项目考核 待核实, no bonus and no 学分 (blank, not 0)."""
    teachers = pd.Index(list("ABCDE"), name="teacher")
    hours = pd.Series([MET, MET, NOT_MET, MET, PENDING], index=teachers)
    duties = pd.Series([MET, NOT_MET, MET, MET, MET], index=teachers)
    v = teacher_verdicts(teachers, hours, duties)
    assert {t: x.overall for t, x in v.items()} == {"A": MET, "B": NOT_MET, "C": NOT_MET, "D": MET, "E": PENDING}
    assert v["B"].text == "未达标（学时已达标，达标要求未达标）" and v["C"].text == NOT_MET
    g = grade_project(HOURS, v, {"B": ("良好", 9), "D": ("优秀", 7)}, {})
    assert (g["A"].grade, g["A"].bonus, g["A"].credits) == ("合格", 1, 10)
    assert (g["B"].grade, g["B"].bonus, g["B"].credits, g["B"].refused) == ("不合格", 0, 0, "良好")
    assert (g["C"].grade, g["C"].bonus) == ("不合格", 0)
    assert (g["D"].grade, g["D"].bonus, g["D"].credits, g["D"].note) == ("优秀", 3, 10, "等次由学时登记第7行评定")
    assert (g["E"].grade, g["E"].bonus, g["E"].credits) == (PENDING, None, None)


def test_a_rejected_grade_row_leaves_the_grade_pending():
    """Verify a teacher who meets everything but whose 项目考核 row was rejected is 待核实, with the reason."""
    teachers = pd.Index(["A"], name="teacher")
    v = teacher_verdicts(teachers, pd.Series([MET], index=teachers), None)
    g = grade_project(HOURS, v, {}, {"A": "学时登记 G5：等次无法识别"})
    assert (g["A"].grade, g["A"].bonus, g["A"].note) == (PENDING, None, "学时登记 G5：等次无法识别")


STATE = st.sampled_from([MET, NOT_MET, PENDING])


@given(st.lists(st.tuples(STATE, STATE), min_size=1, max_size=12),
       st.lists(st.sampled_from(["优秀", "良好", "合格", None]), min_size=12, max_size=12))
def test_no_pass_without_both_parts_met(states, typed):
    """Verify, for any 学时 and obligation verdicts and typed grades: overall is 达标 exactly when both parts
    are; 未达标 whenever either is; a grade that brings a bonus only ever rests on 达标; 待核实 brings none."""
    teachers = pd.Index([f"T{i}" for i in range(len(states))], name="teacher")
    hours = pd.Series([h for h, _ in states], index=teachers)
    duties = pd.Series([d for _, d in states], index=teachers)
    v = teacher_verdicts(teachers, hours, duties)
    wanted = {t: (w, n + 2) for n, (t, w) in enumerate(zip(teachers, typed, strict=False)) if w}
    g = grade_project(HOURS, v, wanted, {})
    for t, (h, d) in zip(teachers, states, strict=True):
        assert (v[t].overall == MET) == (h == MET and d == MET)
        assert (v[t].overall == NOT_MET) == (NOT_MET in (h, d))
        if g[t].bonus:
            assert v[t].overall == MET and g[t].credits == 10
        if v[t].overall == PENDING:
            assert g[t].grade == PENDING and g[t].bonus is None


def test_tisheng2_every_output_prints_one_verdict(tmp_path):
    """Verify on the shipped tisheng2 sample that 学时汇总's last column never says 达标 for a teacher
    项目考核 grades 不合格 (issue 13): it, 项目考核 and Results.outcomes print the engine's one verdict."""
    res, _ = compute_file(SAMPLES / "tisheng2.xlsx", tmp_path / "r.xlsx", preset="tisheng2")
    tables = {t.name: t for t in res.tables}
    summary = tables["学时汇总"]
    col = summary.header.index("总体达标（学时及各项要求，每人末行）")
    last = {r[0]: r[col] for r in summary.rows if r[col]}
    grades = {r["工号"]: r for r in tables["项目考核"].as_records()}
    assert set(last) == set(grades) and len(grades) == 30
    both = 0
    for t, shown in last.items():
        overall = res.outcomes.verdicts[t].overall
        assert shown.split("（")[0] == overall == grades[t]["学时与要求"], t
        if grades[t]["项目考核等次"] == "不合格":
            assert not shown.startswith(MET), t
        both += shown.startswith("未达标（学时已达标")
    assert both >= 1      # the sample has teachers whose 学时 alone are met (TS008, TS015 …): the case at issue
    # the JSON report carries the same typed verdict and grade
    assert res.report["verdicts"]["TS008"] == {"hours": "达标", "duties": "未达标", "overall": "未达标"}
    assert res.report["grades"]["TS008"]["grade"] == grades["TS008"]["项目考核等次"] == "不合格"
