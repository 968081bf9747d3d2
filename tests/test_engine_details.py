"""Verify that 扣分明细 (`score(...).details`), made on whole columns, is row for row what explaining each
teacher on their own gives (hypothesis: counts, typed scores, rejected cells, sources and policies)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlrubric.engine.rubric import Pending, Source, rule_points, rule_text, score
from xlrubric.spec.load import load_preset
from xlrubric.spec.model import KIND_LABELS


def _with(spec, **choices):
    spec = spec.model_copy(deep=True)
    for pid, choice in choices.items():
        spec.policy_obj(pid).choice = choice
    return spec


SPECS = {
    "lanxi4": load_preset("lanxi4"),
    "xinghuo": load_preset("xinghuo"),
    "xinghuo-exclude": _with(load_preset("xinghuo"), not_counted="exclude", late_work="not_counted"),
}


def reference(spec, counts: pd.DataFrame, sources: dict, out) -> list[dict]:
    """One teacher at a time, one rule at a time, in plain Python: the rows of the seed's 扣分明细."""
    rows: list[dict] = []
    for item in spec.rubric.items:
        for t in counts.index:
            if (t, item.name) in out.typed or (t, item.name) in out.pending:
                continue            # a typed score or a 待核实 item explains no deduction
            per = []
            for d in item.deductions:
                count = counts.loc[t, d.event] if d.event in counts.columns else np.nan
                pts, zero, n = rule_points(d, np.array([count], dtype=float), spec)
                per.append((d, float(pts[0]), bool(zero[0]), float(n[0])))
            taken = 0.0
            for _, pts, _, _ in per:
                taken += pts
            zeroed = any(z for _, _, z, _ in per)
            if not zeroed and taken == 0:
                continue
            for d, pts, zero, n in per:
                if zero and (t, item.name) in out.excluded:
                    points, note = 0.0, f"不纳入考核：本项不计入总分，满分减少{item.full:g}分"
                elif zero:
                    why = "不纳入考核" if d.kind == "not_counted" or d.late else "不得分"
                    points, note = item.full, f"{why}，本项0分"
                elif pts > 0:
                    points, note = (0.0, "本项已按0分计，此条不再另扣") if zeroed else (pts, "")
                else:
                    continue
                src = sources.get((t, d.event))
                if src is not None and src.note:
                    note = f"{src.note}；{note}" if note else src.note
                rows.append({"teacher": t, "item": item.name, "event": d.event, "kind": KIND_LABELS[d.kind],
                             "count": n, "points": 0.0 - points, "rule": rule_text(d, spec),
                             "sheet": src.sheet if src else "", "cell": src.cell if src else "", "note": note})
            if not zeroed and taken > item.full:
                rows.append({"teacher": t, "item": item.name, "event": "（最低0分）", "kind": "封底", "count": None,
                             "points": round(taken - item.full, 4), "rule": "项目得分最低为0分", "sheet": "",
                             "cell": "", "note": f"扣分合计 {taken:g} 超过满分 {item.full:g}"})
    return rows


@st.composite
def cases(draw):
    pid = draw(st.sampled_from(list(SPECS)))
    spec = SPECS[pid]
    n = draw(st.integers(1, 8))
    teachers = [f"t{i}" for i in range(n)]
    events = [d for _, d in spec.rubric.deductions]
    count = st.one_of(st.just(np.nan), st.integers(0, 6).map(float))
    counts = pd.DataFrame([{d.event: draw(count) for d in events} for _ in teachers], index=teachers)
    items = [i.name for i in spec.rubric.items]
    typed = pd.DataFrame(np.nan, index=teachers, columns=items)
    rejected, sources = {}, {}
    for t in teachers:
        for name in items:
            if draw(st.integers(0, 9)) == 0:
                typed.loc[t, name] = float(draw(st.integers(0, 3)))
        for d in events:
            pick = draw(st.integers(0, 14))
            if pick == 0:
                rejected[(t, d.event)] = Pending("考核记录", "C3", "无法识别")
            elif pick < 4:
                sources[(t, d.event)] = Source("签到登记", f"A{pick}", draw(st.sampled_from(["", "签到3次"])))
    return spec, counts, typed, rejected, sources


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_details_match_a_teacher_by_teacher_reference(case):
    spec, counts, typed, rejected, sources = case
    out = score(spec, counts, sources, rejected=rejected, typed=typed)
    assert out.details.records() == reference(spec, counts, sources, out)
