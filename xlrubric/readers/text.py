"""Tolerant reading of what people type: labels, numbers written as text, Chinese numerals.

Schools type "3次", "５", "三次", " 工 号 ", "教师编号"; we read them instead of rejecting them and
say on the cell that we did.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

_SPACES = re.compile(r"[\s\u3000]+")
_PUNCT = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "、": ",", "／": "/"})


def cell_text(value: Any, *, nfkc: bool = False) -> str:
    """A cell's value as the text its writer meant: 1001.0 -> "1001", a date -> "2023-10-12", None or NaN -> "".

    The one place a value read from a sheet becomes text (工号, names, rule cells, contacts, values quoted in
    messages), so every part of the program shows and matches a cell alike. Excel stores every number as a
    float, so a whole float is written without ".0"; a date-time keeps only its date (no cell we read means a
    time of day). `nfkc` folds full-width forms ("１００１" -> "1001") for text used as a key.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    text = str(value)
    return (unicodedata.normalize("NFKC", text) if nfkc else text).strip()


def normalize_label(text: Any) -> str:
    """Canonical form of a header or sheet name: NFKC (全角→半角), no spaces, ASCII brackets."""
    if text is None:
        return ""
    try:
        return _normalize_cached(text)
    except TypeError:           # an unhashable value: normalise without the cache
        return _normalize(text)


def _normalize(text: Any) -> str:
    s = unicodedata.normalize("NFKC", str(text)).translate(_PUNCT)
    return _SPACES.sub("", s).strip().lower()


# Names, ids and headers repeat across every sheet of a workbook (and every workbook of a batch).
_normalize_cached = functools.lru_cache(maxsize=1 << 16, typed=True)(_normalize)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_UNIT_SUFFIX = re.compile(r"(次|个|篇|节|项|分|学时|小时|天|页|人|份|课时|h|小時)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def chinese_numeral(s: str) -> int | None:
    """Value of a small Chinese numeral (零..九千九百九十九), or None.

    Two digits side by side are no number but a range as people say it — 三四次 (3 or 4), 一两个小时, 两三天 —
    so they are None (refused), never the last digit (三四 was 4). A digit closing a number after 百 or 千 with no
    零 between counts in the next lower place, as it is said: 一千二 is 1200 (一千零二 is 1002), 一百五 is 150.
    Units must fall (一千三千 is no number)."""
    if not s or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in s):
        return None
    total, digit, last_unit, zero = 0, None, None, False
    for ch in s:
        if ch in _CN_DIGITS:
            if digit is not None and not zero:      # 三四, 一两, 二〇二一: a range or a year, not a count
                return None
            zero = ch in "零〇" and last_unit is not None
            digit = _CN_DIGITS[ch]
        else:
            unit = _CN_UNITS[ch]
            if last_unit is not None and unit >= last_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit, zero = None, unit, False
    if digit is not None and last_unit is not None and last_unit > 10 and not zero and s[-2] in _CN_UNITS:
        return total + digit * last_unit // 10     # 一千二 = 1200, 三百五 = 350
    return total + (digit or 0)


# The units a count of events and a score may carry (「3次」「2篇」, 「4分」): a count typed with 分 is a deduction,
# with 学时/小时/天 an amount of time, and a score with 次 a count — a number of another kind, refused (never read
# as this column's number).
COUNT_UNITS = frozenset({"次", "个", "篇", "节", "项", "份", "页"})
SCORE_UNITS = frozenset({"分"})


def number_unit(value: Any) -> str:
    """The unit word `parse_number` takes off a number typed as text ("1分" -> "分"), "" for none."""
    if value is None or isinstance(value, (bool, int, float)):
        return ""
    m = _UNIT_SUFFIX.search(_SPACES.sub("", unicodedata.normalize("NFKC", str(value)).strip()))
    return m[1].lower() if m else ""


def parse_number(value: Any) -> tuple[float | None, bool]:
    """Read a number the way a person meant it.

    Returns (number, was_text): was_text is True when the cell held text we had to interpret
    ("3次", "５", "三"), so the caller can leave a warning on that cell. (None, False) for blank,
    (None, True) for text that is not a number.
    """
    if value is None:
        return None, False
    if isinstance(value, bool):
        return float(value), True
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None, False
        return float(value), False
    s = unicodedata.normalize("NFKC", str(value)).strip()
    if s == "":
        return None, False
    s = _SPACES.sub("", s)
    s = _UNIT_SUFFIX.sub("", s)
    if _NUMBER.match(s):
        return float(s), True
    n = chinese_numeral(s)
    if n is not None:
        return float(n), True
    return None, True


