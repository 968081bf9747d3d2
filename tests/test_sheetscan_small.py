"""Verify the small-sheet path of the sheet scan (`_small_reach`, regular expressions and byte counts) answers
exactly what the numpy path (`_piece_reach` over the whole sheet) answers: the same reach, and None (the exact scan
decides) for the same sheets.

Three generators: whole sheets from the cell and row forms of test_sheetscan_masks (far cells, lower-case, quoted,
prefixed, two `r`s, no `r`, inline text holding tag-like text) plus forms with white space around `r` and `=`;
canonical sheets with references of any 0-4 letters and 0-9 digits; and raw byte soups of the tokens both
paths look for, which reach corners no writer produces.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_sheetscan_masks import REFS, plain, sheets

from xlrubric.readers.sheetscan import SMALL_SHEET, _fast_reach, _small_reach, exact_scan

SPACED = st.sampled_from([
    '<c  r="{r}"><v>1</v></c>', '<c r ="{r}"><v>1</v></c>', '<c r= "{r}"><v>1</v></c>', '<c\nr="{r}"><v>1</v></c>',
    '<c r="{r}" t="inlineStr"><is><t>a r b\tr\rr\nr r r=</t></is></c>', '<c r="{r}"/>', "<c/>", "<c>",
    '<c r="{r}" t="e"><f>1/0</f><v>#DIV/0!</v></c>', '<row r ="{r}">', '<row\tr="{r}">', "<rowx r=\"1\">",
    '<cx r="{r}">', '<c r="{r}"r="{r}">', ' r r r ', '<x:c\tr="{r}">', 'x:c/', '<row\nr="{r}">', 'a\nr=b',
    'a\rr=b', 'a\tr=b', 'a r\tr\n'])
TOKENS = st.sampled_from(['<c', '<c ', '<row', '<row r=', ' r="', ' r=', '\tr=', '\nr=', '\rr=', 'r ', 'r',
                          ' ', '\t', '\n', '\r', '=', '"', "'",
                          '>', '/>', ':c', ':c ', 'A', 'xfd', 'ABCD', '1', '0', '1234567', '12345678', '</c>',
                          '<v>1</v>', *REFS])


@st.composite
def spaced_sheets(draw) -> bytes:
    body = draw(sheets()).decode()
    extra = "".join(draw(SPACED).format(r=draw(st.sampled_from(REFS))) for _ in range(draw(st.integers(0, 4))))
    at = draw(st.integers(0, len(body)))
    return (body[:at] + extra + body[at:]).encode()


GOOD_REF = st.builds("{}{}".format, st.text("AZazmx", min_size=1, max_size=3), st.text("0123456789", min_size=1,
                                                                                         max_size=7))
ANY_REF = st.builds("{}{}".format, st.text("AZazmx", max_size=4), st.text("0123456789", max_size=9))


@st.composite
def canonical_sheets(draw) -> bytes:
    """Sheets every writer would produce (good references), then often one cell more whose reference has any
    0-4 letters and 0-9 digits, or one odd form: the cases where a single reference decides."""
    cells = [f'<c r="{ref}"><v>1</v></c>' for ref in draw(st.lists(GOOD_REF, max_size=20))]
    odd = draw(st.sampled_from(["", '<c r="{r}"><v>1</v></c>', '<c r="{r}"/>', "spaced"]))
    if odd:
        form = draw(SPACED) if odd == "spaced" else odd
        cells.insert(draw(st.integers(0, len(cells))), form.format(r=draw(ANY_REF)))
    return ('<worksheet><sheetData><row r="1">' + "".join(cells) + "</row></sheetData></worksheet>").encode()


@settings(max_examples=400, deadline=None)
@given(xml=st.one_of(sheets(), spaced_sheets(), canonical_sheets()))
def test_small_path_answers_as_numpy_on_sheets(xml: bytes) -> None:
    """Verify the same reach or the same refusal to guess on generated sheets, and a reach never below the exact
    scan's (which follows calamine's placement)."""
    small = _small_reach(xml)
    assert small == plain(xml)
    if small is not None:
        exact = exact_scan(xml)
        assert small[0] >= exact.n_rows and small[1] >= exact.n_cols


@settings(max_examples=400, deadline=None)
@given(soup=st.lists(TOKENS, max_size=40))
def test_small_path_answers_as_numpy_on_token_soup(soup: list[str]) -> None:
    """Verify the same answer on arbitrary sequences of the very tokens both paths look for."""
    xml = "".join(soup).encode()
    assert _small_reach(xml) == plain(xml)


def test_fast_reach_takes_the_small_path_up_to_its_size() -> None:
    """Verify a register at and past SMALL_SHEET bytes gets the same reach either way: 2 rows × 3 columns of
    cells, padded with rows of one cell each (C3, C4 …), so the last row number is the reach's row."""
    def register(size: int) -> bytes:
        rows, n = ['<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>2</v></c></row>'], 1
        while sum(map(len, rows)) < size - 200:
            n += 1
            rows.append(f'<row r="{n}"><c r="C{n}"><v>{n}</v></c></row>')
        return ('<worksheet><sheetData>' + "".join(rows) + "</sheetData></worksheet>").encode()
    for size in (SMALL_SHEET - 300, SMALL_SHEET + 300):
        xml = register(size)
        quick = _fast_reach(xml)
        n = xml.count(b"<row ")
        assert (quick.n_rows, quick.n_cols) == plain(xml) == (n, 3)
