"""Hand calamine each worksheet with its merged-cell list at the front, so it reads the sheet once, not twice.

Why (measured with python-calamine 0.9.1 / calamine 0.36, callgrind, bench_compute's 300-teacher book):
`get_sheet_by_name` reads the sheet's cells (`worksheet_range`) and then its merged cells
(`worksheet_merge_cells`), and the second one runs the XML parser from the start of the part until it meets a
`mergeCells` start tag — which every writer puts *after* `sheetData`, so each sheet is parsed twice: 43 M of the
book's 107 M instructions of calamine, about 6 ms of a 26 ms read. calamine's cell reader skips every element
before `sheetData` that is not `dimension`, so the same part with its `<mergeCells>` element moved to just after
the `<worksheet …>` start tag reads to the same cells, and the merged-cell reader stops there. A sheet without
merges gets an empty `<mergeCells/>` there (calamine expands empty elements): the reader finds no merge, as
it would at the end of the part.

Only the plain form every writer makes is moved; anything else goes to calamine as the school's bytes
(`None`): a comment, CDATA or a processing instruction after the declaration (a tag inside one is no tag), a
prefixed `x:mergeCells` (or any second one), a root that is not `<worksheet`, a `mergeCells` element that holds
anything but `<mergeCell …/>` tags. The part's CRC-32 is checked against its directory entry before
(a damaged part goes to calamine unchanged, to be refused as before) and worked out anew for the moved bytes.
`tests/test_read_merge_first.py` reads random sheets both ways (cells, merges, refusals).
"""

from __future__ import annotations

import re
import zipfile

try:  # the same CRC-32, about 20× quicker than zlib 1.2's
    from isal.isal_zlib import crc32
except ImportError:  # pragma: no cover - no isal wheel for this platform
    from zlib import crc32

_ROOT = re.compile(rb"""(?:<\?xml[^<>]*\?>)?[ \t\r\n]*<worksheet(?:[ \t\r\n]+[\w:.\-]+[ \t\r\n]*=[ \t\r\n]*"""
                   rb"""(?:"[^"<]*"|'[^'<]*'))*[ \t\r\n]*>""")
_MERGES = re.compile(rb"<mergeCells(?:[ \t\r\n][^<>]*)?>(?:[ \t\r\n]*<mergeCell[ \t\r\n][^<>]*/>)*[ \t\r\n]*"
                     rb"</mergeCells>")
_EMPTY = b"<mergeCells/>"


def merges_first(data: bytes) -> bytes | None:
    """The worksheet part with its `<mergeCells>` element (or an empty one) right after the root start tag;
    None when the part is not in the plain form this is proved for."""
    decl = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0
    if _follows(data, b"!", b"<", 0) or _follows(data, b"?", b"<", decl):
        return None                                # a comment, CDATA or PI could hold a tag-like text
    root = _ROOT.match(data)
    if root is None:
        return None
    at = root.end()
    found = _words(data)
    if not found:
        return b"".join((data[:at], _EMPTY, data[at:]))
    start = found[0] - 1
    whole = _MERGES.match(data, start) if start >= at else None
    if whole is None or len(found) != 2 or found[1] != whole.end() - 11:
        return None                                # a prefixed, repeated or odd one, or the word in a text
    end = whole.end()
    return b"".join((data[:at], data[start:end], data[at:start], data[end:]))


_LOOKS = 64                                        # single-byte finds before the plain search takes over


def _follows(data: bytes, mark: bytes, before: bytes, start: int) -> bool:
    """Whether `before + mark` occurs in data[start:].

    Why not `before + mark in data`: a two-byte needle that starts with `<` costs about 3 ns a byte in
    CPython's search (1.2 ms on a 444 KB sheet, where `<` is every tenth byte), while `find` of one byte is
    memchr (10-30 µs); `!` and `?` are rare in a sheet, so each one found is looked at until there are many.
    """
    pos = data.find(mark, start)
    for _ in range(_LOOKS):
        if pos < 0:
            return False
        if pos > start and data[pos - 1:pos] == before:
            return True
        pos = data.find(mark, pos + 1)
    return pos >= 0 and before + mark in data[pos - 1:]


def _words(data: bytes) -> list[int]:
    """Where the word `mergeCells` occurs, by its `g` (rare in a sheet's markup; UTF-8 of CJK text never
    holds it), as `_follows` does; returns up to three positions (more are as bad as three to the caller)."""
    found: list[int] = []
    pos = data.find(b"g", 3)
    for _ in range(_LOOKS):
        if pos < 0 or len(found) > 2:
            return found
        if data.startswith(b"mergeCells", pos - 3):
            found.append(pos - 3)
        pos = data.find(b"g", pos + 1)
    if pos < 0:
        return found
    pos = data.find(b"mergeCells", pos - 3)
    while pos >= 0 and len(found) < 3:
        found.append(pos)
        pos = data.find(b"mergeCells", pos + 1)
    return found


def handed_over(info: zipfile.ZipInfo, data: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    """(entry, bytes) calamine is to read for one worksheet part: moved when `merges_first` can and the part's
    bytes match its CRC-32, else the part as it is."""
    moved = merges_first(data)
    if moved is None or crc32(data) != info.CRC:
        return info, data
    entry = zipfile.ZipInfo(info.filename, info.date_time)
    entry.orig_filename, entry.flag_bits, entry.CRC = info.orig_filename, info.flag_bits, crc32(moved)
    return entry, moved
