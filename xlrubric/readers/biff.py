"""Walk the cell records of a legacy .xls (BIFF5/8) workbook stream.

Two things calamine does not tell us about an .xls: where error values are (it returns them as empty
strings) and, before it parses the file, how much memory it will reserve. It reserves for the area a
sheet's DIMENSIONS record declares, trusting it (a first row after the last one wraps around and makes
it abort the process, measured), and builds each sheet as a dense grid up to its last value. All of it
comes from fixed record prefixes, so a plain walk over the record headers is enough; no formula,
string or format is decoded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from xlrubric.readers.raw import HiddenLines
from xlrubric.readers.sheetscan import SheetScan, far_address

_BOF, _EOF, _BOUNDSHEET, _FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F
_FORMULA, _BOOLERR, _MULRK, _DIMENSIONS = 0x0006, 0x0205, 0x00BD, 0x0200
# ROW (its option flags at offset 12: 0x20 = fDyZero, the row is hidden), COLINFO (flags at 8: 0x01 = hidden),
# FILTERMODE / AUTOFILTERINFO (a filter is on the sheet): read for the hidden-row 警告 (`readers.hidden`)
_ROW, _COLINFO, _FILTERMODE, _AUTOFILTERINFO = 0x0208, 0x007D, 0x009B, 0x009D
# value records whose body starts with (row, column): NUMBER, RK, LABELSST, LABEL, RSTRING, FORMULA, BOOLERR
_VALUE_RECORDS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, _FORMULA, _BOOLERR})
ERROR_CODES = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
               0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
_HEADER = struct.Struct("<HH")


class BiffDamage(ValueError):
    """A record whose numbers would make calamine reserve absurd memory; the file is damaged."""


@dataclass
class BiffBook:
    """Per worksheet in the workbook's sheet order: its scan; plus whether the stream is encrypted."""

    sheets: list[SheetScan] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    encrypted: bool = False


def scan_workbook_stream(stream: bytes) -> BiffBook:
    """Scan every worksheet substream named by a BOUNDSHEET record (charts and macros are skipped)."""
    book = BiffBook()
    offsets: list[int] = []
    for typ, start, length in _records(stream, 0):
        if typ == _FILEPASS:
            book.encrypted = True
        elif typ == _BOUNDSHEET and length >= 6 and stream[start + 5] == 0:   # dt 0 = worksheet
            offsets.append(struct.unpack_from("<I", stream, start)[0])
            book.names.append(_sheet_name(stream[start + 6:start + length]))
        elif typ == _EOF:
            break
    for offset in offsets:
        book.sheets.append(_scan_sheet(stream, offset))
    return book


def _sheet_name(raw: bytes) -> str:
    """BIFF8 ShortXLUnicodeString (length, flags, Latin-1 or UTF-16LE); only used to name a sheet."""
    if len(raw) < 2:
        return ""
    count, wide = raw[0], raw[1] & 0x1
    body = raw[2:2 + count * (2 if wide else 1)]
    return body.decode("utf-16-le" if wide else "latin-1", "replace")


def _records(stream: bytes, pos: int):
    """Yield (type, body start, body length) until the stream ends or a header runs past it."""
    n = len(stream)
    while pos + 4 <= n:
        typ, length = _HEADER.unpack_from(stream, pos)
        if pos + 4 + length > n:
            return
        yield typ, pos + 4, length
        pos += 4 + length


def _scan_sheet(stream: bytes, offset: int) -> SheetScan:
    n_rows = n_cols = 0
    errors: dict[tuple[int, int], str] = {}
    hidden_rows: set[int] = set()
    hidden_cols: list[tuple[int, int]] = []
    filtered = False
    first = True
    for typ, start, length in _records(stream, offset):
        if first:
            first = False
            if typ != _BOF:
                break                                     # a BOUNDSHEET pointing into nowhere
            continue
        if typ == _EOF:
            break
        if typ in _VALUE_RECORDS and length >= 4:
            row, col = _HEADER.unpack_from(stream, start)
            last_col = col
            if typ == _FORMULA and length >= 14 and stream[start + 12:start + 14] == b"\xff\xff" \
                    and stream[start + 6] == 2:
                errors[(row, col)] = ERROR_CODES.get(stream[start + 8], "#VALUE!")
            elif typ == _BOOLERR and length >= 8 and stream[start + 7] == 1:
                errors[(row, col)] = ERROR_CODES.get(stream[start + 6], "#VALUE!")
        elif typ == _MULRK and length >= 6:
            row, col = _HEADER.unpack_from(stream, start)
            last_col = struct.unpack_from("<H", stream, start + length - 2)[0]
        elif typ == _ROW and length >= 14:
            if stream[start + 12] & 0x20:
                hidden_rows.add(_HEADER.unpack_from(stream, start)[0])
            continue
        elif typ == _COLINFO and length >= 10:
            if stream[start + 8] & 0x01:
                hidden_cols.append(_HEADER.unpack_from(stream, start))
            continue
        elif typ in (_FILTERMODE, _AUTOFILTERINFO):
            filtered = True
            continue
        elif typ == _DIMENSIONS and length >= 10:   # calamine reserves room for the declared area
            if length >= 14:
                row_first, row_end, col_first, col_end = struct.unpack_from("<IIHH", stream, start)
            else:
                row_first, row_end, col_first, col_end = struct.unpack_from("<HHHH", stream, start)
            if row_first > row_end or col_first > col_end:   # calamine's end − start would wrap around
                raise BiffDamage("DIMENSIONS")
            row, col, last_col = max(row_end - 1, 0), 0, max(col_end - 1, 0)
        else:
            continue
        n_rows, n_cols = max(n_rows, row + 1), max(n_cols, last_col + 1, col + 1)
    return SheetScan(n_rows, n_cols, far_cell=far_address(n_rows, n_cols), exact=True, errors=errors,
                     hidden=HiddenLines(frozenset(hidden_rows), tuple(hidden_cols), filtered))
