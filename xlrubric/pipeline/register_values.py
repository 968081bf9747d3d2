"""学时登记 cells read as the school meant them, through the words in the rules (spec/words.yaml + the spec's
own): choice columns by synonym (主讲教师 → 主讲人, 通过 → 已认定), number columns with their own units and
words (半天, 1000字, 约1200字), and a 月日 without a year resolved from a stated 学年 — never guessed.

Every cell ends read (silently or with a 提示 naming the synonym), read under a stated interpretation (警告), or
rejected (错误); a rejected cell's reason comes back per row ("H14：时长「记不清」无法识别") so the engine can
mark what depends on it 待核实 instead of turning it into a number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd

from xlrubric.engine.derive import distinct
from xlrubric.pipeline.context import Context
from xlrubric.readers.raw import row_spans
from xlrubric.readers.table import Table
from xlrubric.readers.text import cell_text, normalize_label, number_date_note, parse_quantity
from xlrubric.schemas.teachers import match_teacher
from xlrubric.spec.words import Words

_YEAR = re.compile(r"(\d{4})")


# id(column) -> (the column, its codes) while `coded_once` is open; the column is kept so its id stays its own
_CODED: ContextVar[dict[int, tuple[object, tuple[np.ndarray, list]]] | None] = ContextVar("_CODED", default=None)


@contextmanager
def coded_once() -> Iterator[None]:
    """Within: each column object is coded once, however many readers ask (a 学时登记's 审核状态 is read as a
    choice and shown as typed, its 工号 is checked for blanks and for 合计 rows). The columns must not change
    while it is open; the register's columns never do: every step makes new arrays."""
    token = _CODED.set({})
    try:
        yield
    finally:
        _CODED.reset(token)


def cell_codes(values) -> tuple[np.ndarray, list]:
    """`distinct` with blank cells (None, NaN, NaT) on code -1, for `spread`'s `blank` answer (read-only:
    inside `coded_once` the same arrays go to every caller of the same column)."""
    memo = _CODED.get()
    if memo is None:
        return distinct(values, blanks=False)
    hit = memo.get(id(values))
    if hit is None or hit[0] is not values:
        hit = memo[id(values)] = (values, distinct(values, blanks=False))
    return hit[1]


def spread(codes: np.ndarray, per_unique: list, blank, dtype=object) -> np.ndarray:
    """The answer for each distinct value put on every row with that value (`blank` on code -1)."""
    arr = np.empty(len(per_unique) + 1, dtype=dtype)
    for k, v in enumerate(per_unique):          # item by item: a tuple answer stays one object
        arr[k] = v
    arr[-1] = blank
    return arr[codes]


def each(values, fn, dtype=object) -> np.ndarray:
    """fn applied once per distinct cell value (blank cells get fn(None)), one answer per row."""
    codes, uniques = cell_codes(values)
    return spread(codes, [fn(u) for u in uniques], fn(None), dtype)


def report(ctx: Context, table: Table, column: str, raw: pd.Series, found: np.ndarray) -> np.ndarray:
    """Put each (code, severity, message) in `found` on its cell; the rejected ones become per-row reasons."""
    why = np.full(len(found), "", dtype=object)
    index = raw.index
    for pos in np.flatnonzero(found != None):          # noqa: E711 — elementwise: the rows with something to say
        code, severity, message = found[pos]
        row = int(index[pos])
        problem = table.problem(code, message, column=column, row=row, value=raw.get(row), severity=severity)
        ctx.problems.append(problem)
        if severity == "错误":
            why[pos] = f"{problem.cell}：{message}"
    return why


def read_choice(ctx: Context, table: Table, raw: pd.Series, column: str, key: str, allowed: tuple[str, ...],
                words: Words) -> tuple[np.ndarray, np.ndarray]:
    """(standard word or "", reason the cell was rejected or "") per row, once per distinct value."""
    lookup = words.lookup(column, allowed)
    codes, uniques = cell_codes(raw)
    std, found = [], []
    for u in uniques:
        typed = cell_text(u)
        hit = lookup.get(normalize_label(typed), "") if typed else ""
        std.append(hit)
        if not typed or hit == typed:
            found.append(None)
        elif hit:
            found.append((f"{key}-synonym", "提示", f"{column}「{typed}」按「{hit}」计（细则中的同义词）"))
        else:
            found.append((f"unknown-{key}", "错误", f"{column}「{typed}」无法识别，应为：{'、'.join(allowed)}"
                          "（或细则中列出的同义词）；依赖它的学时和达标待核实"))
    return spread(codes, std, ""), report(ctx, table, column, raw, spread(codes, found, None))


