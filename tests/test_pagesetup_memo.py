"""The write path measures each distinct value once (issue 16). Remembering must never change a width
or a row height: these compare them with a plain per-cell computation on mixed columns, including the
values that are equal as keys but print differently: 1, 1.0 and True; 0.0 and -0.0."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.writers.pagesetup import content_widths, table_layout
from xlrubric.writers.textwidth import MANY_TEXTS, _widths, display_width, text_lines, text_widths

TRICKY = [1, 1.0, True, 0, 0.0, -0.0, False, 10, 10.0, -1.5, 1e20, "1", "True", "-0", "张三", "",
          "第一行\n第二行更长一些", date(2025, 9, 1), None]
VALUES = st.one_of(st.sampled_from(TRICKY), st.integers(-10**9, 10**9),
                   st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=80))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(VALUES, max_size=6), max_size=40), st.integers(1, 6))
def test_memo_changes_no_width_wrap_or_height(rows, ncols):
    header = [f"列{c}" for c in range(ncols)]
    rows = rows + rows[:5]                         # repeated rows: the memo is hit
    for c in range(ncols):                         # each column's widths, remembered vs measured per cell
        column = tuple(r[c] if c < len(r) else None for r in rows)
        assert _widths(column) == [display_width(v) for v in column if v is not None]
    layout = table_layout(header, rows)
    for row in rows + rows:                        # twice: the second pass reads remembered heights
        lines = max((text_lines(row[c], layout.widths[c]) for c in layout.wrap
                     if c < len(row) and isinstance(row[c], str)), default=1)
        assert layout.row_height(row) == (15.0 * lines + 2 if lines > 1 else None)


def test_equal_keys_keep_their_own_widths():
    # Worked by hand: "1" is 1 unit; True prints "True", 4 units; -0.0 prints "-0" (f"{-0.0:g}"), 2 units.
    # A column [1, 1.0, True] has widths [1, 1, 4]: 95th percentile of 3 is the last, 4 + 2.5 = 6.5 wide.
    assert content_widths(["a"], [[1], [1.0], [True]])[0] == [6.5]
    # [0.0, -0.0, -0.0]: widths [1, 2, 2] → 2 + 2.5 = 4.5; had -0.0 taken 0.0's remembered width (1), the
    # content would be 3.5 and the 4-unit minimum would make the column 4.0.
    assert sorted(display_width(v) for v in [0.0, -0.0, -0.0]) == [1.0, 2.0, 2.0]
    assert content_widths(["a"], [[0.0], [-0.0], [-0.0]])[0] == [4.5]


ONE_PARAGRAPH = st.text(st.characters(blacklist_characters="\n", blacklist_categories=()), max_size=30)


@settings(max_examples=80, deadline=None)
@given(st.lists(ONE_PARAGRAPH, min_size=MANY_TEXTS, max_size=MANY_TEXTS + 40), st.booleans())
def test_text_widths_equal_each_text_measured_alone(texts, shared):
    # From MANY_TEXTS short texts on, the byte counts come from one NUL-joined encode (the column's own, when
    # `shared`: Columns.encoded makes it strictly, so not when a lone surrogate is drawn). The characters drawn
    # include NUL (then the NULs do not match the texts and each is encoded alone), lone surrogates (3 bytes
    # under surrogatepass), astral characters (4 bytes) and CJK (3).
    blob = None
    if shared:
        try:
            blob = "\x00".join(texts).encode()
        except UnicodeEncodeError:
            blob = None
    assert text_widths(texts, blob) == [display_width(t) for t in texts]
