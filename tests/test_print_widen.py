"""Verify `pagesetup.widen_wrapped`: a table printed in page groups gives each group's unused width to its wrapping
columns, so rows are no taller than their text needs, without moving any column to another page.

The case it was made for: baiwanzi's 学时明细 (1,097 rows, 18 columns) printed 228 pages, every row four lines tall
because 依据（细则原文） was narrowed to 20 units in a last page group three-fifths empty.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.writers import pagesetup as ps
from xlrubric.writers import textwidth as tw

QUOTE = "校本或外聘专家讲座的专题培训活动，按实际时长计算学时，每1小时计1学时"      # 34 characters


def detail_like(rows: int = 40) -> tuple[list[str], list[list]]:
    """行 工号 姓名 (the key columns), seven short columns, a 说明 and a long 依据 quote last: too wide for one
    landscape page even narrowed, so two page groups, the quote alone in the second."""
    header = ["行", "工号", "姓名", *[f"列{i}" for i in range(7)], "说明", "依据（细则原文）"]
    body = [[n, f"BW{n:03d}", "刘丽", *["2023-2024学年"] * 7, "", QUOTE] for n in range(3, 3 + rows)]
    return header, body


def plain_layout(header, rows) -> ps.PageLayout:
    """What table_layout did before: measure and plan, no widening."""
    widths, wrap, lines, measured = ps._measure(header, rows, None, tw.Columns(rows))
    layout = ps.plan_pages(header, widths, wrap, lines)
    layout.measured = measured
    return layout


def group_spans(layout: ps.PageLayout) -> list[float]:
    keys = sum(w + ps.PADDING for w in layout.widths[:layout.key_cols])
    bounds = [layout.key_cols, *layout.col_breaks, len(layout.widths)]
    return [keys + sum(layout.widths[c] + ps.PADDING for c in range(lo, hi))
            for lo, hi in zip(bounds, bounds[1:], strict=False)]


def test_the_quote_gets_the_last_groups_room_and_rows_get_lower():
    header, rows = detail_like()
    before, after = plain_layout(header, rows), ps.table_layout(header, rows)
    quote = len(header) - 1
    assert before.col_breaks and after.col_breaks == before.col_breaks        # the same page groups
    assert after.key_cols == before.key_cols == 3
    # Before: the quote (34 characters ≈ 75 units) was narrowed to 20 units: 5 lines, so every row is 5 lines tall.
    assert before.widths[quote] == ps.NARROWEST
    assert tw.text_lines(QUOTE, before.widths[quote]) >= 4
    # After: its group has room, so it is as wide as the quote needs (its display width + 2.5) and one line.
    assert after.widths[quote] == round(tw.display_width(QUOTE) + 2.5, 1)
    assert tw.text_lines(QUOTE, after.widths[quote]) == 1
    assert after.row_heights(rows) == [None] * len(rows)
    page = ps.LANDSCAPE_CHARS * 100 / after.scale
    assert all(span <= page + 1e-6 for span in group_spans(after))
    # columns that do not wrap keep their widths
    assert [w for c, w in enumerate(after.widths) if c not in after.wrap] == \
           [w for c, w in enumerate(before.widths) if c not in before.wrap]


def test_a_table_on_one_page_is_left_alone():
    header, rows = ["工号", "姓名", "说明"], [["T1", "王芳", QUOTE * 3]]
    assert ps.table_layout(header, rows).widths == plain_layout(header, rows).widths


texts = st.text(alphabet="研修学时计算教师专题培训abc 123", min_size=0, max_size=80)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=8, max_value=30), st.lists(texts, min_size=1, max_size=6), st.data())
def test_widening_never_moves_a_column_or_overfills_a_page(n_cols, pool, data):
    header = ["行", "工号", "姓名", *[f"列{i}" for i in range(n_cols)]]
    rows = [[r, f"T{r}", "王芳", *[data.draw(st.sampled_from(pool)) for _ in range(n_cols)]] for r in range(5)]
    before, after = plain_layout(header, rows), ps.table_layout(header, rows)
    assert after.col_breaks == before.col_breaks and after.scale == before.scale
    assert all(a >= b for a, b in zip(after.widths, before.widths, strict=True))     # only ever wider
    assert all((after.row_height(r) or 0) <= (before.row_height(r) or 0) for r in rows)  # never taller
    if after.col_breaks:
        page = ps.LANDSCAPE_CHARS * 100 / after.scale
        assert all(span <= max(page, b) + 1e-6 for span, b in zip(group_spans(after), group_spans(before),
                                                                   strict=True))
