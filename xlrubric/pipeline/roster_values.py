"""教师名册 cells the 达标 part depends on: 组别/角色 through the rules' words (核心项目组 → 核心组, 骨干教师 → 骨干),
and 出生日期/入职日期 as an interval when the school wrote only the year or the month ("2020年9月").

An unknown group word is an error naming the accepted words — never silently 教师; a date is read exactly, or
as the interval it names with a 警告 (the engine uses it only where every day in it gives the same answer, and
says 待核实 otherwise), or rejected. The engine gets, per teacher, what is known and why the rest is not.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register import text
from xlrubric.readers.table import read_table
from xlrubric.readers.text import normalize_label, number_date_hint, number_date_note
from xlrubric.schemas.layout import ROLES, ROSTER, with_spec_synonyms
from xlrubric.spec.words import merged_words

SHEET = "教师名册"
_SPLIT = re.compile(r"[、,，/；;\s]+")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*月?$")
_YEAR_ONLY = re.compile(r"^(\d{4})\s*年?$")


def partial_date(value) -> tuple[dt.date, dt.date, str] | None:
    """(first day, last day, what was written) for "2020年9月" / "2020.9" / "2020-09" / "2020年"; else None."""
    s = text(value)
    m = _YEAR_MONTH.match(s)
    if m and 1 <= int(m[2]) <= 12:
        y, mo = int(m[1]), int(m[2])
        last = dt.date(y + (mo == 12), mo % 12 + 1, 1) - dt.timedelta(days=1)
        return dt.date(y, mo, 1), last, f"{y}年{mo}月"
    m = _YEAR_ONLY.match(s)       # a bare 2020 typed as a number is a year, not Excel's day 2020 (1905-07-12)
    if m and 1900 <= int(m[1]) <= 2100:
        y = int(m[1])
        return dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y}年"
    return None


class RosterCells:
    """Where each teacher's 教师名册 cells are (the header is located once, only when needed)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._table = None

    def cell(self, column: str, key: str) -> str:
        row = self.ctx.roster.rows.get(key)
        sheet = self.ctx.book.sheet(ROSTER.sheet)
        if row is None or sheet is None:
            return ""
        if self._table is None:
            self._table = read_table(sheet, with_spec_synonyms(ROSTER, self.ctx.spec), file=self.ctx.file)
        return self._table.cell(column, row) if column in self._table.columns else f"A{row}"


def roster_frame(ctx: Context, teachers: pd.Index) -> pd.DataFrame:
    """groups (set of standard words), groups_why (an unknown word), born/hired as [lo, hi] with *_why when
    missing or unreadable and *_note when partial, 教研组 — per teacher, problems on their cells."""
    attrs = ctx.roster.attrs.reindex(teachers) if len(ctx.roster.attrs) else pd.DataFrame(index=teachers)
    cells = RosterCells(ctx)
    out = pd.DataFrame(index=teachers)
    _groups(ctx, attrs, out, cells)
    out["教研组"] = attrs["教研组"].map(text) if "教研组" in attrs.columns else ""
    for col, key in (("出生日期", "born"), ("入职日期", "hired")):
        _dates(ctx, attrs, out, cells, col, key)
    return out


def _groups(ctx: Context, attrs: pd.DataFrame, out: pd.DataFrame, cells: RosterCells) -> None:
    spec = ctx.spec
    named = [g for q in spec.requirements for g in (*q.selector.groups, *q.selector.exclude_groups)]
    allowed = tuple(dict.fromkeys([*ROLES, *named]))
    lookup = merged_words(spec).lookup("组别/角色", allowed)
    raw = attrs["组别/角色"] if "组别/角色" in attrs.columns else pd.Series(None, index=attrs.index, dtype=object)
    groups, why = [], []
    for key, value in raw.items():
        found, unknown = set(), []
        for word in (w for w in _SPLIT.split(text(value)) if w):
            std = lookup.get(normalize_label(word))
            if std is None:
                unknown.append(word)
                continue
            found.add(std)
            if std != word:
                ctx.problem("group-synonym", f"组别/角色「{word}」按「{std}」计（细则中的同义词）", "提示", SHEET,
                            cells.cell("组别/角色", key), value)
        cell = cells.cell("组别/角色", key) if unknown else ""
        if unknown:
            ctx.problem("unknown-group", f"组别/角色「{'、'.join(unknown)}」无法识别，应为：{'、'.join(allowed)}"
                        "（或细则中列出的同义词）；按组别判断的达标要求待核实", "错误", SHEET, cell, value)
        said = "" if unknown else _conflict(ctx, key, "组别/角色")
        groups.append(set() if said else found)      # two rows, two answers: no group is certain
        why.append(f"{SHEET} {cell}：组别/角色「{'、'.join(unknown)}」无法识别" if unknown else said)
    out["groups"] = pd.Series(groups, index=attrs.index, dtype=object)
    out["groups_why"] = pd.Series(why, index=attrs.index, dtype=object)


def _conflict(ctx: Context, key: str, col: str) -> str:
    """Why `col` of a teacher listed twice in 教师名册 is unknown ("" when the rows agree on it)."""
    return ctx.roster.conflicts.get(key, {}).get(col, "")


def _dates(ctx: Context, attrs: pd.DataFrame, out: pd.DataFrame, cells: RosterCells, col: str, key: str) -> None:
    lo, hi, why, note = [], [], [], []
    values = attrs[col].tolist() if col in attrs.columns else [None] * len(attrs.index)
    for t, v in zip(attrs.index, values, strict=True):
        if said := _conflict(ctx, t, col):       # listed twice with two dates: neither is known
            lo.append(None), hi.append(None), why.append(said), note.append("")
            continue
        part = partial_date(v)
        d = ctx.date(v)[0] if part is None else None
        if d is not None:
            if said := number_date_note(v, d):      # a number (General format) read as a date: said on the cell
                ctx.problem("date-number", f"{col}{said}", "警告", SHEET, cells.cell(col, t), v)
            lo.append(d), hi.append(d), why.append(""), note.append("")
        elif part is not None:
            cell = cells.cell(col, t)
            ctx.problem("partial-date", f"{col}「{text(v)}」只写到{'月' if '月' in part[2] else '年'}：按"
                        f"{part[0]:%Y-%m-%d}至{part[1]:%Y-%m-%d}之间计算；结果取决于具体日期的要求显示待核实，"
                        "请补全日期", "警告", SHEET, cell, v)
            lo.append(part[0]), hi.append(part[1]), why.append(""), note.append(f"{SHEET} {cell}：{col}只写到{part[2]}")
        else:
            lo.append(None), hi.append(None), note.append("")
            if text(v):
                cell = cells.cell(col, t)
                ctx.problem("bad-date", f"{col}「{text(v)}」不是可识别的日期{number_date_hint(v)}，如 1985-03-12；"
                            "依赖它的达标要求待核实", "错误", SHEET, cell, v)
                why.append(f"{SHEET} {cell}：{col}「{text(v)}」无法识别")
            else:
                why.append(f"教师名册中没有{col}")
    for name, values in ((f"{key}_lo", lo), (f"{key}_hi", hi)):
        out[name] = pd.to_datetime(pd.Series(values, index=attrs.index, dtype=object), errors="coerce")
    out[key] = out[f"{key}_lo"].where(out[f"{key}_lo"] == out[f"{key}_hi"])      # the exact date, when known
    out[f"{key}_why"] = pd.Series(why, index=attrs.index, dtype=object)
    out[f"{key}_note"] = pd.Series(note, index=attrs.index, dtype=object)
