"""学时登记, read once for both the 学时 and the 达标 parts: validated cell by cell, cleaned into plain columns.

Every conversion works on the column's *distinct* values (a register of 20,000 rows has a few hundred
distinct dates, names and categories), so a bad value costs one message per cell and the whole register
costs a handful of pandas operations, not a Python loop per cell. A row that cannot be counted (no
teacher, no date, unknown category, outside the 学年) keeps its reason and is still listed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register_values import month_day_year, read_choice, read_numbers, register_teachers
from xlrubric.readers.raw import RawSheet, cell_address
from xlrubric.readers.table import HEADER_SCAN_ROWS, SUMMARY_WORDS, Table, read_table
from xlrubric.readers.text import cell_text, normalize_label, parse_date
from xlrubric.results import Problem
from xlrubric.schemas.layout import HOUR_STATUSES, Layout, _spec_words, hours_layout, with_spec_synonyms
from xlrubric.schemas.teachers import person_name, teacher_id
from xlrubric.spec.words import Words, merged_words

SHEET = "学时登记"
NUMBERS = {"时长": "duration", "天数": "days", "证书学时": "cert", "字数": "words", "成绩": "score",
           "认定学时": "manual", "数量": "quantity"}
TEXTS = {"角色": "role", "级别": "level", "等次": "award", "审核状态": "status"}
_YEAR = re.compile(r"(\d{4})")
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*$")
text = functools.partial(cell_text, nfkc=True)     # a register cell as text, full-width folded
_TITLE_NOISE = re.compile(r"[\s\W_]+")


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Pause the cycle collector while a register is turned into frames.

    A workbook in memory holds hundreds of thousands of long-lived cell objects; every automatic full
    collection triggered by our short-lived allocations walks them all (measured: a fifth of the 学时 time
    for a 20,000-row register). Nothing here builds reference cycles, so collection simply resumes after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class Register:
    table: Table
    frame: pd.DataFrame        # clean columns (see engine.hours), index = Excel row; `blocked` reason or ""


def title_key(value: Any) -> str:
    """A 题目 as compared for 同篇: no spaces, punctuation or case."""
    return _TITLE_NOISE.sub("", text(value).lower())


def _uniq(series: pd.Series) -> tuple[np.ndarray, list]:
    """Codes into the distinct values (one C hash pass); blank cells get code -1."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    return codes, list(uniques)


def _take(codes: np.ndarray, per_unique: list, blank, dtype=object) -> np.ndarray:
    arr = np.empty(len(per_unique) + 1, dtype=dtype)
    for k, v in enumerate(per_unique):
        arr[k] = v
    arr[-1] = blank
    return arr[codes]


def _distinct(series: pd.Series, fn) -> pd.Series:
    """fn applied once per distinct value (blank cells get fn(None))."""
    codes, uniques = _uniq(series)
    return pd.Series(_take(codes, [fn(u) for u in uniques], fn(None)), index=series.index, dtype=object)


def read_register(ctx: Context) -> Register | None:
    """The cleaned register, read once per run and shared by the 学时 and 达标 parts."""
    if "register" in ctx.shared:
        return ctx.shared["register"]
    table = _read(ctx, with_spec_synonyms(hours_layout(ctx.spec), ctx.spec))
    reg = None if table is None else Register(table, _clean(ctx, table))
    ctx.shared["register"] = reg
    return reg


def require_register(ctx: Context, purpose: str) -> Register | None:
    """The register, or None with a problem saying what could not be done without it.

    A rubric workbook without a register only loses the 学时/达标 checks (提示); a workbook whose rules
    are only about 学时 and 达标 cannot do without it (错误).
    """
    reg = read_register(ctx)
    if reg is not None and reg.frame.empty and ctx.spec.rubric is not None:
        # The template carries the sheet; a school that scores only the rubric leaves it blank. That means
        # "not kept", not "nobody did anything": say so instead of reporting every duty as unmet.
        ctx.problem("empty-register", f"「{SHEET}」是空的，未{purpose}；如需检查，请在该表中登记", "提示", SHEET)
        return None
    if reg is None:
        if ctx.spec.rubric is not None:
            ctx.problem("no-register", f"没有「{SHEET}」工作表，无法{purpose}；如需检查，请按模板添加该表",
                        "提示", SHEET)
        else:
            ctx.problem("missing-sheet", f"缺少工作表「{SHEET}」，无法{purpose}。请用 xlrubric template 生成的模板填写",
                        "错误", SHEET)
    return reg


