"""Recognise a file by its bytes before anything tries to read it.

Schools rename files freely (.xls → .xlsx, a web page saved "as Excel", a CSV with an .xlsx name), send
password-protected books, leave Excel's `~$` lock files beside the real ones and drop files into the
county folder while a copy is still running. Every reader library fails differently on each of these, in
English, and some of them only after reading the whole file; a few hundred bytes and the zip directory
are enough to tell them apart, so the user gets one precise Chinese message instead.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
EOCD = b"PK\x05\x06"
EOCD_SEARCH = 65_536 + 22          # the end record sits within the last 64 KiB comment + its own 22 bytes
_HEAD = 8192

_MACRO_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_MACRO_TEMPLATE = b"application/vnd.ms-excel.template.macroEnabled.main+xml"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


class FileKind(StrEnum):
    """What a file is, decided from its content (never from its extension)."""

    XLSX = "xlsx"
    XLSM = "xlsm"
    XLSB = "xlsb"
    ODS = "ods"
    ZIP_NOT_WORKBOOK = "zip-not-a-workbook"
    OLE_ENCRYPTED = "ole-encrypted"
    OLE_XLS = "ole-xls"
    OLE_OTHER = "ole-other"
    HTML = "html"
    XML_2003 = "xml-spreadsheet-2003"
    TEXT = "csv-or-text"
    EMPTY = "empty"
    LOCK_FILE = "lock-file"
    TRUNCATED = "truncated-or-corrupt-zip"
    GROWING = "still-being-written"
    UNKNOWN = "unknown"

    @property
    def readable(self) -> bool:
        """True for the kinds `open_workbook` reads (OLE_ENCRYPTED only with a password)."""
        return self in (FileKind.XLSX, FileKind.XLSM, FileKind.OLE_XLS, FileKind.OLE_ENCRYPTED)


def is_lock_file_name(name: str) -> bool:
    """Excel/WPS owner files (`~$book.xlsx`) and LibreOffice's (`.~lock.book.xlsx#`) by name alone.

    Batch skips these silently, so the test must not need to open them: they may be locked by the
    program that owns them.
    """
    return name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#"))


def sniff(path: str | os.PathLike[str], *, settle: float = 0.02) -> FileKind:
    """Recognise the file at `path` from its name, its size over a short moment and its bytes.

    Raises OSError when the file cannot be opened at all (missing, a folder, no permission); the
    workbook reader turns that into a Chinese message.
    """
    p = Path(path)
    if is_lock_file_name(p.name):
        return FileKind.LOCK_FILE
    if is_growing(p, settle=settle):
        return FileKind.GROWING
    with p.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        return classify(f, size)


QUIET_SECONDS = 2.0


def is_growing(path: Path, *, settle: float = 0.02) -> bool:
    """True when the size or modification time moves between two looks `settle` seconds apart.

    Explorer and `cp -p` keep the original modification time, so a copy in progress shows only as a
    size that still changes. A copy that stalls longer than `settle` is still caught later: a zip
    without its end record is TRUNCATED.
    """
    first = path.stat()
    if settle <= 0:
        return False
    # st_ctime moves with every write on POSIX and is the creation time on Windows, so a file whose
    # mtime and ctime are both a few seconds old is not being written or copied now: no need to wait
    # (this keeps a county batch from sleeping once per workbook).
    if time.time() - max(first.st_mtime, first.st_ctime) > QUIET_SECONDS:
        return False
    time.sleep(settle)
    second = path.stat()
    return (first.st_size, first.st_mtime_ns) != (second.st_size, second.st_mtime_ns)


def sniff_bytes(data: bytes) -> FileKind:
    """Recognise a workbook already held in memory (an upload, a decrypted package)."""
    return classify(io.BytesIO(data), len(data))


def sniff_package(data: bytes) -> tuple[FileKind, zipfile.ZipFile | None]:
    """`sniff_bytes`, and for a zip package the `ZipFile` its directory was read into (None otherwise).

    Why: recognising an .xlsx means reading its zip directory, and the reader needs that same directory next;
    handing the open `ZipFile` on saves reading it twice (0.15 ms a small workbook, paid by every school of a
    batch). The caller closes it.
    """
    kept: list[zipfile.ZipFile] = []
    kind = classify(io.BytesIO(data), len(data), kept)
    return kind, (kept[0] if kept else None)


def classify(f: BinaryIO, size: int, keep: list[zipfile.ZipFile] | None = None) -> FileKind:
    """Decide the kind from a seekable binary file of `size` bytes; reads the head, tail and zip directory.
    With `keep`, an .xlsx/.xlsm's open ZipFile is put there instead of being closed."""
    if size == 0:
        return FileKind.EMPTY
    f.seek(0)
    head = f.read(_HEAD)
    if head.startswith(ZIP_MAGIC):
        return _classify_zip(f, size, keep)
    if head.startswith(OLE_MAGIC):
        return _classify_ole(f)
    return _classify_text(head)


