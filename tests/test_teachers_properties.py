"""Property tests: the whole-column 教师名册 and teacher matching equal a plain row-by-row reference.

`build_roster` fills its dicts and column lists straight from the 名册's columns, `Roster.attrs` is made from
those lists only when asked for, and `resolve_teachers` matches each distinct (工号, 姓名) pair once through
codes. The references below walk the rows one at a time with the rule as stated in `schemas.teachers`
(工号 first, else a unique 姓名; the first row of a repeated teacher counts; a problem on the row's own cell),
so any shortcut that changes a key, a problem, its cell or value, an attribute or a 教研组 fails here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from xlrubric.readers.raw import cell_address
from xlrubric.readers.table import Table
from xlrubric.readers.text import normalize_label
from xlrubric.results import Problem
from xlrubric.schemas.teachers import Roster, build_roster, match_teacher, person_name, resolve_teachers, teacher_id

# Cells as calamine gives them, plus the awkward ones: 1001 / 1001.0 / TRUE (equal in Python, not in Excel),
# full-width digits, padded text, blanks (None, NaN, only spaces).
IDS = st.sampled_from(["T1", "T2", "T3", " T1 ", "Ｔ２", 1001, 1001.0, "1001", True, 1, None, float("nan"), "", "  "])
NAMES = st.sampled_from(["王芳", "李强", "王 芳", "王芳 ", "张伟", "李强", 1.0, True, None, float("nan"), ""])
GROUPS = st.sampled_from(["语文组", "数学组", " 语文组", "", None, 1.0, 2, float("nan"), dt.date(2020, 1, 1)])
DATES = st.sampled_from([None, dt.datetime(1985, 3, 12), dt.date(1990, 1, 1), "1988-05", "不详", 1985.0])


def table_of(rows: list[dict], columns: list[str], sheet: str = "表") -> Table:
    """A table as `read_table` leaves it: raw cells (object), indexed by Excel row from row 3."""
    frame = pd.DataFrame([[r[c] for c in columns] for r in rows], columns=columns,
                         index=pd.Index(range(3, 3 + len(rows)), name="行"), dtype=object)
    return Table("学校.xlsx", sheet, frame, {c: j for j, c in enumerate(columns)}, (2, 2))


def reference_roster(table: Table) -> tuple[dict, dict, dict, dict[str, dict], list[tuple]]:
    """Row by row: names, by_name, rows, each kept teacher's other cells, and the problems (code, cell, value)."""
    names: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    attrs: dict[str, dict] = {}
    problems = []
    for row, rec in zip(table.frame.index, table.frame.to_dict("records"), strict=True):   # cells as they are
        tid, name = teacher_id(rec.get("工号")), person_name(rec.get("姓名"))
        key = tid or name
        if not name and "姓名" in table.columns:
            problems.append(("missing-name", table.cell("姓名", row), None))
        if key in names:
            col = "工号" if tid else "姓名"        # a 名册 without that column: the row's first cell
            problems.append(("duplicate-teacher", table.cell(col, row) if col in table.columns
                             else cell_address(row - 1, 0), key))
            continue
        names[key] = name
        by_name.setdefault(name, []).append(key)
        rows[key] = row
        attrs[key] = {c: v for c, v in rec.items() if c not in ("工号", "姓名")}
    return names, by_name, rows, attrs, problems


roster_row = st.fixed_dictionaries({"工号": IDS, "姓名": NAMES, "教研组": GROUPS, "学科": GROUPS,
                                    "出生日期": DATES})


@given(st.lists(roster_row, min_size=1, max_size=12),
       st.sampled_from([["工号", "姓名", "教研组", "学科", "出生日期"], ["姓名", "教研组"], ["工号", "学科"],
                        ["工号", "姓名"]]))
def test_roster_equals_row_by_row_reference(rows, columns):
    table = table_of(rows, columns, "教师名册")
    roster, problems = build_roster(table)
    names, by_name, kept, attrs, expected = reference_roster(table)
    assert roster.present
    assert (roster.names, roster.by_name, roster.rows) == (names, by_name, kept)
    assert [(p.code, p.cell, p.value) for p in problems] == expected
    # The frame a later step reads (达标 selectors, archive) is the one pandas makes from the records.
    want = pd.DataFrame.from_dict(attrs, orient="index")
    pd.testing.assert_frame_equal(roster.attrs, want, check_index_type=False)
    assert list(roster.attrs.index) == list(names)
    # 教研组 / 学科 -> teachers: every non-blank cell of a kept row, normalised; asked twice, one answer.
    groups: dict[str, set[str]] = {}
    for col in ("教研组", "学科"):
        for key, rec in attrs.items():
            if col in rec and rec[col] not in (None, ""):
                groups.setdefault(normalize_label(rec[col]), set()).add(key)
    assert roster.groups() == groups
    assert roster.groups() is roster.groups()


