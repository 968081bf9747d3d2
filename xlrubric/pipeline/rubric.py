"""The rubric part of a computation: 考核记录 (+ 签到登记, 提交登记, 人工调整) -> 考核结果 and 扣分明细.

Reads and validates the school's tables, hands plain frames to the pure engine, and lays the
engine's answer out as result tables. No file is written here.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.engine.labels import column_index
from xlrubric.engine.rubric import Override, Pending, Source, cap_bands, score
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.record import (
    FULL_MARKS,
    RECORD,
    Record,
    check_typed_totals,
    count_rules,
    find_scoring_sheet,
    read_words,
    reading_layout,
    refuse_unscorable,
    rejected_cells,
    score_rules,
    style_of,
    unscored_items,
    warn_unknown_columns,
)
from xlrubric.pipeline.registers import Cited, apply_registers, teacher_codes, teachers_of
from xlrubric.pipeline.rubric_tables import column_of, render_tables
from xlrubric.readers.raw import column_letters
from xlrubric.readers.text import COUNT_UNITS, SCORE_UNITS, cell_text, normalize_label, number_unit, parse_number
from xlrubric.schemas.cells import column_lists
from xlrubric.schemas.layout import OVERRIDE
from xlrubric.schemas.teachers import person_names
from xlrubric.schemas.validate import parse_columns, run_rules
from xlrubric.spec.pending import pending_targets


def run(ctx: Context) -> None:
    spec = ctx.spec
    if spec.rubric is None:
        return
    sheet = find_scoring_sheet(ctx.book, spec)
    if sheet is None:
        ctx.problem("missing-sheet", f"缺少工作表「{RECORD}」（也没有找到表头含考核项目或扣分事项的评分表），无法"
                    f"计算考核得分。现有工作表：{'、'.join(ctx.book.sheets)}。请用 xlrubric template 生成的模板填写",
                    sheet=RECORD)
        return
    table = ctx.table(reading_layout(spec, sheet))
    if table.frame.empty and not any(p.code == "no-header" for p in table.problems):
        ctx.problem("empty-sheet", f"「{sheet}」中没有教师数据", "警告", sheet)
    if table.frame.empty:
        return
    style = style_of(table, spec)
    if not style:
        refuse_unscorable(ctx, table)
    if sheet != RECORD:
        ctx.problem("scoring-sheet", f"没有「{RECORD}」表，按表头把「{sheet}」作为考核评分表读取", "提示", sheet,
                    table.header_cell())
    events = [d.event for _, d in spec.rubric.deductions]
    items = [i.name for i in spec.rubric.items if i.name in table.columns] if style != "counts" else []
    if style != "scores":
        for name in events:
            owner = next(i for i, d in spec.rubric.deductions if d.event == name)
            if name not in table.columns and owner.name not in table.columns:
                ctx.problem("missing-event-column", f"没有找到扣分事项「{name}」这一列，按0次计算（可能是旧版模板）",
                            "警告", sheet, table.header_cell())
    warn_unknown_columns(ctx, table, style)
    rec = _read_record(ctx, table, events if style != "scores" else [], items)
    unscored_items(ctx, rec, style)
    counts, rows_of = rec.counts, rec.rows
    sources = RecordSources(sheet, table, rows_of, events)
    apply_registers(ctx, counts, sources, table, rows_of, rec.rejected)
    overrides = _overrides(ctx, counts.index, rec.rejected)
    rules_pending = pending_targets(spec)
    # the counts frame is laid out with exactly these columns (`_laid_out`); taking them again would only copy it
    scored = counts if counts.columns.tolist() == events else counts[events]
    outcome = score(spec, scored, sources, overrides, rejected=rec.rejected, typed=rec.typed,
                    rules_pending=rules_pending)
    if rules_pending:
        ctx.summary["rules_pending"] = sorted(rules_pending)
    for target, reason in rules_pending.items():
        ctx.problem("rules-pending", f"「{target}」显示为待核实：{reason}。请在考核细则表中确定后重新计算"
                    "（xlrubric lint 列出尚未确定的各条）", "警告", "考核结果")
    if style != "counts":
        check_typed_totals(ctx, table, rows_of, outcome.scores["总分"])
    typed_names = column_of(table, "姓名")
    teachers = counts.index.tolist()
    given = person_names([typed_names.get(rows_of[t]) for t in teachers])
    names = {t: ctx.roster.names.get(t) or name for t, name in zip(teachers, given, strict=True)}
    _notes(ctx, outcome.notes, names, table, rows_of)
    held = outcome.pending_teachers()
    if held and outcome.band_column:
        policy = spec.policy_obj("pending_scores")
        rule = policy.options[policy.choice] if policy else PENDING_DEFAULT
        ctx.problem("pending-band", f"{len(held)}位教师的总分待核实（{'、'.join(names[t] for t in held[:10])}"
                    f"{'等' if len(held) > 10 else ''}），暂不评等次：{rule}", "警告", "考核结果")
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
    render_tables(ctx, outcome, names, table, rows_of)
    made = ctx.tables[before:]
    del ctx.tables[before:]
    ctx.tables[at:at] = made


class RecordSources(dict):
    """(teacher, event) -> the `Source` of that count: a register's rows where `apply_registers` cited the
    register for that event (`cite`), else the teacher's cell of the scoring sheet, addressed on demand. Only
    the counts that take points off are ever looked up (扣分明细), not every teacher × event, and the engine
    asks for them a rule at a time (`locate`); a register's sources are made then too, for those teachers."""

    def __init__(self, sheet: str, table, rows_of: dict, events: list[str]) -> None:
        super().__init__()
        self.sheet, self.table, self.rows_of = sheet, table, rows_of
        self.events = {e for e in events if e in table.columns}
        self._row_text: dict | None = None        # teacher -> the Excel row as text, made on the first `locate`
        self.cited: dict[str, Cited] = {}         # event -> the register that decides it

    def cite(self, event: str, cited: Cited) -> None:
        """The register decides `event` for every one of `cited.teachers` (over any source set before)."""
        self.cited[event] = cited

    def get(self, key, default=None):
        teacher, event = key
        cited = self.cited.get(event)
        if cited is not None and teacher in cited.teachers:
            return cited.source(teacher)
        found = dict.get(self, key)
        if found is not None:
            return found
        row = self.rows_of.get(teacher)
        if event in self.events and row is not None:
            return Source(self.sheet, self.table.cell(event, row))
        return default

    def locate(self, event: str, teachers: list) -> tuple[list[str], list[str], list[str]]:
        """The sheet, cell and note of `get((t, event))` for each of `teachers` ("" where there is none), as
        three lists: the scoring sheet's cells are its column's letters joined to each teacher's row, and a
        register's its cited rows and notes, with no `Source` made for them."""
        cited = self.cited.get(event)
        if cited is not None:
            if all(map(cited.teachers.__contains__, teachers)):      # the usual case: the register decides all
                return cited.locate(teachers)
            found = [cited.source(t) if t in cited.teachers else dict.get(self, (t, event)) for t in teachers]
        else:
            found = list(map(dict.get, repeat(self), zip(teachers, repeat(event))))
        if all(found):                   # a register gave every one of these counts (a Source is always true)
            return tuple(map(list, zip(*found, strict=True))) if found else ([], [], [])  # type: ignore[return-value]
        own = event in self.events       # the others are the teacher's own cell of the scoring sheet
        if own and not any(found) and all(map(self.rows_of.__contains__, teachers)):   # the usual case
            if self._row_text is None:
                self._row_text = {t: str(row) for t, row in self.rows_of.items()}
            letters = column_letters(self.table.columns[event])
            return ([self.sheet] * len(teachers), list(map(letters.__add__, map(self._row_text.__getitem__, teachers))),
                    [""] * len(teachers))
        blank = ("", "", "")
        if own:
            letters, sheet, rows_of = column_letters(self.table.columns[event]), self.sheet, self.rows_of
            found = [s if s is not None else (sheet, f"{letters}{rows_of[t]}", "") if t in rows_of else blank
                     for s, t in zip(found, teachers, strict=True)]
        else:
            found = [blank if s is None else s for s in found]
        return tuple(map(list, zip(*found, strict=True)))  # type: ignore[return-value]


