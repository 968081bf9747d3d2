"""Verify the one cell-to-text helper (`readers.text.cell_text`) that 工号, names, rule cells, contacts and
messages share: a value reads the same wherever the program shows or matches it."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from xlrubric.readers.text import cell_text
from xlrubric.schemas.teachers import teacher_id


def test_hand_examples() -> None:
    """Verify the cases schools type: Excel stores 1001 as 1001.0; a date cell; blanks; full-width digits."""
    assert cell_text(1001.0) == "1001"                 # Excel keeps every number as a float
    assert cell_text(2.5) == "2.5"
    assert cell_text(None) == "" and cell_text(float("nan")) == ""
    assert cell_text(dt.datetime(2023, 10, 12)) == "2023-10-12"        # a date cell, read as a datetime
    assert cell_text(dt.date(2023, 10, 12)) == "2023-10-12"
    assert cell_text(" 王伟 ") == "王伟"
    assert cell_text("１００１") == "１００１"                # kept as typed for display …
    assert cell_text("１００１", nfkc=True) == "1001"       # … folded when it is a key
    assert teacher_id("１００１ ") == "1001" and teacher_id(1001.0) == "1001"


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_whole_floats_lose_only_the_point_zero(n: int) -> None:
    """Verify a whole number read as a float shows as the integer a person typed."""
    assert cell_text(float(n)) == str(n)


@given(st.text())
def test_text_is_only_trimmed(s: str) -> None:
    """Verify text is never altered beyond trimming (no folding unless asked)."""
    assert cell_text(s) == s.strip()
