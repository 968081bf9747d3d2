"""考核结果, 扣分明细, the JSON report and the per-school summary, laid out from the engine's outcome.

Nothing is computed here. A value the engine left 待核实 is shown as the word 待核实 on its own fill, with
the rejected cell and the reason in the row, so no one reads a number where there is none.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from xlrubric.engine.rubric import PENDING
from xlrubric.engine.stats import outcome_stats
from xlrubric.pipeline.context import Context
from xlrubric.readers.raw import column_letters
from xlrubric.results import Deferred, SheetTable
from xlrubric.schemas.teachers import teacher_id

PENDING_FILL = "FFF4B183"     # orange: not an error colour of the school's sheets, not a band colour


def _fmt(v: float) -> str:
    return f"{v:g}"


DETAIL_HEADER = ["工号", "姓名", "项目", "扣分事项", "方式", "次数", "扣分", "依据（细则原文）", "来源", "说明"]


# a detail's fields in one C-level call per row (the rows of 扣分明细 number in the thousands)
DETAIL_FIELDS = itemgetter("teacher", "item", "event", "kind", "count", "points", "rule", "sheet", "cell", "note")
SUMMARY_FIELDS = itemgetter("item", "event", "count", "points")


def _deduction_summary(details: list[dict], typed: list[str]) -> str:
    parts = [f"直接评分：{'、'.join(typed)}"] if typed else []
    for item, event, count, points in map(SUMMARY_FIELDS, details):
        if points is not None and points < 0:
            parts.append(f"{item}{points:g}（{event}）" if count is None else f"{item}{points:g}（{event} {count:g}）")
    return "；".join(parts) or "无扣分"


def _pending_text(outcome, t: str, targets: list[str]) -> str:
    """"计划：考核记录!E5：…" for every item of one teacher that is 待核实."""
    parts = []
    for target in targets:
        for p in outcome.pending.get((t, target), []):
            parts.append(f"{target}：{p.text()}")
    return "；".join(dict.fromkeys(parts))


LEFT_OUT = "不纳入考核"


def _value(outcome, t: str, column: str, value: Any) -> Any:
    if (t, column) in outcome.excluded:
        return LEFT_OUT
    return PENDING if (t, column) in outcome.pending else value


def _column_of(table, column: str) -> dict:
    """Excel row -> the value of one column of a read table (a dict built from whole columns)."""
    frame = table.frame
    return dict(zip(frame.index.tolist(), frame[column].tolist(), strict=True)) if column in frame.columns else {}


def render_tables(ctx: Context, outcome, names: dict[str, str], record, rows_of) -> None:
    rubric = ctx.spec.rubric
    scores = outcome.scores
    item_names = [i.name for i in rubric.items]
    extra = [c for c in scores.columns if c not in item_names and c not in ("总分", "等次")]
    by_teacher: dict[str, list[dict]] = {}
    for d in outcome.details:
        by_teacher.setdefault(d["teacher"], []).append(d)
    typed_ids = _column_of(record, "工号")
    teachers = scores.index.tolist()
    ids = {t: teacher_id(typed_ids.get(rows_of[t])) or (t if t != names[t] else "") for t in teachers}
    band = ["等次"] if outcome.band_column else []
    changed = ["等次说明"] if any(c.kind != "人工调整" for cs in outcome.band_changes.values() for c in cs) else []
    held = bool(outcome.pending)
    header = ["工号", "姓名", *[f"{i.name}（{_fmt(i.full)}分）" for i in rubric.items],
              f"总分（{_fmt(rubric.total)}分）", *extra, *band, *changed, "扣分明细", "人工调整",
              *(["待核实（单元格与原因）"] if held else [])]
    rows, links, fills = [], {}, {}
    value_cols = [*item_names, "总分", *extra]
    columns = {c: scores[c].tolist() for c in [*value_cols, *band]}     # whole columns, read by position
    values = [columns[c] for c in value_cols]
    bands = columns["等次"] if band else []
    name_letters = column_letters(record.columns["姓名"]) if "姓名" in record.columns else None
    link_to = f"'{record.sheet}'!{name_letters}"
    # teachers with some value 待核实, left out or typed: only their cells need looking up one by one
    marked = {t for t, _ in outcome.pending} | {t for t, _ in outcome.excluded} | {t for t, _ in outcome.typed}
    fill_to = len(value_cols) + len(band) + 2           # 工号, 姓名, the values and 等次 may show 待核实
    for n, t in enumerate(teachers):
        if t in marked:
            row = [ids[t], names[t], *[_value(outcome, t, "总分" if c in extra else c, float(v[n]))
                                       for c, v in zip(value_cols, values, strict=True)]]
            row += [_value(outcome, t, "等次", bands[n]) for _ in band]
        else:
            row = [ids[t], names[t], *[float(v[n]) for v in values], *[bands[n] for _ in band]]
        row += ["；".join(c.text for c in outcome.band_changes.get(t, []) if c.kind != "人工调整") for _ in changed]
        typed = [i for i in item_names if (t, i) in outcome.typed] if t in marked else []
        row += [_deduction_summary(by_teacher.get(t, []), typed), "；".join(outcome.overrides.get(t, []))]
        if held:
            pend = t in marked and any((t, c) in outcome.pending for c in [*item_names, "总分"])
            # None rather than "": an empty cell, so the print width follows the reasons actually written
            row.append(_pending_text(outcome, t, item_names if pend else []) or None)
        if PENDING in row[:fill_to]:
            fills.update({(n, c): PENDING_FILL for c, v in enumerate(row[:fill_to]) if v == PENDING})
        rows.append(row)
        if name_letters is not None:
            links[(n, 1)] = f"{link_to}{rows_of[t]}"
    ctx.tables.append(SheetTable("考核结果", header, rows, links=links, fills=fills,
                                 col_widths=[10, 10, *[12] * (len(header) - 4 - held - len(changed)),
                                             *[30] * len(changed), 60, 30, *([50] * held)]))
    details = list(outcome.details)
    for (t, target), why in outcome.pending.items():
        if target in item_names:
            for p in why:
                details.append({"teacher": t, "item": target, "event": PENDING, "kind": PENDING, "count": None,
                                "points": None, "rule": "依据的单元格无法采用，本项不计分，待核实后重新计算",
                                "sheet": p.sheet, "cell": p.cell, "note": p.reason})
    detail_rows, detail_links, detail_fills = [], {}, {}
    for n, (t, item, event, kind, count, points, rule, sheet, cell, note) in enumerate(map(DETAIL_FIELDS, details)):
        detail_rows.append([ids[t], names[t], item, event, kind, count, PENDING if kind == PENDING else points, rule,
                            f"{sheet}!{cell}" if cell else sheet, note])
        if cell:
            detail_links[(n, 8)] = f"'{sheet}'!{cell}"
        if kind == PENDING:
            detail_fills[(n, 6)] = PENDING_FILL
    ctx.tables.append(SheetTable("扣分明细", DETAIL_HEADER, detail_rows, links=detail_links, fills=detail_fills,
                                 col_widths=[10, 10, 18, 22, 10, 8, 8, 40, 16, 40]))
    _summary(ctx, outcome, ids, names, by_teacher, extra, columns)


def _summary(ctx: Context, outcome, ids: dict, names: dict, by_teacher: dict, extra: list[str],
             columns: dict[str, list]) -> None:
    """The per-school figures 县汇总 reads, and the JSON report: 待核实 teachers are counted, never averaged."""
    ctx.summary.update(outcome_stats(ctx.spec.rubric, outcome))
    ctx.report["teachers"] = Deferred(teacher_report, (ctx.spec.rubric, outcome, ids, names, by_teacher, extra,
                                                       columns))


def teacher_report(rubric, outcome, ids: dict, names: dict, by_teacher: dict, extra: list[str],
                   columns: dict[str, list]) -> list[dict[str, Any]]:
    """The report's per-teacher entries, laid out when the report is read (`Results.report`); `columns` are
    the 考核结果 values by column, in the teachers' order."""
    records = {t: dict(zip(columns, vs, strict=True))
               for t, *vs in zip(outcome.scores.index, *columns.values(), strict=True)}
    item_names = [i.name for i in rubric.items]
    band = bool(outcome.band_column)
    pending_of: dict[str, dict[str, list]] = {}
    for (who, target), why in outcome.pending.items():
        pending_of.setdefault(who, {})[target] = [{"sheet": p.sheet, "cell": p.cell, "reason": p.reason}
                                                  for p in why]

    def number(t: str, col: str, target: str) -> Any:
        return _value(outcome, t, target, float(records[t][col]))
    return [
        {"id": ids[t], "name": names[t], "items": {i: number(t, i, i) for i in item_names},
         "total": number(t, "总分", "总分"), **{c: number(t, c, "总分") for c in extra},
         "band": (PENDING if (t, "等次") in outcome.pending else records[t]["等次"]) if band else None,
         "band_changes": [{"kind": c.kind, "from": c.before, "to": c.after, "why": c.why}
                          for c in outcome.band_changes.get(t, [])],
         "typed": [i for i in item_names if (t, i) in outcome.typed],
         "full_marks": outcome.full_of.get(t, rubric.total),
         "pending": pending_of.get(t, {}),
         "deductions": [{k: v for k, v in d.items() if k != "teacher"} for d in by_teacher.get(t, [])],
         "overrides": outcome.overrides.get(t, [])}
        for t in outcome.scores.index]