def _notes(ctx: Context, notes: list[dict], names: dict[str, str], table, rows_of) -> None:
    for note in notes:
        teachers = [note["teacher"]] if note.get("teacher") else note.get("teachers", [])
        cells = [table.cell("姓名", rows_of[t]) if "姓名" in table.columns else "" for t in teachers]
        if teachers:
            for t, c in zip(teachers, cells, strict=True):
                ctx.problem("band", f"{names[t]}：{note['message']}", note["severity"], table.sheet, c)
        else:
            ctx.problem("band", note["message"], note["severity"], "考核结果")
PENDING_DEFAULT = "待核实的教师暂不评等次、不占优秀等名额；名额仍按全部参训教师计算，核实后重新计算"


def _read_record(ctx: Context, table, events: list[str], items: list[str]) -> Record:
    """Teachers, counts and typed scores of the scoring sheet; rejected cells are kept as `Pending`."""
    spec = ctx.spec
    key_values = teacher_codes(ctx, table, "考核得分").values()       # each row's teacher ("" = none)
    if "工号" not in table.columns and not ctx.roster.present:
        key_values = _reject_same_names(ctx, table, pd.Series(key_values, index=table.frame.index,
                                                              dtype=object)).to_numpy()
    cells = column_lists(table.frame, [*events, *items])        # the value columns, taken out once
    changed = read_words(ctx, table, events, items, cells)
    if changed:                                                  # a word read as a number: take those again
        cells.update(column_lists(table.frame, sorted(changed)))
    pending = "依赖它的分数待核实"
    numbers, probs = parse_columns(table, events, what="次数（整数）", unread=pending, cells=cells, units=COUNT_UNITS)
    ctx.problems.extend(probs)
    scored, probs = parse_columns(table, items, what="得分（数字）", unread=pending, cells=cells, units=SCORE_UNITS)
    ctx.problems.extend(probs)
    parsed = {**numbers, **scored}
    key_col = "工号" if "工号" in table.columns else "姓名"
    named = key_values != ""
    # what pandera validates: the values and the key (object, None where blank), laid out in one constructor
    frame = pd.DataFrame({**parsed, key_col: pd.Series(np.where(named, key_values, None), index=table.frame.index,
                                                        dtype=object)}, index=table.frame.index)
    ctx.problems.extend(run_rules(
        table, frame, count_rules(spec) + score_rules(spec, table), unique=key_col,
        unique_message=lambda v: f"教师重复：「{v}」在{table.sheet}中出现了不止一次；各列填的相同时按第一行计算，"
                                 "填的不同的列待核实",
        arrays=parsed if key_col not in parsed else None))
    # each teacher's first row, as whole columns: counts and typed scores are laid out once, from arrays
    key_list = key_values.tolist()            # keys are in the order of the table's rows
    first = np.flatnonzero(_first_rows(key_list) & named)
    all_rows = table.frame.index.tolist()
    rows = [all_rows[i] for i in first.tolist()]
    teachers = [key_list[i] for i in first.tolist()]
    rejected = rejected_cells(ctx.problems, table, set(rows), dict(zip(all_rows, key_list, strict=True)),
                              events + items)
    _differing_duplicates(table, parsed, key_list, named, all_rows, rejected)
    taken = {c: v[first] for c, v in parsed.items()}
    at = {t: n for n, t in enumerate(teachers)}
    for (t, col), _p in rejected.items():
        if col in taken:
            taken[col][at[t]] = np.nan
    index = pd.Index(teachers, dtype=object, name="teacher")   # object: loops over teachers stay fast
    rows_of = dict(zip(teachers, rows, strict=True))
    counts = _laid_out(taken, [d.event for _, d in spec.rubric.deductions], index)
    typed = _laid_out(taken, [i.name for i in spec.rubric.items], index)
    if ctx.roster.present:
        for t, name in ctx.roster.names.items():
            if t not in rows_of:
                ctx.problem("no-record", f"教师名册中的「{name}」在{table.sheet}中没有记录，未计算考核得分", "提示",
                            "教师名册", f"A{ctx.roster.rows[t]}")
    return Record(table, counts, typed, rows_of, rejected)


