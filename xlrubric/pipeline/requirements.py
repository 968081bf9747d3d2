"""The 达标 part: 学时登记 + 教师名册 -> 达标情况 (per teacher per obligation, missing periods by name) and,
when the spec grades the project (能力提升工程2.0: 合格/良好/优秀), 项目考核. Skips when there is nothing to check.

`summary["hours_met_rate"]` is the share of teachers who meet everything that binds them (学时 and every
obligation), which is what batch summaries and mail report as 达标率; `summary["met_label"]` says what it
covers, so lanxi4's 听课/反思 duties are never called 学时达标.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from xlrubric.engine.pending import PENDING
from xlrubric.engine.requirements import USED, evaluate
from xlrubric.engine.stats import requirement_figures, verdict_figures
from xlrubric.engine.verdicts import (
    Duty,
    duty_lines,
    duty_states,
    duty_tally,
    grade_counts,
    grade_project,
    teacher_verdicts,
)
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.hours import all_teachers, teacher_ids
from xlrubric.pipeline.register import SHEET, quiet_gc, require_register
from xlrubric.pipeline.roster_values import roster_frame
from xlrubric.readers.table import Table
from xlrubric.results import SheetTable

TABLE, GRADES = "达标情况", "项目考核"


def run(ctx: Context) -> None:
    """The part as registered in PARTS (see the module docstring)."""
    with quiet_gc():
        _run(ctx)


def _run(ctx: Context) -> None:
    spec = ctx.spec
    grades = spec.hours.grades if spec.hours else []
    if not spec.requirements and not grades:
        return
    reg = require_register(ctx, "检查达标要求")
    if reg is None:
        return
    f = reg.frame
    teachers = all_teachers(ctx, f)
    names = {t: ctx.roster.names.get(t) or t for t in teachers}
    ids = teacher_ids(ctx, teachers)
    ok_rows, waiting = _split(spec, f)
    start, end = _period(ctx, ok_rows)
    latest = ok_rows["date"].max()
    as_of = latest.date() if pd.notna(latest) and latest.date() < end else end
    roster = roster_frame(ctx, teachers)
    outcome = evaluate(ok_rows, roster, spec.requirements, start, end, as_of, waiting)
    for row, why in outcome.repeats.items():
        ctx.problems.append(reg.table.problem("same-title", why, column="题目", row=int(row),
                                              value=f.at[row, "title_text"], severity="警告"))
    t = outcome.table
    by_id = {q.id: q for q in spec.requirements}
    described = {q.id: q.describe() for q in spec.requirements}
    rows = []
    for r in t.itertuples(index=False):
        q = by_id[r.requirement]
        group = q.scope == "教研组"
        who = (f"教研组：{r.subject}" if group else names.get(r.subject, r.subject))
        first = ["" if group else ids.get(r.subject, ""), who, q.name, described[q.id]]
        if r.pending:
            rows.append([*first, None, None, "", PENDING, r.pending, q.quote])
            continue
        if not r.bound:
            rows.append([*first, None, None, "", "不适用", r.why, q.quote])
            continue
        shown = Duty(q.name, "", missing=tuple(r.missing)).missing_text
        due = outcome.not_due.get(q.id, 0)
        note = f"另有{due}期尚未到期，未检查" if due else ""
        rows.append([*first, float(r.required), float(r.actual), shown, "达标" if r.met else "未达标", note, q.quote])
    ctx.tables.append(SheetTable(TABLE, ["工号", "姓名", "要求", "要求内容", "应完成", "已完成", "未完成的期次", "达标",
                                         "说明", "依据（原文）"], rows,
                                 col_widths=[10, 12, 18, 30, 8, 8, 60, 8, 24, 40]))
    hours = ctx.shared.get("hours")
    req_state = duty_states(t, teachers)
    bound = set(t.loc[t["bound"] | (t["pending"] != ""), "subject"]) if len(t) else set()
    ctx.outcomes.verdicts = teacher_verdicts(
        teachers, hours.state.reindex(teachers).dropna() if hours is not None else None, req_state, bound)
    ctx.outcomes.duties = duty_lines(t, {q.id: q.name for q in spec.requirements})
    ctx.outcomes.tallies = {who: duty_tally(lines) for who, lines in ctx.outcomes.duties.items()}
    ctx.summary["requirements"] = requirement_figures(t, spec.requirements)
    ctx.summary.setdefault("hours_teachers", len(teachers))     # batch shows it when there is no rubric
    if len(teachers):
        ctx.summary["met_label"] = MET_WITH_HOURS if hours is not None else MET_DUTIES
    ctx.summary.pop("hours_met_rate", None)      # the rate is now over 学时 and every obligation
    ctx.summary.update(verdict_figures(ctx.outcomes.verdicts, req_state))
    ctx.report["requirements"] = [
        {"subject": r.subject, "requirement": r.requirement, "bound": bool(r.bound),
         "met": None if not r.bound or r.pending else bool(r.met), "missing": list(r.missing) if r.bound else [],
         "pending": r.pending}
        for r in t.itertuples(index=False)]
    if grades:
        _grades(ctx, reg.table, f, teachers, names, ids)


def _split(spec, f: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows that count, rows whose rejected cells could change an obligation, with why).

    The masks are worked on the columns' arrays and only the columns the engine reads are filtered: the
    register has ~40 columns, and every boolean filter of the whole frame copies each of them."""
    usable = (f["blocked"] == "").to_numpy()
    events = {q.trigger.category for q in spec.requirements if q.trigger and q.trigger.roles}
    why = f["pending"].to_numpy(dtype=object).copy()
    for key in ("status", "quantity", "role"):
        col = f.get(f"unread_{key}")
        if col is None:
            continue
        said = col.to_numpy(dtype=object)
        hit = (why == "") & (said != "")
        if key == "role":
            hit &= f["category"].isin(events).to_numpy()
        why[hit] = said[hit]
    wait = why != ""
    slim = f[[c for c in USED if c in f.columns]]
    ok = slim[usable & ~wait & (f["status"] != "不予认定").to_numpy()]
    waiting = usable & wait
    rows = slim[waiting]
    return ok, rows.assign(why=SHEET + " " + pd.Series(why[waiting], index=rows.index, dtype=object))


