"""Open a school's workbook file as a `RawBook`, or say in Chinese why it cannot be read.

Values come from python-calamine (about 10× faster than openpyxl on a register: docs/measured.md), never
from openpyxl. Everything calamine does not do safely or faithfully is done around it: the file is
recognised by its bytes first (sniff), decrypted in memory when a password is given, inspected as a
zip package for bombs and hostile XML, and scanned per sheet so that a far-away stray cell cannot make
calamine allocate a dense grid that kills the process; error cells it reports as '' come back as
`CellError`. The original file is only ever opened for reading.

Every failure leaves here as `UnreadableWorkbook` (exit code 2) with a `reason` slug; no library
exception escapes.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import python_calamine as pc

from xlrubric.errors import UnreadableWorkbook
from xlrubric.readers.limits import LIMITS
from xlrubric.readers.package import check_book_cells, check_sheet, inspect_package
from xlrubric.readers.problems import human_size, unreadable
from xlrubric.readers.raw import CellError, RawBook, RawSheet
from xlrubric.readers.sheetscan import SheetScan
from xlrubric.readers.sniff import EOCD, EOCD_SEARCH, FileKind, is_growing, is_lock_file_name, sniff_package

DEFAULT_MAX_CELLS = LIMITS.sheet_cells
DEFAULT_MAX_UNZIPPED_BYTES = LIMITS.unzipped_bytes
_XLS_DEFAULT_PASSWORD = "VelvetSweatshop"      # what Excel encrypts a "protected" .xls with when no password is set

_REASON_BY_KIND = {
    FileKind.XLSB: "xlsb", FileKind.ODS: "ods", FileKind.ZIP_NOT_WORKBOOK: "not-workbook",
    FileKind.OLE_OTHER: "ole-other", FileKind.HTML: "html", FileKind.XML_2003: "xml-2003",
    FileKind.TEXT: "text", FileKind.EMPTY: "empty", FileKind.LOCK_FILE: "lock-file",
    FileKind.TRUNCATED: "truncated", FileKind.GROWING: "growing", FileKind.UNKNOWN: "unknown",
}
_VISIBILITY = {"SheetVisibleEnum.Visible": "visible", "SheetVisibleEnum.Hidden": "hidden",   # the enum is
               "SheetVisibleEnum.VeryHidden": "veryhidden"}                                 # not hashable


def open_workbook(path: str | os.PathLike[str], *, password: str | None = None,
                  max_cells: int = DEFAULT_MAX_CELLS, max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
                  settle: float = 0.02) -> RawBook:
    """Read every worksheet of the file at `path` into a RawBook (row 0 = Excel row 1, column 0 = A).

    `max_cells` caps one sheet's reach (rows × columns up to its last value); `max_unzipped_bytes`
    caps the inflated package. `settle` is how long to watch the file for a copy still in progress.
    """
    p = Path(path)
    name = p.name
    if is_lock_file_name(name):
        raise unreadable("lock-file", name)
    try:
        if p.is_dir():
            raise IsADirectoryError("这是一个文件夹")
        data = _read_regular_file(p, name, settle)
    except OSError as exc:
        raise unreadable("missing", name, detail=exc.strerror or str(exc)) from exc
    return read_workbook_bytes(data, name=name, path=str(p), password=password, max_cells=max_cells,
                               max_unzipped_bytes=max_unzipped_bytes)


def _read_regular_file(p: Path, name: str, settle: float) -> bytes:
    """The file's bytes, only if it is a regular file within the size limit: a FIFO or a device (a link
    to /dev/zero) would block or never end, and a huge file would exhaust memory before any check."""
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())                  # the file actually opened, not what the name pointed to
        if not stat.S_ISREG(st.st_mode):
            raise unreadable("not-regular", name)
        if st.st_size > LIMITS.file_bytes:
            raise unreadable("file-too-large", name, size=human_size(st.st_size), limit=human_size(LIMITS.file_bytes))
        if is_growing(p, settle=settle):
            raise unreadable("growing", name)
        data = f.read(LIMITS.file_bytes + 1)
    if len(data) > LIMITS.file_bytes:              # grew while being read
        raise unreadable("file-too-large", name, size=f"{human_size(len(data))}以上",
                         limit=human_size(LIMITS.file_bytes))
    return data


def read_workbook_bytes(data: bytes, *, name: str, path: str | None = None, password: str | None = None,
                        max_cells: int = DEFAULT_MAX_CELLS,
                        max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES) -> RawBook:
    """Read a workbook held in memory (an upload, a mail attachment); `name` is what messages call it."""
    notes: list[str] = []
    kind, zf = sniff_package(data)
    if kind is FileKind.OLE_ENCRYPTED:
        data = _decrypt(data, password, name)
        notes.append("工作簿有打开密码，已在内存中解密读取，原文件未改动")
        kind, zf = sniff_package(data)
    if kind in (FileKind.XLSX, FileKind.XLSM):
        sheets = _read_ooxml(data, name, max_cells, max_unzipped_bytes, zf)
        book_kind = "xlsm" if kind is FileKind.XLSM else "xlsx"
    elif kind is FileKind.OLE_XLS:
        sheets = _read_xls(data, name, max_cells)
        book_kind = "xls"
        notes.append("这是 WPS 的 .et 文件（内容为旧版 .xls 格式），结果将另存为新的 .xlsx 文件"
                     if Path(name).suffix.lower() == ".et" else "这是旧版 .xls 文件，结果将另存为新的 .xlsx 文件")
    elif kind is FileKind.TRUNCATED and EOCD in data[-EOCD_SEARCH:]:
        raise unreadable("corrupt", name, detail="压缩包目录损坏")   # complete, yet broken: not a copy in progress
    else:
        raise unreadable(_REASON_BY_KIND.get(kind, "unknown"), name)
    notes.extend(_extension_notes(name, book_kind))
    return RawBook(path=path or name, kind=book_kind, sheets=sheets, notes=notes)


def _extension_notes(name: str, kind: str) -> list[str]:
    """Say so when the extension lies about the content (the writer must follow the content)."""
    ext = Path(name).suffix.lower()
    labels = {"xls": "旧版 .xls 格式", "xlsx": " .xlsx 格式", "xlsm": "启用宏的工作簿（.xlsm）格式"}
    expected = {"xls": {".xls", ".xlt", ".et"}, "xlsx": {".xlsx", ".xltx"}, "xlsm": {".xlsm", ".xltm"}}[kind]
    if not ext or ext in expected:
        return []
    return [f"文件扩展名是 {ext}，但内容是{labels[kind]}，已按实际内容读取"]


def _decrypt(data: bytes, password: str | None, name: str) -> bytes:
    """Decrypt an encrypted package or .xls in memory; the file on disk is never written."""
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    candidates = [password] if password is not None else []
    if password is None and _is_ole_xls(data):
        candidates.append(_XLS_DEFAULT_PASSWORD)
    for candidate in candidates:
        out = io.BytesIO()
        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(data))
            office.load_key(password=candidate)
            office.decrypt(out)
        except InvalidKeyError:
            continue
        except Exception as exc:                  # unsupported scheme, damaged header, olefile errors …
            raise unreadable("decrypt-failed", name, detail=_short(exc)) from exc
        return out.getvalue()
    raise unreadable("wrong-password" if password is not None else "encrypted", name)


def _is_ole_xls(data: bytes) -> bool:
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return ole.exists("Workbook") or ole.exists("Book")
    except Exception:
        return False


def _read_ooxml(data: bytes, name: str, max_cells: int, max_unzipped_bytes: int,
                zf: zipfile.ZipFile | None = None) -> dict[str, RawSheet]:
    """`zf`: the package's directory as the sniffer already read it (`sniff_package`); closed here."""
    if zf is None:
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise unreadable("corrupt", name, detail=_short(exc)) from exc
    with zf:
        package = inspect_package(zf, name, max_unzipped_bytes=max_unzipped_bytes, max_cells=max_cells, raw=data)
    checked = package.checked or data            # calamine reads the parts just checked, inflated once
    return _read_with_calamine(checked, name, lambda sheet_name, index: package.scans.get(sheet_name))