def read_numbers(ctx: Context, table: Table, raw: pd.Series, column: str, words: Words
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(number or NaN, reason the cell was rejected or "") per row with this column's units and words."""
    units = words.units.get(column, {})
    others = frozenset(u.lower() for c, m in words.units.items() if c != column for u in m)
    others |= frozenset(w for c, m in words.amounts.items() if c != column for w in m)
    codes, uniques = cell_codes(raw)
    values, found = [], []
    for u in uniques:
        q = parse_quantity(u, units, words.amounts.get(column, {}), approx=(words.approx.before, words.approx.after),
                           other_units=others)
        typed = cell_text(u)
        value = np.nan if q.value is None else q.value
        item = None
        if q.value is not None and q.value < 0:
            value = np.nan
            item = ("negative", "错误", f"「{column}」不能为负数（填的是 {q.value:g}）；依赖它的学时待核实")
        elif q.state == "text":
            item = ("number-as-text", "警告", f"「{typed}」是文字，已按 {q.value:g} 计算；请改为填数字")
        elif q.state == "time":
            item = ("time-as-hours", "警告", f"「{typed}」是时间格式，按 {q.value:g} 小时计算；请改填小时数")
        elif q.state == "clock":
            item = ("time-of-day", "错误", f"「{column}」填的「{typed}」像是几点几分，不是时长；请填小时数（如 2）。"
                    "依赖它的学时待核实")
        elif q.state == "approx":
            item = ("approximate", "警告", f"「{typed}」是约数，已按 {q.value:g} 计算；请核实后填准确的数")
        elif q.state == "wrong-unit":
            item = ("wrong-unit", "错误", f"「{column}」填的是「{typed}」，单位「{q.unit}」不是{column}的单位"
                    f"（可用：{'、'.join(units) or '数字'}）；请填到对应的列。依赖它的学时待核实")
        elif q.state == "unreadable":
            item = ("not-a-number", "错误", f"「{column}」应填数字，无法识别「{typed}」"
                    f"（可写如 2、2{next(iter(units), '')}）；依赖它的学时待核实")
        values.append(value)
        found.append(item)
    return spread(codes, values, np.nan, float), report(ctx, table, column, raw, spread(codes, found, None))


def school_year_start(text: str) -> int | None:
    """The 学年 a 基本信息 value names: "2023-2024" / "2023—2024学年第二学期" / "2023学年" -> 2023."""
    m = _YEAR.search(text or "")
    return int(m[1]) if m else None


def month_day_year(ctx: Context, month: int, start_month: int) -> tuple[int | None, str]:
    """The year of a 月日 typed without one and without the row's 学年, and where it came from.

    From 基本信息's 学年 when the school filled it in; else from the rules' 考核期 when that holds the month only
    once; else None — a period of several 学年 would be a guess across years.
    """
    info_year = school_year_start(str((ctx.report.get("school") or {}).get("学年") or ""))
    if info_year is not None:
        y = info_year + (1 if month < start_month else 0)
        return y, f"基本信息中的学年（{info_year}-{info_year + 1}）"
    p = ctx.spec.period
    if p is None:
        return None, ""
    hits = []
    for y in range(p.start.year, p.end.year + 1):
        first = dt.date(y, month, 1)
        last = dt.date(y + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        if first <= p.end and last >= p.start:
            hits.append(y)
    if len(hits) == 1:
        return hits[0], f"细则的考核期（{p.start:%Y-%m-%d}至{p.end:%Y-%m-%d}）"
    return None, ""


def register_teachers(ctx: Context, table: Table, ids: np.ndarray, names: np.ndarray, col, blocked: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Resolve each distinct (工号, 姓名) once; problems go on every row that carries a bad pair."""
    roster = ctx.roster
    id_codes, id_cells = distinct(ids)
    name_codes, name_cells = distinct(names)
    codes, _ = pd.factorize(id_codes * max(len(name_cells), 1) + name_codes)
    first = np.unique(codes, return_index=True)[1] if len(codes) else np.zeros(0, dtype=np.intp)
    keys, shown, problems = [], [], []
    for i in first:
        tid, name = id_cells[id_codes[i]], name_cells[name_codes[i]]
        key, problem = match_teacher(roster, tid, name, "本行学时")
        if not key and problem is None:
            problem = ("no-teacher", "这一行没有工号和姓名", "姓名", "错误")
        keys.append(key)
        shown.append((roster.names.get(key) or name) if key and roster.present else name)
        problems.append(problem)
    index = col["工号"].index
    for k in [k for k, p in enumerate(problems) if p]:
        code, msg, column, severity = problems[k]
        if column not in table.columns:
            column = "姓名" if "姓名" in table.columns else "工号"
        at = np.flatnonzero(codes == k)
        for pos in at:
            row = int(index[pos])
            ctx.problems.append(table.problem(code, msg, column=column, row=row,
                                              value=col[column].get(row), severity=severity))
        if not keys[k]:
            blocked[at] = msg
    return spread(codes, keys, ""), spread(codes, shown, "")


def number_dates(codes: np.ndarray, uniques: list, dates: list, rows) -> list[tuple[int, str]]:
    """(row position, 警告) for each distinct number a date column read as a date (`number_date_note`), on the
    first row holding it, naming the other rows with the same number.

    Once per number and not once per cell: a 签到登记 pasted without its date format has a whole column of
    numbers (2,000 cells for 20 sessions), and as many warnings would bury every other message.
    """
    notes = [number_date_note(u, d) for u, d in zip(uniques, dates, strict=True)]
    if not any(notes):
        return []
    order = np.argsort(codes, kind="stable")             # each value's rows together, in row order
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    out = []
    for k, note in enumerate(notes):
        if note:
            where = order[bounds[k]:bounds[k + 1]]
            also = f"（第{row_spans(int(rows[p]) for p in where)}行都是这个数）" if len(where) > 1 else ""
            out.append((int(where[0]), note + also))
    return sorted(out)