def _read(ctx: Context, layout: Layout) -> Table | None:
    """The register with the shared reader's header rules, its body sliced column-wise.

    `read_table` finds the header (title rows, merged two-row headers, synonyms) in the first rows; the
    body — tens of thousands of rows — is cut into columns at once, and blank rows, rows without a teacher
    and 合计 rows are recognised per distinct value, as `read_table` does row by row.
    """
    sheet = ctx.book.sheet(layout.sheet)
    if sheet is None:
        return None
    if len(sheet.rows) <= 2 * HEADER_SCAN_ROWS:
        return ctx.table(layout)
    head = read_table(RawSheet(sheet.name, sheet.rows[:HEADER_SCAN_ROWS], sheet.merged, sheet.visible), layout,
                      file=ctx.file)
    ctx.problems.extend(p for p in head.problems if p.code in ("no-header", "missing-column"))
    if not head.columns or head.frame.columns.empty and not head.columns:
        return head
    start = head.header_rows[1]
    names = list(head.columns)
    idx = [head.columns[n] for n in names]
    width = max(idx) + 1
    pad = [None] * width
    body = [r[:width] if len(r) >= width else (r + pad)[:width] for r in sheet.rows[start:]]
    grid = pd.DataFrame(body, dtype=object, columns=range(width))
    frame = grid[idx].set_axis(names, axis=1).set_axis(pd.RangeIndex(start + 1, start + 1 + len(body), name="行"))
    empty = frame.isna().all(axis=1)
    keys = [k for k in layout.key if k in names]
    no_key = pd.Series(True, index=frame.index)
    for k in keys:
        no_key &= _take(*_blank_codes(frame[k]))
    if no_key.any():     # whitespace-only cells count as blank, as in read_table
        loose = frame[no_key & ~empty]
        empty[loose.index] = loose.map(lambda v: v is None or v != v or (isinstance(v, str) and not v.strip())
                                       ).all(axis=1)
    summary = pd.Series(False, index=frame.index)
    for k in keys:
        codes, uniques = _uniq(frame[k])
        summary |= _take(codes, [isinstance(u, str) and normalize_label(u) in SUMMARY_WORDS for u in uniques],
                         False, bool)
    keep = ~empty & ~no_key & ~summary
    problems = []
    for row in frame.index[~empty & no_key]:
        raw = sheet.rows[row - 1]
        if any(isinstance(v, str) and normalize_label(v) in SUMMARY_WORDS for v in raw if v is not None):
            continue
        problems.append(Problem("row-without-teacher", "这一行没有" + "、".join(layout.key) + "，已跳过", "警告",
                                ctx.file, sheet.name, cell_address(row - 1, head.columns[keys[0]] if keys else 0)))
    ctx.problems.extend(problems)
    frame = frame[keep].astype(object).where(frame[keep].notna(), None)
    return Table(ctx.file, sheet.name, frame, head.columns, head.header_rows, problems, head.extra_headers)


def _blank_codes(series: pd.Series) -> tuple[np.ndarray, list, bool, type]:
    """(codes, blank per distinct value, blank for empty cells, dtype) for `_take`."""
    codes, uniques = _uniq(series)
    return codes, [isinstance(u, str) and not u.strip() for u in uniques], True, bool


