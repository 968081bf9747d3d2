"""学时登记's rows as plain columns (`clean`): who, when (日期 with the 学年 it belongs to), which category,
and every other cell read through the rules' words — each the answer per distinct cell value spread over the
rows, problems only on the rows that have one, the frame built once at the end.

`pipeline.register` finds the sheet and cuts its body into columns; this module decides what each cell says.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register_values import (
    cell_codes,
    each,
    month_day_year,
    number_dates,
    read_choice,
    read_numbers,
    register_teachers,
    spread,
)
from xlrubric.readers.table import Table
from xlrubric.readers.text import cell_text, date_text, normalize_label, number_date_hint, parse_date
from xlrubric.schemas.layout import HOUR_STATUSES, _spec_words, hours_layout
from xlrubric.schemas.teachers import person_name, teacher_id
from xlrubric.spec.words import Words, merged_words

NUMBERS = {"时长": "duration", "天数": "days", "证书学时": "cert", "字数": "words", "成绩": "score",
           "认定学时": "manual", "数量": "quantity"}
TEXTS = {"角色": "role", "级别": "level", "等次": "award", "审核状态": "status"}
_YEAR = re.compile(r"(\d{4})")
# One school year as schools write it: 2023-2024, 2023—2024学年, 2023～2024学年度第一学期, 2023-24.
_YEAR_SPAN = re.compile(r"(\d{4})\s*[-—–~～至到/]\s*(\d{4}|\d{2})(?!\d)")
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*$")
text = functools.partial(cell_text, nfkc=True)     # a register cell as text, full-width folded
_TITLE_NOISE = re.compile(r"[\s\W_]+")


def title_key(value: Any) -> str:
    """A 题目 as compared for 同篇: no spaces, punctuation or case."""
    return _TITLE_NOISE.sub("", text(value).lower())


def _problem(ctx: Context, table: Table, code: str, msg: np.ndarray, column: str, raw: pd.Series,
             severity: str = "错误") -> np.ndarray:
    """Each non-empty message on its row's `column` cell; returns the cell address per row ("" elsewhere)."""
    cells = np.full(len(msg), "", dtype=object)
    index = raw.index
    for pos in np.flatnonzero(msg != ""):
        row = int(index[pos])
        problem = table.problem(code, msg[pos], column=column, row=row, value=raw.get(row), severity=severity)
        ctx.problems.append(problem)
        cells[pos] = problem.cell or f"第{row}行"
    return cells


def _messages(hit: np.ndarray, make) -> np.ndarray:
    """"" per row, `make(position)` where `hit`: a message is built only for the rows that have one."""
    msg = np.full(len(hit), "", dtype=object)
    for pos in np.flatnonzero(hit):
        msg[pos] = make(pos)
    return msg


def _day(d: np.ndarray) -> list[str]:
    """datetime64 values as 2023-10-12."""
    return np.datetime_as_string(d, unit="D").tolist()


