"""The 学时 part of a computation: 学时登记 -> 学时汇总 (per teacher per 学年) and 学时明细 (per row, with the
reason every 无效学时 earns nothing). Skips quietly when the spec has no hour rules.

A cross-rule (开鲁: 考核不合格者年度考核不能评为优秀) is found here (`outcome.caps`); the engine applies it to
the 等次 before the rubric part lays out 考核结果 (`rubric.finish`).
"""

from __future__ import annotations

from itertools import repeat

import numpy as np
import pandas as pd

from xlrubric.engine.hours import HoursOutcome, compute_hours, year_label
from xlrubric.engine.pending import NOT_MET, PENDING, category_masks, pending_mask
from xlrubric.engine.progress import NOT_REACHED, ONGOING, cycle_states, progress, year_lines
from xlrubric.engine.rowstate import row_results, row_states
from xlrubric.engine.stats import hours_figures
from xlrubric.engine.verdicts import teacher_verdicts
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register import SHEET as SHEET_NAME
from xlrubric.pipeline.register import Register, quiet_gc, require_register
from xlrubric.pipeline.register_clean import NUMBERS, TEXTS
from xlrubric.readers.raw import cell_address
from xlrubric.results import SheetTable
from xlrubric.schemas.layout import _spec_words

SUMMARY, DETAIL = "学时汇总", "学时明细"
OVERALL = "学时总体达标（每人末行）"
OVERALL_ALL = "总体达标（学时及各项要求，每人末行）"    # where obligations bind too (能力提升工程2.0)


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
    """The part as registered in PARTS (see the module docstring)."""
    with quiet_gc():
        _run(ctx)


def _run(ctx: Context) -> None:
    spec = ctx.spec
    if spec.hours is None or not spec.hours.rules:
        return
    reg = require_register(ctx, "认定学时")
    if reg is None:
        return
    frame = reg.frame
    # Activities that only count towards obligations (学习反思, 微能力点) are not 学时 rows at all.
    obligation_only = set(_spec_words(spec)[0]) - set(spec.hours.categories)
    frame = frame[~frame["category"].isin(obligation_only)]
    reg = Register(reg.table, frame)
    good = frame[frame["blocked"] == ""]
    teachers = all_teachers(ctx, frame)
    letters = {key: cell_address(0, reg.table.columns[name]).rstrip("0123456789")
               for name, key in (*NUMBERS.items(), *TEXTS.items()) if name in reg.table.columns}
    outcome = compute_hours(good, spec.hours, teachers, cells=letters)
    ctx.shared["hours"] = outcome      # the 达标 part grades with it
    _row_problems(ctx, reg, outcome)
    names = {t: ctx.roster.names.get(t) or t for t in teachers}
    # 学时汇总 is laid out by `finish`, after the 达标 part: its last column prints the teacher's verdict.
    ctx.shared["hours_summary"] = (outcome, names, teachers, len(ctx.tables))
    ctx.tables.append(detail_table(ctx, reg, outcome))
    state = outcome.state.reindex(teachers)
    ctx.summary.update(hours_figures(outcome.rows, outcome.met, frame["blocked"], state))
    pend = pending_mask(outcome.by_year.index, outcome.pending)
    years: dict[str, dict[str, float | None]] = {}
    for ((t, y), v), unsure in zip(outcome.by_year["合计"].items(), pend, strict=True):
        years.setdefault(t, {})[year_label(int(y))] = None if unsure else round(float(v), 2)
    ids = teacher_ids(ctx, teachers)
    cycle = outcome.cycle["周期合计"]
    cycle_unsure = {t for (t, _) in outcome.pending}
    if len(teachers):
        ctx.summary["met_label"] = "学时达标率"      # the 达标 part widens it when it adds obligations
    # per-teacher lookups in plain dicts: a Series lookup per teacher and column cost more than the rest of this
    cycle_of, state_of, met_of = cycle.to_dict(), state.to_dict(), outcome.met.to_dict()
    waits: dict[str, list[str]] = {}
    for (k, _), ws in outcome.pending.items():
        waits.setdefault(k, []).extend(ws)
    ctx.report["hours"] = [
        {"id": ids[t], "name": names[t], "years": years.get(t, {}),
         "cycle": None if t in cycle_unsure else round(float(cycle_of[t]), 2),
         "met": None if state_of[t] == PENDING else bool(met_of[t]), "limits": outcome.caps.get(t, []),
         "pending": list(waits.get(t, ()))}
        for t in teachers]