def _problem(ctx: Context, table: Table, code: str, msg: pd.Series, column: str, raw: pd.Series,
             severity: str = "错误") -> pd.Series:
    """Each non-empty message on its row's `column` cell; returns the cell address per row ("" elsewhere)."""
    cells = pd.Series("", index=msg.index, dtype=object)
    for row, m in msg[msg != ""].items():
        problem = table.problem(code, m, column=column, row=int(row), value=raw.get(row), severity=severity)
        ctx.problems.append(problem)
        cells[row] = problem.cell or f"第{row}行"
    return cells


def _clean(ctx: Context, table: Table) -> pd.DataFrame:
    """The register as plain columns. `blocked` says why a row certainly earns nothing (no such teacher,
    outside the cycle); `pending` why what it earns cannot be known (a rejected date, 学年 or 类别); and
    `unread_<key>` why one of its other cells was rejected — the engine decides whether the row needs it."""
    spec = ctx.spec
    words = merged_words(spec)
    f = table.frame
    idx = f.index
    col = {c.name: (f[c.name] if c.name in f.columns else pd.Series(None, index=idx, dtype=object))
           for c in hours_layout(spec).columns}
    out = pd.DataFrame(index=idx)
    out["row"] = idx.to_numpy()
    blocked = pd.Series("", index=idx, dtype=object)
    pending = pd.Series("", index=idx, dtype=object)
    # Teachers: resolved once per distinct (工号, 姓名).
    ids = _distinct(col["工号"], teacher_id)
    names = _distinct(col["姓名"], person_name)
    out["teacher"], out["name"] = register_teachers(ctx, table, ids, names, col, blocked)
    # 学年 typed, then 日期 read with it (4月19日 needs the 学年 to know its year).
    start_month = spec.hours.year_start_month if spec.hours else 9
    typed_year = _distinct(col["学年"], _year_of)
    bad_year = (typed_year == -2)
    _problem(ctx, table, "bad-year", pd.Series(np.where(bad_year, "学年应写成如“2023-2024”", ""), index=idx),
             "学年", col["学年"])
    typed_year = typed_year.where(~bad_year, -1).astype(int)
    dates = _dates(ctx, table, col["日期"], typed_year, start_month, "日期", pending)
    out["date"] = dates
    end_why = pd.Series("", index=idx, dtype=object)
    out["end"] = _dates(ctx, table, col["结束日期"], typed_year, start_month, "结束日期", end_why)
    date_year = pd.Series(np.where(dates.notna(), dates.dt.year - (dates.dt.month < start_month), -1),
                          index=idx).astype(int)
    mismatch = (typed_year >= 0) & (date_year >= 0) & (typed_year != date_year)
    msg = pd.Series("", index=idx, dtype=object)
    msg[mismatch] = ("日期" + dates[mismatch].dt.strftime("%Y-%m-%d") + "不在所填的" +
                     typed_year[mismatch].map(lambda y: f"{y}-{y + 1}学年").astype(str) + "内，本行学时待核实")
    _pend(pending, msg, _problem(ctx, table, "date-outside-year", msg, "日期", col["日期"]))
    year = date_year.where(date_year >= 0, typed_year).where(~mismatch, -1)    # contradictory: either 学年
    nodate = (year < 0) & (blocked == "") & (pending == "")
    msg = pd.Series(np.where(nodate, "没有填写日期（或学年），本行学时待核实", ""), index=idx)
    _pend(pending, msg, _problem(ctx, table, "no-date", msg, "日期", col["日期"]))
    out["year"] = year
    _outside(ctx, table, out, col, blocked, pending)
    # 类别 and the other choice columns, through the rules' words.
    out["category_text"] = _distinct(col["类别"], text)
    out["category"] = _categories(ctx, table, out["category_text"], col["类别"], blocked, pending, words)
    cats, roles, levels, awards = _spec_words(spec)
    allowed = {"role": roles, "level": levels, "award": awards, "status": HOUR_STATUSES}
    for name, key in TEXTS.items():
        out[key], out[f"unread_{key}"] = read_choice(ctx, table, col[name], name, key, allowed[key], words)
        out[f"{key}_shown"] = out[key].where(out[f"unread_{key}"] == "", _distinct(col[name], text))
    out["title_text"] = _distinct(col["题目"], text)
    out["title"] = _distinct(col["题目"], title_key)
    out["teacher_text"] = _distinct(col["授课教师"], text)
    out["note_text"] = _distinct(col["备注"], text)
    for name, key in NUMBERS.items():
        out[key], out[f"unread_{key}"] = read_numbers(ctx, table, col[name], name, words)
    _days_from_dates(ctx, table, out, col)
    lost_end = (end_why != "") & out["days"].isna()       # 天数 would have come from the rejected 结束日期
    out.loc[lost_end, "unread_days"] = end_why[lost_end]
    out["blocked"] = blocked
    out["pending"] = pending.where(blocked == "", "")
    return out


