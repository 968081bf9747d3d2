"""Read a workbook package and write a new one that copies untouched parts as their raw compressed bytes.

Why our own zip writer: `zipfile` can only write what it compresses itself, so every part would be
inflated and deflated again. Copying the stored bytes (with their CRC, method and timestamp) guarantees
that a part we did not touch is bit-for-bit the school's, costs nothing for a 20 MB workbook, and keeps
our output deterministic: new and edited parts get fixed timestamps and a fixed compression level, so the
same inputs always give the same file.

Reading goes through `readers.zipread`, with the reader's limits: the directory is checked once (bombs,
encrypted or duplicate parts, total size) and every part we inflate is capped and size-checked.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from xlrubric.errors import OutputError, UnreadableWorkbook
from xlrubric.readers.limits import LIMITS
from xlrubric.readers.zipread import check_directory, read_member

MAX_PART = LIMITS.part_bytes        # inflated size of one part we edit
LEVEL = 1                           # deflate level of every part we write (fixed; why 1: see deflate)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_LIMIT = 0xFFFFFFFF

try:                                # the same deflate, several times faster (see deflate)
    from isal import isal_zlib as _ZLIB
except ImportError:                 # pragma: no cover - no isal wheel for this platform
    _ZLIB = zlib


def deflate(data: bytes) -> tuple[bytes, int]:
    """`data` as a zip entry stores it: raw deflate at `LEVEL`, and its CRC-32.

    Why level 1 (issue 16, session 6): deflate was the largest single cost of a write, and the parts we
    write are mostly our own result sheets, whose XML repeats the same markup on every row. The new and
    edited parts of bench_compute's 300-teacher school (1.43 MB of XML) take 9–10 ms at zlib's level 1, 12 ms
    at 3 and 19–25 ms at 6, and come to 159 KB, 137 KB and 118 KB; samples/lanxi4.xlsx's (0.39 MB) 2.9, 4.0
    and 7.7 ms for 53, 48 and 43 KB (docs/measured.md). A few tens of KB more per school file are worth
    less than the time, every zip reader inflates any level, and the output stays deterministic (the
    level is fixed). Parts we copy are not touched: they keep the school's own compressed bytes.

    Why ISA-L (python-isal, issue 16, session 7): its level 1 is the same raw deflate format, made with
    SIMD: bench_compute's parts in 3.0 ms of CPU against zlib's 13 ms at level 1, and 221 KB against 226 KB
    (docs/measured.md); its CRC-32 is the same number. Where no isal wheel installs, zlib's level 1 is used
    (a file then differs only in its compressed bytes; each machine still writes the same file for the same
    inputs).

    Deflated on the calling thread: session 5 deflated the large new sheets on a thread of their own
    (zlib releases the GIL). At level 1 that deflate is ~7 ms of a ~50 ms write, and measured in one
    process with the thread on and off in turn (60 writes each) it saved 0–5 ms of wall time when a core
    was idle and cost as much when none was, at the same CPU; a county batch keeps every core busy
    anyway. The plain call is kept.
    """
    comp = _ZLIB.compressobj(LEVEL, _ZLIB.DEFLATED, -15)
    return comp.compress(data) + comp.flush(), _ZLIB.crc32(data)


@dataclass
class OutPart:
    """One part of the output: either raw bytes copied from the source, or new content to compress."""

    name: str
    data: bytes | None = None          # new content (compressed on write)
    info: zipfile.ZipInfo | None = None  # source entry to copy raw, or to borrow metadata from


class SourceZip:
    """The source zip, opened for reading parts by name."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise UnreadableWorkbook(f"不是有效的 Excel 工作簿（zip 包无法打开：{exc}）。",
                                     file=self.path.name) from exc
        self.infos = self._zip.infolist()
        try:
            check_directory(self.infos, self.path.name)      # the reader's limits, so neither is weaker
        except BaseException:
            self._zip.close()
            raise
        self._by_lower = {i.filename.lower(): i for i in self.infos}

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SourceZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def info(self, name: str) -> zipfile.ZipInfo | None:
        """Part names are case-insensitive in OPC."""
        return self._by_lower.get(name.lower())

    def names(self) -> list[str]:
        """Part names exactly as stored, in directory order."""
        return [i.filename for i in self.infos]

    def has(self, name: str) -> bool:
        return name.lower() in self._by_lower

    def read(self, name: str, limit: int | None = None) -> bytes:
        """One part inflated, refused past `limit` (default: one part we edit, `MAX_PART`)."""
        info = self.info(name)
        if info is None:
            raise KeyError(name)
        return read_member(self._zip, info, self.path.name, limit=MAX_PART if limit is None else limit)

    def raw(self, info: zipfile.ZipInfo, fp: BinaryIO) -> bytes:
        """The stored (compressed) bytes of one entry."""
        fp.seek(info.header_offset)
        head = fp.read(_LOCAL.size)
        sig, *_rest, name_len, extra_len = _LOCAL.unpack(head)
        if sig != b"PK\x03\x04":
            raise UnreadableWorkbook(f"zip 包中 {info.filename} 的本地文件头损坏。", file=self.path.name)
        fp.seek(info.header_offset + _LOCAL.size + name_len + extra_len)
        return fp.read(info.compress_size)


def _dos_time(dt: tuple[int, ...]) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    return (h << 11) | (mi << 5) | (s // 2), ((max(y, 1980) - 1980) << 9) | (mo << 5) | d


def write_package(out: BinaryIO, src: SourceZip, entries: list[OutPart]) -> None:
    """Write `entries` as a zip to `out`: raw copies where `data` is None, else freshly deflated."""
    central = []
    offset = 0
    with open(src.path, "rb") as fp:
        for e in entries:
            name = e.name.encode("utf-8")
            flags = 0x800 if not e.name.isascii() else 0
            if e.data is None:
                assert e.info is not None
                payload = src.raw(e.info, fp)
                method, crc, usize = e.info.compress_type, e.info.CRC, e.info.file_size
                flags |= e.info.flag_bits & 0x6          # keep the deflate-level hint bits, drop descriptor
                dt, version = e.info.date_time, max(e.info.extract_version, 20)
                ext_attr, made_by = e.info.external_attr, (e.info.create_system << 8) | e.info.create_version
            else:
                payload, crc = deflate(e.data)
                method, usize = zipfile.ZIP_DEFLATED, len(e.data)
                dt = e.info.date_time if e.info is not None else FIXED_TIME
                version, ext_attr, made_by = 20, 0, 20
            if max(len(payload), usize, offset) >= _LIMIT:
                raise OutputError("输出的工作簿超过 4 GB，无法写入。")
            t, d = _dos_time(dt)
            out.write(_LOCAL.pack(b"PK\x03\x04", version, flags, method, t, d, crc, len(payload), usize,
                                  len(name), 0))
            out.write(name)
            out.write(payload)
            central.append(_CENTRAL.pack(b"PK\x01\x02", made_by, version, flags, method, t, d, crc,
                                         len(payload), usize, len(name), 0, 0, 0, 0, ext_attr, offset) + name)
            offset += _LOCAL.size + len(name) + len(payload)
    cd = b"".join(central)
    if len(entries) > 0xFFFF or offset >= _LIMIT:
        raise OutputError("输出的工作簿部件过多或过大，无法写入。")
    comment = src._zip.comment[:0xFFFF]
    out.write(cd)
    out.write(_END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(cd), offset, len(comment)))
    out.write(comment)