def finish(ctx: Context) -> None:
    """Lay out 学时汇总 where `run` stood, once every verdict is decided (学时 alone when no obligation
    part ran: `engine.verdicts.teacher_verdicts`)."""
    if "hours_summary" not in ctx.shared:
        return
    outcome, names, teachers, at = ctx.shared.pop("hours_summary")
    if not ctx.outcomes.verdicts:
        ctx.outcomes.verdicts = teacher_verdicts(teachers, outcome.state.reindex(teachers), None)
    pr = progress(outcome, ctx.spec.hours)        # every verdict and shortfall comes from the engine, once
    cs = cycle_states(outcome, ctx.spec.hours, pr)
    ctx.outcomes.years = year_lines(outcome, ctx.spec.hours, pr, cs)
    ctx.tables.insert(at, summary_table(ctx, outcome, names, pr, cs))


def _row_problems(ctx: Context, reg, outcome: HoursOutcome) -> None:
    """A claim the rules cap (same achievement twice, over the yearly limit) is a note on its 题目 cell; an
    amount the row needs left blank (the engine made the row 待核实) is an 错误 on that cell."""
    rows = outcome.rows
    table = reg.table
    column_of = {key: name for name, key in (*NUMBERS.items(), *TEXTS.items())}
    gaps = rows.index[rows["blank"] != ""]
    for row, key, why in zip(gaps, rows.loc[gaps, "blank"], rows.loc[gaps, "pending"], strict=True):
        ctx.problems.append(table.problem("missing-amount", why.split("：", 1)[-1], column=column_of[key],
                                          row=int(row)))
    hit = rows.index[(rows["limited_by"] != "") & (rows["reason"] != "")]
    col = "题目" if "题目" in table.columns else "类别"
    reasons = rows.loc[hit, "reason"]
    titles = reg.frame.loc[hit, "title_text"]
    for row, reason, title in zip(hit, reasons, titles, strict=True):
        ctx.problems.append(table.problem("hours-limited", f"本行不计学时：{reason}", column=col, row=int(row),
                                          value=title, severity="提示"))


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


