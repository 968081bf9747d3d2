"""Property test: 学时登记 cleaned on whole columns equals reading every cell on its own.

`pipeline.register_clean.clean` reads each distinct cell value once and spreads the answer over the rows with
masks. The reference below reads cell by cell, in row order, with the same per-cell parsers
(`parse_quantity`, `parse_date`, the rules' words) and the rule each column follows as README states it:
a number typed as text or as an approximate is read with a 警告, a negative / unreadable / wrong-unit one is
rejected (错误, its row's reason names the cell); a date without a year takes the row's 学年 (months before
September are in its second year) or is rejected when no one 学年 is given (the cycle spans five 学年);
a 角色 synonym is read with a 提示, an unknown one rejected. Random messy registers — numbers as text,
full-width digits, blanks, TRUE next to 1, dates as text and serials, '2小时', negative, huge — must give
the same value, the same rejected cells and the same (code, severity, cell) problems in the same order.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlrubric.pipeline import build_roster
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register import read_register
from xlrubric.readers.raw import RawBook, RawSheet, cell_address
from xlrubric.readers.text import cell_text, normalize_label, parse_date, parse_quantity
from xlrubric.schemas.layout import ROSTER, _spec_words
from xlrubric.spec.load import load_preset
from xlrubric.spec.words import merged_words

SPEC = load_preset("baiwanzi")          # cycle 2023-2024 … 2027-2028, 学年 starts in September
WORDS = merged_words(SPEC)
HEADER = ["工号", "姓名", "日期", "学年", "类别", "角色", "时长", "字数"]
COL = {name: k for k, name in enumerate(HEADER)}
MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*$")

numbers = st.one_of(
    st.sampled_from([None, "", "  ", 2, 2.0, True, False, 1, "1", "2", "２", " 2 ", "2小时", "2h", "90分钟", "半小时",
                     "-3", -3, 1e12, "1e12", "约2", "2左右", "abc", "3天", "1200字", "１２００字", "1千字",
                     dt.date(2023, 10, 1), "2,5", "1.5", "一"]),
    st.integers(-5, 5000), st.floats(-10, 1e6, allow_nan=False))
dates = st.one_of(
    st.sampled_from([None, "", "  ", dt.date(2023, 10, 12), dt.datetime(2024, 3, 1, 8, 30), "2023.10.12",
                     "2023-10-12", "2024年4月19日", "20231012", 45211, 45211.0, True, "4月19日", "10.12", "2月30日",
                     "13月1日", "abc", "2023/9/1", "２０２３－１０－１２"]),
    st.integers(44000, 47000))
years = st.sampled_from([None, "", "2023-2024", "2023-24", "2024学年", "2024年春季", "2023-2025", "abc"])
roles = st.sampled_from([None, "", "参培者", "主讲人", "主讲教师", "学员", "xx", 1, True])
record = st.tuples(st.sampled_from(["T1", "T2", "T3"]), dates, years, roles, numbers, numbers)


def ref_number(value, column: str):
    """(value or NaN, (code, severity) or None) for one cell, as README's 学时登记 rules read it."""
    units = WORDS.units.get(column, {})
    others = frozenset(u.lower() for c, m in WORDS.units.items() if c != column for u in m)
    others |= frozenset(w for c, m in WORDS.amounts.items() if c != column for w in m)
    q = parse_quantity(value, units, WORDS.amounts.get(column, {}),
                       approx=(WORDS.approx.before, WORDS.approx.after), other_units=others)
    if q.value is not None and q.value < 0:
        return math.nan, ("negative", "错误")
    said = {"text": ("number-as-text", "警告"), "approx": ("approximate", "警告"),
            "wrong-unit": ("wrong-unit", "错误"), "unreadable": ("not-a-number", "错误")}.get(q.state)
    return (math.nan if q.value is None else q.value), said


def ref_year(value) -> int:
    """The first year of the one school year a 学年 cell names (2023-2024, 2023-24); -1 for anything else — a year
    alone (2024学年, 2024年春季) names one of two 学年 and is refused (README「学时与达标」)."""
    typed = cell_text(value, nfkc=True)
    m = re.search(r"(\d{4})\s*[-—–~～至到/]\s*(\d{4}|\d{2})(?!\d)", typed)
    if not m:
        return -1
    first, second = int(m[1]), m[2]
    return first if int(second) == (first + 1 if len(second) == 4 else (first + 1) % 100) else -1


