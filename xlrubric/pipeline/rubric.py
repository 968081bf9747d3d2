"""The rubric part of a computation: 考核记录 (+ 签到登记, 提交登记, 人工调整) -> 考核结果 and 扣分明细.

Reads and validates the school's tables, hands plain frames to the pure engine, and lays the
engine's answer out as result tables. No file is written here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from xlrubric.engine.derive import signin_counts, submission_counts
from xlrubric.engine.rubric import Override, Source, cap_bands, score
from xlrubric.engine.stats import rubric_stats
from xlrubric.pipeline.context import Context
from xlrubric.readers.raw import cell_address
from xlrubric.readers.text import normalize_label, parse_number
from xlrubric.results import SheetTable
from xlrubric.schemas.layout import OVERRIDE, SIGNIN, SUBMISSION, record_layout
from xlrubric.schemas.teachers import person_name, resolve_teachers, teacher_id
from xlrubric.schemas.validate import at_most, non_negative, parse_numbers, run_rules, whole_number
from xlrubric.spec.model import Spec

RECORD = "考核记录"


def run(ctx: Context) -> None:
    spec = ctx.spec
    if spec.rubric is None:
        return
    layout = record_layout(spec)
    table = ctx.table(layout)
    if table is None:
        ctx.problem("missing-sheet", f"缺少工作表「{RECORD}」，无法计算考核得分。现有工作表："
                    f"{'、'.join(ctx.book.sheets)}。请用 xlrubric template 生成的模板填写", sheet=RECORD)
        return
    if table.frame.empty and not any(p.code == "no-header" for p in table.problems):
        ctx.problem("empty-sheet", f"「{RECORD}」中没有教师数据", "警告", RECORD)
    if table.frame.empty:
        return
    events = [d.event for _, d in spec.rubric.deductions]
    for name in events:
        if name not in table.columns:
            ctx.problem("missing-event-column", f"没有找到扣分事项「{name}」这一列，按0次计算（可能是旧版模板）",
                        "警告", RECORD, table.header_cell())
    for j, text in table.extra_headers.items():
        if normalize_label(text) not in ("序号", "备注", "说明", "签名", "学科", "教研组"):
            ctx.problem("unknown-column", f"未识别的列「{text}」，已忽略；扣分事项的列名应与考核细则一致",
                        "提示", RECORD, cell_address(table.header_rows[1] - 1, j), text)
    keys, probs = resolve_teachers(table, ctx.roster, what="考核得分")
    ctx.problems.extend(probs)
    numbers, probs = parse_numbers(table, events, what="次数（整数）")
    ctx.problems.extend(probs)
    rules = []
    for _, d in spec.rubric.deductions:
        rules += [non_negative(d.event), whole_number(d.event)]
        if d.kind == "per_missing" and d.components:
            rules.append(at_most(d.event, len(d.components), f"（共{len(d.components)}项）"))
    frame = numbers.copy()
    frame["工号" if "工号" in table.columns else "姓名"] = keys.where(keys != "", None)
    key_col = "工号" if "工号" in table.columns else "姓名"
    ctx.problems.extend(run_rules(
        table, frame, rules, unique=key_col,
        unique_message=lambda v: f"教师重复：「{v}」在{RECORD}中出现了不止一次，只计算第一行"))
    # Invalid cells count as blank; the first row of each teacher counts.
    bad = {(p.cell) for p in ctx.problems if p.sheet == RECORD and p.severity == "错误"}
    for col in numbers.columns:
        for row in numbers.index:
            if table.cell(col, row) in bad:
                numbers.loc[row, col] = np.nan
    numbers["__key"] = keys
    numbers = numbers[numbers["__key"] != ""].drop_duplicates("__key", keep="first")
    rows_of = dict(zip(numbers["__key"], numbers.index, strict=True))
    counts = numbers.set_index("__key")
    counts.index.name = "teacher"
    for name in events:
        if name not in counts.columns:
            counts[name] = np.nan
    if ctx.roster.present:
        for t, name in ctx.roster.names.items():
            if t not in rows_of:
                ctx.problem("no-record", f"教师名册中的「{name}」在{RECORD}中没有记录，未计算考核得分", "提示",
                            "教师名册", f"A{ctx.roster.rows[t]}")
    sources = {(t, e): Source(RECORD, table.cell(e, rows_of[t])) for t in counts.index for e in events
               if e in table.columns}
    _apply_registers(ctx, counts, sources, table, rows_of)
    overrides = _overrides(ctx, counts.index)
    outcome = score(spec, counts[events], sources, overrides)
    typed_names = table.frame["姓名"].to_dict() if "姓名" in table.frame.columns else {}
    names = {t: ctx.roster.names.get(t) or person_name(typed_names.get(rows_of[t])) for t in counts.index}
    _notes(ctx, outcome.notes, names, table, rows_of)
    # Rendered by `finish`, after the 学时 part: a cross-part limit may still lower a 等次.
    ctx.shared["rubric"] = (outcome, names, table, rows_of, len(ctx.tables))


def finish(ctx: Context) -> None:
    """Apply the limits other parts found (engine), then lay out 考核结果 and 扣分明细 where `run` stood."""
    if "rubric" not in ctx.shared:
        return
    outcome, names, table, rows_of, at = ctx.shared.pop("rubric")
    hours = ctx.shared.get("hours")
    caps = hours.caps if hours is not None and ctx.spec.hours and ctx.spec.hours.cross_rules else {}
    notes = cap_bands(ctx.spec, outcome, caps)
    for note in notes:
        ctx.problem("cross-rule", f"{names[note['teacher']]}：{note['message']}", note["severity"], "考核结果")
    before = len(ctx.tables)
    _tables(ctx, outcome, names, table, rows_of)
    made = ctx.tables[before:]
    del ctx.tables[before:]
    ctx.tables[at:at] = made


def _notes(ctx: Context, notes: list[dict], names: dict[str, str], table, rows_of) -> None:
    for note in notes:
        teachers = [note["teacher"]] if note.get("teacher") else note.get("teachers", [])
        cells = [table.cell("姓名", rows_of[t]) if "姓名" in table.columns else "" for t in teachers]
        if teachers:
            for t, c in zip(teachers, cells, strict=True):
                ctx.problem("band", f"{names[t]}：{note['message']}", note["severity"], RECORD, c)
        else:
            ctx.problem("band", note["message"], note["severity"], "考核结果")


def _apply_registers(ctx: Context, counts: pd.DataFrame, sources: dict, record, rows_of) -> None:
    """Replace typed counts with counts derived from 签到登记 / 提交登记, where those registers exist."""
    spec: Spec = ctx.spec
    rubric = spec.rubric
    derived_cols: dict[str, tuple[pd.Series, str, Any]] = {}
    signin = signin_attendance(ctx, counts.index)
    if signin is not None:
        d, table = signin
        for _item, ded in rubric.deductions:
            if ded.derive in ("absent", "irregular"):
                derived_cols[ded.event] = (d.counts[ded.derive], SIGNIN.sheet, (d, ded.derive, table))
    submission = ctx.table(SUBMISSION)
    if submission is not None and not submission.frame.empty:
        keys, probs = resolve_teachers(submission, ctx.roster, what="提交记录")
        ctx.problems.extend(probs)
        lookup = {}
        for item in rubric.items:
            for word in (item.name, *item.aliases):
                lookup[normalize_label(word)] = item.name
        items = []
        for row, value in submission.frame.get("材料", pd.Series(dtype=object)).items():
            name = lookup.get(normalize_label(value))
            if name is None and value not in (None, ""):
                ctx.problem("unknown-material", f"材料「{value}」不是考核细则中的项目，未计入", "错误",
                            SUBMISSION.sheet, submission.cell("材料", row), value)
            items.append(name or "")
        reg = pd.DataFrame({"teacher": keys, "item": items, "row": submission.frame.index})
        reg["date"] = [_date(ctx, submission, "提交日期", r, v)
                       for r, v in submission.frame.get("提交日期", pd.Series()).items()]
        reg = reg[(reg["teacher"] != "") & (reg["item"] != "")]
        d = submission_counts(reg, counts.index, {i.name: i.deadline for i in rubric.items})
        for item, ded in rubric.deductions:
            key = f"{item.name}|{ded.derive}"
            if ded.derive in ("late", "missing") and key in d.counts.columns:
                derived_cols[ded.event] = (d.counts[key], SUBMISSION.sheet, (d, key, submission))
    for event, (series, sheet, (derived, key, reg_table)) in derived_cols.items():
        values = series.reindex(counts.index).fillna(0.0)
        if event in counts.columns and event in record.columns:
            typed = counts[event]
            for t in typed.index[typed.notna() & (typed != values)]:
                ctx.problem("register-differs",
                            f"「{event}」填的是 {typed[t]:g}，{sheet}推算为 {values[t]:g}，按{sheet}计算",
                            "警告", record.sheet, record.cell(event, rows_of[t]), typed[t])
        id_col = "工号" if "工号" in reg_table.columns else None
        for t in counts.index:
            row = derived.cells.get((t, key))
            cell = (reg_table.cell(id_col, row) if id_col else cell_address(row - 1, 0)) if row else ""
            sources[(t, event)] = Source(sheet, cell, derived.evidence.get((t, key), ""))
        counts[event] = values


def signin_attendance(ctx: Context, teachers: pd.Index):
    """签到登记 counted by the engine (sessions in scope, absences, late/left early) for `teachers`, with
    the sheet it came from; None when there is no register. The archive's 考勤 and 扣分明细's deductions
    both come from here, so they cannot disagree."""
    if "attendance" in ctx.shared and ctx.shared["attendance"][0].counts.index.equals(teachers):
        return ctx.shared["attendance"]
    signin = ctx.table(SIGNIN)
    if signin is None or signin.frame.empty:
        return None
    keys, probs = resolve_teachers(signin, ctx.roster, what="签到")
    ctx.problems.extend(probs)
    reg = pd.DataFrame({"teacher": keys, "row": signin.frame.index})
    reg["date"] = [_date(ctx, signin, "日期", r, v) for r, v in signin.frame.get("日期", pd.Series()).items()]
    reg["name"] = signin.frame.get("活动名称")
    reg["scope"] = signin.frame.get("参加范围", pd.Series("", index=signin.frame.index))
    reg["status"] = signin.frame.get("签到状态", pd.Series("", index=signin.frame.index))
    from xlrubric.engine.derive import ABSENT, ATTENDED, IRREGULAR
    known = ATTENDED | IRREGULAR | ABSENT
    for row, status in reg.set_index("row")["status"].items():
        if status not in (None, "") and str(status).strip() not in known:
            ctx.problem("bad-status", f"签到状态「{status}」无法识别，应为：已签到/迟到/早退/间缺/缺席；按已签到计",
                        "警告", SIGNIN.sheet, signin.cell("签到状态", row), status)
    d = signin_counts(reg[reg["teacher"] != ""], teachers, ctx.roster.groups() if ctx.roster.present else {})
    ctx.shared["attendance"] = (d, signin)
    return d, signin


def _date(ctx: Context, table, column: str, row: int, value: Any):
    d, was_text = ctx.date(value)
    if d is None and value not in (None, ""):
        ctx.problem("bad-date", f"「{value}」不是可识别的日期，如 2021-06-03", "错误", table.sheet,
                    table.cell(column, row), value)
    return d


def _overrides(ctx: Context, teachers: pd.Index) -> list[Override]:
    table = ctx.table(OVERRIDE)
    if table is None or table.frame.empty:
        return []
    rubric = ctx.spec.rubric
    keys, probs = resolve_teachers(table, ctx.roster, what="人工调整")
    ctx.problems.extend(probs)
    items = {normalize_label(i.name): i for i in rubric.items}
    for i in rubric.items:
        for a in i.aliases:
            items.setdefault(normalize_label(a), i)
    bands = {b.name for b in rubric.bands}
    out: list[Override] = []
    for (row, rec), key in zip(table.frame.iterrows(), keys, strict=True):
        if not key:
            continue
        target, value, reason = rec.get("项目"), rec.get("调整为"), rec.get("原因")
        where = {"sheet": OVERRIDE.sheet}
        if reason in (None, "") or not str(reason).strip():
            ctx.problem("override-no-reason", "人工调整必须写明原因，本行未采用", "错误",
                        cell=table.cell("原因", row) if "原因" in table.columns else "", **where)
            continue
        if key not in teachers:
            ctx.problem("override-unknown", "这位教师不在考核记录中，本行未采用", "错误",
                        cell=table.cell("工号" if "工号" in table.columns else "姓名", row), **where)
            continue
        label = normalize_label(target)
        if label == "等次":
            if str(value).strip() not in bands:
                known = "、".join(bands) or "本细则没有等次"
                ctx.problem("override-bad-band", f"调整后的等次「{value}」不是细则中的等次（{known}）",
                            cell=table.cell("调整为", row), value=value, **where)
                continue
            out.append(Override(key, "等次", str(value).strip(), str(reason).strip(), OVERRIDE.sheet,
                                table.cell("调整为", row)))
            continue
        item = items.get(label)
        if item is None:
            ctx.problem("override-bad-item", f"「{target}」不是考核项目，也不是“等次”", cell=table.cell("项目", row),
                        value=target, **where)
            continue
        number, _ = parse_number(value)
        if number is None or not 0 <= number <= item.full:
            ctx.problem("override-out-of-range",
                        f"「{item.name}」的调整值应在0到{item.full:g}分之间，填的是「{value}」",
                        cell=table.cell("调整为", row), value=value, **where)
            continue
        out.append(Override(key, item.name, number, str(reason).strip(), OVERRIDE.sheet, table.cell("调整为", row)))
    return out


def _fmt(v: float) -> str:
    return f"{v:g}"


DETAIL_HEADER = ["工号", "姓名", "项目", "扣分事项", "方式", "次数", "扣分", "依据（细则原文）", "来源", "说明"]


def _deduction_summary(details: list[dict]) -> str:
    parts = []
    for d in details:
        if d["points"] < 0:
            count = "" if d["count"] is None else " " + _fmt(d["count"])
            parts.append(f"{d['item']}{_fmt(d['points'])}（{d['event']}{count}）")
    return "；".join(parts) or "无扣分"


def _tables(ctx: Context, outcome, names: dict[str, str], record, rows_of) -> None:
    rubric = ctx.spec.rubric
    scores = outcome.scores
    item_names = [i.name for i in rubric.items]
    extra = [c for c in scores.columns if c not in item_names and c not in ("总分", "等次")]
    by_teacher: dict[str, list[dict]] = {}
    for d in outcome.details:
        by_teacher.setdefault(d["teacher"], []).append(d)
    typed_ids = record.frame["工号"].to_dict() if "工号" in record.frame.columns else {}
    ids = {t: teacher_id(typed_ids.get(rows_of[t])) or (t if t != names[t] else "") for t in scores.index}
    band = ["等次"] if outcome.band_column else []
    changed = ["等次说明"] if any(c.kind != "人工调整" for cs in outcome.band_changes.values() for c in cs) else []
    header = ["工号", "姓名", *[f"{i.name}（{_fmt(i.full)}分）" for i in rubric.items],
              f"总分（{_fmt(rubric.total)}分）", *extra, *band, *changed, "扣分明细", "人工调整"]
    rows, links = [], {}
    records = scores.to_dict("index")
    value_cols = [*item_names, "总分", *extra]
    for n, t in enumerate(scores.index):
        rec = records[t]
        row = [ids[t], names[t], *[float(rec[c]) for c in value_cols]]
        row += [rec["等次"] for _ in band]
        row += ["；".join(c.text for c in outcome.band_changes.get(t, []) if c.kind != "人工调整") for _ in changed]
        row += [_deduction_summary(by_teacher.get(t, [])), "；".join(outcome.overrides.get(t, []))]
        rows.append(row)
        if "姓名" in record.columns:
            links[(n, 1)] = f"'{record.sheet}'!{record.cell('姓名', rows_of[t])}"
    ctx.tables.append(SheetTable("考核结果", header, rows, links=links,
                                 col_widths=[10, 10, *[12] * (len(header) - 4 - len(changed)),
                                             *[30] * len(changed), 60, 30]))
    detail_rows, detail_links = [], {}
    for n, d in enumerate(outcome.details):
        t = d["teacher"]
        source = f"{d['sheet']}!{d['cell']}" if d["cell"] else d["sheet"]
        detail_rows.append([ids[t], names[t], d["item"], d["event"], d["kind"], d["count"], d["points"],
                            d["rule"], source, d["note"]])
        if d["cell"]:
            detail_links[(n, 8)] = f"'{d['sheet']}'!{d['cell']}"
    ctx.tables.append(SheetTable("扣分明细", DETAIL_HEADER, detail_rows, links=detail_links,
                                 col_widths=[10, 10, 18, 22, 10, 8, 8, 40, 16, 40]))
    ctx.summary.update(rubric_stats(rubric, scores, outcome.band_column))
    ctx.report["teachers"] = [
        {"id": ids[t], "name": names[t], "items": {i: float(records[t][i]) for i in item_names},
         "total": float(records[t]["总分"]), **{c: float(records[t][c]) for c in extra},
         "band": records[t]["等次"] if band else None,
         "band_changes": [{"kind": c.kind, "from": c.before, "to": c.after, "why": c.why}
                          for c in outcome.band_changes.get(t, [])],
         "deductions": [{k: v for k, v in d.items() if k != "teacher"} for d in by_teacher.get(t, [])],
         "overrides": outcome.overrides.get(t, [])}
        for t in scores.index]