def summary_table(ctx: Context, o: HoursOutcome, names: dict[str, str], pr: pd.DataFrame,
                  cs: pd.DataFrame) -> SheetTable:
    """One row per teacher per 学年, built column by column (no per-row lookups); what a 待核实 row could
    change reads 待核实, and 已确认学时 / 待核实 say what is known and which cells hold the rest. `pr` and `cs`
    are the engine's `progress` and `cycle_states` of `o`."""
    spec = ctx.spec
    h = spec.hours
    cats = h.categories
    ids = teacher_ids(ctx, names)
    cycle_t = [t for t in h.targets if t.per == "周期"]
    alt = [t for t in cycle_t if not t.primary]
    year_need, cycle_need = _need(spec, "学年"), _need(spec, "周期")
    by = o.by_year
    teacher = by.index.get_level_values("teacher")
    year = by.index.get_level_values("year")
    unsure = pending_mask(by.index, o.pending)

    def known(values: pd.Series, mask: pd.Series) -> np.ndarray:      # both on `by.index`, in its order
        assert values.index is mask.index or values.index.equals(mask.index)
        return np.where(mask.to_numpy(dtype=bool), PENDING, values.to_numpy(dtype=object))

    out = pd.DataFrame({"工号": teacher.map(ids), "姓名": teacher.map(names), "学年": year.map(year_label)},
                       index=by.index)
    masks = category_masks(by.index, o.pending_categories, cats) if o.pending else {}
    for c in cats:
        out[c] = known(by[c], masks[c]) if masks else by[c]
    for c in ("计算学时", "人工认定"):
        out[c] = known(by[c], unsure)
    out["学年合计"] = known(by["合计"], unsure)
    if year_need:
        short = pd.Series(np.where(pr["year_gap"] > 1e-9, "（差" + pr["year_gap"].map(_g).astype(str) + "学时）", ""),
                          index=by.index)
        state = o.year_state.reindex(by.index)      # 达标 / 未达标 / 待核实 (confirmed 学时 only ever grow)
        out["学年要求"] = year_need
        out["学年达标"] = np.where(state == NOT_MET, NOT_MET + short.astype(str), state)
    # cycle: 进行中 / 达标 / 未达标 / 待核实 — the engine's (`cs`), printed with figures
    out["周期累计"] = known(pr["cum"], cs["cum_unsure"])
    last = pr["last"].to_numpy()
    if cycle_need:
        out["周期要求"] = cycle_need
        gap = "进行中（还差" + pr["cycle_gap"].map(_g).astype(str) + "）"
        out["周期达标"] = np.where((cs["cycle"] == ONGOING) & last, gap, cs["cycle"])
    for t in alt:          # a reference target (国家五年360): a shortfall means something only once the cycle ends
        state = cs[f"ref:{t.id}"]
        out[f"{t.name}（参考{_g(t.hours)}）"] = np.where(
            state == NOT_REACHED, "未达到（差" + pr[f"ref_gap:{t.id}"].map(_g).astype(str) + "）",
            np.where(state == ONGOING, "进行中（已累计" + pr["cum"].map(_g).astype(str) + "）", state))
    for st in h.stages:
        out[st.name] = teacher.map(o.stages[st.name])
    if h.cross_rules:
        limits = {t: "；".join(f"{c['effect']}（{c['because']}）" for c in caps) for t, caps in o.caps.items()}
        out["年度考核限制"] = teacher.map(lambda t: limits.get(t, ""))
    if o.pending:
        out["已确认学时"] = by["合计"]
        out[PENDING] = [_pending_text(o.pending, t, y) for t, y in zip(teacher, year, strict=True)]
    # Whether the teacher meets every 学时 target (all years and the cycle; 达标 / 未达标 / 待核实): a fact
    # about the teacher, not about the row's year, so it stands on the teacher's last row only. Where
    # obligations bind too (tisheng2), it is the teacher's whole verdict, the one 项目考核 grades on:
    # 学时汇总 never says 达标 beside a 不合格.
    final = ~pd.Series(teacher, index=by.index).duplicated(keep="last").to_numpy()
    overall = _overall_column(ctx)
    verdicts = {t: v.text for t, v in ctx.outcomes.verdicts.items()} if overall == OVERALL_ALL else o.state
    out[overall] = np.where(final, teacher.map(verdicts).astype(object), "")
    if o.pending:
        needs = {"学年要求": year_need, "周期要求": cycle_need}
        out = pd.concat([out, _undated(ctx, o, out, set(teacher), ids, names, needs)])
    formats = {j: "0.##" for j in range(3, 3 + len(cats) + 3)}
    rows = out.astype(object).to_numpy().tolist()
    widths = [10, 10, 14, *[9] * len(cats), 9, 9, 9] + [14] * (len(out.columns) - len(cats) - 6)
    if o.pending:
        widths[list(out.columns).index(PENDING)] = 24
    return SheetTable(SUMMARY, list(out.columns), rows, col_widths=widths, number_formats=formats)


def _overall_column(ctx: Context) -> str:
    return OVERALL_ALL if ctx.spec.requirements or (ctx.spec.hours and ctx.spec.hours.grades) else OVERALL


