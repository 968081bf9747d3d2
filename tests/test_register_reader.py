"""Verify the register's column-wise reader gives what the shared row-by-row `read_table` gives: same rows, same
values, same problems — on a long register with a title, blank rows, whitespace, rows without a teacher and 合计."""

from __future__ import annotations

import datetime as dt

from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register import _read
from xlrubric.readers.raw import RawBook, RawSheet
from xlrubric.readers.table import read_table
from xlrubric.schemas.layout import hours_layout, with_spec_synonyms
from xlrubric.spec.load import load_preset


def sheet_rows() -> list[list]:
    rows: list[list] = [["白湾子镇学校 学时登记"],
                        [None, "教师编号", "姓名", "日期", "类别", "时长(小时)", "备注", "自加列"]]
    for k in range(120):
        rows.append([None, f"T{k % 7:02d}", f"教师{k % 7}", dt.date(2023, 10, 1) + dt.timedelta(days=k), "专题培训",
                     k % 4, None, "x"])
    rows[10] = [None, None, None, None, None, None, None]              # blank row
    rows[20] = [None, "  ", " ", dt.date(2023, 11, 1), "专题培训", 2]      # no teacher (whitespace)
    rows[30] = [None, "合计", None, None, None, 99]                     # a 合计 row
    rows[40] = [None, None, None, None, "小计"]                          # summary word, no teacher
    rows[50] = [None, "T01"]                                             # short ragged row
    rows.append([None, None, "   "])                                    # whitespace only: blank
    return rows


def test_fast_reader_matches_read_table():
    """Verify rows, values, problems and unmatched headers are identical to the shared reader's."""
    spec = load_preset("baiwanzi")
    layout = with_spec_synonyms(hours_layout(spec), spec)
    sheet = RawSheet("学时登记", sheet_rows())
    slow = read_table(sheet, layout, file="a.xlsx")
    ctx = Context(RawBook("a.xlsx", "xlsx", {"学时登记": sheet}), spec, "test")
    fast = _read(ctx, layout)
    assert fast.columns == slow.columns and fast.header_rows == slow.header_rows
    assert list(fast.frame.index) == list(slow.frame.index)
    assert fast.frame.to_dict("index") == slow.frame[list(fast.frame.columns)].to_dict("index")
    assert [(p.code, p.cell) for p in fast.problems] == [(p.code, p.cell) for p in slow.problems]
    assert fast.extra_headers == slow.extra_headers