def _year_month(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(year, month) of datetime64 values (meaningless where NaT)."""
    months = d.astype("datetime64[M]").astype(np.int64)
    return months // 12 + 1970, months % 12 + 1


def clean(ctx: Context, table: Table) -> pd.DataFrame:
    """The register as plain columns. `blocked` says why a row certainly earns nothing (no such teacher,
    outside the cycle); `pending` why what it earns cannot be known (a rejected date, 学年 or 类别); and
    `unread_<key>` why one of its other cells was rejected — the engine decides whether the row needs it.

    Every column is a numpy array from start to end (answers worked out once per distinct cell value, masks,
    messages only on the rows that have one), and the frame is built once at the end: a register of a few
    thousand rows used to spend most of its time in the fixed cost of ~300 small pandas operations.
    """
    spec = ctx.spec
    words = merged_words(spec)
    f = table.frame
    idx = f.index
    n = len(idx)
    col = {c.name: (f[c.name] if c.name in f.columns else pd.Series(None, index=idx, dtype=object))
           for c in hours_layout(spec).columns}
    out: dict[str, np.ndarray] = {"row": idx.to_numpy()}
    blocked = np.full(n, "", dtype=object)
    pending = np.full(n, "", dtype=object)
    # Teachers: resolved once per distinct (工号, 姓名).
    ids = each(col["工号"], teacher_id)
    names = each(col["姓名"], person_name)
    out["teacher"], out["name"] = register_teachers(ctx, table, ids, names, col, blocked)
    # 学年 typed, then 日期 read with it (4月19日 needs the 学年 to know its year).
    start_month = spec.hours.year_start_month if spec.hours else 9
    typed_year = each(col["学年"], _year_of, np.int64)
    bad_year = typed_year <= -2
    one_year = typed_year == -3
    shown_years = col["学年"].to_numpy(dtype=object)
    _problem(ctx, table, "bad-year", _messages(bad_year, lambda p: (
        f"学年「{text(shown_years[p])}」只写了一个年份，是{_one_year(shown_years[p])}无法确定；" if one_year[p]
        else "") + "学年应写成如“2023-2024”"), "学年", col["学年"])
    typed_year[bad_year] = -1
    dates = _dates(ctx, table, col["日期"], typed_year, start_month, "日期", pending)
    out["date"] = dates
    end_why = np.full(n, "", dtype=object)
    out["end"] = _dates(ctx, table, col["结束日期"], typed_year, start_month, "结束日期", end_why)
    dated = ~np.isnat(dates)
    y, m = _year_month(dates)
    date_year = np.where(dated, y - (m < start_month), -1)
    mismatch = (typed_year >= 0) & (date_year >= 0) & (typed_year != date_year)
    shown = _day(dates) if mismatch.any() else []
    msg = _messages(mismatch, lambda p: f"日期{shown[p]}不在所填的{typed_year[p]}-{typed_year[p] + 1}学年内，"
                                        "本行学时待核实")
    _pend(pending, msg, _problem(ctx, table, "date-outside-year", msg, "日期", col["日期"]))
    year = np.where(mismatch, -1, np.where(date_year >= 0, date_year, typed_year))   # contradictory: either 学年
    nodate = (year < 0) & (blocked == "") & (pending == "")
    msg = np.where(nodate, "没有填写日期（或学年），本行学时待核实", "").astype(object)
    _pend(pending, msg, _problem(ctx, table, "no-date", msg, "日期", col["日期"]))
    out["year"] = year
    _outside(ctx, table, out, col, blocked, pending)
    # 类别 and the other choice columns, through the rules' words.
    out["category_text"] = each(col["类别"], text)
    out["category"] = _categories(ctx, table, out["category_text"], col["类别"], blocked, pending, words)
    cats, roles, levels, awards = _spec_words(spec)
    allowed = {"role": roles, "level": levels, "award": awards, "status": HOUR_STATUSES}
    for name, key in TEXTS.items():
        out[key], out[f"unread_{key}"] = read_choice(ctx, table, col[name], name, key, allowed[key], words)
        out[f"{key}_shown"] = np.where(out[f"unread_{key}"] == "", out[key], each(col[name], text))
    out["title_text"] = each(col["题目"], text)
    out["title"] = each(col["题目"], title_key)
    _repeated(ctx, table, f, col["题目"], out["teacher"], out["title"], out["category"], blocked, pending)
    out["teacher_text"] = each(col["授课教师"], text)
    out["note_text"] = each(col["备注"], text)
    for name, key in NUMBERS.items():
        out[key], out[f"unread_{key}"] = read_numbers(ctx, table, col[name], name, words)
    _days_from_dates(ctx, table, out, col)
    lost_end = (end_why != "") & np.isnan(out["days"])       # 天数 would have come from the rejected 结束日期
    out["unread_days"] = np.where(lost_end, end_why, out["unread_days"])
    out["blocked"] = blocked
    out["pending"] = np.where(blocked == "", pending, "").astype(object)
    return _frame(out, idx)


def _frame(out: dict[str, np.ndarray], idx: pd.Index) -> pd.DataFrame:
    """One DataFrame from the columns: the text columns as one object block (pandas would otherwise turn
    each into its own `str` column), the numbers and dates as they are, in `out`'s order."""
    text_cols = [k for k, v in out.items() if v.dtype == object]
    block = np.empty((len(idx), len(text_cols)), dtype=object)
    for j, k in enumerate(text_cols):
        block[:, j] = out[k]
    texts = pd.DataFrame(block, index=idx, columns=text_cols, dtype=object)
    rest = pd.DataFrame({k: v for k, v in out.items() if v.dtype != object}, index=idx)
    return pd.concat([texts, rest], axis=1)[list(out)]


def _pend(pending: np.ndarray, msg: np.ndarray, cells: np.ndarray) -> None:
    """Rows whose `msg` is set become 待核实, citing the cell the problem is on."""
    hit = (msg != "") & (pending == "")
    pending[hit] = cells[hit] + "：" + msg[hit]


def _repeated(ctx: Context, table: Table, f: pd.DataFrame, raw: pd.Series, teacher: np.ndarray,
              title: np.ndarray, category: np.ndarray, blocked: np.ndarray, pending: np.ndarray) -> None:
    """A row with a 题目 that repeats an earlier row in every cell is 待核实: it is either the same activity
    typed twice (counting it would add its hours again) or a second activity the row cannot tell apart; only
    the school knows which. Rows without a 题目 are left alone: two 学习反思 on one day, or two 教研活动 with
    nothing else written, are ordinary and identical by nature. So are categories whose rules already count
    one 题目 once (同篇只计一次, 同一能力点只计一次): either reading gives the same result there."""
    once = _counted_once_by_title(ctx.spec)
    live = (blocked == "") & (pending == "") & (title != "") & ~np.isin(category, list(once))
    if live.sum() < 2:
        return
    # Only rows sharing a teacher and 题目 can repeat: two cheap columns first, then every cell of those few
    # (hashing every cell of a 20,000-row register costs ~90 ms; titles are nearly always distinct).
    pair = pd.DataFrame({"t": teacher[live], "k": title[live]})
    live[np.flatnonzero(live)[~pair.duplicated(keep=False).to_numpy()]] = False
    if live.sum() < 2:
        return
    sub = f.loc[live]
    key = pd.util.hash_pandas_object(sub, index=False).to_numpy()
    again = pd.Series(key).duplicated().to_numpy()
    if not again.any():
        return
    first: dict[int, int] = {}
    for row, k in zip(sub.index, key, strict=True):
        first.setdefault(int(k), int(row))
    at = np.flatnonzero(live)
    msg = np.full(len(blocked), "", dtype=object)
    for pos, k in zip(at[again], key[again], strict=True):
        msg[pos] = (f"本行与第{first[int(k)]}行完全相同（同一教师、日期、类别、题目……），可能是重复登记："
                    "重复的请删去一行；确是两次活动，请在备注中写明。本行学时待核实")
    _pend(pending, msg, _problem(ctx, table, "duplicate-row", msg, "题目", raw))


def _counted_once_by_title(spec) -> set[str]:
    """Categories whose 学时 limit or 达标 requirement counts a 题目 once."""
    out = {q_cat for q in spec.requirements if q.dedup_by_title for q_cat in q.categories}
    if spec.hours is not None:
        groups = {lim.group for lim in spec.hours.limits if lim.dedup_by_title}
        out |= {r.category for r in spec.hours.rules if r.group in groups}
    return out


def _days_from_dates(ctx: Context, table: Table, out: dict[str, np.ndarray], col) -> None:
    """天数 left blank on a start–end row is the calendar days from 日期 to 结束日期, both included
    (集中培训 "按实际活动天数"); an end before the start is flagged and not used."""
    start, end = out["date"], out["end"]
    both = ~np.isnat(start) & ~np.isnat(end)
    if not both.any():
        return
    span = np.where(both, (end - start).astype("timedelta64[D]").astype(np.int64) + 1, 0)
    backwards = both & (span < 1)
    days = out["days"].copy()
    if backwards.any():
        msg = np.where(backwards, "结束日期早于开始日期，未用来计算天数", "").astype(object)
        cells = _problem(ctx, table, "end-before-start", msg, "结束日期", col["结束日期"])
        lost = backwards & np.isnan(days) & (out["unread_days"] == "")
        out["unread_days"] = np.where(lost, cells + "：" + msg, out["unread_days"])
    fill = both & ~backwards & np.isnan(days)
    days[fill] = span[fill].astype(float)
    out["days"] = days


def _year_of(value: Any) -> int:
    """The first year of the 学年 a register cell names; -1 blank, -2 unreadable, -3 one year alone.

    A year alone ("2023", "2023学年", "2024年春季") was read as its 学年's first year: "2024年春季" became
    2024-2025, and a "3月5日" on that row 2025-03-05 with no word said. It names one of two 学年, so it is
    refused like any unreadable 学年 (the row's full 日期 still decides its year)."""
    t = text(value)
    if t == "":
        return -1
    m = _YEAR_SPAN.search(t)
    if m:
        first, second = int(m[1]), m[2]
        return first if int(second) == (first + 1 if len(second) == 4 else (first + 1) % 100) else -2
    return -3 if _YEAR.search(t) else -2


def _one_year(value: Any) -> str:
    """The two 学年 a year typed alone may name, for the bad-year message."""
    y = int(_YEAR.search(text(value))[1])
    return f"{y - 1}-{y}学年还是{y}-{y + 1}学年"


def _dates(ctx: Context, table: Table, raw: pd.Series, year: np.ndarray, start_month: int, column: str,
           pending: np.ndarray) -> np.ndarray:
    """Dates per row (datetime64[ns], NaT where none); a rejected cell's reason goes into `pending`."""
    codes, uniques = cell_codes(raw)
    parsed = [parse_date(u) for u in uniques]
    nat = np.datetime64("NaT", "ns")
    d = spread(codes, [np.datetime64(p[0], "ns") if p[0] else nat for p in parsed], nat, "datetime64[ns]")
    # a number (General format) read as a date: said once per number, the reading kept (`number_dates`)
    number = np.full(len(d), "", dtype=object)
    for pos, said in number_dates(codes, uniques, [p[0] for p in parsed], raw.index):
        number[pos] = said
    _problem(ctx, table, "date-number", number, column, raw, "警告")
    # "4月19日" / "4.19": the year comes from the row's 学年 (months before the 学年 start are in its 2nd year),
    # else from 基本信息's 学年 or a one-学年 考核期 with a 警告; never a guess across years.
    cells = raw.to_numpy(dtype=object)
    bare = np.isnat(d) & spread(codes, [p[1] for p in parsed], False, bool)
    said = np.full(len(d), "", dtype=object)
    unsure = np.full(len(d), "", dtype=object)
    for pos in np.flatnonzero(bare):
        typed = text(cells[pos])
        m = _MONTH_DAY.match(date_text(typed))
        if not m:
            continue
        month, day = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            continue                            # "13月1日" is no date at all (was a crash without a 学年)
        if year[pos] >= 0:
            y, source = int(year[pos]) + (1 if month < start_month else 0), ""
        else:
            y, source = month_day_year(ctx, month, start_month)
        if y is None:
            unsure[pos] = (f"「{typed}」只写了月日，细则的周期跨多个学年，无法确定年份；"
                           "请写完整日期（如 2024-05-20），或填写本行的学年")
            continue
        with contextlib.suppress(ValueError):
            d[pos] = np.datetime64(dt.date(y, month, day), "ns")
            if source:
                said[pos] = f"「{typed}」没有写年份，按{source}计为{y}年{month}月{day}日；请核实"
    _problem(ctx, table, "date-year-assumed", said, column, raw, "警告")
    _pend(pending, unsure, _problem(ctx, table, "date-no-year", unsure, column, raw))
    bad = np.isnat(d) & spread(codes, [text(u) != "" for u in uniques], False, bool) & (unsure == "")
    if bad.any():
        msg = _messages(bad, lambda p: f"「{text(cells[p])}」不是可识别的日期{number_date_hint(cells[p])}，"
                                       "应写成如 2023-10-12（只写月日时须填学年）")
        _pend(pending, msg, _problem(ctx, table, "bad-date", msg, column, raw))
    return d


def _outside(ctx: Context, table: Table, out: dict[str, np.ndarray], col, blocked: np.ndarray,
             pending: np.ndarray) -> None:
    """Rows outside the five-year cycle (hours) or the spec's period (obligations only) are not counted."""
    spec = ctx.spec
    msg = np.full(len(blocked), "", dtype=object)
    ok = (blocked == "") & (pending == "")
    year = out["year"]
    if spec.hours is not None and spec.hours.cycle is not None:
        c = spec.hours.cycle
        last = c.start_year + c.years - 1
        msg = _messages(ok & ((year < c.start_year) | (year > last)),
                        lambda p: f"{year[p]}-{year[p] + 1}学年不在本轮周期（{c.start_year}-{c.start_year + 1}至"
                                  f"{last}-{last + 1}学年）内，本行未计入")
    elif spec.period is not None:
        p = spec.period
        d = out["date"]
        bad = ok & ~np.isnat(d) & ((d < np.datetime64(p.start, "ns")) | (d > np.datetime64(p.end, "ns")))
        shown = _day(d) if bad.any() else []
        msg = _messages(bad, lambda k: f"日期{shown[k]}不在{spec.term or '考核期'}（{p.start:%Y-%m-%d}至"
                                       f"{p.end:%Y-%m-%d}）内，本行未计入")
    _problem(ctx, table, "date-outside-year", msg, "日期" if "日期" in table.columns else "学年",
             col["日期"] if "日期" in table.columns else col["学年"])
    hit = msg != ""
    blocked[hit] = msg[hit]


def _categories(ctx: Context, table: Table, typed: np.ndarray, raw: pd.Series, blocked: np.ndarray,
                pending: np.ndarray, words: Words) -> np.ndarray:
    """类别 by name, rule alias or the rules' synonym (提示); unknown or blank makes the row 待核实."""
    spec = ctx.spec
    known = _spec_words(spec)[0]
    lookup: dict[str, str] = {}
    if spec.hours is not None:
        for name, cat in spec.hours.category_of().items():
            lookup.setdefault(normalize_label(name), cat)
    for key, cat in words.lookup("类别", known).items():
        lookup.setdefault(key, cat)
    canon = each(typed, lambda t: lookup.get(normalize_label(t), "") if t else "")
    own = {normalize_label(c) for c in known}
    alias = (canon != "") & (canon != typed) & ~each(typed, lambda t: normalize_label(t) in own, bool)
    said = _messages(alias, lambda p: f"类别「{typed[p]}」按「{canon[p]}」计（细则中的同义词）")
    _problem(ctx, table, "category-synonym", said, "类别", raw, "提示")
    msg = _messages((canon == "") & (typed != ""),
                    lambda p: f"类别「{typed[p]}」不是细则中的类别，本行学时待核实（可用：{'、'.join(known)}）")
    _pend(pending, msg, _problem(ctx, table, "unknown-category", msg, "类别", raw))
    msg = np.where((typed == "") & (blocked == ""), "没有填写类别，本行学时待核实", "").astype(object)
    _pend(pending, msg, _problem(ctx, table, "no-category", msg, "类别", raw))
    return canon