def _undated(ctx: Context, o: HoursOutcome, out: pd.DataFrame, shown: set, ids: dict, names: dict,
             needs: dict) -> pd.DataFrame:
    """A line for a teacher whose only rows have no readable date: nothing known, everything 待核实."""
    lonely = [t for t in dict.fromkeys(t for (t, y) in o.pending if y == -1) if t not in shown]
    rows = []
    for t in lonely:
        row = {c: PENDING for c in out.columns}
        row.update({"工号": ids.get(t, ""), "姓名": names.get(t, t), "学年": "（日期待核实）", "已确认学时": 0.0,
                    PENDING: _pending_text(o.pending, t, -1)})
        v = ctx.outcomes.verdicts.get(t)
        row[_overall_column(ctx)] = (v.text if _overall_column(ctx) == OVERALL_ALL and v else o.state.get(t, PENDING))
        row.update({c: v for c, v in needs.items() if c in out.columns})
        rows.append(row)
    return pd.DataFrame(rows, columns=out.columns)


def _pending_text(pending: dict[tuple[str, int], list[str]], teacher: str, year: int) -> str:
    """The rejected cells a teacher-year's figures wait on ("学时登记 E10、H14"; the reasons are in 学时明细
    and 校验问题), year-less rows included."""
    said = pending.get((teacher, int(year)), []) + (pending.get((teacher, -1), []) if year != -1 else [])
    cells = dict.fromkeys(w.split("：", 1)[0] for w in said)
    return f"{SHEET_NAME} {'、'.join(cells)}" if cells else ""


def detail_table(ctx: Context, reg, o: HoursOutcome) -> SheetTable:
    """One row per register row: computed, manual and counted hours, state and reason (column-wise)."""
    f = reg.frame
    rows = o.rows.reindex(f.index)
    quotes = {r.id: r.quote for r in ctx.spec.hours.rules}
    rs = row_states(rows, f["blocked"])         # 有效 / 人工认定 / 无效学时 / 待核实: the engine's
    ctx.outcomes.rows = row_results(f.index.tolist(), rs)
    waiting, computed, manual, counted, text, state = (rs[c] for c in ("waiting", "computed", "manual", "counted",
                                                                        "text", "state"))
    ids = teacher_ids(ctx, [t for t in pd.unique(f["teacher"]) if t])
    years = {y: (year_label(int(y)) if y >= 0 else "") for y in pd.unique(f["year"])}
    codes, uniq = pd.factorize(f["date"])
    day = np.array([d.strftime("%Y-%m-%d") for d in uniq] + [""], dtype=object)[codes]
    columns = {
        "行": f["row"].astype(int).to_numpy(), "工号": f["teacher"].map(ids).fillna("").to_numpy(),
        "姓名": f["name"].to_numpy(), "日期": day, "学年": f["year"].map(years).to_numpy(),
        "类别": f["category_text"].to_numpy(), "角色": f["role_shown"].to_numpy(), "级别": f["level_shown"].to_numpy(),
        "等次": f["award_shown"].to_numpy(), "题目": f["title_text"].to_numpy(), "计算学时": computed,
        "人工认定": manual, "认定学时": counted, "状态": state, "说明": text,
        "依据（细则原文）": np.where(waiting, "", rows["rule"].fillna("").map(quotes).fillna("").to_numpy()),
        "授课教师": f["teacher_text"].to_numpy(), "备注": f["note_text"].to_numpy(),
    }
    grid = np.empty((len(f), len(columns)), dtype=object)
    for j, c in enumerate(columns.values()):
        grid[:, j] = c.tolist()          # plain Python numbers for every writer, not numpy scalars
    values = grid.tolist()
    first = reg.table.columns.get("工号", reg.table.columns.get("姓名", 0))
    letter = cell_address(0, first).rstrip("0123456789")
    sheet = reg.table.sheet
    at = f"'{sheet}'!{letter}"          # each row's link to its register row, made in C loops (20,000 rows)
    row_of = columns["行"].tolist()
    links = dict(zip(zip(range(len(row_of)), repeat(0)), map(at.__add__, map(str, row_of)), strict=True))
    return SheetTable(DETAIL, list(columns), values, links=links,
                      col_widths=[6, 10, 10, 11, 14, 14, 10, 8, 8, 28, 9, 9, 9, 10, 50, 40, 10, 20])
