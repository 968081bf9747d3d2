"""The 达标 part: 学时登记 + 教师名册 -> 达标情况 (per teacher per obligation, missing periods by name) and,
when the spec grades the project (能力提升工程2.0: 合格/良好/优秀), 项目考核. Skips when there is nothing to check.

`summary["hours_met_rate"]` is the share of teachers who meet everything that binds them (学时 and every
obligation), which is what batch summaries and mail report as 达标率; `summary["met_label"]` says what it
covers, so lanxi4's 听课/反思 duties are never called 学时达标.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from xlrubric.engine.requirements import evaluate
from xlrubric.engine.stats import share_met
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.hours import all_teachers, teacher_ids
from xlrubric.pipeline.register import SHEET, quiet_gc, require_register, text
from xlrubric.readers.table import read_table
from xlrubric.results import SheetTable
from xlrubric.schemas.layout import ROSTER, with_spec_synonyms

TABLE, GRADES = "达标情况", "项目考核"
ROSTER_SHEET = "教师名册"


def roster_frame(ctx: Context, teachers: pd.Index) -> pd.DataFrame:
    """groups (set of 组别/角色), born, hired, 教研组 per teacher; unreadable dates flagged on their cell."""
    attrs = ctx.roster.attrs.reindex(teachers) if len(ctx.roster.attrs) else pd.DataFrame(index=teachers)
    out = pd.DataFrame(index=teachers)
    raw_groups = attrs["组别/角色"] if "组别/角色" in attrs.columns else pd.Series(None, index=teachers)
    out["groups"] = raw_groups.map(lambda v: {g for g in re.split(r"[、,，/；;\s]+", text(v)) if g})
    out["教研组"] = attrs["教研组"].map(text) if "教研组" in attrs.columns else ""
    for col, key in (("出生日期", "born"), ("入职日期", "hired")):
        values = []
        for t in teachers:
            v = attrs[col].get(t) if col in attrs.columns else None
            d, _ = ctx.date(v)
            if d is None and text(v):
                row = ctx.roster.rows.get(t)
                ctx.problem("bad-date", f"{col}「{text(v)}」不是可识别的日期，如 1985-03-12", "错误", ROSTER_SHEET,
                            _roster_cell(ctx, col, row), v)
            values.append(d)
        out[key] = pd.to_datetime(pd.Series(values, index=teachers, dtype=object), errors="coerce")
    return out


def _roster_cell(ctx: Context, col: str, row: int | None) -> str:
    """The 教师名册 cell of `col` in Excel row `row` (the roster's header is located again, only on error)."""
    sheet = ctx.book.sheet(ROSTER.sheet)
    if row is None or sheet is None:
        return ""
    table = read_table(sheet, with_spec_synonyms(ROSTER, ctx.spec), file=ctx.file)
    return table.cell(col, row) if col in table.columns else f"A{row}"


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
    ok_rows = f[(f["blocked"] == "") & (f["status"] != "不予认定")]
    start, end = _period(ctx, ok_rows)
    latest = ok_rows["date"].max()
    as_of = latest.date() if pd.notna(latest) and latest.date() < end else end
    roster = roster_frame(ctx, teachers)
    outcome = evaluate(ok_rows, roster, spec.requirements, start, end, as_of)
    t = outcome.table
    by_id = {q.id: q for q in spec.requirements}
    rows = []
    for r in t.itertuples(index=False):
        q = by_id[r.requirement]
        group = q.scope == "教研组"
        who = (f"教研组：{r.subject}" if group else names.get(r.subject, r.subject))
        if not r.bound:
            rows.append(["" if group else ids.get(r.subject, ""), who, q.name, q.describe(), None, None, "", "不适用",
                         r.why, q.quote])
            continue
        missing = list(r.missing)
        shown = "；".join(missing[:40]) + (f"……共{len(missing)}项" if len(missing) > 40 else "")
        due = outcome.not_due.get(q.id, 0)
        note = f"另有{due}期尚未到期，未检查" if due else ""
        rows.append(["" if group else ids.get(r.subject, ""), who, q.name, q.describe(), float(r.required),
                     float(r.actual), shown, "达标" if r.met else "未达标", note, q.quote])
    ctx.tables.append(SheetTable(TABLE, ["工号", "姓名", "要求", "要求内容", "应完成", "已完成", "未完成的期次", "达标",
                                         "说明", "依据（原文）"], rows,
                                 col_widths=[10, 12, 18, 30, 8, 8, 60, 8, 24, 40]))
    teacher_rows = t[t["bound"] & t["subject"].isin(teachers)] if len(t) else t
    req_met = (teacher_rows.groupby("subject")["met"].all().reindex(teachers, fill_value=True)
               if len(teacher_rows) else pd.Series(True, index=teachers))
    hours = ctx.shared.get("hours")
    all_met = req_met & (hours.met.reindex(teachers, fill_value=True) if hours is not None else True)
    per_req = {}
    for q in spec.requirements:
        sub = t[(t["requirement"] == q.id) & t["bound"]] if len(t) else t
        met, rate = share_met(sub["met"]) if len(sub) else (0, None)
        per_req[q.id] = {"name": q.name, "bound": int(len(sub)), "met": met, "rate": rate}
    ctx.summary["requirements"] = per_req
    ctx.summary.setdefault("hours_teachers", len(teachers))     # batch shows it when there is no rubric
    if len(teachers):
        (_, req_rate), (all_count, all_rate) = share_met(req_met), share_met(all_met)
        ctx.summary.update({"requirements_met_rate": req_rate, "hours_met_rate": all_rate, "hours_met": all_count,
                            "met_label": MET_WITH_HOURS if hours is not None else MET_DUTIES})
    ctx.report["requirements"] = [
        {"subject": r.subject, "requirement": r.requirement, "bound": bool(r.bound),
         "met": None if not r.bound else bool(r.met), "missing": list(r.missing) if r.bound else []}
        for r in t.itertuples(index=False)]
    if grades:
        _grades(ctx, f, teachers, names, ids, all_met)


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


def _grades(ctx: Context, f: pd.DataFrame, teachers: pd.Index, names, ids, met: pd.Series) -> None:
    """合格 when everything is met; a director raises it to 良好/优秀 with a 项目考核 row (等次) in 学时登记."""
    h = ctx.spec.hours
    order = [g.name for g in h.grades]          # highest first
    passing = order[-1]
    typed: dict[str, tuple[str, int]] = {}
    if h.grade_category:
        rows = f[(f["category"] == h.grade_category) & (f["blocked"] == "")]
        for row, r in rows.iterrows():
            if r["award"] in order:
                typed[r["teacher"]] = (r["award"], int(row))
    table_rows = []
    by_name = {g.name: g for g in h.grades}
    for t in teachers:
        grade = passing if met[t] else "不合格"
        note = ""
        if t in typed:
            want, row = typed[t]
            if met[t]:
                grade = want
                note = f"等次由{SHEET}第{row}行评定"
            else:
                note = f"{SHEET}第{row}行评为{want}，但未达到全部要求，按不合格计"
                ctx.problem("grade-not-met", f"{names[t]}未达到全部学时和达标要求，不能评为「{want}」", "警告", SHEET,
                            f"A{row}")
        g = by_name.get(grade)
        table_rows.append([ids[t], names[t], "达标" if met[t] else "未达标", grade, g.bonus if g else 0.0,
                           g.credits if g else 0.0, note])
    header = ["工号", "姓名", "学时与要求", "项目考核等次", "年终考核加分", "校本研修学分", "说明"]
    ctx.tables.append(SheetTable(GRADES, header, table_rows, col_widths=[10, 10, 12, 12, 12, 12, 40]))
    counts = pd.Series([r[3] for r in table_rows]).value_counts().to_dict()
    ctx.summary["grades"] = {name: int(counts.get(name, 0)) for name in [*order, "不合格"]}