def _classify_zip(f: BinaryIO, size: int, keep: list[zipfile.ZipFile] | None = None) -> FileKind:
    f.seek(max(0, size - EOCD_SEARCH))
    if EOCD not in f.read():
        return FileKind.TRUNCATED            # the directory is written last: a copy that stopped short
    try:
        f.seek(0)
        zf = zipfile.ZipFile(f)
        try:
            kind = _package_kind(zf)
        except BaseException:
            zf.close()
            raise
        if keep is not None and kind in (FileKind.XLSX, FileKind.XLSM):
            keep.append(zf)
        else:
            zf.close()
        return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return FileKind.TRUNCATED


def _package_kind(zf: zipfile.ZipFile) -> FileKind:
    names = {n.lower() for n in zf.namelist()}     # calamine finds parts in any case
    if "xl/workbook.xml" in names:
        types = _small_member(zf, "[Content_Types].xml")
        macro = _MACRO_MAIN in types or _MACRO_TEMPLATE in types
        return FileKind.XLSM if macro else FileKind.XLSX
    if "xl/workbook.bin" in names:
        return FileKind.XLSB
    if "mimetype" in names and _small_member(zf, "mimetype").startswith(_ODS_MIME):
        return FileKind.ODS
    return FileKind.ZIP_NOT_WORKBOOK


def _small_member(zf: zipfile.ZipFile, name: str, limit: int = 1 << 20) -> bytes:
    """Read at most `limit` bytes of a member (a hostile [Content_Types].xml may be a bomb), found in any case."""
    try:
        name = next(n for n in zf.namelist() if n.lower() == name.lower())
        with zf.open(name) as member:
            return member.read(limit)
    except Exception:                         # missing (KeyError) or damaged (zlib.error, BadZipFile …):
        return b""                            # the reader reports damage when it inflates the part itself


def _classify_ole(f: BinaryIO) -> FileKind:
    """Tell an encrypted OOXML package and an encrypted or plain .xls apart from other OLE documents."""
    import msoffcrypto
    import olefile

    f.seek(0)
    try:
        ole = olefile.OleFileIO(f)
    except Exception:                         # olefile raises OSError, struct.error, IndexError … on junk
        return FileKind.TRUNCATED
    try:
        if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
            return FileKind.OLE_ENCRYPTED
        if not (ole.exists("Workbook") or ole.exists("Book")):
            return FileKind.OLE_OTHER
    finally:
        ole.close()
    f.seek(0)
    try:
        encrypted = msoffcrypto.OfficeFile(f).is_encrypted()
    except Exception:                         # msoffcrypto's BIFF walk raises struct/assertion errors on damage
        return FileKind.OLE_XLS                # let the reader try and report what it finds
    return FileKind.OLE_ENCRYPTED if encrypted else FileKind.OLE_XLS


def _classify_text(head: bytes) -> FileKind:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return FileKind.TEXT                   # Excel's "Unicode text" export is UTF-16 with a BOM
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    low = text[:4096].lower()
    if low.startswith(b"mime-version:") or any(tag in low for tag in (b"<html", b"<!doctype html", b"<table",
                                                                      b"urn:schemas-microsoft-com:office:excel")):
        return FileKind.HTML
    if low.startswith(b"<") and b"urn:schemas-microsoft-com:office:spreadsheet" in low:
        return FileKind.XML_2003
    if _looks_like_text(head):
        return FileKind.TEXT
    return FileKind.UNKNOWN


def _looks_like_text(head: bytes) -> bool:
    """UTF-8 or GB18030 (what Chinese Windows writes CSV in) with almost no control bytes."""
    sample = head[:4096]
    for encoding in ("utf-8", "gb18030"):
        try:
            decoded = sample.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:    # a multi-byte character cut by the sample end is fine
                continue
            decoded = sample[: exc.start].decode(encoding)
        controls = sum(1 for ch in decoded if ord(ch) < 32 and ch not in "\t\r\n\f")
        return controls <= len(decoded) // 100
    return False