def _pend(pending: pd.Series, msg: pd.Series, cells: pd.Series) -> None:
    """Rows whose `msg` is set become 待核实, citing the cell the problem is on."""
    hit = (msg != "") & (pending == "")
    pending[hit] = cells[hit] + "：" + msg[hit]


def _days_from_dates(ctx: Context, table: Table, out: pd.DataFrame, col) -> None:
    """天数 left blank on a start–end row is the calendar days from 日期 to 结束日期, both included
    (集中培训 "按实际活动天数"); an end before the start is flagged and not used."""
    start, end = out["date"], out["end"]
    both = start.notna() & end.notna()
    if not both.any():
        return
    span = (end - start).dt.days + 1
    backwards = both & (span < 1)
    if backwards.any():
        msg = pd.Series("", index=out.index, dtype=object)
        msg[backwards] = "结束日期早于开始日期，未用来计算天数"
        cells = _problem(ctx, table, "end-before-start", msg, "结束日期", col["结束日期"])
        lost = backwards & out["days"].isna() & (out["unread_days"] == "")
        out.loc[lost, "unread_days"] = cells[lost] + "：" + msg[lost]
    fill = both & ~backwards & out["days"].isna()
    out.loc[fill, "days"] = span[fill].astype(float)


def _year_of(value: Any) -> int:
    if value is None or text(value) == "":
        return -1
    m = _YEAR.search(text(value))
    return int(m[1]) if m else -2


def _dates(ctx: Context, table: Table, raw: pd.Series, year: pd.Series, start_month: int, column: str,
           pending: pd.Series) -> pd.Series:
    """Dates per row; a rejected cell's reason goes into `pending` (with its cell)."""
    codes, uniques = _uniq(raw)
    parsed = [parse_date(u) for u in uniques]
    nat = np.datetime64("NaT", "ns")
    d = pd.Series(_take(codes, [np.datetime64(p[0], "ns") if p[0] else nat for p in parsed], nat,
                        "datetime64[ns]"), index=raw.index)
    # "4月19日" / "4.19": the year comes from the row's 学年 (months before the 学年 start are in its 2nd year),
    # else from 基本信息's 学年 or a one-学年 考核期 with a 警告; never a guess across years.
    bare = d.isna() & _take(codes, [p[1] for p in parsed], False, bool)
    said = pd.Series("", index=raw.index, dtype=object)
    unsure = pd.Series("", index=raw.index, dtype=object)
    for row in raw.index[bare]:
        m = _MONTH_DAY.match(text(raw[row]))
        if not m:
            continue
        month, day = int(m[1]), int(m[2])
        if year[row] >= 0:
            y, source = year[row] + (1 if month < start_month else 0), ""
        else:
            y, source = month_day_year(ctx, month, start_month)
        if y is None:
            unsure[row] = (f"「{text(raw[row])}」只写了月日，细则的周期跨多个学年，无法确定年份；"
                           "请写完整日期（如 2024-05-20），或填写本行的学年")
            continue
        with contextlib.suppress(ValueError):
            d[row] = pd.Timestamp(dt.date(y, month, day))
            if source:
                said[row] = f"「{text(raw[row])}」没有写年份，按{source}计为{y}年{month}月{day}日；请核实"
    _problem(ctx, table, "date-year-assumed", said, column, raw, "警告")
    _pend(pending, unsure, _problem(ctx, table, "date-no-year", unsure, column, raw))
    bad = d.isna() & _take(codes, [text(u) != "" for u in uniques], False, bool) & (unsure == "")
    if bad.any():
        msg = pd.Series("", index=raw.index, dtype=object)
        msg[bad] = ("「" + raw[bad].map(text).astype(str)
                    + "」不是可识别的日期，应写成如 2023-10-12（只写月日时须填学年）")
        _pend(pending, msg, _problem(ctx, table, "bad-date", msg, column, raw))
    return d