_DATE_FULL = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_DATE_SHORT = re.compile(r"^(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


_TIME_OF_DAY = re.compile(r"(?:\s*(?:上午|下午|晚上|中午|全天|\d{1,2}:\d{2}(?::\d{2})?))+$")


def date_text(value: Any) -> str:
    """A date typed as text, with what cannot change the day taken off: 号 for 日 (10月12号), the Chinese
    full stop an IME types for "." (2023。10。12), a trailing dot, and a time of day (上午, 14:30). Each was
    refused, and the row waited (待核实) for nothing."""
    s = unicodedata.normalize("NFKC", str(value)).strip().replace("。", ".").replace("号", "日")
    return _TIME_OF_DAY.sub("", s).rstrip(".").strip() or s      # a time alone ("上午") is no blank: unreadable


def parse_date(value: Any, *, year_hint: int | None = None):
    """Read a date the way schools type it.

    Returns (date, was_text). Accepts date cells, Excel serial numbers of 1950–2099 and 8-digit 年月日 numbers
    (callers warn on both: `number_date_note`), "2021.4.19", "2021/4/19", "2021-04-19", "2021年4月19日",
    "20210419" and — when the 学年 gives the year — "4月19日" / "4.19".
    (None, True) for text or a number that is not a date; (None, False) for blank.
    """
    if value is None:
        return None, False
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return None, False
        return _number_date(value), True
    s = date_text(value)
    if not s:
        return None, False
    try:
        m = _DATE_FULL.match(s) or _DATE_COMPACT.match(s)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), True
        m = _DATE_SHORT.match(s)
        if m and year_hint:
            return dt.date(year_hint, int(m[1]), int(m[2])), True
    except ValueError:
        return None, True
    return None, True


# A number in a date cell (General format: the date format was lost in a copy-paste or a CSV round trip, or a
# typo) is read only when it can be a date a teacher's record holds: Excel's day numbers from 1950-01-01 (18264;
# the 出生日期 of the oldest teacher still in service is after it) to 2099-12-31 (73050), or eight digits that are
# a valid 年月日 (20210915). Anything else (15, 915, 2021, 202109) is no date: rejected, never a day in 1900.
SERIAL_FIRST, SERIAL_LAST = dt.date(1950, 1, 1), dt.date(2099, 12, 31)
_SERIAL_RANGE = ((SERIAL_FIRST - EXCEL_EPOCH).days, (SERIAL_LAST - EXCEL_EPOCH).days + 1)


def _number_date(value: float) -> dt.date | None:
    if value != value or value < 0:
        return None
    if float(value).is_integer() and 19000101 <= value <= 20991231:
        m = _DATE_COMPACT.match(str(int(value)))
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if _SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]:
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    return None


def number_date_note(value: Any, read: dt.date | None) -> str:
    """The 警告 for a date cell that held a plain number `parse_date` read as `read`; "" for any other cell.

    A real date cell reaches us as a date (calamine returns a datetime for a cell with a date format), so a
    number here is a cell whose format says 常规/数值: its reading is an interpretation the director must see.
    """
    if read is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    shown = cell_text(value)
    how = "按年月日" if len(shown) == 8 and shown.isdigit() else "按 Excel 日期序号"
    return f"「{shown}」是数字，{how}读作 {read.isoformat()}；请核对并把单元格改成日期格式"


