"""Verify calamine reads a worksheet with its merged cells moved to the front exactly as it reads the original.

`readers.mergefirst.merges_first` moves the `<mergeCells>` element (or puts an empty one) right after the root
start tag, so calamine's merged-cell reader stops there instead of parsing the whole sheet a second time. The
oracle is calamine itself on the untouched part: random sheets (cells of every kind, merges in every place and
form writers and hand-edited files use: none, at the end, before `sheetData`, self-closed, prefixed, behind a
comment or a processing instruction) must give the same grid and the same merged ranges both ways, and a form
the move is not proved for must be left alone.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import badfiles
import pytest
import python_calamine as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_read_handover import SST, cell_xml, cells

from xlrubric.readers.mergefirst import handed_over, merges_first
from xlrubric.readers.raw import column_letters
from xlrubric.readers.workbook import read_workbook_bytes

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
PLACES = ["end", "none", "before-data", "self-closed", "prefixed", "comment", "pi", "spaced", "two"]


@pytest.fixture(name="seed", scope="module")
def fixture_seed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    data = badfiles.good_xlsx(tmp_path_factory.mktemp("mergefirst")).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def sheet(body, merged, place: str, noise: list[str] = ()) -> bytes:
    rows: dict[int, list[str]] = {}
    for n, (row, col, kind) in enumerate(sorted(body)):
        rows.setdefault(row, []).append(cell_xml(f"{column_letters(col - 1)}{row}", kind, n))
    for row, text in enumerate(noise, start=1):      # texts in column P, after every body cell of the row
        rows.setdefault(row, []).append(f'<c r="P{row}" t="inlineStr"><is><t>{text}</t></is></c>')
    data = "<sheetData>" + "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in sorted(rows.items())) + "</sheetData>"
    refs = [f"{column_letters(c - 1)}{r}:{column_letters(c + w - 1)}{r + h}" for r, c, h, w in merged]
    tag = "x:" if place == "prefixed" else ""
    sep = "\n  " if place == "spaced" else ""
    merge = (f'<{tag}mergeCells count="{len(refs)}">' + "".join(f'{sep}<{tag}mergeCell ref="{r}"/>' for r in refs)
             + f"{sep}</{tag}mergeCells>")
    if place == "self-closed":
        merge = '<mergeCells count="0"/>'
    if place == "two":
        merge += '<mergeCells count="1"><mergeCell ref="Z1:Z3"/></mergeCells>'
    if place == "prefixed":
        data = data.replace("<", "<x:").replace("<x:/", "</x:")
        root = '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        return (HEAD + root + '<x:dimension ref="A1"/>' + data + merge + "</x:worksheet>").encode()
    extra = {"comment": "<!-- <mergeCells> -->", "pi": "<?mso-application progid?>"}.get(place, "")
    inner = (merge + data) if place == "before-data" else (data + extra + ("" if place == "none" else merge))
    return (HEAD + f'<worksheet {NS} xmlns:r="r">' + '<dimension ref="A1"/>' + inner + "</worksheet>").encode()


def package(seed: dict[str, bytes], part: bytes, strings: bytes | None = SST) -> bytes:
    parts = dict(seed)
    parts["xl/worksheets/sheet1.xml"] = part
    parts["xl/sharedStrings.xml"] = strings or parts["xl/sharedStrings.xml"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def calamine(data: bytes):
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        out = {}
        for name in book.sheet_names:
            got = book.get_sheet_by_name(name)
            out[name] = (got.to_python(skip_empty_area=False), got.merged_cell_ranges)
        return out
    except Exception as exc:                     # noqa: BLE001 - both ways must fail alike
        return ("refused", type(exc).__name__)


# Texts with the bytes the quick searches look for one by one (`g`, `!`, `?`), many of them past the point where
# the plain search takes over, and the word itself in a text (then the part must be left alone).
NOISE = st.lists(st.sampled_from(["Zhang", "g!g", "?!", "#DIV/0!", "mergeCell", "mergeCells"]), max_size=150)
merges = st.lists(st.tuples(st.integers(1, 30), st.integers(1, 10), st.integers(0, 3), st.integers(0, 3)), max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=cells, merged=merges, place=st.sampled_from(PLACES), noise=NOISE)
def test_moved_merges_read_as_the_original(seed: dict[str, bytes], body, merged, place: str, noise) -> None:
    """Verify calamine gives the same cells and merged ranges from the moved part as from the original."""
    part = sheet(body, merged, place, noise)
    moved = merges_first(part)
    if "mergeCells" in noise:
        assert moved is None                            # the word in a text: not proved, left alone
        return
    if place in ("end", "none", "before-data", "spaced"):
        assert moved is not None and moved != part      # the plain forms do take the quick path
    if place in ("self-closed", "prefixed", "comment", "pi", "two"):
        assert moved is None                            # forms it is not proved for are left alone
        return
    assert sorted(moved) == sorted(part + (b"<mergeCells/>" if place == "none" else b""))   # bytes only moved
    assert calamine(package(seed, moved)) == calamine(package(seed, part))


def test_the_reader_hands_calamine_moved_parts(seed: dict[str, bytes]) -> None:
    """Verify open_workbook's path reads a merged title through the moved part to the plain read's grid."""
    part = sheet([(1, 1, "inline"), (2, 1, "number"), (2, 2, "inline")], [(1, 1, 0, 3)], "end")
    data = package(seed, part, strings=None)     # the seed's own shared strings, which its other sheets use
    book = read_workbook_bytes(data, name="学校.xlsx", max_cells=100_000, max_unzipped_bytes=20_000_000)
    plain = calamine(data)
    for name, raw in book.sheets.items():
        assert raw.merged == [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in plain[name][1]]
    assert [(0, 0, 0, 3)] in [raw.merged for raw in book.sheets.values()]     # A1:D1, 0-based


def test_a_part_whose_crc_is_wrong_goes_over_unchanged(tmp_path: Path) -> None:
    """Verify a damaged part (bytes that do not match its CRC-32) is handed to calamine as it is, to be refused."""
    part = sheet([(1, 1, "number")], [(1, 1, 0, 1)], "end")
    info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    info.CRC = 12345
    assert handed_over(info, part) == (info, part)
    good = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    good.CRC = zipfile.crc32(part)
    entry, moved = handed_over(good, part)
    assert moved == merges_first(part) and zipfile.crc32(moved) == entry.CRC


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("tail", ["", "mergeCells"])
def test_many_marks_before_the_one_that_matters(seed: dict[str, bytes], place: str, tail: str) -> None:
    """Verify a comment, PI or second `mergeCells` after a hundred texts of `g`, `!` and `?` is still seen (the
    searches go one byte at a time, then hand over to the plain search)."""
    part = sheet([(1, 1, "number")], [(1, 1, 0, 2)], place, ["g!?g"] * 100 + ([tail] if tail else []))
    moved = merges_first(part)
    assert (moved is None) == (bool(tail) or place not in ("end", "none", "before-data", "spaced"))
    if moved is not None:
        assert calamine(package(seed, moved)) == calamine(package(seed, part))
