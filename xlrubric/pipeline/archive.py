"""培训档案, the data: each teacher's training record, 考勤, 学时 and 达标, gathered from one run of the same
pipeline as `compute` (`pipeline.run_parts`); 考勤 and each teacher's verdict are the engine's typed
outcomes (`engine.verdicts`), the very ones 扣分明细 and 学时汇总 print, so they can never disagree.
`writers/archive.py` prints it and computes nothing.

Seed 002 lists what the archive holds: "参培教师、培训内容、培训形式、培训时间、授课教师、培训结果", the
attendance (考勤登记) and the materials (学习笔记、证书…). Seed 001 asks for a public 教师校本研修学时统计一览表.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xlrubric.engine.rowstate import RowResult
from xlrubric.engine.verdicts import Attendance, Duty, DutyTally, Verdict, YearLine
from xlrubric.pipeline import run_parts
from xlrubric.pipeline.register import read_register, text
from xlrubric.readers.raw import RawBook
from xlrubric.spec.model import Spec

PROFILE = ("工号", "性别", "学科", "教研组", "组别/角色", "出生日期", "入职日期")


@dataclass
class Archive:
    """Everything the archive prints, gathered from one pipeline run."""

    school: str
    spec: Spec
    teachers: list[str]
    names: dict[str, str]
    profile: dict[str, dict[str, str]]
    records: dict[str, list[list[Any]]] = field(default_factory=dict)
    attendance: dict[str, Attendance] = field(default_factory=dict)   # the engine's, as 扣分明细 counted
    verdicts: dict[str, Verdict] = field(default_factory=dict)        # the engine's, per teacher
    years: dict[str, list[YearLine]] = field(default_factory=dict)    # the engine's, per teacher per 学年
    duties: dict[str, list[Duty]] = field(default_factory=dict)        # the engine's, per teacher
    tallies: dict[str, DutyTally] = field(default_factory=dict)        # the engine's count of `duties`
    overview_header: list[str] = field(default_factory=list)
    overview: list[list[Any]] = field(default_factory=list)
    has_hours: bool = False          # the overview is a 学时统计一览表; else a 达标情况一览表


def gather(book: RawBook, spec: Spec, source: str) -> Archive:
    """Run the pipeline parts once and collect, per teacher, what the archive shows."""
    ctx = run_parts(book, spec, source)
    tables = {t.name: t for t in ctx.tables}
    reg = read_register(ctx)
    frame = reg.frame if reg is not None else pd.DataFrame(columns=["teacher", "blocked"])
    keys = list(ctx.roster.names) or [t for t in pd.unique(frame["teacher"]) if t]
    names = {t: ctx.roster.names.get(t) or t for t in keys}
    profile = {}
    attrs = ctx.roster.attrs
    for t in keys:
        row = attrs.loc[t] if t in attrs.index else pd.Series(dtype=object)
        info = {"工号": "" if names[t] == t else t}
        for col in PROFILE[1:]:
            v = row.get(col) if len(row) else None
            d, _ = ctx.date(v) if col.endswith("日期") else (None, False)
            info[col] = d.isoformat() if d else text(v)
        profile[t] = info
    arc = Archive(ctx.summary.get("school") or spec.school or book.name, spec, keys, names, profile,
                  attendance=ctx.outcomes.attendance, verdicts=ctx.outcomes.verdicts, years=ctx.outcomes.years,
                  duties=ctx.outcomes.duties, tallies=ctx.outcomes.tallies,
                  has_hours=bool(ctx.outcomes.years) or "学时汇总" in tables)
    listed = frame[frame["blocked"] == ""].sort_values("date") if reg is not None else frame.iloc[:0]
    for row, r in listed.iterrows():      # a workbook without 学时登记 (xinghuo) has no training records
        d = ctx.outcomes.rows.get(int(row))
        result = _result(r, d)
        form = r["category_text"] + (f"（{r['role']}）" if r["role"] else "")
        arc.records.setdefault(r["teacher"], []).append([
            r["name"], r["title_text"] or r["category_text"], form,
            r["date"].strftime("%Y-%m-%d") if pd.notna(r["date"]) else "", r["teacher_text"], result,
            None if d is None else d.counted, r["note_text"]])
    _overview(arc)
    return arc


def _result(r: pd.Series, d: RowResult | None) -> str:
    if d is not None:
        if d.state == "无效学时":
            return f"未认定：{d.text}"
        if d.state == "待核实":
            return d.text
        return f"认定{d.counted:g}学时" + ("（人工认定）" if d.state == "人工认定" else "")
    parts = [p for p in (r["award"], r["status"]) if p]
    return "、".join(parts) or "已登记"


def _overview(arc: Archive) -> None:
    """学时统计一览表: one row per teacher (学年 totals side by side), or the 达标 count when there are no hours."""
    if arc.has_hours:
        years = list(dict.fromkeys(y.year for lines in arc.years.values() for y in lines))
        both = any(v.duties is not None for v in arc.verdicts.values())
        arc.overview_header = ["序号", "工号", "姓名", "教研组", *years, "周期累计",
                               "总体达标（学时及各项要求）" if both else "学时达标"]
        for n, t in enumerate(arc.teachers, 1):
            lines = {y.year: y for y in arc.years.get(t, [])}
            last = lines.get(years[-1]) if years else None
            arc.overview.append([n, arc.profile[t]["工号"], arc.names[t], arc.profile[t]["教研组"],
                                 *[lines[y].total if y in lines else 0.0 for y in years],   # None: 待核实
                                 last.cum if last else 0.0,
                                 arc.verdicts[t].printed if t in arc.verdicts else ""])
    else:
        arc.overview_header = ["序号", "工号", "姓名", "教研组", "登记活动", "适用要求", "已达标", "未达标的要求"]
        for n, t in enumerate(arc.teachers, 1):
            tally = arc.tallies.get(t) or DutyTally(0, 0, ())
            arc.overview.append([n, arc.profile[t]["工号"], arc.names[t], arc.profile[t]["教研组"],
                                 len(arc.records.get(t, [])), tally.applicable, tally.met, "、".join(tally.open)])