def _differing_duplicates(table, parsed: dict[str, np.ndarray], keys: list, named: np.ndarray, all_rows: list,
                          rejected: dict[tuple[str, str], Pending]) -> None:
    """A teacher on two rows of the scoring sheet: where the rows agree the first row stands; where they differ
    nobody can say which is right, so that column is 待核实 for the teacher, on the later row's cell (it used to
    be the first row's value, with only the duplicate 错误 to say that another row existed)."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if named[i] and first.setdefault(key, i) != i:
            j = first[key]
            for col, values in parsed.items():
                a, b = values[j], values[i]
                if a != b and not (a != a and b != b):          # NaN (blank or unreadable) equals NaN only
                    said = [f"{v:g}" if v == v else "空" for v in (a, b)]
                    rejected.setdefault((key, col), Pending(
                        table.sheet, table.cell(col, all_rows[i]),
                        f"教师重复：第{all_rows[j]}行与第{all_rows[i]}行的「{col}」填的不同（{said[0]}、{said[1]}），"
                        "无法判断按哪一行"))


def _first_rows(keys: list) -> np.ndarray:
    """Whether each position holds the first occurrence of its key (`~Series(keys).duplicated()`, without
    making a Series: one dict of the keys, filled from the end so each key keeps its first position)."""
    first = np.zeros(len(keys), dtype=bool)
    first[list(dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True)).values())] = True
    return first


def _laid_out(columns: dict[str, np.ndarray], names: list[str], index: pd.Index) -> pd.DataFrame:
    """A float frame of these columns in this order (blank where the sheet has none), on the teachers' index."""
    blank = np.full(len(index), np.nan)
    values = [columns.get(n, blank) for n in names]
    return pd.DataFrame(np.column_stack(values) if values else np.empty((len(index), 0)), index=index,
                        columns=column_index(tuple(names)))