def test_empty_or_missing_roster_is_absent():
    assert build_roster(None)[0] == Roster()
    empty = Table("学校.xlsx", "教师名册", pd.DataFrame(), {}, (1, 1))
    roster, problems = build_roster(empty)
    assert not roster.present and problems == [] and roster.attrs.empty and roster.groups() == {}


def reference_resolve(table: Table, roster: Roster, what: str) -> tuple[list[str], list[Problem]]:
    """Row by row, no cache: `match_teacher` on the row's own cells, the problem on the row's own cell."""
    keys, problems = [], []
    for row, rec in zip(table.frame.index, table.frame.to_dict("records"), strict=True):
        raw_id, raw_name = rec.get("工号"), rec.get("姓名")
        key, problem = match_teacher(roster, teacher_id(raw_id), person_name(raw_name), what)
        keys.append(key)
        if problem:
            code, msg, column, severity = problem
            if column not in table.columns:
                column = "姓名" if "姓名" in table.columns else "工号"
            value = raw_id if column == "工号" else raw_name
            cell = cell_address(row - 1, table.columns[column])
            problems.append(Problem(code, msg, severity, table.file, table.sheet, cell, value))
    return keys, problems


def same_problems(got: list[Problem], want: list[Problem]) -> bool:
    """Equal field by field, a NaN value equal to a NaN value (a NaN cell is quoted as it was)."""
    def norm(p: Problem) -> tuple:
        v = p.value
        return (p.code, p.message, p.severity, p.file, p.sheet, p.cell, "<NaN>" if v != v else (type(v), v))
    return list(map(norm, got)) == list(map(norm, want))


register_row = st.fixed_dictionaries({"工号": IDS, "姓名": NAMES})


@given(st.lists(roster_row, max_size=8), st.lists(register_row, max_size=40),
       st.sampled_from([["工号", "姓名"], ["姓名"], ["工号"]]), st.booleans())
def test_resolve_equals_row_by_row_reference(roster_rows, rows, columns, with_roster):
    roster = build_roster(table_of(roster_rows, ["工号", "姓名", "教研组"], "教师名册"))[0] if with_roster \
        else Roster()
    table = table_of(rows, columns, "签到登记")
    keys, problems = resolve_teachers(table, roster, what="签到")
    want_keys, want_problems = reference_resolve(table, roster, "签到")
    assert keys.tolist() == want_keys
    assert keys.index.equals(table.frame.index) and keys.dtype == object
    assert same_problems(problems, want_problems)


def test_resolve_keeps_equal_values_of_other_types_apart():
    # Worked by hand: the 名册 has 工号 1001 (a number cell, text "1001") for 王芳. In the register, row 3
    # types the number 1001 and row 4 the logical TRUE with no 姓名 — equal to 1 in Python, but its text is
    # "True", which is no 工号 in the 名册, and no 姓名 says who it is: row 3 is 王芳, row 4 is unknown, with
    # the error on B4 (工号 is column B). Row 5 types TRUE beside 李强's 姓名: not 工号 1 either — it is 李强 by
    # his 姓名 (the one 李强 in the 名册), with a 警告 on B5 that says so.
    roster = build_roster(table_of([{"工号": 1001, "姓名": "王芳"}, {"工号": 1, "姓名": "李强"}],
                                   ["工号", "姓名"], "教师名册"))[0]
    table = table_of([{"工号": 1, "姓名": "李强"}, {"工号": True, "姓名": ""}, {"工号": True, "姓名": "李强"},
                      {"工号": 1001.0, "姓名": "王芳"}], ["姓名", "工号"])
    keys, problems = resolve_teachers(table, roster, what="签到")
    assert keys.tolist() == ["1", "", "1", "1001"]
    assert [(p.code, p.cell, p.value, p.severity) for p in problems] == [
        ("unknown-teacher", "B4", True, "错误"), ("id-by-name", "B5", True, "警告")]


