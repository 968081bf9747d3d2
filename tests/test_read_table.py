"""Reading a located table's rows: which rows are kept, skipped or warned about, at their Excel row numbers.

`read_table` works on whole columns (rows sliced in C, each distinct key value classified once), so these
tests hold it to the plain row-by-row rule written out below, on hand-worked rows and on random sheets.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.readers.raw import CellError, RawSheet
from xlrubric.readers.table import read_table
from xlrubric.schemas.layout import Column, Layout

LIST = Layout("名单", (Column("工号", "id", True), Column("姓名", "text", True), Column("分数", "number")))
HEADER = ["工号", "姓名", "分数"]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def expected(rows: list[list[Any]], first: int = 1) -> tuple[list[int], list[tuple[Any, ...]], list[str]]:
    """The rule, one row at a time: (kept Excel rows, their values, A1 cells of 'row-without-teacher')."""
    kept, values, warned = [], [], []
    for r in range(first, len(rows)):
        row = rows[r]
        vals = tuple(row[j] if j < len(row) else None for j in range(3))
        if all(_blank(v) for v in vals):
            continue                                           # an empty row: nothing to say
        keys = vals[:2]
        if all(k is None or str(k).strip() == "" for k in keys):
            if not any(isinstance(v, str) and v.replace(" ", "") in {"合计", "平均"} for v in row):
                warned.append(f"A{r + 1}")                    # a value without 工号 or 姓名
            continue
        if any(isinstance(k, str) and k.replace(" ", "") in {"合计", "平均"} for k in keys):
            continue                                           # a summary line
        kept.append(r + 1)
        values.append(vals)
    return kept, values, warned


def read(rows: list[list[Any]]):
    table = read_table(RawSheet("名单", rows), LIST, file="学校.xlsx")
    warned = [p.cell for p in table.problems if p.code == "row-without-teacher"]
    assert all(p.severity == "警告" and p.sheet == "名单" and p.file == "学校.xlsx" for p in table.problems)
    return list(table.frame.index), [tuple(r) for r in table.frame.itertuples(index=False)], warned


def test_rows_kept_and_skipped_by_hand() -> None:
    """Verify each kind of row on a small sheet whose answer is worked out by hand."""
    rows = [HEADER,
            ["T1", "王伟", 3],              # row 2: kept
            [None, None, None],            # row 3: empty, skipped silently
            [None, "李娜", 1.5],            # row 4: kept (姓名 alone identifies)
            ["  ", "", 7],                 # row 5: only spaces in the keys, a value → 警告 at A5
            [None, "合 计", 10.5],          # row 6: a summary line, skipped silently
            [None, None, "合计"],           # row 7: no key, but 合计 in the row → skipped silently
            [CellError("#N/A"), None],     # row 8: an error value is a key value → kept; short row padded
            [1001.0],                      # row 9: a number 工号 → kept
            ["T2", "平均"]]                 # row 10: 平均 in 姓名 → skipped
    index, values, warned = read(rows)
    assert index == [2, 4, 8, 9]
    assert values == [("T1", "王伟", 3), (None, "李娜", 1.5), (CellError("#N/A"), None, None), (1001.0, None, None)]
    assert warned == ["A5"]


def test_empty_table_keeps_its_columns() -> None:
    """Verify a header without rows gives an empty frame with the layout's columns."""
    table = read_table(RawSheet("名单", [HEADER]), LIST, file="学校.xlsx")
    assert list(table.frame.columns) == HEADER and len(table.frame) == 0 and table.frame.index.name == "行"
    # the same frame as pandas builds from no records with object columns: every dtype and both axes alike
    import pandas as pd

    plain = pd.DataFrame([], columns=pd.Index(HEADER, dtype=object), index=pd.Index([], name="行"), dtype=object)
    pd.testing.assert_frame_equal(table.frame, plain, check_index_type=True, check_column_type=True)
    assert str(table.frame.index.dtype) == str(table.frame.columns.dtype) == "object"
    assert table.frame._mgr.nblocks == 1


cell = st.one_of(st.none(), st.sampled_from(["", " ", "\u3000", "T1", "T2", "王伟", "合计", " 合 计", "平均", "x"]),
                 st.integers(-2, 3), st.floats(allow_nan=False, allow_infinity=False, width=32), st.booleans(),
                 st.just(CellError("#DIV/0!")))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cell, max_size=5), max_size=25))
def test_rows_follow_the_row_rule(body: list[list[Any]]) -> None:
    """Verify random rows (ragged, blank, summary, error and number keys) are read as the row rule says."""
    rows = [HEADER, *body]
    index, values, warned = read(rows)
    want_index, want_values, want_warned = expected(rows)
    assert index == want_index and warned == want_warned
    assert [[(type(v), v) for v in r] for r in values] == [[(type(v), v) for v in r] for r in want_values]


@settings(max_examples=200, deadline=None)
@given(st.integers(3, 9).flatmap(lambda width: st.lists(st.lists(cell, min_size=width, max_size=width), max_size=25)))
def test_rectangular_rows_follow_the_row_rule(body: list[list[Any]]) -> None:
    """Verify grids shaped as calamine returns them (every row as wide as the sheet) read by the same rule, and the
    frame is one block of object columns holding the cells' own values (no str dtype, no NaN for None). Widths
    past twice the table's three columns take the column-by-column path of `_columns`."""
    width = len(body[0]) if body else 3
    rows = [HEADER + [None] * (width - 3), *body]
    table = read_table(RawSheet("名单", rows), LIST, file="学校.xlsx")
    index, values, warned = read(rows)
    want_index, want_values, want_warned = expected(rows)
    assert index == want_index and warned == want_warned
    assert [[(type(v), v) for v in r] for r in values] == [[(type(v), v) for v in r] for r in want_values]
    assert all(str(t) == "object" for t in table.frame.dtypes) and table.frame._mgr.nblocks <= 1


def test_header_found_below_data_like_rows() -> None:
    """Verify the header is found on row 4 below a title and two rows of values that hold no header word."""
    rows = [["教师名单"], [1, 2.5, None], ["说明", "x", True], HEADER, ["T1", "王伟", 3]]
    table = read_table(RawSheet("名单", rows), LIST, file="学校.xlsx")
    assert table.header_rows == (4, 4) and list(table.frame.index) == [5]
    assert [tuple(r) for r in table.frame.itertuples(index=False)] == [("T1", "王伟", 3)]