def _read_xls(data: bytes, name: str, max_cells: int) -> dict[str, RawSheet]:
    import olefile

    from xlrubric.readers.biff import BiffDamage, scan_workbook_stream  # imported for a legacy .xls only

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read()
    except Exception as exc:
        raise unreadable("corrupt", name, detail=_short(exc)) from exc
    try:
        biff = scan_workbook_stream(stream)
    except BiffDamage as exc:
        raise unreadable("corrupt", name, detail=f"{exc} 记录损坏") from exc
    for scan, sheet_name in zip(biff.sheets, biff.names, strict=True):  # calamine parses all .xls sheets
        check_sheet(scan, name, sheet_name, max_cells)                       # as soon as it opens the file
    check_book_cells(biff.sheets, name)

    def scan_for(sheet_name: str, index: int) -> SheetScan | None:
        return biff.sheets[index] if index < len(biff.sheets) else None
    return _read_with_calamine(data, name, scan_for)


def _read_with_calamine(data: bytes, name: str, scan_for) -> dict[str, RawSheet]:
    """Read every worksheet with calamine, then put back what it drops (None for '', CellError)."""
    sheets: dict[str, RawSheet] = {}
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metas = [m for m in book.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
        for meta in metas:
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            sheets[meta.name] = RawSheet(meta.name, rows, merged, _VISIBILITY.get(str(meta.visible), "visible"))
    except UnreadableWorkbook:
        raise
    except pc.PasswordError as exc:
        raise unreadable("encrypted", name) from exc
    except BaseException as exc:                  # calamine's errors, and pyo3's PanicException (a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise unreadable("unreadable", name, detail=_short(exc)) from exc
    for index, sheet in enumerate(sheets.values()):
        sheet.rows = [[None if v == "" else v for v in row] if "" in row else row for row in sheet.rows]
        scan = scan_for(sheet.name, index)
        if scan is not None and scan.errors:
            _put_errors(sheet.rows, scan.errors)
        if scan is not None and scan.hidden:
            sheet.hidden = scan.hidden
    return sheets


def _put_errors(rows: list[list[Any]], errors: dict[tuple[int, int], str]) -> None:
    for (r, c), code in errors.items():
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        row[c] = CellError(code)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