def number_date_hint(value: Any) -> str:
    """What to add to a 不是可识别的日期 message when the cell held a number outside `number_date_note`'s reach."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return (f"（数字不在 Excel 日期序号 {_SERIAL_RANGE[0]}–{_SERIAL_RANGE[1] - 1} 即 {SERIAL_FIRST.year}–"
            f"{SERIAL_LAST.year} 年之内，也不是 8 位年月日）")


@dataclass(frozen=True)
class Quantity:
    """A number column's cell as read: `state` says how sure we are.

    blank · cell (a number cell) · text (a number or number+unit typed as text) · approx (约1200字, 1000字左右) ·
    time (2:00 in a column counted in 小时, which Excel stored as a time; before 5:00, so no clock time) ·
    clock (8:30 there: when an activity began, not how long it lasted) · wrong-unit (a unit of another column:
    "3天" in 时长) · unreadable.
    """

    value: float | None
    state: str
    unit: str = ""


_LEADING = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)|[零〇一二两三四五六七八九十百千]+)(.*)$")


def parse_quantity(value: Any, units: dict[str, float], amounts: dict[str, float], *,
                   approx: tuple[list[str], list[str]] = ([], []), other_units: frozenset[str] = frozenset()
                   ) -> Quantity:
    """Read a number column's cell with that column's own units and words (see spec/words.yaml).

    "2小时" in 时长 is 2; "90分钟" is 1.5; "半天" in 天数 is 0.5; "1.2万字" is 12000; "约1200字" is 1200 but
    approximate; "3天" in 时长 is a unit of another column, never silently 3 hours.
    """
    if value is None or isinstance(value, bool):
        return Quantity(None if value is None else float(value), "blank" if value is None else "text")
    if isinstance(value, (dt.time, dt.timedelta)):      # 2:00 typed in 时长: Excel made it a time of day
        if units.get("小时") != 1:
            return Quantity(None, "unreadable")
        if isinstance(value, dt.time) and value.hour >= 5:
            return Quantity(None, "clock")     # 8:30, 14:00: a clock time (no school activity starts before 5:00)
        seconds = (value.total_seconds() if isinstance(value, dt.timedelta)
                   else value.hour * 3600 + value.minute * 60 + value.second)
        return Quantity(round(seconds / 3600, 6), "time", "小时")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return Quantity(None, "blank")
        return Quantity(float(value), "cell")
    s = _SPACES.sub("", unicodedata.normalize("NFKC", str(value))).lower()
    if not s:
        return Quantity(None, "blank")
    norm = {_SPACES.sub("", unicodedata.normalize("NFKC", k)).lower(): v for k, v in amounts.items()}
    if s in norm:
        return Quantity(float(norm[s]), "text", s)
    rough = False
    for word in sorted(approx[0], key=len, reverse=True):
        if s.startswith(word) and len(s) > len(word):
            s, rough = s[len(word):], True
            break
    for word in sorted(approx[1], key=len, reverse=True):
        if s.endswith(word) and len(s) > len(word):
            s, rough = s[: -len(word)], True
            break
    if s in norm:
        return Quantity(float(norm[s]), "approx" if rough else "text", s)
    m = _LEADING.match(s)
    if not m:
        return Quantity(None, "unreadable")
    number = float(m[1]) if _NUMBER.match(m[1]) else chinese_numeral(m[1])
    unit = m[2]
    by_unit = {u.lower(): f for u, f in units.items()}
    for word in sorted(approx[1], key=len, reverse=True):     # 1000余字, 2个多小时
        if not rough and unit.startswith(word) and unit[len(word):] in by_unit:
            unit, rough = unit[len(word):], True
    if number is None:
        return Quantity(None, "unreadable")
    if unit and unit not in by_unit:
        return Quantity(None, "wrong-unit" if unit in other_units else "unreadable", unit)
    factor = by_unit.get(unit, 1.0)
    return Quantity(round(float(number) * factor, 6), "approx" if rough else "text", unit)


_SPAN = re.compile(r"(\d{4})\s*[-—–~～至到]\s*(\d{4})\s*(学年度|学年|年度)?")


def school_year_span(text: str) -> re.Match | None:
    """The first "2025-2026" in `text` that is one school year (a five-year cycle "2023—2028" is not)."""
    for m in _SPAN.finditer(text or ""):
        if int(m.group(2)) == int(m.group(1)) + 1:
            return m
    return None


def period_label(year: str, term: str) -> tuple[str, bool]:
    """One label for the school year and term, and whether the two name different years.

    Schools write the year into 学期 too ("2025-2026学年度上学期" beside 学年 "2025-2026学年度"); joining
    both doubled it in every mail subject. The year is said once; a 学期 naming another year keeps the
    学年 the school typed and only the term part (the caller warns on the cell).
    """
    year, term = (year or "").strip(), (term or "").strip()
    if not year or not term:
        return year or term, False
    in_year, in_term = school_year_span(year), school_year_span(term)
    if in_term is None:      # "第二学期", or a span that is no school year ("2023—2028学年（五年一轮）")
        return year + ("，" if term[:1].isdigit() else "") + term, False
    if in_year is not None and in_year.group(1, 2) != in_term.group(1, 2):
        return year + (term[:in_term.start()] + term[in_term.end():]).strip(), True
    return term, False
