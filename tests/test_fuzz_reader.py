"""Fuzz the reader: whatever the bytes, `read_workbook_bytes` returns a RawBook or raises UnreadableWorkbook.

Also checks the claim the far-cell guard rests on: for any way of writing cells that calamine accepts,
our scan's reach is never smaller than the grid calamine actually builds.
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

from xlrubric.errors import UnreadableWorkbook
from xlrubric.readers.raw import RawBook
from xlrubric.readers.sheetscan import _fast_reach, exact_scan
from xlrubric.readers.workbook import read_workbook_bytes

LIMITS = {"max_cells": 100_000, "max_unzipped_bytes": 20_000_000}
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(name="seed", scope="module")
def fixture_seed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return badfiles.good_xlsx(tmp_path_factory.mktemp("fuzz")).read_bytes()


def read_or_refuse(data: bytes) -> None:
    try:
        book = read_workbook_bytes(data, name="fuzz.xlsx", **LIMITS)
    except UnreadableWorkbook as err:
        assert err.reason and "fuzz.xlsx" in str(err)
    else:
        assert isinstance(book, RawBook)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def pack(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


edits = st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert"]), st.floats(0, 1), st.binary(max_size=8)),
                 min_size=1, max_size=4)


def mutate(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    out = bytearray(data)
    for op, where, payload in ops:
        at = int(where * max(len(out) - 1, 0))
        if op == "flip" and out:
            out[at] ^= (payload[0] if payload else 0xFF) or 0x01
        elif op == "cut":
            del out[at:at + 1 + len(payload) * 64]
        else:
            out[at:at] = payload
    return bytes(out)


@FUZZ
@given(ops=edits)
def test_mutated_file_bytes(seed: bytes, ops: list[tuple[str, float, bytes]]) -> None:
    """Verify flipped, cut and inserted bytes anywhere in the file never escape as another exception."""
    read_or_refuse(mutate(seed, ops))


@FUZZ
@given(data=st.data())
def test_mutated_member_xml(seed: bytes, data: st.DataObject) -> None:
    """Verify damage inside the XML of any member (then re-zipped, so it passes the CRC) is handled."""
    parts = members(seed)
    name = data.draw(st.sampled_from(sorted(parts)))
    fragment = data.draw(st.sampled_from([b"", b"<", b"&lol;", b'<c r="XFD1048576"><v>1</v></c>', b"<!DOCTYPE x>",
                                          b'<c r="A0"><v>1</v></c>', b"\xff\xfe", b'r="ZZZZZZZZ9"', b"</row>"]))
    parts[name] = mutate(parts[name], data.draw(edits)) + (fragment if data.draw(st.booleans()) else b"")
    read_or_refuse(pack(parts))


@FUZZ
@given(data=st.data())
def test_dropped_and_added_members(seed: bytes, data: st.DataObject) -> None:
    """Verify missing parts and stray parts (a bogus sheet, junk rels) are handled."""
    parts = members(seed)
    for name in data.draw(st.lists(st.sampled_from(sorted(parts)), max_size=3, unique=True)):
        del parts[name]
    extra = data.draw(st.dictionaries(st.sampled_from(["xl/worksheets/sheet9.xml", "xl/_rels/workbook.xml.rels",
                                                       "xl/workbook.xml", "xl/sharedStrings.xml", "junk.bin"]),
                                      st.binary(max_size=64), max_size=2))
    parts.update(extra)
    read_or_refuse(pack(parts))


# ---------------------------------------------------------------- the reach bound versus calamine itself

def cell_xml(row: int, col: int, style: str, value: int) -> bytes:
    ref = f"{_letters(col)}{row}"
    body = b"<v>%d</v>" % value if style != "blank" else b""
    ref_attr = {"canonical": f'r="{ref}"', "lower": f'r="{ref.lower()}"', "quote": f"r = '{ref}'",
                "second": f's="0" r="{ref}"', "blank": f'r="{ref}" s="0"', "none": ""}[style]
    return f"<c {ref_attr}>".encode() + body + b"</c>" if ref_attr else b"<c>" + body + b"</c>"


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


cells = st.lists(st.tuples(st.integers(1, 300), st.integers(1, 60),
                           st.sampled_from(["canonical", "canonical", "lower", "quote", "second", "blank", "none"])),
                 min_size=1, max_size=25)


@FUZZ
@given(cells=cells, prefixed=st.booleans())
def test_scan_reach_covers_calamine(seed: bytes, cells, prefixed: bool) -> None:
    """Verify our scans never report a smaller reach than the grid calamine builds from the same sheet."""
    rows: dict[int, list[bytes]] = {}
    for i, (row, col, style) in enumerate(cells):
        rows.setdefault(row, []).append(cell_xml(row, col, style, i))
    body = b"".join(b'<row r="%d">' % r + b"".join(cs) + b"</row>" for r, cs in sorted(rows.items()))
    if prefixed:
        body = body.replace(b"<c", b"<x:c").replace(b"</c>", b"</x:c>").replace(b"<v>", b"<x:v>")
        body = body.replace(b"</v>", b"</x:v>")
    xml = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
           b' xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + body
           + b"</sheetData></worksheet>")
    parts = members(seed)
    parts["xl/worksheets/sheet1.xml"] = xml
    try:
        sheet = pc.CalamineWorkbook.from_filelike(io.BytesIO(pack(parts))).get_sheet_by_name("教师名册")
    except pc.CalamineError:
        return                                   # calamine refuses it outright: nothing is allocated
    built = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
    exact = exact_scan(xml)
    assert exact.n_rows >= built[0] and exact.n_cols >= built[1]
    quick = _fast_reach(xml)
    if quick is not None:
        assert quick.n_rows >= built[0] and quick.n_cols >= built[1]


def test_fast_and_exact_agree_on_a_register(tmp_path: Path) -> None:
    """Verify the quick bound is close to the exact reach on a writer's canonical output."""
    import xlsxwriter

    path = tmp_path / "register.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("学时登记")
    for r in range(2_345):
        ws.write_row(r, 0, [r, "教研", 1.5, None, "x"])
    wb.close()
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    quick, exact = _fast_reach(xml), exact_scan(xml)
    assert (exact.n_rows, exact.n_cols) == (2_345, 5)
    assert quick is not None and quick.n_cols == 5 and 2_345 <= quick.n_rows <= 2_999


_XLS_FUZZ = """
import random, sys
from xlrubric.errors import UnreadableWorkbook
from xlrubric.readers.workbook import read_workbook_bytes
data = open(sys.argv[1], "rb").read()
for i in range(int(sys.argv[2])):
    rnd, d = random.Random(i), bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        p = rnd.randrange(512, len(d))
        if rnd.random() < 0.5:
            d[p] = rnd.randrange(256)
        else:
            d[p:p + 4] = rnd.randrange(2 ** 32).to_bytes(4, "little")
    try:
        read_workbook_bytes(bytes(d), name="fuzz.xls", max_cells=100_000)
    except UnreadableWorkbook:
        pass
print("done")
"""


def test_mutated_xls_in_a_child_process(bad_files: dict[str, Path]) -> None:
    """Verify damaged .xls files never kill the process (calamine aborts on some; run where that shows)."""
    import os
    import subprocess
    import sys

    if "xls" not in bad_files:
        if os.environ.get("CI"):
            pytest.fail("CI 环境必须安装 LibreOffice（soffice）")
        pytest.skip("soffice 未安装")
    run = subprocess.run([sys.executable, "-c", _XLS_FUZZ, str(bad_files["xls"]), "400"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "done", run.stderr[-2000:]
