"""Verify the sheet scan's quick bound is the same whether its masks are fresh or reused.

`sheetscan._fast_reach` writes its whole-piece comparisons into boolean rows kept per thread (`_masks`), dirty
from the previous sheet, and splits a long sheet into pieces. The plain path is `_piece_reach` over the whole
sheet with fresh arrays. On random sheet XML (far cells, lower-case and quoted references, cells without `r` or
with two, prefixed cells, error cells, inline strings holding tag-like text) both give the same answer.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.readers.sheetscan import _WINDOW, _fast_reach, _piece_reach, exact_scan

REFS = ["A1", "B2", "Z9", "AA10", "XFD1048576", "ABCD1", "A12345678", "a3", "C0"]
CELL = st.sampled_from([
    '<c r="{r}"><v>1</v></c>', '<c r="{r}" t="e"><v>#N/A</v></c>', '<c r="{r}" s="3"/>',
    '<c r="{r}" t="inlineStr"><is><t> r= :c &lt;c r </t></is></c>', "<c><v>2</v></c>", '<c s="1" r="{r}"><v>3</v></c>',
    '<c r="{r}" r="{r}"><v>4</v></c>', "<c r='{r}'><v>5</v></c>", '<x:c r="{r}"><x:v>6</x:v></x:c>',
    '<c\tr="{r}"><v>7</v></c>', '<c r="{r}" t="s"><v>0</v></c>'])
ROW = st.sampled_from(['<row r="{n}">', "<row>", '<row spans="1:3" r="{n}">', '<row  r="{n}">'])


@st.composite
def sheets(draw) -> bytes:
    rows = []
    for n in range(1, draw(st.integers(0, 12)) + 1):
        cells = "".join(draw(CELL).format(r=draw(st.sampled_from(REFS))) for _ in range(draw(st.integers(0, 5))))
        rows.append(draw(ROW).format(n=n) + cells + "</row>")
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + "".join(rows) + "</sheetData></worksheet>").encode()


def plain(xml: bytes) -> tuple[int, int] | None:
    return _piece_reach(np.frombuffer(xml + bytes(_WINDOW), dtype=np.uint8))


@settings(max_examples=300, deadline=None)
@given(first=sheets(), second=sheets(), chunk=st.sampled_from([1 << 20, 64, 200]))
def test_reused_masks_give_the_plain_answer(first: bytes, second: bytes, chunk: int) -> None:
    """Verify two sheets scanned one after the other (the second on the first's masks), whole or in pieces,
    get what a fresh scan of each gets, and a bound never below the exact reach."""
    for xml in (first, second):
        quick = _fast_reach(xml, chunk=chunk)
        if chunk == 1 << 20:
            assert (None if quick is None else (quick.n_rows, quick.n_cols)) == plain(xml)
        if quick is not None:
            exact = exact_scan(xml)
            assert quick.n_rows >= exact.n_rows and quick.n_cols >= exact.n_cols
