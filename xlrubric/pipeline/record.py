"""The school's scoring sheet, whatever it looks like: the template's 考核记录 (counts of 扣分事项) or the
director's own sheet of typed item scores (直接评分), under any sheet name.

The rules say which input a school uses (`Rubric.input`: counts, scores, or both with typed scores winning).
Every cell that feeds a score ends read, read under a stated interpretation (警告), or rejected; a rejected
cell is handed to the engine as a `Pending` so what depends on it shows 待核实 instead of a number. A sheet in
which no column can be identified as an item or an event is refused (exit 2): there is nothing to score, and
a sheet of full marks would be a confident wrong answer.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from xlrubric.engine.rubric import Pending
from xlrubric.errors import MissingSheet
from xlrubric.pipeline.context import Context
from xlrubric.readers.raw import RawBook, cell_address
from xlrubric.readers.table import Table, read_table
from xlrubric.readers.text import normalize_label
from xlrubric.results import Problem
from xlrubric.schemas.layout import ID, NAME, Column, Layout, record_layout, scores_layout, with_spec_synonyms
from xlrubric.schemas.validate import Rule, at_most, non_negative, whole_number
from xlrubric.spec.model import INPUT_LABELS, Spec

RECORD = "考核记录"
IGNORED = ("序号", "备注", "说明", "签名", "学科", "教研组", "合计", "总分", "等次", "得分", "总计", "名次", "排名")
# Sheets that hold something else, never the scoring sheet.
OTHER_SHEETS = ("教师名册", "签到登记", "提交登记", "人工调整", "学时登记", "基本信息", "考核细则", "考核结果",
                "扣分明细", "校验问题", "学时汇总", "学时明细", "达标情况", "计算状态", "填写说明")


def reading_layout(spec: Spec, sheet: str = RECORD, style: str | None = None) -> Layout:
    """What the reader looks for: 工号 or 姓名, and the events and/or items the rules' input style allows."""
    style = style or (spec.rubric.input if spec.rubric else "counts")
    cols = [*_READ_KEYS]
    if style in ("counts", "both"):
        cols += [c for c in record_layout(spec).columns if c.name not in ("工号", "姓名", "备注")]
    if style in ("scores", "both"):
        cols += [c for c in scores_layout(spec).columns if c.name not in ("工号", "姓名", "备注")]
    cols.append(_READ_NOTE)
    return with_spec_synonyms(Layout(sheet, tuple(cols)), spec)


# the columns every reading layout starts and ends with (frozen: made once, not per book)
_READ_KEYS = (replace(ID, required=False), replace(NAME, required=False, synonyms=(*NAME.synonyms, "教师")))
_READ_NOTE = Column("备注", "text")


def _fit(table: Table, spec: Spec) -> int:
    names = {d.event for _, d in spec.rubric.deductions} | {i.name for i in spec.rubric.items}
    return sum(1 for c in table.columns if c in names) if any(k in table.columns for k in ("工号", "姓名")) else 0


def find_scoring_sheet(book: RawBook, spec: Spec) -> str | None:
    """The sheet to score: 考核记录 if there is one, else the sheet whose headers name most items or events."""
    if spec.rubric is None:
        return None
    if book.sheet(RECORD) is not None:
        return book.sheet(RECORD).name
    best, fit = None, 0
    for name, sheet in book.sheets.items():
        if sheet.visible != "visible" or any(normalize_label(name) == normalize_label(o) for o in OTHER_SHEETS):
            continue
        # Found by items or events whatever the input style, so a sheet of the other style gets a clear refusal.
        n = _fit(read_table(sheet, reading_layout(spec, name, "both"), file=book.name), spec)
        if n > fit:
            best, fit = name, n
    return best


@dataclass
class Record:
    """The scoring sheet as the engine needs it; index of every frame = teacher key."""

    table: Table
    counts: pd.DataFrame                      # teacher x event (NaN = blank or rejected)
    typed: pd.DataFrame                       # teacher x item (NaN = none typed or rejected)
    rows: dict[str, int]                      # teacher -> Excel row
    rejected: dict[tuple[str, str], Pending] = field(default_factory=dict)


def style_of(table: Table, spec: Spec) -> str:
    """counts / scores / mixed for this sheet, or "" when nothing in it can be scored."""
    style = spec.rubric.input
    events = any(d.event in table.columns for _, d in spec.rubric.deductions) and style != "scores"
    items = any(i.name in table.columns for i in spec.rubric.items) and style != "counts"
    return "mixed" if events and items else "counts" if events else "scores" if items else ""