def test_a_number_that_lost_its_leading_zeros_is_read_as_the_roster_id():
    # Worked by hand: the 名册 types 工号 as text 04005 (许杰) and 04011 (王伟); Excel stores 4005 typed into a
    # number cell as the number 4005. Row 3: 4005 + 许杰 -> 04005 (警告 A3: 开头的 0). Row 4: 4005 with no
    # 姓名 -> 04005 too (nothing contradicts it). Row 5: 4005 + 王伟: the 姓名 contradicts the padded 工号, so the
    # 工号 decides nothing and the 姓名 does -> 04011 (警告 A5: 按姓名). Row 6: 9999 + 赵六, neither in the 名册 ->
    # unknown (错误 A6). Row 7: 11 + 王伟: "11" is the end of 04011, but 04011 minus "11" leaves "040", not zeros
    # -> not padded; 王伟 by 姓名 -> 04011 (警告 A7).
    roster = build_roster(table_of([{"工号": "04005", "姓名": "许杰"}, {"工号": "04011", "姓名": "王伟"}],
                                   ["工号", "姓名"], "教师名册"))[0]
    table = table_of([{"工号": 4005, "姓名": "许杰"}, {"工号": 4005.0, "姓名": ""}, {"工号": 4005, "姓名": "王伟"},
                      {"工号": 9999, "姓名": "赵六"}, {"工号": 11, "姓名": "王伟"}], ["工号", "姓名"])
    keys, problems = resolve_teachers(table, roster, what="考核得分")
    assert keys.tolist() == ["04005", "04005", "04011", "", "04011"]
    assert [(p.code, p.cell, p.severity) for p in problems] == [
        ("id-leading-zero", "A3", "警告"), ("id-leading-zero", "A4", "警告"), ("id-by-name", "A5", "警告"),
        ("unknown-teacher", "A6", "错误"), ("id-by-name", "A7", "警告")]
    said = {p.cell: p.message for p in problems}
    assert said["A3"].startswith("工号「4005」按教师名册中的「04005」（许杰）计算")
    assert said["A5"].startswith("工号「4005」不在教师名册中；按姓名「王伟」（名册中工号 04011）计算")
    assert said["A6"] == "工号「9999」不在教师名册中，考核得分未计入"


def test_a_name_shared_by_two_teachers_decides_nothing():
    # Worked by hand: two 王芳 in the 名册 (T1, T2); a row with an unknown 工号 T9 and 姓名 王芳 cannot be told
    # apart -> unknown, 错误 on A3.
    roster = build_roster(table_of([{"工号": "T1", "姓名": "王芳"}, {"工号": "T2", "姓名": "王芳"}],
                                   ["工号", "姓名"], "教师名册"))[0]
    keys, problems = resolve_teachers(table_of([{"工号": "T9", "姓名": "王芳"}], ["工号", "姓名"]), roster, what="签到")
    assert keys.tolist() == [""]
    assert [(p.code, p.cell) for p in problems] == [("unknown-teacher", "A3")]


def test_each_table_is_resolved_once_per_calc():
    # Worked by hand: the register's row 3 names 工号 T9, not in the 名册 (T1 王芳 only): one 错误 on A3 (工号 is
    # column A). Asking again for the same table gives the same keys and no second 错误; a fresh read of the
    # sheet (another Table object) is resolved on its own.
    from xlrubric.pipeline.context import Context
    from xlrubric.pipeline.registers import teachers_of
    from xlrubric.readers.raw import RawBook
    from xlrubric.spec.load import load_preset

    ctx = Context(RawBook("学校.xlsx", "xlsx", {}), load_preset("lanxi4"), "")
    ctx.roster = build_roster(table_of([{"工号": "T1", "姓名": "王芳"}], ["工号", "姓名"], "教师名册"))[0]
    table = table_of([{"工号": "T9", "姓名": "李强"}, {"工号": "T1", "姓名": "王芳"}], ["工号", "姓名"], "签到登记")
    first = teachers_of(ctx, table, "签到")
    first[:] = "改过"                      # a caller's edit reaches neither the memo nor the next caller
    again = teachers_of(ctx, table, "签到")
    assert again.tolist() == ["", "T1"]
    assert [(p.code, p.cell) for p in ctx.problems] == [("unknown-teacher", "A3")]
    reread = table_of([{"工号": "T9", "姓名": "李强"}], ["工号", "姓名"], "签到登记")
    assert teachers_of(ctx, reread, "签到").tolist() == [""]
    assert [(p.code, p.cell) for p in ctx.problems] == [("unknown-teacher", "A3")] * 2
