"""Verify that 考核结果 and 扣分明细, laid out column by column from the engine's arrays (`render_tables`), are
row for row, link for link and fill for fill what laying out one teacher at a time gives (hypothesis: counts,
typed scores, rejected cells, register sources, 人工调整 and policies)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlrubric.engine.rubric import PENDING, Override, Pending, Source, score
from xlrubric.pipeline.rubric_tables import LEFT_OUT, PENDING_FILL, render_tables
from xlrubric.spec.load import load_preset


def _with(spec, **choices):
    spec = spec.model_copy(deep=True)
    for pid, choice in choices.items():
        spec.policy_obj(pid).choice = choice
    return spec


SPECS = {"lanxi4": load_preset("lanxi4"), "xinghuo": load_preset("xinghuo"),
         "xinghuo-exclude": _with(load_preset("xinghuo"), not_counted="exclude", late_work="not_counted")}


def _shown(outcome, t, target, value):
    return LEFT_OUT if (t, target) in outcome.excluded else PENDING if (t, target) in outcome.pending else value


def reference(spec, outcome, names, rows_of):
    """One teacher at a time, in plain Python: (考核结果 rows, links, fills), (扣分明细 rows, links, fills)."""
    items = [i.name for i in spec.rubric.items]
    scores = outcome.scores
    extra = [c for c in scores.columns if c not in items and c not in ("总分", "等次")]
    band = bool(outcome.band_column)
    changed = any(c.kind != "人工调整" for cs in outcome.band_changes.values() for c in cs)
    records = outcome.details.records()
    rows, links, fills = [], {}, {}
    for n, t in enumerate(scores.index):
        row = [t, names[t]]
        row += [_shown(outcome, t, c, float(scores.loc[t, c])) for c in items]
        row += [_shown(outcome, t, "总分", float(scores.loc[t, c])) for c in ["总分", *extra]]
        if band:
            row.append(PENDING if (t, "等次") in outcome.pending else scores.loc[t, "等次"])
        width = len(row)
        if changed:
            row.append("；".join(c.text for c in outcome.band_changes.get(t, []) if c.kind != "人工调整"))
        typed = [i for i in items if (t, i) in outcome.typed]
        parts = [f"直接评分：{'、'.join(typed)}"] if typed else []
        for d in records:
            if d["teacher"] == t and d["points"] < 0:
                parts.append(f"{d['item']}{d['points']:g}（{d['event']} {d['count']:g}）")
        row += ["；".join(parts) or "无扣分", "；".join(outcome.overrides.get(t, []))]
        if outcome.pending:
            held = any((t, c) in outcome.pending for c in [*items, "总分"])
            reasons = [f"{i}：{p.text()}" for i in items for p in outcome.pending.get((t, i), [])] if held else []
            row.append("；".join(dict.fromkeys(reasons)) or None)
        fills.update({(n, c): PENDING_FILL for c, v in enumerate(row[:width]) if v == PENDING})
        links[(n, 1)] = f"'考核记录'!B{rows_of[t]}"
        rows.append(row)
    detail_rows, detail_links, detail_fills = [], {}, {}
    for d in records:
        detail_rows.append([d["teacher"], names[d["teacher"]], d["item"], d["event"], d["kind"], d["count"],
                            d["points"], d["rule"], f"{d['sheet']}!{d['cell']}" if d["cell"] else d["sheet"],
                            d["note"]])
    for (t, target), why in outcome.pending.items():
        if target in items:
            for p in why:
                detail_fills[(len(detail_rows), 6)] = PENDING_FILL
                detail_rows.append([t, names[t], target, PENDING, PENDING, None, PENDING,
                                    "依据的单元格无法采用，本项不计分，待核实后重新计算",
                                    f"{p.sheet}!{p.cell}" if p.cell else p.sheet, p.reason])
    for n, r in enumerate(detail_rows):
        sheet_cell = r[8]
        if "!" in sheet_cell:
            sheet, cell = sheet_cell.split("!")
            detail_links[(n, 8)] = f"'{sheet}'!{cell}"
    return (rows, links, fills), (detail_rows, detail_links, detail_fills)


@st.composite
def cases(draw):
    spec = SPECS[draw(st.sampled_from(list(SPECS)))]
    teachers = [f"T{i}" for i in range(draw(st.integers(1, 9)))]
    events = [d for _, d in spec.rubric.deductions]
    items = [i.name for i in spec.rubric.items]
    count = st.one_of(st.just(np.nan), st.integers(0, 5).map(float))
    counts = pd.DataFrame([{d.event: draw(count) for d in events} for _ in teachers], index=teachers)
    typed = pd.DataFrame(np.nan, index=teachers, columns=items)
    rejected, sources, overrides = {}, {}, []
    for r, t in enumerate(teachers):
        for name in items:
            if draw(st.integers(0, 11)) == 0:
                typed.loc[t, name] = float(draw(st.integers(0, 3)))
            if draw(st.integers(0, 15)) == 0:
                overrides.append(Override(t, name, float(draw(st.integers(0, 2))), "复核"))
        for k, d in enumerate(events):
            pick = draw(st.integers(0, 14))
            if pick == 0:
                rejected[(t, d.event)] = Pending("考核记录", f"{'CDEFGHIJKLMNOPQRSTU'[k % 19]}{r + 3}", "无法识别")
            elif pick < 3:
                sources[(t, d.event)] = Source("签到登记", f"D{pick + r}", draw(st.sampled_from(["", "签到3次"])))
            elif pick < 6:
                sources[(t, d.event)] = Source("考核记录", f"C{r + 3}")
    return spec, counts, typed, rejected, sources, overrides


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_tables_match_a_teacher_by_teacher_reference(case):
    spec, counts, typed, rejected, sources, overrides = case
    outcome = score(spec, counts, sources, overrides, rejected=rejected, typed=typed)
    names = {t: f"教师{t}" for t in counts.index}
    rows_of = {t: n + 3 for n, t in enumerate(counts.index)}
    frame = pd.DataFrame({"工号": list(counts.index), "姓名": [names[t] for t in counts.index]},
                         index=list(rows_of.values()), dtype=object)
    record = SimpleNamespace(sheet="考核记录", columns={"工号": 0, "姓名": 1}, frame=frame)
    ctx = SimpleNamespace(spec=spec, tables=[], summary={}, report={})
    render_tables(ctx, outcome, names, record, rows_of)
    result, detail = ctx.tables
    want_result, want_detail = reference(spec, outcome, names, rows_of)
    assert (result.rows, result.links, result.fills) == want_result
    assert (detail.rows, detail.links, detail.fills) == want_detail
    assert list(result.fills) == sorted(result.fills) and list(detail.links) == sorted(detail.links)
