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

import numpy as np
import pandas as pd

from xlrubric.engine.derive import distinct
from xlrubric.pipeline.context import Context
from xlrubric.readers.table import Table
from xlrubric.readers.text import cell_text, normalize_label, parse_quantity
from xlrubric.schemas.teachers import match_teacher
from xlrubric.spec.words import Words

_YEAR = re.compile(r"(\d{4})")


def _codes(series: pd.Series) -> tuple[np.ndarray, list]:
    """`distinct` with blank cells (None or NaN) on code -1, for `_spread`'s `blank` answer."""
    codes, uniques = distinct(series)
    blank = np.array([u is None or u is pd.NaT or (isinstance(u, float) and u != u) for u in uniques] + [True])
    if not blank[:-1].any():
        return codes, uniques
    keep = np.flatnonzero(~blank[:-1])
    remap = np.full(len(uniques), -1, dtype=np.intp)
    remap[keep] = np.arange(len(keep))
    return remap[codes], [uniques[k] for k in keep]


def _spread(codes: np.ndarray, per_unique: list, blank, index) -> pd.Series:
    arr = np.empty(len(per_unique) + 1, dtype=object)
    for k, v in enumerate(per_unique):
        arr[k] = v
    arr[-1] = blank
    return pd.Series(arr[codes], index=index, dtype=object)


def _report(ctx: Context, table: Table, column: str, raw: pd.Series, found: pd.Series) -> pd.Series:
    """Put each (code, severity, message) in `found` on its cell; the rejected ones become per-row reasons."""
    why = pd.Series("", index=raw.index, dtype=object)
    for row, item in found[found.notna()].items():       # only the rows with something to say
        code, severity, message = item
        problem = table.problem(code, message, column=column, row=int(row), value=raw.get(row), severity=severity)
        ctx.problems.append(problem)
        if severity == "错误":
            why[row] = f"{problem.cell}：{message}"
    return why


def read_choice(ctx: Context, table: Table, raw: pd.Series, column: str, key: str, allowed: tuple[str, ...],
                words: Words) -> tuple[pd.Series, pd.Series]:
    """(standard word or "", reason the cell was rejected or "") per row, once per distinct value."""
    lookup = words.lookup(column, allowed)
    codes, uniques = _codes(raw)
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
    values = _spread(codes, std, "", raw.index)
    return values, _report(ctx, table, column, raw, _spread(codes, found, None, raw.index))


def read_numbers(ctx: Context, table: Table, raw: pd.Series, column: str, words: Words
                 ) -> tuple[pd.Series, pd.Series]:
    """(number or NaN, reason the cell was rejected or "") per row with this column's units and words."""
    units = words.units.get(column, {})
    others = frozenset(u.lower() for c, m in words.units.items() if c != column for u in m)
    others |= frozenset(w for c, m in words.amounts.items() if c != column for w in m)
    codes, uniques = _codes(raw)
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
    out = pd.Series(np.asarray(_spread(codes, values, np.nan, raw.index), dtype=float), index=raw.index)
    return out, _report(ctx, table, column, raw, _spread(codes, found, None, raw.index))


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


def register_teachers(ctx: Context, table: Table, ids: pd.Series, names: pd.Series, col, blocked: pd.Series
              ) -> tuple[pd.Series, pd.Series]:
    """Resolve each distinct (工号, 姓名) once; problems go on every row that carries a bad pair."""
    roster = ctx.roster
    pair = ids.astype(str) + "\x1f" + names.astype(str)
    codes, uniques = pd.factorize(pair)
    keys, shown, problems = [], [], []
    for u in uniques:
        tid, name = u.split("\x1f")
        key, problem = match_teacher(roster, tid, name, "本行学时")
        if not key and problem is None:
            problem = ("no-teacher", "这一行没有工号和姓名", "姓名", "错误")
        keys.append(key)
        shown.append((roster.names.get(key) or name) if key and roster.present else name)
        problems.append(problem)
    key_arr = np.array(keys, dtype=object)[codes]
    for k in [k for k, p in enumerate(problems) if p]:
        code, msg, column, severity = problems[k]
        if column not in table.columns:
            column = "姓名" if "姓名" in table.columns else "工号"
        rows = ids.index[codes == k]
        for row in rows:
            ctx.problems.append(table.problem(code, msg, column=column, row=int(row),
                                              value=col[column].get(row), severity=severity))
        if not keys[k]:
            blocked[rows] = msg
    return (pd.Series(key_arr, index=ids.index, dtype=object),
            pd.Series(np.array(shown, dtype=object)[codes], index=ids.index, dtype=object))
