"""The 学时 part of a computation: 学时登记 -> 学时汇总 (per teacher per 学年) and 学时明细 (per row, with the
reason every 无效学时 earns nothing). Skips quietly when the spec has no hour rules.

A cross-rule (开鲁: 考核不合格者年度考核不能评为优秀) also caps the 等次 the rubric part gave, in place, with a
note on the teacher's row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlrubric.engine.hours import HoursOutcome, compute_hours, year_label
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register import SHEET, Register, read_register
from xlrubric.results import SheetTable
from xlrubric.schemas.layout import _spec_words

SUMMARY, DETAIL = "学时汇总", "学时明细"


def _g(v: float) -> str:
    return f"{v:g}"


def teacher_ids(ctx: Context, teachers) -> dict[str, str]:
    """工号 to show for each key (blank when the school identifies teachers by 姓名 only)."""
    return {t: ("" if ctx.roster.names.get(t) == t else t) for t in teachers}


def all_teachers(ctx: Context, frame: pd.DataFrame) -> pd.Index:
    keys = list(ctx.roster.names) if ctx.roster.present else []
    keys += [t for t in pd.unique(frame["teacher"]) if t and t not in ctx.roster.names]
    return pd.Index(list(dict.fromkeys(keys)), name="teacher")


def run(ctx: Context) -> None:
    spec = ctx.spec
    if spec.hours is None or not spec.hours.rules:
        return
    reg = read_register(ctx)
    if reg is None:
        if spec.rubric is not None:    # a rubric workbook without a register: only the duties go unchecked
            ctx.problem("no-register", f"没有「{SHEET}」工作表，无法认定学时；如需检查，请按模板添加该表",
                        "提示", SHEET)
            return
        ctx.problem("missing-sheet", f"缺少工作表「{SHEET}」，无法认定学时。请用 xlrubric template 生成的模板填写",
                    "错误", SHEET)
        return
    frame = reg.frame
    # Activities that only count towards obligations (学习反思, 微能力点) are not 学时 rows at all.
    obligation_only = set(_spec_words(spec)[0]) - set(spec.hours.categories)
    frame = frame[~frame["category"].isin(obligation_only)]
    reg = Register(reg.table, frame)
    good = frame[frame["blocked"] == ""]
    teachers = all_teachers(ctx, frame)
    outcome = compute_hours(good, spec.hours, teachers)
    ctx._hours = outcome   # type: ignore[attr-defined]   # the 达标 part grades with it
    _row_problems(ctx, reg, outcome)
    names = {t: ctx.roster.names.get(t) or t for t in teachers}
    ctx.tables.append(summary_table(ctx, outcome, names))
    ctx.tables.append(detail_table(ctx, reg, outcome))
    _cap_results(ctx, outcome, names)
    n = len(teachers)
    ctx.summary.update({
        "hours_teachers": n,
        "hours_met": int(outcome.met.sum()),
        "hours_met_rate": round(float(outcome.met.mean()), 4) if n else None,
        "hours_total": round(float(outcome.rows["counted"].sum()), 2),
        "hours_invalid_rows": int((~outcome.rows["valid"]).sum() + (frame["blocked"] != "").sum()),
    })
    ctx.report["hours"] = [
        {"id": teacher_ids(ctx, [t])[t], "name": names[t],
         "years": {year_label(int(y)): round(float(outcome.by_year.loc[(t, y), "合计"]), 2)
                   for y in outcome.by_year.loc[t].index} if len(outcome.by_year) else {},
         "cycle": round(float(outcome.cycle.loc[t, "周期合计"]), 2), "met": bool(outcome.met[t]),
         "limits": outcome.caps.get(t, [])}
        for t in teachers]


def _row_problems(ctx: Context, reg, outcome: HoursOutcome) -> None:
    """A claim the rules cap (same achievement twice, over the yearly limit) is a warning on its 题目 cell."""
    rows = outcome.rows
    table = reg.table
    hit = rows[rows["limited_by"] != ""]
    col = "题目" if "题目" in table.columns else "类别"
    for row, r in hit.iterrows():
        if r["reason"]:
            ctx.problems.append(table.problem("hours-limited", f"本行不计学时：{r['reason']}", column=col, row=int(row),
                                              value=reg.frame.loc[row, "title_text"], severity="提示"))


def _need(spec, per: str) -> str:
    parts = []
    for t in spec.hours.targets:
        if t.per != per or not t.primary:
            continue
        what = "、".join(t.categories) if t.categories else ""
        if t.hours:
            parts.append(f"{what}≥{_g(t.hours)}")
        if t.min_share:
            parts.append(f"{what or '学时'}占{t.min_share:.0%}以上")
    return "；".join(parts)


def summary_table(ctx: Context, o: HoursOutcome, names: dict[str, str]) -> SheetTable:
    spec = ctx.spec
    h = spec.hours
    cats = h.categories
    ids = teacher_ids(ctx, names)
    cycle_t = [t for t in h.targets if t.per == "周期"]
    alt = [t for t in cycle_t if not t.primary]
    prim_cycle = [t for t in cycle_t if t.primary]
    year_need, cycle_need = _need(spec, "学年"), _need(spec, "周期")
    header = ["工号", "姓名", "学年", *cats, "计算学时", "人工认定", "学年合计"]
    if year_need:
        header += ["学年要求", "学年达标"]
    header += ["周期累计"]
    if cycle_need:
        header += ["周期要求", "周期达标"]
    header += [f"{t.name}（参考{_g(t.hours)}）" for t in alt]
    header += [s.name for s in h.stages] + (["年度考核限制"] if h.cross_rules else []) + ["达标"]
    rows = []
    by_year = o.by_year
    cum = by_year["合计"].groupby(level="teacher").cumsum() if len(by_year) else by_year["合计"]
    prim_year = [t.id for t in h.targets if t.per == "学年" and t.primary]
    for (t, y), rec in by_year.iterrows():
        row = [ids[t], names[t], year_label(int(y)), *[float(rec[c]) for c in cats], float(rec["计算学时"]),
               float(rec["人工认定"]), float(rec["合计"])]
        if year_need:
            ok = bool(o.year_met.loc[(t, y), prim_year].all()) if prim_year else True
            short = [f"差{_g(tg.hours - float(rec['合计']))}学时" for tg in h.targets
                     if tg.id in prim_year and not tg.categories and tg.hours > rec["合计"]]
            row += [year_need, "达标" if ok else "未达标" + (f"（{short[0]}）" if short else "")]
        total = float(cum[(t, y)])
        row.append(total)
        if cycle_need:
            ok = all(total >= tg.hours - 1e-9 for tg in prim_cycle)
            last = y == max(by_year.index.get_level_values("year"))
            done = not h.cycle or y >= h.cycle.start_year + h.cycle.years - 1
            gap = f"进行中（还差{_g(prim_cycle[0].hours - total)}）"
            row += [cycle_need, "达标" if ok else ("未达标" if done else gap) if last else ("达标" if ok else "进行中")]
        row += ["达标" if total >= t.hours - 1e-9 else f"差{_g(t.hours - total)}" for t in alt]
        row += [o.stages.loc[t, s.name] for s in h.stages]
        if h.cross_rules:
            row.append("；".join(f"{c['effect']}（{c['because']}）" for c in o.caps.get(t, [])))
        row.append("达标" if bool(o.met[t]) else "未达标")
        rows.append(row)
    formats = {j: "0.##" for j in range(3, 3 + len(cats) + 3)}
    return SheetTable(SUMMARY, header, rows, col_widths=[10, 10, 14, *[9] * len(cats), 9, 9, 9]
                      + [14] * (len(header) - len(cats) - 6), number_formats=formats)


def detail_table(ctx: Context, reg, o: HoursOutcome) -> SheetTable:
    f = reg.frame
    rows = o.rows.reindex(f.index)
    quotes = {r.id: r.quote for r in ctx.spec.hours.rules}
    blocked = f["blocked"] != ""
    computed = rows["computed"].fillna(0.0)
    manual = rows["manual"]
    counted = rows["counted"].fillna(0.0).where(~blocked, 0.0)
    reason = rows["reason"].fillna("").where(~blocked, f["blocked"])
    state = np.where(blocked | (reason != ""), "无效学时", np.where(manual.notna(), "人工认定", "有效"))
    note = (reason + np.where((reason != "") & (rows["note"].fillna("") != ""), "；", "") + rows["note"].fillna(""))
    ids = teacher_ids(ctx, [t for t in pd.unique(f["teacher"]) if t])
    frame = pd.DataFrame({
        "行": f["row"].astype(int), "工号": f["teacher"].map(ids).fillna(""), "姓名": f["name"],
        "日期": f["date"].dt.strftime("%Y-%m-%d").fillna(""),
        "学年": f["year"].map(lambda y: year_label(int(y)) if y >= 0 else ""),
        "类别": f["category_text"], "角色": f["role"], "级别": f["level"], "等次": f["award"], "题目": f["title_text"],
        "计算学时": computed.where(~blocked, 0.0), "人工认定": manual.where(manual.notna(), None),
        "认定学时": counted, "状态": state, "说明": note,
        "依据（细则原文）": rows["rule"].fillna("").map(quotes).fillna(""),
    })
    first = reg.table.columns.get("工号", reg.table.columns.get("姓名", 0))
    from xlrubric.readers.raw import cell_address
    links = {(n, 0): f"'{reg.table.sheet}'!{cell_address(int(r) - 1, first)}" for n, r in enumerate(frame["行"])}
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    return SheetTable(DETAIL, list(frame.columns), values, links=links,
                      col_widths=[6, 10, 10, 11, 14, 14, 10, 8, 8, 28, 9, 9, 9, 10, 50, 40])


def _cap_results(ctx: Context, o: HoursOutcome, names: dict[str, str]) -> None:
    """开鲁: 不合格者年度考核不能评为优秀 — lower a forbidden 等次 the rubric part gave, and say so."""
    if not o.caps:
        return
    result = next((t for t in ctx.tables if t.name == "考核结果"), None)
    if result is None or "等次" not in result.header:
        return
    j = result.header.index("等次")
    bands = [b.name for b in ctx.spec.rubric.bands] if ctx.spec.rubric else []
    by_key = {t: caps for t, caps in o.caps.items()}
    for row in result.rows:
        key = row[0] if row[0] in by_key else next((t for t in by_key if names.get(t) == row[1]), None)
        if key is None:
            continue
        for cap in by_key[key]:
            if row[j] in cap["forbid"]:
                below = bands[bands.index(row[j]) + 1:] if row[j] in bands else []
                lower = [b for b in below if b not in cap["forbid"]]
                new = lower[0] if lower else ""
                ctx.problem("cross-rule", f"{row[1]}：{cap['because']}，{cap['effect']}；"
                            f"等次由「{row[j]}」调为「{new}」", "提示", "考核结果")
                row[j] = new