def refuse_unscorable(ctx: Context, table: Table) -> None:
    """No column of the sheet is an item or an event: refuse the workbook (no result file, exit 2)."""
    rubric = ctx.spec.rubric
    style = INPUT_LABELS[rubric.input]
    expected = {"counts": "扣分事项（如「" + "」「".join(d.event for _, d in rubric.deductions[:3]) + "」）",
                "scores": "考核项目（如「" + "」「".join(i.name for i in rubric.items[:3]) + "」）"}
    want = expected.get(rubric.input, expected["scores"] + "或" + expected["counts"])
    headers = "、".join(table.extra_headers.values()) or "无"
    raise MissingSheet(
        f"无法计算考核得分：没有一列能识别为{want}，细则的录入方式为「{style}」。现有列：{headers}。"
        "没有算出任何结果，也没有写出结果文件", file=ctx.file, sheet=table.sheet,
        hint="把列名改成考核细则中的项目名称或扣分事项名称（或在考核细则「设置」中声明同义列名）；"
             "学校自己打分的表，请把考核细则「设置」中的「录入方式」设为“评分”或“扣分事项和评分”")


def warn_unknown_columns(ctx: Context, table: Table, style: str) -> None:
    """A header we cannot place: a 警告 naming the closest item or event when it looks like one, else 提示.

    The candidates follow the sheet's style: a counts sheet is told of events (renaming a deduction column
    to an item name would turn a count into a score), a scores sheet of items.
    """
    rubric = ctx.spec.rubric
    events = [d.event for _, d in rubric.deductions] if style != "scores" else []
    items = [i.name for i in rubric.items] + [a for i in rubric.items for a in i.aliases] if style != "counts" else []
    known = events + items
    for j, text in table.extra_headers.items():
        label = normalize_label(text)
        if label in IGNORED or label.rstrip("0123456789") in IGNORED:
            continue
        cell = cell_address(table.header_rows[1] - 1, j)
        close = difflib.get_close_matches(label, known, n=1, cutoff=0.5)
        if close:
            ctx.problem("unknown-column", f"未识别的列「{text}」，最接近的是「{close[0]}」；这一列没有计入。"
                        f"如果就是它，请把列名改为「{close[0]}」（或在考核细则中声明同义列名）",
                        "警告", table.sheet, cell, text)
        else:
            ctx.problem("unknown-column", f"未识别的列「{text}」，已忽略；考核项目或扣分事项的列名应与考核细则一致",
                        "提示", table.sheet, cell, text)


YES = ("√", "✓", "✔", "是", "有", "Y", "y")          # in a yes/no column: 1
NONE = ("无", "没有", "-", "—", "－", "/", "／", "×", "✗", "否", "N", "n")   # in any count column: 0
FULL_MARKS = ("满分", "全对", "满")                     # in a score column: the item's full marks


def read_words(ctx: Context, table: Table, events: list[str], items: list[str],
               cells: dict[str, list] | None = None) -> set[str]:
    """Words directors type instead of numbers, read under a stated interpretation (警告 on the cell).

    √/是/有 in a yes/no column is 1; 无/—//×/否 in a count column is 0; 满分 in a score column is the item's
    full marks. Anything else that is no number is left for `parse_numbers` to reject (→ 待核实). `cells` may
    hold the columns already taken out of the frame (`column_lists`); the columns changed are returned.
    """
    spec = ctx.spec
    yes_no = {d.event for _, d in spec.rubric.deductions if d.max_count == 1}
    full = {i.name: i.full for i in spec.rubric.items}
    frame = table.frame
    rows = frame.index.tolist()
    changed: set[str] = set()
    for col in [c for c in (*events, *items) if c in frame.columns]:
        column = cells.get(col) if cells is not None else None
        column = frame[col].tolist() if column is None else column
        if str not in set(map(type, column)):        # most columns: numbers and blanks, no word to read
            continue
        texts = [(row, raw) for row, raw in zip(rows, column, strict=True) if type(raw) is str]
        for row, raw in texts:
            if not raw.strip():
                continue
            word = raw.strip()
            if col in full and word in FULL_MARKS:
                value, meaning = full[col], f"满分 {full[col]:g}"
            elif col in yes_no and word in YES:
                value, meaning = 1, "有（1）"
            elif col not in full and word in NONE:
                value, meaning = 0, "没有（0）"
            else:
                continue
            frame.loc[row, col] = value
            changed.add(col)
            ctx.problem("word-as-number", f"「{word}」按{meaning}计算；请改为填数字", "警告", table.sheet,
                        table.cell(col, row), raw)
    return changed


def count_rules(spec: Spec) -> list[Rule]:
    """Checks on every event column: whole, non-negative, and within what the rule allows."""
    return list(_count_rules(tuple((d.event, d.max_count, d.pieces, len(d.components))
                                   for _, d in spec.rubric.deductions)))


@lru_cache(maxsize=32)
def _count_rules(events: tuple[tuple[str, int | None, int | None, int], ...]) -> tuple[Rule, ...]:
    """`count_rules` of these (event, max count, pieces, components): made once per set of rules."""
    rules: list[Rule] = []
    for event, limit, pieces, components in events:
        rules += [non_negative(event), whole_number(event)]
        if limit == 1:
            rules.append(Rule(event, "yes-no", lambda s: s <= 1,
                              lambda v, e=event: f"「{e}」是“有/没有”的列，只能填1（有）或留空、0（没有），"
                                                 f"填的是 {v:g}；无法判断，本项待核实"))
        elif limit is not None:
            what = f"（{pieces}篇，每篇{components}项）" if pieces and components else \
                f"（{pieces}篇）" if pieces else f"（共{components}项）"
            rules.append(at_most(event, limit, what))
    return tuple(rules)