def _reject_same_names(ctx: Context, table, keys: pd.Series) -> pd.Series:
    """Without 工号 and 名册, two rows with one 姓名 may be two teachers: neither row can be scored."""
    twice = keys[(keys != "") & keys.duplicated(keep=False)]
    for row, name in twice.items():
        ctx.problem("same-name", f"「{name}」出现在多行，又没有工号或教师名册可以区分，这些行都未计算；请补上工号",
                    "错误", table.sheet, table.cell("姓名", row), name)
    return keys.where(~keys.index.isin(twice.index), "")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip() \
        or str(value).strip().lower() == "nan"


def _shown(value: Any) -> Any:
    """A cell as a message quotes it: 12, not the 12.0 a number cell reads as."""
    return f"{value:g}" if isinstance(value, float) else value


def _overrides(ctx: Context, teachers: pd.Index, rejected: dict[tuple[str, str], Pending]) -> list[Override]:
    """Accepted 人工调整 rows. A row without 原因 is not adopted (the computed value stands; an error on its cell).
    A row with a 原因 whose value cannot be adopted (not a number, out of range, not one of the 等次) is an error
    on its cell and leaves what it adjusts 待核实 (`rejected`): the director meant to change that value, so the
    computed one is not shown as if it were final. 「满分」 is the item's full marks (警告)."""
    table = ctx.table(OVERRIDE)
    if table is None or table.frame.empty:
        return []
    rubric = ctx.spec.rubric
    keys = teachers_of(ctx, table, "人工调整")
    items = {normalize_label(i.name): i for i in rubric.items}
    for i in rubric.items:
        for a in i.aliases:
            items.setdefault(normalize_label(a), i)
    bands = [b.name for b in rubric.bands]       # in the rubric's order: a message must read the same every run
    out: list[Override] = []
    for (row, rec), key in zip(table.frame.iterrows(), keys, strict=True):
        if not key:
            continue
        target, value, reason = rec.get("项目"), rec.get("调整为"), rec.get("原因")
        where = {"sheet": OVERRIDE.sheet}
        label = normalize_label(target)

        def refuse(code: str, message: str, column: str, value: Any = None, row=row) -> None:
            cell = table.cell(column, row) if column in table.columns else ""
            ctx.problem(code, message, "错误", OVERRIDE.sheet, cell, value)
        if _blank(reason):
            refuse("override-no-reason", "人工调整必须写明原因，本行未采用", "原因")
            continue
        if key not in teachers:
            ctx.problem("override-unknown", "这位教师不在考核记录中，本行未采用", "错误",
                        cell=table.cell("工号" if "工号" in table.columns else "姓名", row), **where)
            continue
        if label == "等次":
            if str(value).strip() not in bands:
                known = "、".join(bands) or "本细则没有等次"
                message = f"调整后的等次「{_shown(value)}」不是细则中的等次（{known}）"
                refuse("override-bad-band", message + ("，该教师的等次待核实" if bands else ""), "调整为", value)
                if bands:
                    rejected.setdefault((key, "等次"), Pending(OVERRIDE.sheet, table.cell("调整为", row), message))
                continue
            out.append(Override(key, "等次", str(value).strip(), str(reason).strip(), OVERRIDE.sheet,
                                table.cell("调整为", row)))
            continue
        item = items.get(label)
        if item is None:
            ctx.problem("override-bad-item", f"「{target}」不是考核项目，也不是“等次”", cell=table.cell("项目", row),
                        value=target, **where)
            continue
        number, was_text = parse_number(value)
        unit = number_unit(value) if number is not None else ""
        if unit and unit not in SCORE_UNITS:        # 「3次」: a count, not the score the item is set to
            message = f"「{item.name}」的调整值应填分数，「{_shown(value)}」的单位「{unit}」不是分数的单位"
            refuse("override-wrong-unit", message + "，该项待核实", "调整为", value)
            rejected.setdefault((key, item.name), Pending(OVERRIDE.sheet, table.cell("调整为", row), message))
            continue
        if number is None and isinstance(value, str) and value.strip() in FULL_MARKS:
            number = item.full
            ctx.problem("override-full-marks", f"「{value.strip()}」按「{item.name}」的满分 {item.full:g} 分调整；"
                        "请改为填数字", "警告", OVERRIDE.sheet, table.cell("调整为", row), value)
        elif number is not None and was_text and not isinstance(value, bool):   # 「2.5分」「二」: read, and said
            ctx.problem("number-as-text", f"「{value}」是文字，已按 {cell_text(number)} 分调整；请改为填数字", "警告",
                        OVERRIDE.sheet, table.cell("调整为", row), value)
        if number is None and isinstance(value, str):
            message = f"「{item.name}」的调整值应填0到{item.full:g}之间的分数，无法识别「{_shown(value)}」"
            refuse("override-not-a-number", message + "，该项待核实", "调整为", value)
            rejected.setdefault((key, item.name), Pending(OVERRIDE.sheet, table.cell("调整为", row), message))
            continue
        if number is None or not 0 <= number <= item.full:
            message = f"「{item.name}」的调整值应在0到{item.full:g}分之间，填的是「{_shown(value)}」"
            refuse("override-out-of-range", message + "，该项待核实", "调整为", value)
            rejected.setdefault((key, item.name), Pending(OVERRIDE.sheet, table.cell("调整为", row), message))
            continue
        out.append(Override(key, item.name, number, str(reason).strip(), OVERRIDE.sheet, table.cell("调整为", row)))
    return out