MET_HOURS = "学时达标率"
MET_DUTIES = "达标率（各项达标要求）"
MET_WITH_HOURS = "达标率（学时及各项达标要求）"


def _period(ctx: Context, rows: pd.DataFrame) -> tuple[dt.date, dt.date]:
    p = ctx.spec.period
    if p is not None:
        return p.start, p.end
    d = rows["date"].dropna()
    today = dt.date.today()
    return (d.min().date(), d.max().date()) if len(d) else (today, today)


def _grades(ctx: Context, table: Table, f: pd.DataFrame, teachers: pd.Index, names, ids) -> None:
    """项目考核 as the engine graded it (`engine.verdicts.grade_project`): the director's typed 等次 rows are
    read here, a rejected one makes that teacher 待核实; the table and the counts print the outcome.

    A 项目考核 row whose 等次 is blank, or a word that is no 项目考核 grade (一等奖 is an 等次 of 论文获奖), says
    nothing the director meant: it is an 错误 and that teacher 待核实, never the default grade."""
    h = ctx.spec.hours
    typed: dict[str, tuple[str, int]] = {}
    unsure: dict[str, str] = {}
    if h.grade_category:
        rows = f[(f["category"] == h.grade_category) & (f["blocked"] == "")]
        for row, r in rows.iterrows():
            problem = r["pending"] or r.get("unread_award", "") or r.get("unread_status", "")
            if problem:
                unsure[r["teacher"]] = f"{SHEET} {problem}"
            elif r["award"] in {g.name for g in h.grades}:
                typed[r["teacher"]] = (r["award"], int(row))
            else:
                shown = "、".join(g.name for g in h.grades)
                said = (f"等次「{r['award_shown']}」不是{h.grade_category}的等次" if r["award"]
                        else f"{h.grade_category}这一行没有填写等次")
                p = table.problem("grade-unknown", f"{said}（应为：{shown}），这位教师的{h.grade_category}等次待核实",
                                  column="等次", row=int(row), value=r["award_shown"] or None)
                ctx.problems.append(p)
                unsure[r["teacher"]] = f"{SHEET} {p.cell or f'第{int(row)}行'}：{said}"
    verdicts = {t: ctx.outcomes.verdicts[t] for t in teachers}
    grades = grade_project(h, verdicts, typed, unsure)
    ctx.outcomes.grades = grades
    table_rows = []
    for t in teachers:
        g = grades[t]
        if g.refused:
            ctx.problem("grade-not-met", f"{names[t]}未达到全部学时和达标要求，不能评为「{g.refused}」", "警告", SHEET,
                        f"A{typed[t][1]}")
        table_rows.append([ids[t], names[t], g.basis, g.grade, g.bonus, g.credits, g.note])
    header = ["工号", "姓名", "学时与要求", "项目考核等次", "年终考核加分", "校本研修学分", "说明"]
    ctx.tables.append(SheetTable(GRADES, header, table_rows, col_widths=[10, 10, 12, 12, 12, 12, 40]))
    ctx.summary["grades"] = grade_counts(grades, h)