def score_rules(spec: Spec, table: Table) -> list[Rule]:
    """A typed score lies in [0, full]; anything else is rejected and the item is 待核实. A score in range but
    off the rules' grid (`Item.score_step`) is read as typed with a 警告: a director may mean it (two raters
    averaged), but the rules cannot give it."""
    def in_range(item) -> Rule:
        return Rule(item.name, "score-range", lambda s: (s >= 0) & (s <= item.full),
                    lambda v: f"「{item.name}」的得分应在0到{item.full:g}分之间，填的是 {v:g}；本项待核实")

    def on_step(item, step: float) -> Rule:
        def test(s: pd.Series) -> pd.Series:
            k = (item.full - s) / step
            return (s < 0) | (s > item.full) | np.isclose(k, np.round(k))
        return Rule(item.name, "score-step", test,
                    lambda v: f"按考核细则，「{item.name}」满分{item.full:g}分，每处扣分都是{step:g}分的倍数，"
                              f"得分只能是{item.full:g}、{item.full - step:g}……这样的数；填的 {v:g} 不是，"
                              f"已按 {v:g} 计算，请核实", severity="警告")
    items = [i for i in spec.rubric.items if i.name in table.columns]
    return [in_range(i) for i in items] + [on_step(i, i.score_step) for i in items if i.score_step]


def rejected_cells(problems: list[Problem], table: Table, rows: set[int], keys: Mapping[int, str],
                   columns: list[str]) -> dict[tuple[str, str], Pending]:
    """(teacher, column) -> the error on that cell, for the value columns of `rows` (each teacher's first);
    `keys` gives each Excel row's teacher ("" for none)."""
    errors = {p.cell: p.message for p in problems if p.sheet == table.sheet and p.severity == "错误" and p.cell}
    letters = {cell_address(0, table.columns[c])[:-1]: c for c in columns if c in table.columns}
    out: dict[tuple[str, str], Pending] = {}
    for cell, message in errors.items():       # the few error cells, not every cell of the sheet
        head = cell.rstrip("0123456789")
        col, row = letters.get(head), int(cell[len(head):])
        if col is not None and row in rows and keys.get(row):
            out.setdefault((keys[row], col), Pending(table.sheet, cell, message))
    return out


def unscored_items(ctx: Context, rec: Record, style: str) -> None:
    """Typed-score items a teacher has no score for, and items the sheet has no column for, are 待核实."""
    rubric = ctx.spec.rubric
    table = rec.table
    for item in rubric.items:
        has_events = style != "scores" and any(d.event in table.columns for d in item.deductions)
        if item.name not in table.columns:
            if style == "scores" and not has_events:
                ctx.problem("missing-item-column", f"没有找到考核项目「{item.name}」这一列，各位教师的这一项待核实",
                            "错误", table.sheet, table.header_cell())
                for t in rec.counts.index:
                    rec.rejected.setdefault((t, item.name), Pending(table.sheet, "", f"没有「{item.name}」这一列"))
            continue
        blank = rec.typed[item.name].isna()
        for t in rec.typed.index[blank]:
            cell = table.cell(item.name, rec.rows[t])
            if (t, item.name) in rec.rejected or has_events:
                continue
            ctx.problem("missing-score", f"没有填写「{item.name}」的得分，本项待核实", "错误", table.sheet, cell)
            rec.rejected[(t, item.name)] = Pending(table.sheet, cell, "没有填写得分")
        if has_events:
            events = [d.event for d in item.deductions if d.event in table.columns]
            for t in rec.typed.index[~blank]:
                if (rec.counts.loc[t, events].fillna(0) > 0).any():
                    ctx.problem("score-and-events", f"「{item.name}」填了得分 {rec.typed.loc[t, item.name]:g}，"
                                "同一行又填了扣分事项；按填写的得分计算", "警告", table.sheet,
                                table.cell(item.name, rec.rows[t]))


def check_typed_totals(ctx: Context, table: Table, rows: dict[str, int], totals: pd.Series) -> None:
    """A 总分 the school typed next to the item scores is not read, but a different sum is pointed out (警告)."""
    sheet = ctx.book.sheet(table.sheet)
    col = next((j for j, text in table.extra_headers.items()
                if normalize_label(text).split("(")[0] in ("总分", "合计", "总计")), None)
    if sheet is None or col is None:
        return
    from xlrubric.readers.text import parse_number

    for t, row in rows.items():
        raw = sheet.value(row - 1, col)
        typed, _ = parse_number(raw)
        ours = totals.get(t)
        if typed is None or ours is None or ours != ours or abs(typed - ours) < 1e-6:
            continue
        ctx.problem("typed-total-differs", f"这里填的总分是 {typed:g}，各项得分之和是 {ours:g}；"
                    "结果按各项得分计算，请核对", "警告", table.sheet, cell_address(row - 1, col), raw)
