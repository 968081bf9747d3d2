"""Verify the one zip reader (`readers/zipread.py`): the editor and the preservation check refuse what the reader
refuses, with the same limits, and a part is never inflated past what its directory entry declares."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.errors import UnreadableWorkbook
from xlrubric.ooxml.package import write_results
from xlrubric.ooxml.preserve import check_preserved
from xlrubric.readers import zipread
from xlrubric.readers.workbook import open_workbook, read_workbook_bytes
from xlrubric.readers.zipread import read_member, stored_zip
from xlrubric.results import SheetTable


def _book(path: Path, extra: dict[str, bytes] | None = None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("教师名册").write_row(0, 0, ["姓名", "学时"])
    wb.close()
    if extra:
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
            for name, data in extra.items():
                z.writestr(name, data)
    return path


def test_a_bomb_is_refused_by_reader_editor_and_oracle_alike(tmp_path: Path) -> None:
    """Verify a 4 MB part of zeros (deflates to about 4 KB, ~1000:1, past the 200:1 line) stops all three."""
    src = _book(tmp_path / "bomb.xlsx", {"xl/media/zeros.bin": b"\0" * (4 << 20)})
    table = [SheetTable("考核结果", ["a"], [[1]])]
    for attempt in (lambda: open_workbook(src), lambda: write_results(src, tmp_path / "out.xlsx", table, []),
                    lambda: check_preserved(src, src)):
        with pytest.raises(UnreadableWorkbook, match="压缩炸弹") as err:
            attempt()
        assert err.value.reason == "zip-bomb"
    assert not (tmp_path / "out.xlsx").exists()


def test_parts_differing_only_in_case_are_refused_by_the_editor(tmp_path: Path) -> None:
    """Verify the editor, like the reader, refuses two parts whose names differ only in case (which one would
    Excel take?) instead of editing one of them."""
    src = _book(tmp_path / "dup.xlsx", {"XL/Styles.xml": b"<styleSheet/>"})
    with pytest.raises(UnreadableWorkbook, match="重名"):
        write_results(src, tmp_path / "out.xlsx", [SheetTable("考核结果", ["a"], [[1]])], [])


def test_a_part_is_refused_before_inflating_past_the_limit(tmp_path: Path) -> None:
    """Verify `limit` is checked on the declared size, and the declared size is all that is ever inflated."""
    src = _book(tmp_path / "b.xlsx")
    with zipfile.ZipFile(src) as z:
        info = z.getinfo("xl/styles.xml")
        with pytest.raises(UnreadableWorkbook, match="超过上限"):
            read_member(z, info, src.name, limit=info.file_size - 1)
        assert read_member(z, info, src.name, limit=info.file_size) == z.read(info)
        raw = src.read_bytes()
        assert read_member(z, info, src.name, raw=raw) == z.read(info)
        info.file_size -= 1                     # a directory entry that under-states the part
        with pytest.raises(UnreadableWorkbook, match="实际大小与目录记录不符"):
            read_member(z, info, src.name, raw=raw)


def _crc_at(data: bytearray, name: bytes, crc: int) -> None:
    """Write `crc` into the local header and the directory entry of part `name`."""
    for sig, crc_at, name_len_at, name_at in ((b"PK\x03\x04", 14, 26, 30), (b"PK\x01\x02", 16, 28, 46)):
        pos = data.find(sig)
        while pos >= 0:
            size = struct.unpack_from("<H", data, pos + name_len_at)[0]
            if data[pos + name_at:pos + name_at + size] == name:
                struct.pack_into("<I", data, pos + crc_at, crc)
            pos = data.find(sig, pos + 4)


def test_calamine_reads_the_checked_parts_and_still_refuses_a_wrong_crc(tmp_path: Path) -> None:
    """Verify calamine, handed the checked parts as stored entries, reads the same grid as from the original
    file, and still refuses a sheet whose bytes do not match its CRC-32 (the CRC is carried over, not
    recomputed from the bytes)."""
    import io

    import python_calamine as pc

    src = tmp_path / "学校.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("教师名册")
    ws.write_row(0, 0, ["工号", "姓名", "学时"])
    ws.write_row(3, 1, ["王伟", 1.5])
    wb.close()
    original = pc.CalamineWorkbook.from_path(str(src)).get_sheet_by_name("教师名册").to_python(skip_empty_area=False)
    assert open_workbook(src, settle=0).sheets["教师名册"].rows == [[None if v == "" else v for v in row]
                                                                   for row in original]
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        crc = z.getinfo("xl/worksheets/sheet1.xml").CRC
    _crc_at(data, b"xl/worksheets/sheet1.xml", crc ^ 1)
    with pytest.raises(UnreadableWorkbook, match="checksum") as err:
        read_workbook_bytes(bytes(data), name="学校.xlsx")
    assert err.value.reason == "unreadable"


part_name = st.text(st.sampled_from("abcXYZ/_.学时登记"), min_size=1, max_size=12)
names = st.lists(st.tuples(part_name, st.binary(max_size=300)), max_size=6, unique_by=lambda m: m[0].lower())


@settings(max_examples=60, deadline=None)
@given(names)
def test_stored_zip_holds_each_part_as_it_was(members: list[tuple[str, bytes]]) -> None:
    """Verify the stored package has every part under its own name (UTF-8 flag kept) with its bytes and CRC-32."""
    import io
    import zlib

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    with zipfile.ZipFile(buf) as z:
        packed = stored_zip([(info, z.read(info)) for info in z.infolist()])
        flags = [info.flag_bits & 0x800 for info in z.infolist()]
    assert packed is not None
    with zipfile.ZipFile(io.BytesIO(packed)) as out:
        assert out.testzip() is None
        infos = out.infolist()
        assert [(i.filename, out.read(i)) for i in infos] == members
        assert all(i.compress_type == zipfile.ZIP_STORED and zlib.crc32(d) == i.CRC
                   for i, (_, d) in zip(infos, members, strict=True))
        assert [i.flag_bits & 0x800 for i in infos] == flags


def _outcome(inflate, body: bytes, size: int):
    """What `read_member` makes of an inflater's answer: the bytes when exactly the declared size, else refused
    (ISA-L inflates ahead of the output cap, so on a damaged stream it may fail where zlib stops early with one
    byte too many: a refusal either way, only with the other of the two messages)."""
    try:
        data = inflate(body, size)
    except Exception:                             # noqa: BLE001 - each inflater has its own error class
        return "refused"
    return data if len(data) == size else "refused"


def _ours(body: bytes, size: int) -> bytes:
    """`read_member`'s inflate (ISA-L where installed) of one deflated member at the start of a package."""
    info = zipfile.ZipInfo("a.xml")
    info.compress_type, info.compress_size, info.file_size = zipfile.ZIP_DEFLATED, len(body), size
    info.header_offset = 0
    return zipread._inflate(b"PK\x03\x04" + bytes(22) + struct.pack("<HH", 5, 0) + b"a.xml" + body, info)


@settings(max_examples=300, deadline=None)
@given(text=st.binary(max_size=3000) | st.text(alphabet="<c r=\"A1\">工号0123", max_size=3000).map(str.encode),
       level=st.integers(1, 9), cut=st.integers(0, 100), flip=st.none() | st.tuples(st.integers(0, 10_000),
                                                                                     st.integers(1, 255)))
def test_inflate_gives_what_zlib_gives(text: bytes, level: int, cut: int, flip) -> None:
    """Verify the inflater `read_member` uses accepts the bytes zlib gives (at most one past the declared size) for
    whole, cut and damaged streams alike, and refuses what zlib's would refuse."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = bytearray(packer.compress(text) + packer.flush())
    body = body[:max(0, len(body) * cut // 100)] if cut < 100 else body
    if flip and body:
        body[flip[0] % len(body)] ^= flip[1]
    size = max(0, len(text) - (cut % 3))           # a declared size at or below the true one: the cap shows
    assert _outcome(_ours, bytes(body), size) == \
        _outcome(lambda b, n: zlib.decompressobj(-15).decompress(b, n + 1), bytes(body), size)
