"""Verify calamine reads the same grid from the checked parts we hand it as from the school's own file.

`readers.package.inspect_package` inflates and checks every XML part, then `open_workbook` gives calamine those
parts as a zip of stored entries (`readers.zipread.stored_zip`) instead of the original package. The plain path
is calamine reading the original bytes (what the reader did before). On random sheets (numbers, shared and
inline strings, booleans, error cells, formulas with cached values, styled blanks, far cells, merges) both must
give the same grid, or both refuse with the same message.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import badfiles
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlrubric.errors import UnreadableWorkbook
from xlrubric.readers.package import inspect_package
from xlrubric.readers.raw import column_letters
from xlrubric.readers.workbook import _read_with_calamine, read_workbook_bytes

LIMITS = {"max_cells": 100_000, "max_unzipped_bytes": 20_000_000}
STRINGS = ["工号", "姓名", "张三", " r=x :c ", "", "合计", "#N/A"]
SST = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
       f' count="{len(STRINGS)}" uniqueCount="{len(STRINGS)}">'
       + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in STRINGS) + "</sst>").encode()


@pytest.fixture(name="seed", scope="module")
def fixture_seed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    data = badfiles.good_xlsx(tmp_path_factory.mktemp("handover")).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _letters(col: int) -> str:
    """1-based column → letters (only builds the input; both reads under test see the same XML)."""
    return column_letters(col - 1)


def cell_xml(ref: str, kind: str, n: int) -> str:
    return {
        "number": f'<c r="{ref}"><v>{n * 1.5}</v></c>',
        "shared": f'<c r="{ref}" t="s"><v>{n % len(STRINGS)}</v></c>',
        "inline": f'<c r="{ref}" t="inlineStr"><is><t>{escape(STRINGS[n % len(STRINGS)])}</t></is></c>',
        "bool": f'<c r="{ref}" t="b"><v>{n % 2}</v></c>',
        "error": f'<c r="{ref}" t="e"><f>1/0</f><v>{["#DIV/0!", "#N/A", "#REF!"][n % 3]}</v></c>',
        "formula": f'<c r="{ref}"><f>A1+{n}</f><v>{n}</v></c>',
        "text-formula": f'<c r="{ref}" t="str"><f>"a"</f><v>a{n}</v></c>',
        "blank": f'<c r="{ref}" s="1"/>',
    }[kind]


cells = st.lists(st.tuples(st.integers(1, 40), st.integers(1, 12),
                           st.sampled_from(["number", "shared", "inline", "bool", "error", "formula",
                                            "text-formula", "blank"])),
                 min_size=0, max_size=40, unique_by=lambda c: c[:2])
far = st.one_of(st.none(), st.tuples(st.sampled_from([100, 5_000, 40_001, 1_048_576]), st.integers(1, 300)))
merges = st.lists(st.tuples(st.integers(1, 30), st.integers(1, 10), st.integers(0, 3), st.integers(0, 3)), max_size=3)


def sheet_xml(body: list[tuple[int, int, str]], far_cell: tuple[int, int] | None,
              merged: list[tuple[int, int, int, int]]) -> bytes:
    rows: dict[int, list[str]] = {}
    for n, (row, col, kind) in enumerate(sorted(body)):
        rows.setdefault(row, []).append(cell_xml(f"{_letters(col)}{row}", kind, n))
    if far_cell:
        rows.setdefault(far_cell[0], []).append(f'<c r="{_letters(far_cell[1])}{far_cell[0]}"><v>1</v></c>')
    data = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    merge = "".join(f'<mergeCell ref="{_letters(c)}{r}:{_letters(c + w)}{r + h}"/>' for r, c, h, w in merged)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats'
            f'.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData>'
            + (f'<mergeCells count="{len(merged)}">{merge}</mergeCells>' if merged else "")
            + "</worksheet>").encode()


def plain_read(data: bytes):
    """The reader before the handover: the same checks, then calamine on the original bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        package = inspect_package(zf, "学校.xlsx", raw=data, **LIMITS)
    return _read_with_calamine(data, "学校.xlsx", lambda name, index: package.scans.get(name))


def outcome(read):
    try:
        sheets = read()
    except UnreadableWorkbook as err:
        return ("refused", err.reason, str(err))
    return {name: (s.rows, s.merged, s.visible) for name, s in sheets.items()}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=cells, far_cell=far, merged=merges, deflate=st.booleans())
def test_handed_over_parts_read_as_the_original(seed: dict[str, bytes], body, far_cell, merged, deflate: bool) -> None:
    """Verify random sheets read through the stored package give the grid calamine gives from the original file."""
    parts = dict(seed)
    parts["xl/worksheets/sheet1.xml"] = sheet_xml(body, far_cell, merged)
    parts["xl/sharedStrings.xml"] = SST
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as zf:
        for name, part in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), part)
    data = buf.getvalue()
    fast = outcome(lambda: read_workbook_bytes(data, name="学校.xlsx", **LIMITS).sheets)
    assert fast == outcome(lambda: plain_read(data))


def test_a_real_register_reads_as_the_original(tmp_path: Path) -> None:
    """Verify a workbook as a writer makes it (merges, dates, errors, hidden sheets) reads the same both ways."""
    data = badfiles.good_xlsx(tmp_path).read_bytes()
    fast = outcome(lambda: read_workbook_bytes(data, name="学校.xlsx", **LIMITS).sheets)
    assert isinstance(fast, dict) and fast == outcome(lambda: plain_read(data))
