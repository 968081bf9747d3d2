"""考核结果, 扣分明细, the JSON report and the per-school summary, laid out from the engine's outcome.

Nothing is computed here. A value the engine left 待核实 is shown as the word 待核实 on its own fill, with
the rejected cell and the reason in the row, so no one reads a number where there is none.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

import numpy as np

from xlrubric.engine.details import FIELDS, Details
from xlrubric.engine.rubric import PENDING
from xlrubric.engine.stats import outcome_stats
from xlrubric.pipeline.context import Context
from xlrubric.readers.raw import column_letters
from xlrubric.results import Deferred, SheetTable
from xlrubric.schemas.teachers import teacher_ids

PENDING_FILL = "FFF4B183"     # orange: not an error colour of the school's sheets, not a band colour


def _fmt(v: float) -> str:
    return f"{v:g}"


DETAIL_HEADER = ["工号", "姓名", "项目", "扣分事项", "方式", "次数", "扣分", "依据（细则原文）", "来源", "说明"]
PENDING_RULE = "依据的单元格无法采用，本项不计分，待核实后重新计算"


def _deduction_summaries(details: Details, typed_of: dict[str, list[str]], teachers: list) -> dict[str, str]:
    """Each teacher's 扣分明细 in one line ("研修计划-1（缺签到次数 2）；…", "直接评分：…" first), for every
    teacher with a deduction or a typed score; the others read "无扣分". `teachers` are the teachers scored.

    Each distinct part (rule, count, points) is worded once; the rows (item by item) are put in teacher order
    with a stable sort, so each teacher's parts keep the rows' order."""
    out = {t: f"直接评分：{'、'.join(items)}" for t, items in typed_of.items() if items}
    taken = np.flatnonzero(details.points_at < 0)
    if not len(taken):
        return out
    cols = details.columns
    first, inverse = _distinct(details.rule_at[taken], details.count_at[taken], details.points_at[taken])
    item, event, count, points = cols["item"], cols["event"], cols["count"], cols["points"]
    words = np.array([f"{item[k]}{points[k]:g}（{event[k]}）" if count[k] is None else
                      f"{item[k]}{points[k]:g}（{event[k]} {count[k]:g}）" for k in taken[first].tolist()],
                     dtype=object)
    place = details.teacher_at[taken]
    by_teacher = np.argsort(place, kind="stable")
    texts = words[inverse[by_teacher]].tolist()
    place = place[by_teacher]
    bounds = (np.flatnonzero(np.diff(place)) + 1).tolist()
    for lo, hi in zip([0, *bounds], [*bounds, len(texts)], strict=True):
        t = teachers[place[lo]]
        line = "；".join(texts[lo:hi])
        out[t] = f"{out[t]}；{line}" if t in out else line
    return out


def _distinct(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows (across these equal-length columns) that differ from every row before them in sorted order,
    as (the position of one row of each distinct value, each row's number among the distinct values). A lexsort:
    `np.unique(axis=0)` does the same about ten times slower."""
    order = np.lexsort(columns[::-1])
    stacked = np.column_stack(columns)[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (stacked[1:] != stacked[:-1]).any(axis=1)
    inverse = np.empty(len(order), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return order[new], inverse


def _pending_text(outcome, t: str, targets: list[str]) -> str:
    """"计划：考核记录!E5：…" for every item of one teacher that is 待核实, then "等次：…" for a reason of the 等次's
    own (a 人工调整 of it that could not be adopted, an undecided 等次 rule) that no item already gave."""
    parts, seen = [], set()
    for target in targets:
        for p in outcome.pending.get((t, target), []):
            parts.append(f"{target}：{p.text()}")
            seen.add(p)
    parts += [f"等次：{p.text()}" for p in outcome.pending.get((t, "等次"), []) if p not in seen]
    return "；".join(dict.fromkeys(parts))


LEFT_OUT = "不纳入考核"


def _value(outcome, t: str, column: str, value: Any) -> Any:
    if (t, column) in outcome.excluded:
        return LEFT_OUT
    return PENDING if (t, column) in outcome.pending else value


def column_of(table, column: str) -> dict:
    """Excel row -> the value of one column of a read table (a dict built from whole columns)."""
    frame = table.frame
    return dict(zip(frame.index.tolist(), frame[column].tolist(), strict=True)) if column in frame.columns else {}


def render_tables(ctx: Context, outcome, names: dict[str, str], record, rows_of) -> None:
    """考核结果 and 扣分明细, each built column by column from the engine's arrays and turned into rows once;
    only the teachers with a 待核实, left-out or typed value are visited one by one."""
    rubric = ctx.spec.rubric
    scores = outcome.scores
    item_names = [i.name for i in rubric.items]
    extra = [c for c in scores.columns if c not in item_names and c not in ("总分", "等次")]
    typed_ids = column_of(record, "工号")
    teachers = scores.index.tolist()
    typed = teacher_ids([typed_ids.get(rows_of[t]) for t in teachers])
    # the teacher's key where it is a 工号 (the 名册's, also when the row's own 工号 was read as it under a 警告:
    # 4005 for 04005), else what the row typed
    ids = {t: t if t != names[t] else tid for t, tid in zip(teachers, typed, strict=True)}
    band = ["等次"] if outcome.band_column else []
    changed = ["等次说明"] if any(c.kind != "人工调整" for cs in outcome.band_changes.values() for c in cs) else []
    held = bool(outcome.pending)
    header = ["工号", "姓名", *[f"{i.name}（{_fmt(i.full)}分）" for i in rubric.items],
              f"总分（{_fmt(rubric.total)}分）", *extra, *band, *changed, "扣分明细", "人工调整",
              *(["待核实（单元格与原因）"] if held else [])]
    value_cols = [*item_names, "总分", *extra]
    columns = _float_columns(scores, value_cols)           # whole columns, read by position
    if band:
        columns["等次"] = scores["等次"].tolist()
    # teachers with some value 待核实, left out or typed: only their cells need looking up one by one
    marked = {t for t, _ in outcome.pending} | {t for t, _ in outcome.excluded} | {t for t, _ in outcome.typed}
    typed_of = {t: [i for i in item_names if (t, i) in outcome.typed] for t in teachers if t in marked} \
        if outcome.typed else {}
    summaries = _deduction_summaries(outcome.details, typed_of, teachers)
    id_col, name_col = list(map(ids.__getitem__, teachers)), list(map(names.__getitem__, teachers))
    table = [id_col, name_col]
    table += [list(columns[c]) for c in [*value_cols, *band]]
    if changed:
        table.append(["；".join(c.text for c in outcome.band_changes[t] if c.kind != "人工调整")
                      if t in outcome.band_changes else "" for t in teachers])
    table.append(list(map(summaries.get, teachers, repeat("无扣分"))))
    table.append(["；".join(outcome.overrides[t]) if t in outcome.overrides else "" for t in teachers]
                 if outcome.overrides else [""] * len(teachers))
    if held:
        table.append([None] * len(teachers))
    fill_to = len(value_cols) + len(band) + 2           # 工号, 姓名, the values and 等次 may show 待核实
    at = {t: n for n, t in enumerate(teachers)}
    for t in marked:
        n = at.get(t)
        if n is None:
            continue
        for j, c in enumerate(value_cols, start=2):
            table[j][n] = _value(outcome, t, "总分" if c in extra else c, table[j][n])
        if band:
            table[fill_to - 1][n] = _value(outcome, t, "等次", table[fill_to - 1][n])
        if held and any((t, c) in outcome.pending for c in [*item_names, "总分", "等次"]):
            # None rather than "": an empty cell, so the print width follows the reasons actually written
            table[-1][n] = _pending_text(outcome, t, item_names) or None
    rows = list(map(list, zip(*table, strict=True)))
    fills = {}
    # a 待核实 shown anywhere in 工号, 姓名, the values and 等次 gets its fill: the marked teachers' cells, and
    # (a school's own words) a 工号, 姓名 or band that reads 待核实
    texts = (0, 1, fill_to - 1) if band else (0, 1)
    for n in sorted({at[t] for t in marked if t in at} | {n for j in texts if PENDING in table[j]
                                                           for n, v in enumerate(table[j]) if v == PENDING}):
        fills.update({(n, c): PENDING_FILL for c, v in enumerate(rows[n][:fill_to]) if v == PENDING})
    links = {}
    if "姓名" in record.columns:
        link_to = f"'{record.sheet}'!{column_letters(record.columns['姓名'])}"
        links = {(n, 1): f"{link_to}{rows_of[t]}" for n, t in enumerate(teachers)}
    ctx.tables.append(SheetTable("考核结果", header, rows, links=links, fills=fills,
                                 col_widths=[10, 10, *[12] * (len(header) - 4 - held - len(changed)),
                                             *[30] * len(changed), 60, 30, *([50] * held)]))
    _detail_table(ctx, outcome, id_col, name_col, ids, names, item_names)
    _summary(ctx, outcome, ids, names, extra, columns)


def _float_columns(scores, names: list[str]) -> dict[str, list[float]]:
    """These score columns as lists of Python floats (a float column's own `tolist`; one column at a time,
    which pandas does faster than taking them together)."""
    out = {}
    for c in names:
        column = scores[c]
        out[c] = column.tolist() if column.dtype == np.float64 else [float(v) for v in column.tolist()]
    return out


def _detail_table(ctx: Context, outcome, id_col: list, name_col: list, ids: dict, names: dict,
                  item_names: list[str]) -> None:
    """扣分明细: the engine's rows, then a 待核实 row for each rejected cell an item depends on. `id_col` and
    `name_col` are 考核结果's, in the teachers' order (the engine's rows give each one's place)."""
    details = outcome.details
    cols = {f: list(v) for f, v in details.columns.items()}
    place = details.teacher_at
    row_ids = np.array(id_col, dtype=object)[place].tolist() if len(place) else []
    row_names = np.array(name_col, dtype=object)[place].tolist() if len(place) else []
    for (t, target), why in outcome.pending.items():
        if target in item_names:
            for p in why:
                for f, v in (("teacher", t), ("item", target), ("event", PENDING), ("kind", PENDING),
                             ("count", None), ("points", PENDING), ("rule", PENDING_RULE), ("sheet", p.sheet),
                             ("cell", p.cell), ("note", p.reason)):
                    cols[f].append(v)
    who = cols["teacher"]
    sheets, cells = cols["sheet"], cols["cell"]
    quoted = {s: f"'{s}'!" for s in set(sheets)}
    where = [f"{s}!{c}" if c else s for s, c in zip(sheets, cells, strict=True)]
    start = len(details)
    row_ids += [ids[t] for t in who[start:]]                      # the 待核实 rows
    row_names += [names[t] for t in who[start:]]
    table = [row_ids, row_names, cols["item"], cols["event"], cols["kind"], cols["count"], cols["points"],
             cols["rule"], where, cols["note"]]
    links = {(n, 8): f"{quoted[s]}{c}" for n, (s, c) in enumerate(zip(sheets, cells, strict=True)) if c}
    fills = {(n, 6): PENDING_FILL for n in range(start, len(who))}
    ctx.tables.append(SheetTable("扣分明细", DETAIL_HEADER, list(map(list, zip(*table, strict=True))),
                                 links=links, fills=fills, col_widths=[10, 10, 18, 22, 10, 8, 8, 40, 16, 40]))


def _summary(ctx: Context, outcome, ids: dict, names: dict, extra: list[str], columns: dict[str, list]) -> None:
    """The per-school figures 县汇总 reads, and the JSON report: 待核实 teachers are counted, never averaged."""
    ctx.summary.update(outcome_stats(ctx.spec.rubric, outcome))
    ctx.report["teachers"] = Deferred(teacher_report, (ctx.spec.rubric, outcome, ids, names, extra, columns))


def teacher_report(rubric, outcome, ids: dict, names: dict, extra: list[str],
                   columns: dict[str, list]) -> list[dict[str, Any]]:
    """The report's per-teacher entries, laid out when the report is read (`Results.report`); `columns` are
    the 考核结果 values by column, in the teachers' order."""
    by_teacher: dict[str, list[dict[str, Any]]] = {}
    shown = FIELDS[1:]                  # a deduction as the report lists it: every field but the teacher
    for t, *rest in outcome.details.rows():
        by_teacher.setdefault(t, []).append(dict(zip(shown, rest, strict=True)))
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
         "deductions": by_teacher.get(t, []),
         "overrides": outcome.overrides.get(t, [])}
        for t in outcome.scores.index]
