"""培训档案: a NEW printable workbook with each teacher's training record and the school's 学时统计一览表.

Seed 002 lists what the archive holds: "参培教师、培训内容、培训形式、培训时间、授课教师、培训结果", the
attendance (考勤登记) and the materials (学习笔记、证书…). Seed 001 asks for a public 教师校本研修学时统计一览表.
The data come from the same pipeline as `compute` (register, 学时 engine, 达标 checks), so the archive and the
result sheets can never disagree. A4, repeated headers, page numbers; one teacher per printed page block.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from xlrubric.pipeline import PARTS
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register import read_register, text
from xlrubric.readers.raw import RawBook
from xlrubric.schemas.layout import ROSTER, SIGNIN
from xlrubric.schemas.teachers import build_roster, resolve_teachers
from xlrubric.spec.model import Spec
from xlrubric.writers.atomic import safe_output_name, write_atomic
from xlrubric.writers.xlsx_format import Styles, new_workbook, print_setup

RECORD_HEADER = ["参培教师", "培训内容", "培训形式", "培训时间", "授课教师", "培训结果", "认定学时", "材料/备注"]
RECORD_WIDTHS = [10, 30, 14, 12, 10, 26, 9, 18]
PROFILE = ("工号", "性别", "学科", "教研组", "组别/角色", "出生日期", "入职日期")
ABSENT = {"缺席"}
IRREGULAR = {"迟到", "早退", "间缺"}


@dataclass
class Archive:
    """Everything the archive prints, gathered from one pipeline run."""

    school: str
    spec: Spec
    teachers: list[str]
    names: dict[str, str]
    profile: dict[str, dict[str, str]]
    records: dict[str, list[list[Any]]] = field(default_factory=dict)
    attendance: dict[str, dict[str, int]] = field(default_factory=dict)
    absences: dict[str, list[str]] = field(default_factory=dict)
    summary: dict[str, list[dict[str, Any]]] = field(default_factory=dict)     # 学时汇总 rows per teacher
    duties: dict[str, list[dict[str, Any]]] = field(default_factory=dict)      # 达标情况 rows per teacher
    overview_header: list[str] = field(default_factory=list)
    overview: list[list[Any]] = field(default_factory=list)


def gather(book: RawBook, spec: Spec, source: str) -> Archive:
    """Run the pipeline parts once and collect, per teacher, what the archive shows."""
    ctx = Context(book, spec, source)
    ctx.roster, _ = build_roster(ctx.table(ROSTER))
    for part in PARTS:
        part(ctx)
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
    arc = Archive(ctx.summary.get("school") or spec.school or book.name, spec, keys, names, profile)
    detail = {}
    if "学时明细" in tables:
        for rec in tables["学时明细"].as_records():
            detail[rec["行"]] = rec
    listed = frame[frame["blocked"] == ""].sort_values("date") if reg is not None else frame.iloc[:0]
    for row, r in listed.iterrows():      # a workbook without 学时登记 (xinghuo) has no training records
        d = detail.get(int(row))
        result = _result(r, d)
        form = r["category_text"] + (f"（{r['role']}）" if r["role"] else "")
        arc.records.setdefault(r["teacher"], []).append([
            r["name"], r["title_text"] or r["category_text"], form,
            r["date"].strftime("%Y-%m-%d") if pd.notna(r["date"]) else "", r["teacher_text"], result,
            None if d is None else d["认定学时"], r["note_text"]])
    _attendance(ctx, arc)
    if "学时汇总" in tables:
        for rec in tables["学时汇总"].as_records():
            key = rec["工号"] or next((t for t in keys if names[t] == rec["姓名"]), rec["姓名"])
            arc.summary.setdefault(key, []).append(rec)
    if "达标情况" in tables:
        for rec in tables["达标情况"].as_records():
            key = rec["工号"] or next((t for t in keys if names[t] == rec["姓名"]), None)
            if key:
                arc.duties.setdefault(key, []).append(rec)
    _overview(arc, tables)
    return arc


def _result(r: pd.Series, d: dict | None) -> str:
    if d is not None:
        if d["状态"] == "无效学时":
            return f"未认定：{d['说明']}"
        if d["状态"] == "待核实":
            return d["说明"]
        return f"认定{d['认定学时']:g}学时" + ("（人工认定）" if d["状态"] == "人工认定" else "")
    parts = [p for p in (r["award"], r["status"]) if p]
    return "、".join(parts) or "已登记"


def _attendance(ctx: Context, arc: Archive) -> None:
    table = ctx.table(SIGNIN)
    if table is None or table.frame.empty:
        return
    keys, _ = resolve_teachers(table, ctx.roster, what="签到")
    status = table.frame.get("签到状态", pd.Series("", index=table.frame.index)).map(text)
    status = status.where(status != "", "已签到")
    for (row, key), st in zip(keys.items(), status, strict=True):
        if not key:
            continue
        counts = arc.attendance.setdefault(key, {"出勤": 0, "迟到/早退/间缺": 0, "缺席": 0})
        if st in ABSENT:
            counts["缺席"] += 1
        elif st in IRREGULAR:
            counts["迟到/早退/间缺"] += 1
        else:
            counts["出勤"] += 1
        if st in ABSENT | IRREGULAR:
            d, _ = ctx.date(table.frame.at[row, "日期"] if "日期" in table.frame.columns else None)
            what = text(table.frame.at[row, "活动名称"]) if "活动名称" in table.frame.columns else ""
            arc.absences.setdefault(key, []).append(f"{d.isoformat() if d else ''} {what} {st}".strip())


def _overview(arc: Archive, tables: dict) -> None:
    """学时统计一览表: one row per teacher (学年 totals side by side), or the 达标 count when there are no hours."""
    if "学时汇总" in tables:
        years = list(dict.fromkeys(r["学年"] for rows in arc.summary.values() for r in rows))
        arc.overview_header = ["序号", "工号", "姓名", "教研组", *years, "周期累计", "达标"]
        for n, t in enumerate(arc.teachers, 1):
            rows = {r["学年"]: r for r in arc.summary.get(t, [])}
            last = rows[years[-1]] if years and years[-1] in rows else {}
            arc.overview.append([n, arc.profile[t]["工号"], arc.names[t], arc.profile[t]["教研组"],
                                 *[rows[y]["学年合计"] if y in rows else 0.0 for y in years],
                                 last.get("周期累计", 0.0), last.get("达标", "")])
    else:
        arc.overview_header = ["序号", "工号", "姓名", "教研组", "登记活动", "适用要求", "已达标", "未达标的要求"]
        for n, t in enumerate(arc.teachers, 1):
            duties = [d for d in arc.duties.get(t, []) if d["达标"] != "不适用"]
            met = [d for d in duties if d["达标"] == "达标"]
            arc.overview.append([n, arc.profile[t]["工号"], arc.names[t], arc.profile[t]["教研组"],
                                 len(arc.records.get(t, [])), len(duties), len(met),
                                 "、".join(d["要求"] for d in duties if d["达标"] != "达标")])


def archive_bytes(arc: Archive) -> bytes:
    buf = io.BytesIO()
    wb, st = new_workbook(buf, title=f"{arc.school} 培训档案")
    cell = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#9BA7B4"})
    num = wb.add_format({"num_format": "0.##", "align": "center", "valign": "top", "border": 1,
                         "border_color": "#9BA7B4"})
    _overview_sheet(wb.add_worksheet("学时统计一览表"), st, arc, cell, num)
    _teacher_sheet(wb.add_worksheet("教师培训档案"), st, arc, cell, num)
    wb.close()
    return buf.getvalue()


def _overview_sheet(ws: Worksheet, st: Styles, arc: Archive, cell, num) -> None:
    width = len(arc.overview_header)
    ws.merge_range(0, 0, 0, width - 1, f"{arc.school} 教师校本研修学时统计一览表", st.title)
    ws.set_row(0, 26)
    ws.set_row(1, 30)
    ws.write_row(1, 0, arc.overview_header, st.header)
    for r, row in enumerate(arc.overview, 2):
        for c, v in enumerate(row):
            ws.write(r, c, v, num if isinstance(v, (int, float)) else cell)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 3, 11)
    ws.set_column(4, width - 1, 14)
    print_setup(ws, header_rows=1, landscape=width > 8)
    ws.set_header(f"&C{arc.school} 学时统计一览表")


def _teacher_sheet(ws: Worksheet, st: Styles, arc: Archive, cell, num) -> None:
    """Each teacher's block: profile, training records, attendance, 学时 and 达标; a page break after each."""
    ws.set_column(0, len(RECORD_WIDTHS) - 1, None)
    for c, w in enumerate(RECORD_WIDTHS):
        ws.set_column(c, c, w)
    last = len(RECORD_HEADER) - 1
    breaks, r = [], 0
    for t in arc.teachers:
        p = arc.profile[t]
        ws.merge_range(r, 0, r, last, f"{arc.school} 教师个人培训档案 — {arc.names[t]}", st.title)
        r += 1
        pairs = [("姓名", arc.names[t])] + [(k, p.get(k, "")) for k in PROFILE]
        for k in range(0, len(pairs), 4):
            for j, (label, value) in enumerate(pairs[k:k + 4]):
                ws.write(r, 2 * j, label, st.label)
                ws.write(r, 2 * j + 1, value, st.value)
            r += 1
        r += 1
        ws.write(r, 0, "一、培训记录", st.heading)
        r += 1
        ws.write_row(r, 0, RECORD_HEADER, st.header)
        r += 1
        for rec in arc.records.get(t, []) or [["", "（本期没有登记培训活动）", "", "", "", "", None, ""]]:
            for c, v in enumerate(rec):
                ws.write(r, c, v, num if isinstance(v, (int, float)) else cell)
            r += 1
        r += 1
        ws.write(r, 0, "二、考勤", st.heading)
        r += 1
        att = arc.attendance.get(t)
        if att:
            ws.write(r, 0, "；".join(f"{k}{v}次" for k, v in att.items()), st.wrap)
            r += 1
            for line in arc.absences.get(t, []):
                ws.write(r, 1, line, st.wrap)
                r += 1
        else:
            ws.write(r, 0, "没有签到登记", st.wrap)
            r += 1
        r += 1
        if arc.summary.get(t):
            ws.write(r, 0, "三、学时", st.heading)
            r += 1
            ws.write_row(r, 0, ["学年", "学年合计", "人工认定", "学年达标", "周期累计", "周期达标", "达标"], st.header)
            r += 1
            for s in arc.summary[t]:
                ws.write_row(r, 0, [s["学年"], s["学年合计"], s["人工认定"], s.get("学年达标", ""), s["周期累计"],
                                    s.get("周期达标", ""), s["达标"]], cell)
                r += 1
            r += 1
        duties = [d for d in arc.duties.get(t, []) if d["达标"] != "不适用"]
        if duties:
            ws.write(r, 0, "四、达标要求", st.heading)
            r += 1
            ws.write_row(r, 0, ["要求", "应完成", "已完成", "达标", "未完成的期次"], st.header)
            ws.merge_range(r, 4, r, last, "未完成的期次", st.header)
            r += 1
            for d in duties:
                ws.write_row(r, 0, [d["要求"], d["应完成"], d["已完成"], d["达标"]], cell)
                ws.merge_range(r, 4, r, last, d["未完成的期次"] or "", cell)
                r += 1
        breaks.append(r + 1)
        r += 2
    ws.set_h_pagebreaks(breaks[:-1][:1023])
    print_setup(ws, header_rows=0, landscape=False)
    ws.set_header(f"&C{arc.school} 教师培训档案")
    ws.set_footer("&C第 &P 页，共 &N 页")


def write_archive(book: RawBook, spec: Spec, source: str, out_dir: Path) -> tuple[Path, Archive]:
    """Write `<out_dir>/<学校>_培训档案.xlsx` atomically; the school's workbook is only read."""
    arc = gather(book, spec, source)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = safe_output_name(out_dir, f"{arc.school}_培训档案.xlsx")
    data = archive_bytes(arc)
    write_atomic(target, lambda f: f.write(data))
    return target, arc