def _outside(ctx: Context, table: Table, out: pd.DataFrame, col, blocked: pd.Series, pending: pd.Series) -> None:
    """Rows outside the five-year cycle (hours) or the spec's period (obligations only) are not counted."""
    spec = ctx.spec
    msg = pd.Series("", index=out.index, dtype=object)
    ok = (blocked == "") & (pending == "")
    if spec.hours is not None and spec.hours.cycle is not None:
        c = spec.hours.cycle
        last = c.start_year + c.years - 1
        bad = ok & ((out["year"] < c.start_year) | (out["year"] > last))
        msg[bad] = (out.loc[bad, "year"].map(lambda y: f"{y}-{y + 1}学年").astype(str) +
                    f"不在本轮周期（{c.start_year}-{c.start_year + 1}至{last}-{last + 1}学年）内，本行未计入")
    elif spec.period is not None:
        p = spec.period
        d = out["date"]
        bad = ok & d.notna() & ((d < pd.Timestamp(p.start)) | (d > pd.Timestamp(p.end)))
        msg[bad] = ("日期" + d[bad].dt.strftime("%Y-%m-%d") +
                    f"不在{spec.term or '考核期'}（{p.start:%Y-%m-%d}至{p.end:%Y-%m-%d}）内，本行未计入")
    _problem(ctx, table, "date-outside-year", msg, "日期" if "日期" in table.columns else "学年",
             col["日期"] if "日期" in table.columns else col["学年"])
    blocked[msg != ""] = msg[msg != ""]


def _categories(ctx: Context, table: Table, typed: pd.Series, raw: pd.Series, blocked: pd.Series,
                pending: pd.Series, words: Words) -> pd.Series:
    """类别 by name, rule alias or the rules' synonym (提示); unknown or blank makes the row 待核实."""
    spec = ctx.spec
    known = _spec_words(spec)[0]
    lookup: dict[str, str] = {}
    if spec.hours is not None:
        for name, cat in spec.hours.category_of().items():
            lookup.setdefault(normalize_label(name), cat)
    for key, cat in words.lookup("类别", known).items():
        lookup.setdefault(key, cat)
    canon = _distinct(typed, lambda t: lookup.get(normalize_label(t), "") if t else "")
    own = {normalize_label(c) for c in known}
    alias = (canon != "") & (canon != typed) & ~_distinct(typed, lambda t: normalize_label(t) in own).astype(bool)
    said = pd.Series("", index=typed.index, dtype=object)
    said[alias] = "类别「" + typed[alias] + "」按「" + canon[alias] + "」计（细则中的同义词）"
    _problem(ctx, table, "category-synonym", said, "类别", raw, "提示")
    bad = (canon == "") & (typed != "")
    msg = pd.Series("", index=typed.index, dtype=object)
    msg[bad] = "类别「" + typed[bad] + f"」不是细则中的类别，本行学时待核实（可用：{'、'.join(known)}）"
    _pend(pending, msg, _problem(ctx, table, "unknown-category", msg, "类别", raw))
    blank = (typed == "") & (blocked == "")
    msg = pd.Series(np.where(blank, "没有填写类别，本行学时待核实", ""), index=typed.index)
    _pend(pending, msg, _problem(ctx, table, "no-category", msg, "类别", raw))
    return canon