def ref_date(value, year: int):
    """(date or None, problem code or None) for one 日期 cell with its row's typed 学年 (-1: none)."""
    d, _ = parse_date(value)
    if d is not None:        # a plain number (General format) read as a date is said on the cell (警告)
        return d, "date-number" if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    typed = cell_text(value, nfkc=True)
    if not typed:
        return None, None
    m = MONTH_DAY.match(typed)
    if m and parse_date(value)[1]:
        month, day = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            return None, "bad-date"
        if year < 0:
            return None, "date-no-year"          # five 学年 in the cycle: never a guess
        try:
            return dt.date(year + (1 if month < 9 else 0), month, day), None
        except ValueError:
            return None, "bad-date"
    return None, "bad-date"


def ref_role(value):
    lookup = WORDS.lookup("角色", _spec_words(SPEC)[1])
    typed = cell_text(value)
    hit = lookup.get(normalize_label(typed), "") if typed else ""
    if not typed or hit == typed:
        return hit, None
    return hit, (("role-synonym", "提示") if hit else ("unknown-role", "错误"))


def clean(records):
    rows = [["学时登记"], HEADER]
    rows += [[t, f"教师{t}", d, y, "专题培训", r, h, w] for t, d, y, r, h, w in records]
    book = RawBook("a.xlsx", "xlsx", {"教师名册": RawSheet("教师名册", [["工号", "姓名"], *[[f"T{k}", f"教师T{k}"]
                                                                                   for k in (1, 2, 3)]]),
                                     "学时登记": RawSheet("学时登记", rows)})
    ctx = Context(book, SPEC, "test")
    ctx.roster, _ = build_roster(ctx.table(ROSTER))
    return read_register(ctx).frame, ctx.problems


PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROFILE
@given(st.lists(record, min_size=1, max_size=25))
def test_whole_column_cleaning_equals_cell_by_cell(records):
    frame, problems = clean(records)
    said = [(p.code, p.severity, p.cell) for p in problems]
    for name, key, k in (("时长", "duration", 4), ("字数", "words", 5)):
        expected = []
        for i, rec in enumerate(records):
            row = i + 3                                  # title, header, then the register from Excel row 3
            value, problem = ref_number(rec[k], name)
            got = frame.at[row, key]
            assert (math.isnan(got) and math.isnan(value)) or got == value, (name, rec[k], got, value)
            assert (frame.at[row, f"unread_{key}"] != "") == (problem is not None and problem[1] == "错误")
            if problem:
                expected.append((*problem, cell_address(row - 1, COL[name])))
        assert [s for s in said if s[2][:1] == expected_col(name)] == expected, name
    dated = []
    seen_numbers = set()          # by type too: 45211 and 45211.0 are two cell values (as True and 1 are)
    roles_said = []
    for i, (_, d, y, r, _, _) in enumerate(records):
        row = i + 3
        want, code = ref_date(d, ref_year(y))
        got = frame.at[row, "date"]
        assert (pd.isna(got) and want is None) or got == pd.Timestamp(want), (d, y, got, want)
        if code == "date-number":       # once per number, on its first row
            if (type(d), d) not in seen_numbers:
                seen_numbers.add((type(d), d))
                dated.append((code, "警告", cell_address(row - 1, COL["日期"])))
        elif code:
            dated.append((code, "错误", cell_address(row - 1, COL["日期"])))
        std, problem = ref_role(r)
        assert frame.at[row, "role"] == std
        assert (frame.at[row, "unread_role"] != "") == (problem is not None and problem[1] == "错误")
        if problem:
            roles_said.append((*problem, cell_address(row - 1, COL["角色"])))
    date_codes = {"bad-date", "date-no-year", "date-year-assumed", "date-number"}   # one per cell; listed by code
    assert sorted(s for s in said if s[0] in date_codes) == sorted(dated)
    assert [s for s in said if s[2][:1] == expected_col("角色")] == roles_said


def expected_col(name: str) -> str:
    return cell_address(0, COL[name])[:1]


def test_true_after_one_is_not_read_as_the_one():
    """A number column holding 1 and then TRUE: the 1 is a number, the TRUE is text read as 1 with a 警告 on
    its own cell (worked by hand: parse_quantity(True) is state "text"); equal-but-different-type cells used
    to share the first one's reading, so the TRUE slipped through silently."""
    frame, problems = clean([("T1", dt.date(2023, 10, 12), "", "", 1, None),
                             ("T2", dt.date(2023, 10, 12), "", "", True, None)])
    assert frame["duration"].tolist() == [1.0, 1.0]
    assert [(p.code, p.cell) for p in problems if p.code == "number-as-text"] == [("number-as-text", "G4")]
